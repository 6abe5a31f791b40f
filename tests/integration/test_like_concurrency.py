"""Counters stay equal to the ratings under concurrent, repeated and switching requests.

Threads call the domain function, not the handler: a Powertools resolver keeps the current
request on the app object (Lambda serves one request per container at a time), while the
race that matters is between requests at the database, which this reproduces."""
from __future__ import annotations

import random
import threading

from bson import ObjectId

from tuber_common.ids import parse_video_id
from tuber_like import ratings

USERS = 40
STEPS = 8


def recount(db, video_id):
    oid = parse_video_id(video_id)
    return (db.ratings.count_documents({"videoId": oid, "rating": "like"}),
            db.ratings.count_documents({"videoId": oid, "rating": "dislike"}))


def stored_counts(db, video_id):
    doc = db.videos.find_one({"_id": parse_video_id(video_id)})
    return doc["likeCount"], doc["dislikeCount"]


def test_parallel_rating_keeps_counters_exact(db, member, make_video):
    owner = member()
    vid = make_video(owner)
    users = [member() for _ in range(USERS)]
    rng = random.Random(4)
    # Each user's script of ratings, with repeats; a quarter of the users run two threads at
    # once with the same script (a client retrying every request) to race on their own
    # rating document: a read-then-write implementation fails here.
    scripts = [(u.id, [rng.choice(["like", "dislike", "none", "like"]) for _ in range(STEPS)])
               for u in users]
    scripts += [(user_id, list(steps)) for user_id, steps in scripts[: USERS // 4]]
    start = threading.Barrier(len(scripts))
    failures: list[BaseException] = []

    def run(user_id, steps):
        try:
            start.wait()
            for rating in steps:
                ratings.rate(db, user_id, vid, rating)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            failures.append(exc)

    threads = [threading.Thread(target=run, args=s) for s in scripts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert not failures, failures
    assert stored_counts(db, vid) == recount(db, vid)
    # Every user ends on their script's last rating (twins run the same script).
    for user_id, steps in scripts:
        doc = db.ratings.find_one({"videoId": parse_video_id(vid), "userId": ObjectId(user_id)})
        assert (doc["rating"] if doc else "none") == steps[-1]


def test_parallel_identical_first_likes_count_once(db, member, make_video):
    # Many simultaneous first likes by one user race on the upsert: exactly one counts.
    vid = make_video(member())
    fan = member()
    start = threading.Barrier(12)
    answers, failures = [], []

    def run():
        try:
            start.wait()
            answers.append(ratings.rate(db, fan.id, vid, "like"))
        except BaseException as exc:  # noqa: BLE001
            failures.append(exc)

    threads = [threading.Thread(target=run) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not failures, failures
    assert stored_counts(db, vid) == (1, 0) == recount(db, vid)
    assert all(a["myRating"] == "like" for a in answers)
