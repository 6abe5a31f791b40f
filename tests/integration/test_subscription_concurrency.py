"""A channel's subscriberCount stays equal to its subscriptions under concurrent, repeated
and alternating subscribes and unsubscribes, from threads and from processes (containers)."""
from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor

from bson import ObjectId

from tests.support.concurrent_calls import run_in_processes
from tuber_channel import channels

FANS = 30
STEPS = 6


def _stored_and_actual(db, channel_id: str) -> tuple[int, int]:
    oid = ObjectId(channel_id)
    return (db.users.find_one({"_id": oid}).get("subscriberCount", 0),
            db.subscriptions.count_documents({"channelId": oid}))


def test_racing_subscribes_and_unsubscribes_keep_the_count_exact(db, member):
    channel = member()
    fans = [member() for _ in range(FANS)]
    rng = random.Random(17)
    scripts = [(f.id, [rng.choice(["sub", "unsub", "sub"]) for _ in range(STEPS)])
               for f in fans]
    # A third of the fans run their script twice at once (a client retrying everything).
    scripts += scripts[: FANS // 3]
    start = threading.Barrier(len(scripts))

    def run(script):
        fan_id, steps = script
        start.wait(timeout=60)
        for step in steps:
            (channels.subscribe if step == "sub" else channels.unsubscribe)(
                db, fan_id, channel.id)

    # One thread per script, all at once; any error is raised here.
    with ThreadPoolExecutor(max_workers=len(scripts)) as pool:
        list(pool.map(run, scripts))
    stored, actual = _stored_and_actual(db, channel.id)
    assert stored == actual
    # Each fan ends where their script ends (twins run the same script).
    for fan_id, steps in scripts:
        following = db.subscriptions.count_documents(
            {"subscriberId": ObjectId(fan_id), "channelId": ObjectId(channel.id)})
        assert following == (steps[-1] == "sub")


def test_simultaneous_subscribes_from_many_containers_count_once_each(db, member):
    channel = member()
    fans = [member() for _ in range(8)]
    path = f"/channel/{channel.id}/subscription"
    # Every fan subscribes three times at once, from different processes.
    calls = [("PUT", path, None, "203.0.113.9", {"authorization": f"Bearer {f.token}"})
             for f in fans for _ in range(3)]
    answers = run_in_processes("channel", calls, processes=4)
    assert {status for status, _body, _cookies in answers} == {200}
    assert all(body["subscribed"] for _status, body, _cookies in answers)
    assert _stored_and_actual(db, channel.id) == (8, 8)

    calls = [("DELETE", path, None, "203.0.113.9", {"authorization": f"Bearer {f.token}"})
             for f in fans for _ in range(3)]
    answers = run_in_processes("channel", calls, processes=4)
    assert {status for status, _body, _cookies in answers} == {200}
    assert _stored_and_actual(db, channel.id) == (0, 0)
