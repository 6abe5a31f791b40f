"""/history (issue 17): the player's reports, the list last watched first, resume points,
watched to the end, pause, remove and clear, who may record what, bad input."""
from __future__ import annotations

import pytest

from tuber_common.ids import parse_video_id


def listed(history_api, who, **query):
    answer = history_api.get("/history", token=who.token, query=query)
    assert answer.status == 200, answer.body
    return answer.json


def ids_of(page):
    return [item["video"]["id"] for item in page["items"]]


def test_report_then_list(history_api, member, long_video):
    owner, viewer = member(), member()
    vid = long_video(owner, 600)

    answer = history_api.put(f"/history/{vid}", {"positionSeconds": 42.5}, token=viewer.token)

    assert answer.status == 200, answer.body
    assert answer.json["recorded"] is True and answer.json["paused"] is False
    assert answer.json["positionSeconds"] == 42.5
    assert answer.json["resumeAtSeconds"] == 42.5 and answer.json["watched"] is False
    page = listed(history_api, viewer)
    assert page["paused"] is False and page["nextCursor"] is None
    [item] = page["items"]
    assert item["video"]["id"] == vid and item["video"]["title"] == "A test video"
    assert item["video"]["owner"]["id"] == owner.id
    assert (item["positionSeconds"], item["resumeAtSeconds"], item["watched"]) == \
        (42.5, 42.5, False)
    assert item["lastWatchedAt"] == answer.json["lastWatchedAt"]
    # Someone else's history is their own.
    assert listed(history_api, owner)["items"] == []


def test_one_entry_per_video_moved_to_the_top_when_watched_again(history_api, member,
                                                                  long_video, db):
    owner, viewer = member(), member()
    first, second, third = (long_video(owner) for _ in range(3))
    for vid in (first, second, third):
        history_api.put(f"/history/{vid}", {"positionSeconds": 5}, token=viewer.token)
    assert ids_of(listed(history_api, viewer)) == [third, second, first]

    # Watching the first one again (several reports) moves it up; it stays one entry.
    for position in (10, 20, 30):
        history_api.put(f"/history/{first}", {"positionSeconds": position},
                        token=viewer.token)

    page = listed(history_api, viewer)
    assert ids_of(page) == [first, third, second]
    assert page["items"][0]["positionSeconds"] == 30
    assert db.watch_history.count_documents({"videoId": parse_video_id(first)}) == 1


def test_pages_follow_the_cursor(history_api, member, long_video):
    owner, viewer = member(), member()
    videos = [long_video(owner) for _ in range(5)]
    for vid in videos:
        history_api.put(f"/history/{vid}", {"positionSeconds": 1}, token=viewer.token)

    seen, cursor = [], None
    while True:
        page = listed(history_api, viewer, limit=2, **({"cursor": cursor} if cursor else {}))
        assert len(page["items"]) <= 2
        seen += ids_of(page)
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == list(reversed(videos))


@pytest.mark.parametrize("duration, position, watched", [
    (600, 560, False),   # 40 s left of 10 minutes: resume there
    (600, 571, True),    # the last 5% (30 s): starts over
    (30, 19, False),     # 11 s left
    (30, 21, True),      # under 10 s left of a short video
    (7200, 6900, True),  # a film's credits (5 minutes left of 2 hours)
    (None, 5000, False),  # length not known yet: never "watched"
])
def test_near_the_end_counts_as_watched(history_api, member, long_video, duration, position,
                                        watched):
    owner, viewer = member(), member()
    vid = long_video(owner, duration)
    answer = history_api.put(f"/history/{vid}", {"positionSeconds": position},
                             token=viewer.token)
    assert answer.json["watched"] is watched
    assert answer.json["resumeAtSeconds"] == (0 if watched else position)
    [item] = listed(history_api, viewer)["items"]
    assert (item["watched"], item["resumeAtSeconds"]) == (watched, 0 if watched else position)


def test_position_beyond_the_end_is_clamped(history_api, member, long_video):
    owner, viewer = member(), member()
    vid = long_video(owner, 120.0)
    answer = history_api.put(f"/history/{vid}", {"positionSeconds": 121.3}, token=viewer.token)
    assert answer.status == 200
    assert (answer.json["positionSeconds"], answer.json["watched"]) == (120.0, True)


@pytest.mark.parametrize("body", [
    {}, {"positionSeconds": -1}, {"positionSeconds": "12"}, {"positionSeconds": True},
    {"positionSeconds": None}, {"positionSeconds": 10 ** 9},
    {"positionSeconds": 1, "playbackId": "p1"}, {"positionSeconds": 1, "sequence": 3},
    {"positionSeconds": 1, "playbackId": "not/safe", "sequence": 1},
    {"positionSeconds": 1, "playbackId": "p1", "sequence": -1},
    {"positionSeconds": 1, "playbackId": "p1", "sequence": 1.5},
])
def test_bad_reports_are_422(history_api, member, long_video, body, db):
    owner, viewer = member(), member()
    vid = long_video(owner)
    answer = history_api.put(f"/history/{vid}", body, token=viewer.token)
    assert (answer.status, answer.error_code) == (422, "validation_error"), answer.body
    assert db.watch_history.count_documents({}) == 0


