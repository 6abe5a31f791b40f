"""Comment counters stay equal to the documents under parallel creates, replies and deletes.

Threads call the domain functions (see test_like_concurrency.py for why not the handler)."""
from __future__ import annotations

import random
import threading

from tuber_comment import comments
from tuber_common.errors import Conflict, NotFound
from tuber_common.ids import parse_video_id

THREADS = 24
STEPS = 12


def test_parallel_creates_replies_and_deletes_keep_counts(db, member, make_video):
    owner = member()
    vid = make_video(owner)
    users = [member() for _ in range(8)]
    known = [str(comments.create(db, owner.id, vid, f"seed {i}")["_id"]) for i in range(6)]
    lock = threading.Lock()
    start = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def run(seed: int):
        rng = random.Random(seed)
        try:
            start.wait()
            for _ in range(STEPS):
                with lock:
                    target = rng.choice(known)
                action = rng.choice(["top", "reply", "reply", "delete", "delete"])
                try:
                    if action == "top":
                        made = comments.create(db, rng.choice(users).id, vid, "top")
                    elif action == "reply":
                        made = comments.create(db, rng.choice(users).id, vid, "re", target)
                    else:
                        # The video's owner may delete anything: every delete is allowed.
                        comments.delete(db, owner.id, target)
                        continue
                    with lock:
                        known.append(str(made["_id"]))
                except (NotFound, Conflict) as exc:
                    # Expected losers of a race: the target was deleted first.
                    assert exc.code in ("comment_not_found", "comment_deleted"), exc.code
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert not failures, failures
    video = db.videos.find_one({"_id": parse_video_id(vid)})
    docs = list(db.comments.find({"videoId": parse_video_id(vid)}))
    live = [d for d in docs if not d["deleted"]]
    assert len(docs) > 0 and len(live) > 0, "the test should leave something to count"
    assert video["commentCount"] == len(live)
    tops = {d["_id"]: d for d in docs if d["parentId"] is None}
    replies = [d for d in docs if d["parentId"] is not None]
    for top in tops.values():
        assert top["replyCount"] == sum(1 for r in replies if r["parentId"] == top["_id"])
        if top["deleted"]:
            assert top["replyCount"] > 0, "an empty placeholder should have been removed"
    assert all(r["parentId"] in tops for r in replies), "orphaned reply"
    assert not any(r["deleted"] for r in replies)


def test_parallel_deletes_of_one_comment_count_once(db, member, make_video):
    owner, author = member(), member()
    vid = make_video(owner)
    top = comments.create(db, author.id, vid, "top")
    comments.create(db, author.id, vid, "reply", str(top["_id"]))
    start = threading.Barrier(10)
    outcomes: list[str] = []

    def run(who):
        start.wait()
        try:
            comments.delete(db, who, str(top["_id"]))
            outcomes.append("deleted")
        except NotFound:
            outcomes.append("not_found")

    threads = [threading.Thread(target=run, args=(owner.id if i % 2 else author.id,))
               for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert outcomes.count("deleted") == 1 and len(outcomes) == 10
    assert db.videos.find_one({"_id": parse_video_id(vid)})["commentCount"] == 1  # the reply
