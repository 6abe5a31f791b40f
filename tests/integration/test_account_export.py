"""Exporting one's data as JSON (issue 16, item 1; docs/API.md "Exporting your data")."""
from __future__ import annotations

import json

from tests.support.api import register_user
from tests.support.people import Member


def test_the_export_holds_the_account_and_everything_it_made(auth_api, like_api, comment_api,
                                                             make_video, member, mailbox):
    session = register_user(auth_api, "ada", mailbox=mailbox)
    ada = Member(session["user"]["id"], "ada", session["accessToken"])
    bob = member("bob")
    mine, theirs = make_video(ada, title="Mine"), make_video(bob, title="Theirs")
    assert like_api.put(f"/like/{theirs}", {"rating": "like"}, token=ada.token).status == 200
    assert comment_api.post(f"/comment/{theirs}", {"text": "nice"},
                            token=ada.token).status == 201
    assert comment_api.post(f"/comment/{mine}", {"text": "not mine"},
                            token=bob.token).status == 201

    assert auth_api.get("/auth/me/export").status == 401
    answer = auth_api.get("/auth/me/export", token=ada.token)
    assert answer.status == 200, answer.body
    data = answer.json
    assert data["format"] == "tuber-export/1" and data["nextCursor"] is None
    assert data["account"]["username"] == "ada" and data["account"]["emailVerified"] is True
    assert data["account"]["email"] == "ada@example.com"
    assert len(data["sessions"]) == 1 and data["sessions"][0]["endedAt"] is None
    assert [v["title"] for v in data["videos"]] == ["Mine"]
    assert [c["text"] for c in data["comments"]] == ["nice"]
    assert data["ratings"] == [{"videoId": theirs, "rating": "like",
                                "ratedAt": data["ratings"][0]["ratedAt"]}]
    # Nothing secret, nothing of others.
    text = answer.body
    for secret in ("passwordHash", "$2b$", session["refreshToken"], "tokenVersion", "bob"):
        assert secret not in text


def test_a_large_export_continues_with_a_cursor(auth_api, comment_api, make_video, member,
                                                monkeypatch, db):
    from tuber_common.settings import get_settings

    monkeypatch.setenv("EXPORT_PAGE_BYTES", str(64 * 1024))
    get_settings.cache_clear()
    session = register_user(auth_api, "ada")
    ada = Member(session["user"]["id"], "ada", session["accessToken"])
    video = make_video(member("bob"))
    for i in range(250):
        assert comment_api.post(f"/comment/{video}", {"text": f"{i:04d} " + "x" * 600},
                                token=ada.token).status == 201
    pages, cursor = [], None
    while True:
        answer = auth_api.get("/auth/me/export", token=ada.token,
                              query={"cursor": cursor} if cursor else None)
        assert answer.status == 200, answer.body
        assert len(answer.body) < 64 * 1024 + 200 * 1000
        pages.append(answer.json)
        cursor = answer.json["nextCursor"]
        if cursor is None:
            break
    assert len(pages) > 1 and "account" in pages[0] and "account" not in pages[1]
    texts = [c["text"][:4] for p in pages for c in p.get("comments", [])]
    assert texts == [f"{i:04d}" for i in range(250)]


def test_a_malformed_export_cursor_is_400(auth_api):
    session = register_user(auth_api, "ada")
    for cursor in ("nonsense", "W10", json.dumps([9, None]), "WzAsNV0"):
        answer = auth_api.get("/auth/me/export", token=session["accessToken"],
                              query={"cursor": cursor})
        assert (answer.status, answer.error_code) == (400, "invalid_cursor"), cursor