def test_settings_body_is_checked(history_api, member):
    viewer = member()
    for body in ({}, {"paused": "yes"}, {"paused": 1}):
        answer = history_api.put("/history/settings", body, token=viewer.token)
        assert (answer.status, answer.error_code) == (422, "validation_error"), body


def test_anonymous_callers_get_401(history_api, member, long_video):
    vid = long_video(member())
    for method, path, body in [("PUT", f"/history/{vid}", {"positionSeconds": 1}),
                               ("GET", "/history", None), ("DELETE", f"/history/{vid}", None),
                               ("DELETE", "/history", None), ("GET", "/history/settings", None),
                               ("PUT", "/history/settings", {"paused": True})]:
        answer = history_api.call(method, path, json_body=body)
        assert (answer.status, answer.error_code) == (401, "authentication_required"), path


# Who may record a video: as for seeing it (tuber_common.videos.can_see).
@pytest.mark.parametrize("visibility, status, caller, recorded", [
    ("public", "PUBLIC", "other", True),
    ("unlisted", "PUBLIC", "other", True),
    ("private", "PUBLIC", "other", False),
    ("public", "PROCESSING", "other", False),
    ("private", "PUBLIC", "owner", True),
    ("public", "PROCESSING", "owner", True),
])
def test_only_videos_the_caller_may_see_are_recorded(history_api, member, long_video,
                                                     visibility, status, caller, recorded):
    owner, other = member(), member()
    who = owner if caller == "owner" else other
    vid = long_video(owner, visibility=visibility, status=status)
    answer = history_api.put(f"/history/{vid}", {"positionSeconds": 3}, token=who.token)
    if recorded:
        assert answer.status == 200 and answer.json["recorded"] is True
        assert ids_of(listed(history_api, who)) == [vid]
    else:
        assert (answer.status, answer.error_code) == (404, "video_not_found")
        assert listed(history_api, who)["items"] == []


def test_unknown_and_malformed_videos_are_404(history_api, member):
    viewer = member()
    for vid in ("nope", "A" * 21 + "Q", "0" * 24):
        answer = history_api.put(f"/history/{vid}", {"positionSeconds": 1}, token=viewer.token)
        assert (answer.status, answer.error_code) == (404, "video_not_found"), vid


def test_a_video_gone_private_is_hidden_and_comes_back(history_api, member, long_video, db):
    owner, viewer = member(), member()
    kept, hidden = long_video(owner), long_video(owner)
    for vid in (kept, hidden):
        history_api.put(f"/history/{vid}", {"positionSeconds": 9}, token=viewer.token)

    db.videos.update_one({"_id": parse_video_id(hidden)}, {"$set": {"visibility": "private"}})
    assert ids_of(listed(history_api, viewer)) == [kept]
    # The owner's own private video still shows in the owner's history.
    history_api.put(f"/history/{hidden}", {"positionSeconds": 1}, token=owner.token)
    assert ids_of(listed(history_api, owner)) == [hidden]

    db.videos.update_one({"_id": parse_video_id(hidden)}, {"$set": {"visibility": "public"}})
    page = listed(history_api, viewer)
    assert ids_of(page) == [hidden, kept] and page["items"][0]["positionSeconds"] == 9


def test_pause_records_nothing_new(history_api, member, long_video):
    owner, viewer = member(), member()
    seen, unseen = long_video(owner), long_video(owner)
    history_api.put(f"/history/{seen}", {"positionSeconds": 50}, token=viewer.token)
    assert history_api.get("/history/settings", token=viewer.token).json == {"paused": False}

    paused = history_api.put("/history/settings", {"paused": True}, token=viewer.token)
    assert (paused.status, paused.json) == (200, {"paused": True})

    for vid in (seen, unseen):
        answer = history_api.put(f"/history/{vid}", {"positionSeconds": 80}, token=viewer.token)
        assert answer.status == 200
        assert answer.json == {"recorded": False, "paused": True, "reason": "history_paused"}
    page = listed(history_api, viewer)
    # What was there stays (pausing deletes nothing), unchanged.
    assert page["paused"] is True
    assert [(i["video"]["id"], i["positionSeconds"]) for i in page["items"]] == [(seen, 50)]
    assert history_api.get("/history/settings", token=viewer.token).json == {"paused": True}

    history_api.put("/history/settings", {"paused": False}, token=viewer.token)
    assert history_api.put(f"/history/{unseen}", {"positionSeconds": 80},
                           token=viewer.token).json["recorded"] is True
    assert ids_of(listed(history_api, viewer)) == [unseen, seen]


