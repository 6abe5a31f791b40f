"""Suspension by a moderator (docs/API.md "Moderation"): the account cannot sign in, its
refresh tokens and access tokens stop working at once, its channel and videos are hidden."""
from __future__ import annotations

from tests.support.api import DEFAULT_PASSWORD
from tests.support.people import Member


def test_a_suspended_account_is_locked_out_and_hidden(
        db, monkeypatch, auth_api, make_user, moderation_api, file_report, staff, member,
        make_video, video_api, channel_api, like_api):
    from tuber_common.settings import get_settings

    # Reads too, not only writes, see the suspension at once (no container copy).
    monkeypatch.setenv("ACCOUNT_STATUS_CACHE_SECONDS", "0")
    get_settings.cache_clear()
    session = make_user("troll", DEFAULT_PASSWORD)
    troll = Member(session["user"]["id"], "troll", session["accessToken"])
    video = make_video(troll, title="troll video")
    unlisted = make_video(troll, visibility="unlisted")
    viewer = member()
    assert video in [v["id"] for v in video_api.get("/video").json["items"]]
    report = file_report(viewer, "user", troll.id, "harassment", note="threatens people")

    answer = moderation_api.post(f"/report/{report['id']}/resolve",
                                 {"action": "suspend", "note": "threats"},
                                 token=staff().token)
    assert answer.status == 200, answer.body
    assert answer.json["resolution"]["reason"] == "harassment"

    # Sign-in: refused (once the password is right: a wrong one says nothing more).
    login = auth_api.post("/auth/login", {"username": "troll", "password": DEFAULT_PASSWORD})
    assert login.status == 403 and login.error_code == "account_suspended"
    wrong = auth_api.post("/auth/login", {"username": "troll", "password": "not it at all"})
    assert wrong.status == 401 and wrong.error_code == "invalid_credentials"
    # Its session: no refresh, no access token, reads and writes alike.
    refresh = auth_api.post("/auth/refresh", {"refreshToken": session["refreshToken"]})
    assert refresh.status == 403 and refresh.error_code == "account_suspended"
    for answer in (auth_api.get("/auth/me", token=troll.token),
                   video_api.get("/video", token=troll.token),
                   like_api.put(f"/like/{video}", {"rating": "like"}, token=troll.token),
                   moderation_api.post("/report", {"targetType": "user", "targetId": viewer.id,
                                                   "reason": "spam"}, token=troll.token)):
        assert answer.status == 403 and answer.error_code == "account_suspended", answer.body
    # Its channel and its videos are gone for everyone.
    assert channel_api.get(f"/channel/{troll.id}").status == 404
    assert video not in [v["id"] for v in video_api.get("/video").json["items"]]
    for vid in (video, unlisted):
        assert video_api.get(f"/video/{vid}", token=viewer.token).status == 404
    assert video_api.get(f"/video/user/{troll.id}").json["items"] == []
    # Nobody can report it any more, and it left the queue.
    again = moderation_api.post("/report", {"targetType": "user", "targetId": troll.id,
                                            "reason": "spam"}, token=member().token)
    assert again.status == 404 and again.error_code == "user_not_found"


def test_suspending_from_a_video_report_takes_it_down_and_suspends_its_owner(
        db, moderation_api, file_report, staff, member, make_video, video_api, comment_api):
    from bson import ObjectId

    owner, someone = member(), member()
    video, other = make_video(owner), make_video(owner)
    elsewhere = make_video(someone)
    # The owner's comments leave every thread (a placeholder where others replied).
    said = [comment_api.post(f"/comment/{elsewhere}", {"text": text}, token=owner.token)
            .json["comment"]["id"] for text in ("first", "second")]
    comment_api.post(f"/comment/{elsewhere}", {"text": "reply", "parentId": said[1]},
                     token=someone.token)
    report = file_report(member(), "video", video, "spam")
    answer = moderation_api.post(f"/report/{report['id']}/resolve", {"action": "suspend"},
                                 token=staff().token)
    assert answer.status == 200, answer.body
    user = db.users.find_one({"_id": ObjectId(owner.id)})
    assert user["suspendedAt"] is not None and user["suspensionReason"] == "spam"
    marks = {str(v["_id"]): v["moderation"]["status"]
             for v in db.videos.find({"ownerId": ObjectId(owner.id)})}
    assert marks == {video: "taken_down", other: "account_suspended"}
    assert [v["id"] for v in video_api.get("/video").json["items"]] == [elsewhere]
    thread = comment_api.get(f"/comment/{elsewhere}", token=someone.token).json["items"]
    assert [(c["id"], c["text"], c["deleted"]) for c in thread] == [(said[1], "", True)]
