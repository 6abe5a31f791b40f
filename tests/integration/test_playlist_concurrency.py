"""Playlists stay whole under concurrent requests: every item counted once, no two items in
one place, a video at most once, the size limit never passed, order kept by renumbering.

Threads call the domain functions (a Powertools resolver keeps the current request on the
app object, as one Lambda container serves one request at a time); the race that matters is
at the database, which this reproduces. One test goes through the handler from processes."""
from __future__ import annotations

import random
import threading

from bson import ObjectId

from tests.support.concurrent_calls import run_in_processes
from tuber_common.errors import ApiError
from tuber_playlist import items, ranks


def run_threads(jobs) -> list[BaseException]:
    """Run each callable in its own thread, all released at once; the failures."""
    start = threading.Barrier(len(jobs))
    failures: list[BaseException] = []

    def run(job):
        try:
            start.wait()
            job()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    return failures


def stored(db, pid: str) -> list[dict]:
    return list(db.playlist_items.find({"playlistId": ObjectId(pid)}).sort("rank", 1))


def assert_whole(db, playlist_api, owner, pid):
    """The invariants: unique videos, unique ranks, and the API's count and positions agree
    with the documents."""
    docs = stored(db, pid)
    assert len({d["videoId"] for d in docs}) == len(docs)
    assert len({d["rank"] for d in docs}) == len(docs)
    answer = playlist_api.get(f"/playlist/{pid}", token=owner.token, query={"limit": 100})
    playlist = answer.json["playlist"]
    assert playlist["itemCount"] == len(docs)
    assert [e["position"] for e in playlist["items"]] == list(range(min(len(docs), 100)))
    assert [e["video"]["id"] for e in playlist["items"]] == [str(d["videoId"])
                                                           for d in docs][:100]
    return docs


def test_parallel_adds_at_random_places_keep_every_item_once(db, member, make_video,
                                                            make_playlist, playlist_api):
    owner = member()
    pid = make_playlist(owner)
    videos = [make_video(owner) for _ in range(48)]
    rng = random.Random(7)
    places = [rng.choice([None, 0, 1, 2, 5]) for _ in videos]

    def adder(share):
        def job():
            for vid, place in share:
                items.add(db, owner.id, pid, vid, place)
        return job

    pairs = list(zip(videos, places))
    failures = run_threads([adder(pairs[i::12]) for i in range(12)])
    assert not failures, failures
    docs = assert_whole(db, playlist_api, owner, pid)
    assert {str(d["videoId"]) for d in docs} == set(videos)


def test_racing_adds_of_one_video_keep_one(db, member, make_video, make_playlist, playlist_api):
    owner = member()
    pid = make_playlist(owner)
    vid = make_video(owner)
    outcomes: list[str] = []

    def add():
        try:
            items.add(db, owner.id, pid, vid, None)
            outcomes.append("added")
        except ApiError as exc:
            outcomes.append(exc.code)

    failures = run_threads([add] * 12)
    assert not failures, failures
    assert sorted(outcomes) == ["added"] + ["already_in_playlist"] * 11
    assert len(assert_whole(db, playlist_api, owner, pid)) == 1


def test_parallel_adds_moves_and_removes(db, member, make_video, make_playlist, playlist_api):
    owner = member()
    pid = make_playlist(owner)
    videos = [make_video(owner) for _ in range(30)]
    # Ten already in: the others are added while these move and some go.
    for vid in videos[:10]:
        items.add(db, owner.id, pid, vid, None)
    rng = random.Random(11)
    removed = set(videos[:4]) | set(videos[20:24])

    def script(share):
        def job():
            for vid in share:
                if vid not in videos[:10]:
                    items.add(db, owner.id, pid, vid, rng.choice([None, 0, 3]))
                for _ in range(3):
                    items.move(db, owner.id, pid, vid, rng.randint(0, 12))
                if vid in removed:
                    items.remove(db, owner.id, pid, vid)
        return job

    failures = run_threads([script(videos[i::10]) for i in range(10)])
    assert not failures, failures
    docs = assert_whole(db, playlist_api, owner, pid)
    assert {str(d["videoId"]) for d in docs} == set(videos) - removed


def test_racing_for_the_last_places_never_passes_the_limit(db, member, make_video,
                                                           make_playlist, playlist_api,
                                                           monkeypatch):
    monkeypatch.setattr(items, "MAX_ITEMS", 10)
    owner = member()
    pid = make_playlist(owner)
    for _ in range(7):
        items.add(db, owner.id, pid, make_video(owner), None)
    outcomes: list[str] = []

    def add(vid):
        def job():
            try:
                items.add(db, owner.id, pid, vid, 0)
                outcomes.append("added")
            except ApiError as exc:
                outcomes.append(exc.code)
        return job

    failures = run_threads([add(make_video(owner)) for _ in range(12)])
    assert not failures, failures
    docs = assert_whole(db, playlist_api, owner, pid)
    assert len(docs) <= 10 and len(docs) == 7 + outcomes.count("added")
    assert set(outcomes) <= {"added", "playlist_full"}


def test_adds_from_processes(db, member, make_video, make_playlist, playlist_api):
    """As many Lambda containers would: one video added 8 times, and 16 others, at once."""
    owner = member()
    pid = make_playlist(owner)
    same = make_video(owner)
    others = [make_video(owner) for _ in range(16)]
    headers = {"authorization": f"Bearer {owner.token}"}
    calls = [("POST", f"/playlist/{pid}/items", {"videoId": same}, "203.0.113.9", headers)] * 8
    calls += [("POST", f"/playlist/{pid}/items", {"videoId": v, "position": 0}, "203.0.113.9",
               headers) for v in others]
    answers = run_in_processes("playlist", calls, processes=4)
    same_statuses = sorted(status for status, _body, _cookies in answers[:8])
    assert same_statuses == [201] + [409] * 7
    assert all(status == 201 for status, _body, _cookies in answers[8:])
    docs = assert_whole(db, playlist_api, owner, pid)
    assert len(docs) == 17


def test_inserts_into_one_gap_renumber_and_keep_the_order(db, member, make_video,
                                                          make_playlist, playlist_api,
                                                          monkeypatch):
    """The worst case for rank keys: every insert at position 1. Keys stay short (the
    playlist is renumbered when one would pass ranks.MAX_CHARS, here lowered so that it
    happens every ~25 inserts) and the order is exact."""
    monkeypatch.setattr(ranks, "MAX_CHARS", ranks.INT_WIDTH + 4)
    renumbered = []
    real = items._renumber
    monkeypatch.setattr(items, "_renumber", lambda d, p: renumbered.append(p) or real(d, p))
    owner = member()
    pid = make_playlist(owner)
    first, last = make_video(owner), make_video(owner)
    items.add(db, owner.id, pid, first, None)
    items.add(db, owner.id, pid, last, None)
    expected = [first, last]
    for _ in range(80):
        vid = make_video(owner)
        items.add(db, owner.id, pid, vid, 1)
        expected.insert(1, vid)
    docs = stored(db, pid)
    assert [str(d["videoId"]) for d in docs] == expected
    assert max(len(d["rank"]) for d in docs) <= ranks.MAX_CHARS
    assert len(renumbered) >= 2