def test_remove_one_and_clear(history_api, member, long_video):
    owner, viewer, other = member(), member(), member()
    a, b, c = (long_video(owner) for _ in range(3))
    for vid in (a, b, c):
        history_api.put(f"/history/{vid}", {"positionSeconds": 2}, token=viewer.token)
    history_api.put(f"/history/{a}", {"positionSeconds": 2}, token=other.token)

    removed = history_api.delete(f"/history/{b}", token=viewer.token)
    assert (removed.status, removed.body) == (204, "")
    assert ids_of(listed(history_api, viewer)) == [c, a]
    # Removing again (a retry) or what was never there is fine; a malformed id is 404.
    assert history_api.delete(f"/history/{b}", token=viewer.token).status == 204
    assert history_api.delete("/history/nope", token=viewer.token).status == 404

    history_api.put("/history/settings", {"paused": True}, token=viewer.token)
    cleared = history_api.delete("/history", token=viewer.token)
    assert cleared.status == 204
    page = listed(history_api, viewer)
    assert page["items"] == [] and page["paused"] is True  # the setting stays
    # Others' history is theirs.
    assert ids_of(listed(history_api, other)) == [a]


def test_a_late_report_of_the_same_playback_changes_nothing(history_api, member, long_video):
    owner, viewer = member(), member()
    vid = long_video(owner)

    def report(position, playback=None, sequence=None):
        body = {"positionSeconds": position}
        if playback:
            body |= {"playbackId": playback, "sequence": sequence}
        answer = history_api.put(f"/history/{vid}", body, token=viewer.token)
        assert answer.status == 200, answer.body
        return answer.json

    assert report(30, "tab1", 3)["recorded"] is True
    # Sent before the one above, arriving after it (or a repeat of it).
    assert report(20, "tab1", 2) == {"recorded": False, "paused": False,
                                     "reason": "stale_report"}
    assert report(30, "tab1", 3)["recorded"] is False
    assert listed(history_api, viewer)["items"][0]["positionSeconds"] == 30
    # A new playback (another tab, a reload) starts its own sequence: it wins.
    assert report(5, "tab2", 0)["recorded"] is True
    assert report(6, "tab2", 1)["recorded"] is True
    # As does a report without one (the last to arrive wins).
    assert report(100)["recorded"] is True
    assert report(31, "tab1", 4)["recorded"] is True
    assert listed(history_api, viewer)["items"][0]["positionSeconds"] == 31


def test_history_keeps_the_newest_entries_up_to_its_cap(history_api, member, long_video,
                                                        monkeypatch):
    from tuber_history import history

    monkeypatch.setattr(history, "MAX_ENTRIES", 3)
    owner, viewer = member(), member()
    videos = [long_video(owner) for _ in range(5)]
    for vid in videos:
        history_api.put(f"/history/{vid}", {"positionSeconds": 1}, token=viewer.token)
    assert ids_of(listed(history_api, viewer)) == list(reversed(videos[-3:]))


def test_videos_with_legacy_ids(history_api, member, long_video):
    owner, viewer = member(), member()
    old, new = long_video(owner, legacy_id=True), long_video(owner)
    for vid in (old, new):
        assert history_api.put(f"/history/{vid}", {"positionSeconds": 4},
                               token=viewer.token).json["recorded"] is True
    page = listed(history_api, viewer, limit=1)
    rest = listed(history_api, viewer, cursor=page["nextCursor"])
    assert ids_of(page) + ids_of(rest) == [new, old]
    assert history_api.delete(f"/history/{old}", token=viewer.token).status == 204
    assert ids_of(listed(history_api, viewer)) == [new]


def test_hostile_bodies_and_tampered_cursors_are_client_errors(history_api, member,
                                                               long_video):
    # As test_malformed_input.py checks every template route (until the template routes
    # /history, these are not among them).
    from tests.integration.test_malformed_input import (BAD_CURSORS, HOSTILE_BODIES,
                                                        _cursor)

    owner, viewer = member(), member()
    vid = long_video(owner)
    for path in (f"/history/{vid}", "/history/settings"):
        for kind, body in HOSTILE_BODIES.items():
            answer = history_api.call("PUT", path, raw_body=body, token=viewer.token)
            assert 400 <= answer.status < 500 and answer.error_code, (path, kind, answer.body)
    for _ in range(2):
        history_api.put(f"/history/{long_video(owner)}", {"positionSeconds": 1},
                        token=viewer.token)
    assert listed(history_api, viewer, limit=1)["nextCursor"]
    for kind, value in BAD_CURSORS.items():
        cursor = "%%%not-base64!!" if value is None else _cursor(value)
        answer = history_api.get("/history", query={"cursor": cursor}, token=viewer.token)
        assert (answer.status, answer.error_code) == (400, "invalid_cursor"), kind
