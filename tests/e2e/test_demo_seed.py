"""`make demo`'s content through the real stack: after local/seed.py, demo and demo2 follow
each other, demo has unread notifications (demo2's comment, demo2's new clip), a public
playlist of its clips in order and demo2's clip in Watch later; seeding again adds nothing."""
from __future__ import annotations

import time

import pytest
import requests

from local.seed import (COMMENT_TEXT, DEMO2_CLIPS, DEMO2_USER, DEMO_CLIPS, DEMO_USER,
                        PLAYLIST_TITLE, DemoSeeder)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def get(api: str, path: str, token: str | None = None, **params) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answer = requests.get(f"{api}{path}", headers=headers, params=params, timeout=30)
    assert answer.status_code == 200, (path, answer.text)
    return answer.json()


def sign_in(api: str, credentials: dict) -> dict:
    login = requests.post(f"{api}/auth/login", timeout=30, json={
        "username": credentials["username"], "password": credentials["password"]})
    assert login.status_code == 200, login.text
    return login.json()


def notifications_once_delivered(api: str, token: str, count: int) -> list[dict]:
    """The caller's notifications once `count` are there: a new video's go out through an
    asynchronous fan-out job, after its publication."""
    deadline = time.monotonic() + 60
    while True:
        items = get(api, "/notification", token, limit=100)["items"]
        if len(items) >= count or time.monotonic() > deadline:
            return items
        time.sleep(0.5)


def seed_twice(api: str, capsys) -> tuple[str, str]:
    outputs = []
    for _ in range(2):
        DemoSeeder(api).run()
        outputs.append(capsys.readouterr().out)
    return outputs[0], outputs[1]


def test_demo_seed_shows_follows_notifications_and_playlists(local_stack, capsys):
    api = local_stack.url
    first, second = seed_twice(api, capsys)
    for out in (first, second):  # the accounts to sign in with, each run
        for account in (DEMO_USER, DEMO2_USER):
            assert f"{account['username']} / {account['password']}" in out

    demo, demo2 = sign_in(api, DEMO_USER), sign_in(api, DEMO2_USER)
    token, token2 = demo["accessToken"], demo2["accessToken"]

    # They follow each other.
    follows = get(api, "/me/subscriptions", token)["items"]
    assert [s["user"]["username"] for s in follows] == [DEMO2_USER["username"]]
    follows2 = get(api, "/me/subscriptions", token2)["items"]
    assert [s["user"]["username"] for s in follows2] == [DEMO_USER["username"]]
    assert get(api, f"/channel/@{DEMO_USER['username']}")["channel"]["subscriberCount"] == 1

    # Clips published once each, both seeds together.
    videos = get(api, f"/video/user/{demo['user']['id']}", token)["items"]
    assert sorted(v["title"] for v in videos) == sorted(t for t, _, _ in DEMO_CLIPS)
    assert {v["status"] for v in videos} == {"PUBLIC"}
    their_videos = get(api, f"/video/user/{demo2['user']['id']}", token2)["items"]
    assert [v["title"] for v in their_videos] == [t for t, _, _ in DEMO2_CLIPS]

    # demo: unread notifications of demo2's comment and demo2's new clip, once each.
    items = notifications_once_delivered(api, token, 2)
    assert sorted((n["kind"], n["actor"]["username"], n["read"]) for n in items) == [
        ("comment", DEMO2_USER["username"], False), ("video", DEMO2_USER["username"], False)]
    by_kind = {n["kind"]: n for n in items}
    assert by_kind["comment"]["comment"]["text"] == COMMENT_TEXT
    assert by_kind["video"]["video"]["title"] == DEMO2_CLIPS[0][0]
    assert get(api, "/notification/unread-count", token)["unreadCount"] == 2
    # demo2 was told of demo's clips, published after the follow.
    items2 = notifications_once_delivered(api, token2, len(DEMO_CLIPS))
    assert sorted(n["video"]["title"] for n in items2 if n["kind"] == "video") == \
        sorted(t for t, _, _ in DEMO_CLIPS)

    # demo's public playlist: its clips in the seed's order, once each; anyone sees it.
    listed = get(api, f"/playlist/user/{demo['user']['id']}")["items"]
    assert [(p["title"], p["visibility"]) for p in listed] == [(PLAYLIST_TITLE, "public")]
    playlist = get(api, f"/playlist/{listed[0]['id']}")["playlist"]
    assert [e["video"]["title"] for e in playlist["items"]] == [t for t, _, _ in DEMO_CLIPS]
    assert [e["position"] for e in playlist["items"]] == [0, 1, 2]

    # demo's Watch later holds demo2's clip.
    later = get(api, "/playlist/watch-later", token)["playlist"]
    assert [e["video"]["title"] for e in later["items"]] == [DEMO2_CLIPS[0][0]]
    # One comment, not one per run.
    first_clip = next(v for v in videos if v["title"] == DEMO_CLIPS[0][0])
    thread = get(api, f"/comment/{first_clip['id']}")["items"]
    assert [(c["author"]["username"], c["text"]) for c in thread] == [
        (DEMO2_USER["username"], COMMENT_TEXT)]
