"""Watch history beyond /history: GET /video/{videoId} answers the signed-in viewer's
resume point; deleting a video or an account removes its entries; the export lists them."""
from __future__ import annotations

from bson import ObjectId

from tests.support.api import DEFAULT_PASSWORD, register_user
from tests.support.people import Member
from tuber_common.ids import parse_video_id


def test_get_video_answers_where_the_viewer_stopped(history_api, video_api, member,
                                                    long_video):
    owner, viewer, other = member(), member(), member()
    vid = long_video(owner, 600)

    def resume(who):
        answer = video_api.get(f"/video/{vid}", token=who.token if who else None)
        assert answer.status == 200, answer.body
        return answer.json["video"].get("resumeAtSeconds", "absent")

    assert resume(viewer) == 0  # never watched
    history_api.put(f"/history/{vid}", {"positionSeconds": 123.4}, token=viewer.token)
    assert resume(viewer) == 123.4
    assert resume(other) == 0  # each viewer has their own
    assert resume(None) == "absent"  # anonymous: nothing to resume
    # Watched to the end: it starts over.
    history_api.put(f"/history/{vid}", {"positionSeconds": 595}, token=viewer.token)
    assert resume(viewer) == 0
    # Removed from history: nothing to resume either.
    history_api.put(f"/history/{vid}", {"positionSeconds": 60}, token=viewer.token)
    history_api.delete(f"/history/{vid}", token=viewer.token)
    assert resume(viewer) == 0


def test_deleting_a_video_removes_it_from_every_history(history_api, video_api, member,
                                                        long_video, db):
    owner, a, b = member(), member(), member()
    gone, kept = long_video(owner), long_video(owner)
    for who in (a, b):
        for vid in (gone, kept):
            history_api.put(f"/history/{vid}", {"positionSeconds": 7}, token=who.token)

    assert video_api.delete(f"/video/{gone}", token=owner.token).status == 204

    assert db.watch_history.count_documents({"videoId": parse_video_id(gone)}) == 0
    for who in (a, b):
        page = history_api.get("/history", token=who.token).json
        assert [i["video"]["id"] for i in page["items"]] == [kept]


def test_deleting_an_account_deletes_its_history(auth_api, history_api, member, long_video,
                                                 db):
    session = register_user(auth_api, "leaver")
    leaver = Member(session["user"]["id"], "leaver", session["accessToken"])
    stayer = member()
    vid = long_video(member())
    for who in (leaver, stayer):
        history_api.put(f"/history/{vid}", {"positionSeconds": 7}, token=who.token)
    history_api.put("/history/settings", {"paused": True}, token=leaver.token)

    answer = auth_api.call("DELETE", "/auth/me", json_body={"password": DEFAULT_PASSWORD},
                           token=leaver.token)

    assert answer.json["deletion"]["status"] == "complete", answer.body
    assert db.watch_history.count_documents({"userId": ObjectId(leaver.id)}) == 0
    assert db.history_settings.count_documents({"_id": ObjectId(leaver.id)}) == 0
    assert db.watch_history.count_documents({"userId": ObjectId(stayer.id)}) == 1


def test_export_lists_the_history(auth_api, history_api, member, long_video):
    session = register_user(auth_api, "keeper")
    keeper = Member(session["user"]["id"], "keeper", session["accessToken"])
    owner = member()
    first, second = long_video(owner), long_video(owner)
    history_api.put(f"/history/{first}", {"positionSeconds": 11}, token=keeper.token)
    history_api.put(f"/history/{second}", {"positionSeconds": 22}, token=keeper.token)

    answer = auth_api.get("/auth/me/export", token=keeper.token)

    assert answer.status == 200, answer.body
    history = answer.json["history"]
    # Least recently watched first, as every export list is oldest first.
    assert [(h["videoId"], h["positionSeconds"]) for h in history] == \
        [(first, 11), (second, 22)]
    assert all(h["lastWatchedAt"].endswith("Z") for h in history)
