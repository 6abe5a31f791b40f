"""Reports racing at the database, from several processes as from several Lambda containers
(tests/support/concurrent_calls.py): one entry per (user, video) whatever arrives together,
and of one playback's reports the newest position stays, in whatever order they land."""
from __future__ import annotations

import random

from bson import ObjectId

from tests.support.concurrent_calls import run_in_processes
from tuber_common.ids import parse_video_id

PROCESSES = 4


def put(vid, body, who):
    return ("PUT", f"/history/{vid}", body, "203.0.113.7",
            {"authorization": f"Bearer {who.token}"})


def test_parallel_first_reports_leave_one_entry_per_user(db, member, long_video):
    owner = member()
    vid = long_video(owner)
    viewers = [member() for _ in range(3)]
    # Each viewer's first reports all at once (a player and its retries, two tabs).
    calls = [put(vid, {"positionSeconds": float(i)}, who)
             for who in viewers for i in range(1, 6)]

    answers = run_in_processes("history", calls, processes=PROCESSES)

    assert [(status, body["recorded"]) for status, body, _ in answers] == \
        [(200, True)] * len(calls)
    for who in viewers:
        entries = list(db.watch_history.find({"videoId": parse_video_id(vid),
                                              "userId": ObjectId(who.id)}))
        assert len(entries) == 1
        assert entries[0]["positionSeconds"] in {1.0, 2.0, 3.0, 4.0, 5.0}


def test_racing_reports_of_one_playback_keep_the_newest(db, member, long_video):
    owner, viewer = member(), member()
    # First reports of a playback all at once, for several videos: process i makes calls
    # i, i + PROCESSES, ..., so each video's sequences 0..PROCESSES-1 race for its insert
    # (one that loses it to an older report must still land).
    firsts = [long_video(owner) for _ in range(4)]
    calls = [put(vid, {"positionSeconds": 10.0 * s, "playbackId": "tab", "sequence": s},
                 viewer) for vid in firsts for s in range(PROCESSES)]
    # Then one video's reports in a shuffled order, as a network may deliver them.
    shuffled = long_video(owner)
    sequences = list(range(24))
    random.Random(17).shuffle(sequences)
    calls += [put(shuffled, {"positionSeconds": 10.0 * s, "playbackId": "tab",
                             "sequence": s}, viewer) for s in sequences]

    answers = run_in_processes("history", calls, processes=PROCESSES)

    assert all(status == 200 for status, _, _ in answers)
    refused = {body.get("reason") for _, body, _ in answers if not body["recorded"]}
    assert refused <= {"stale_report"}
    newest = PROCESSES - 1
    for vid in firsts:
        [entry] = db.watch_history.find({"videoId": parse_video_id(vid)})
        assert (entry["sequence"], entry["positionSeconds"]) == (newest, 10.0 * newest)
    # The newest report always lands (nothing newer can stand in its way).
    last = answers[len(firsts) * PROCESSES + sequences.index(23)][1]
    assert last["recorded"] is True and last["positionSeconds"] == 230.0
    [entry] = db.watch_history.find({"videoId": parse_video_id(shuffled)})
    assert (entry["sequence"], entry["positionSeconds"]) == (23, 230.0)


def test_a_report_that_loses_the_insert_to_an_older_one_still_lands(db, member, long_video,
                                                                    monkeypatch):
    # What MongoDB does when two first reports race (SecantusDB serializes upserts, so the
    # tests above cannot make it happen there): both find no entry, the older one inserts
    # it, the newer one's insert meets the unique index. It must look again, and win.
    from pymongo.collection import Collection
    from pymongo.errors import DuplicateKeyError

    from tuber_history import history

    owner, viewer = member(), member()
    vid = long_video(owner)
    real_update = Collection.update_one
    raced = []

    def racing_update(self, query, update, *args, **kw):
        if self.name == "watch_history" and not raced:
            raced.append(True)
            history.report(db, viewer.id, vid, 20.0, "tab", 2)  # the older report, first
            raise DuplicateKeyError("E11000 duplicate key error")
        return real_update(self, query, update, *args, **kw)

    monkeypatch.setattr(Collection, "update_one", racing_update)
    answer = history.report(db, viewer.id, vid, 30.0, "tab", 3)

    assert answer["recorded"] is True and raced
    [entry] = db.watch_history.find({"videoId": parse_video_id(vid)})
    assert (entry["sequence"], entry["positionSeconds"]) == (3, 30.0)
