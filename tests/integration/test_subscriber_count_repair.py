"""An invocation that dies between a subscription document and its channel's `$inc` leaves
subscriberCount one off; the channel function's scheduled recount (tuber_common.counters, the
RecountSubscribers schedule) puts it back once the channel's subscriptions have been at rest
for the grace period, and never over a subscribe or unsubscribe that started meanwhile."""
from __future__ import annotations

import json
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from bson import ObjectId
from pymongo.collection import Collection

from local.lambda_context import LambdaContext
from tuber_channel import channels
from tuber_common import account_removal, counters, subscriptions
from tuber_common.clock import utcnow

EVENTS = Path(__file__).resolve().parents[2] / "events"
STAMP = subscriptions.STAMP


class Died(BaseException):
    """The container went away mid-request (timeout, out of memory, a crash)."""


def die(*_args, **_kwargs):
    raise Died()


def dies_at_the_count(monkeypatch) -> None:
    """From now on a request dies on its way to the channel's `$inc`: its subscription
    document is written (or deleted), its counter never moves."""
    real = Collection.find_one_and_update

    def find_one_and_update(self, filter, update, *args, **kwargs):
        if self.name == "users" and subscriptions.COUNT_FIELD in update.get("$inc", {}):
            raise Died()
        return real(self, filter, update, *args, **kwargs)

    monkeypatch.setattr(Collection, "find_one_and_update", find_one_and_update)


def scheduled() -> dict:
    """The RecountSubscribers schedule's run: EventBridge's event to the channel handler."""
    from tuber_channel.handler import lambda_handler

    event = json.loads((EVENTS / "channel_recount_scheduled.json").read_text())
    return lambda_handler(event, LambdaContext())


def channel_doc(db, channel) -> dict:
    return db.users.find_one({"_id": ObjectId(channel.id)})


def stored_and_actual(db, channel) -> tuple[int, int]:
    oid = ObjectId(channel.id)
    return (db.users.find_one({"_id": oid}).get(subscriptions.COUNT_FIELD, 0),
            db.subscriptions.count_documents({"channelId": oid}))


def age_stamp(db, channel, by: timedelta = counters.GRACE + timedelta(seconds=1)) -> None:
    """As if `by` (the grace period, by default) had passed since the last write."""
    db.users.update_one({"_id": ObjectId(channel.id)}, {"$set": {STAMP: utcnow() - by}})


def test_a_subscribe_lost_mid_request_is_counted_by_the_scheduled_recount(db, member,
                                                                           monkeypatch):
    channel = member()
    fans = [member() for _ in range(3)]
    for fan in fans[:2]:
        channels.subscribe(db, fan.id, channel.id)
    with monkeypatch.context() as patched:
        dies_at_the_count(patched)
        with pytest.raises(Died):
            channels.subscribe(db, fans[2].id, channel.id)
    assert stored_and_actual(db, channel) == (2, 3)  # stored, never counted

    # Within the grace period the recount leaves the channel alone: a request may be running.
    assert scheduled() == {"checked": 0, "corrected": 0}
    assert stored_and_actual(db, channel) == (2, 3)

    age_stamp(db, channel)
    assert scheduled() == {"checked": 1, "corrected": 1}
    assert stored_and_actual(db, channel) == (3, 3)
    assert STAMP not in channel_doc(db, channel)
    # Once repaired the channel is not recounted again until its subscriptions change.
    assert scheduled() == {"checked": 0, "corrected": 0}
    # And ordinary subscribing counts on from the repaired value.
    assert channels.unsubscribe(db, fans[0].id, channel.id)["subscriberCount"] == 2
    assert channels.channel_page(db, None, channel.id)["channel"]["subscriberCount"] == 2


def test_an_unsubscribe_lost_mid_request_is_uncounted(db, member, monkeypatch):
    channel = member()
    fans = [member() for _ in range(2)]
    for fan in fans:
        channels.subscribe(db, fan.id, channel.id)
    with monkeypatch.context() as patched:
        dies_at_the_count(patched)
        with pytest.raises(Died):
            channels.unsubscribe(db, fans[0].id, channel.id)
    assert stored_and_actual(db, channel) == (2, 1)

    age_stamp(db, channel)
    assert scheduled() == {"checked": 1, "corrected": 1}
    assert stored_and_actual(db, channel) == (1, 1)


def test_a_fresh_stamp_is_left_alone(db, member):
    channel = member()
    fan = member()
    channels.subscribe(db, fan.id, channel.id)
    oid = ObjectId(channel.id)
    db.users.update_one({"_id": oid}, {"$set": {subscriptions.COUNT_FIELD: 7}})  # off
    # Stamped just now, and stamped a little less than the grace period ago.
    for by in (timedelta(0), counters.GRACE - timedelta(seconds=10)):
        age_stamp(db, channel, by)
        stamped = channel_doc(db, channel)[STAMP]
        assert scheduled() == {"checked": 0, "corrected": 0}
        after = channel_doc(db, channel)
        assert (after[subscriptions.COUNT_FIELD], after[STAMP]) == (7, stamped)
    # A channel nobody touched (no stamp) is never recounted, however wrong.
    quiet = member()
    db.users.update_one({"_id": ObjectId(quiet.id)}, {"$set": {subscriptions.COUNT_FIELD: 3}})
    age_stamp(db, channel)
    assert scheduled() == {"checked": 1, "corrected": 1}
    assert stored_and_actual(db, channel) == (1, 1)
    assert stored_and_actual(db, quiet) == (3, 0)


def test_account_deletion_stamps_the_channels_it_unfollows(db, member, monkeypatch):
    leaving, stays = member(), member()
    followed = [member() for _ in range(2)]
    for channel in followed:
        channels.subscribe(db, leaving.id, channel.id)
        channels.subscribe(db, stays.id, channel.id)
        db.users.update_one({"_id": ObjectId(channel.id)}, {"$unset": {STAMP: ""}})
    # The deletion dies after removing a subscription, before the channel's counter moves.
    with monkeypatch.context() as patched:
        patched.setattr(subscriptions, "move_count", die)
        with pytest.raises(Died):
            account_removal.purge(db, ObjectId(leaving.id), time.monotonic() + 60)
    off = [c for c in followed if stored_and_actual(db, c) == (2, 1)]
    assert len(off) == 1 and STAMP in channel_doc(db, off[0])

    # Its schedule calls again and finishes; the schedule repairs the count it left.
    assert account_removal.purge(db, ObjectId(leaving.id), time.monotonic() + 60)["complete"]
    for channel in followed:
        assert STAMP in channel_doc(db, channel)
        age_stamp(db, channel)
    assert scheduled() == {"checked": 2, "corrected": 1}
    assert [stored_and_actual(db, c) for c in followed] == [(1, 1), (1, 1)]


def test_subscribes_that_start_during_the_recount_are_not_overwritten(db, member):
    channel = member()
    fans = [member() for _ in range(4)]
    channels.subscribe(db, fans[0].id, channel.id)
    db.users.update_one({"_id": ObjectId(channel.id)},
                        {"$set": {subscriptions.COUNT_FIELD: 5}})  # off, to repair
    age_stamp(db, channel)

    def recount_while_fans_subscribe(db_, channel_id, at_rest):
        counts = subscriptions.recount(db_, channel_id, at_rest)  # the documents as they were
        for fan in fans[1:]:  # requests that start right now
            channels.subscribe(db_, fan.id, channel.id)
        channels.unsubscribe(db_, fans[0].id, channel.id)
        return counts

    done = counters.reconcile(db, STAMP, recount_while_fans_subscribe, on=counters.CHANNELS)
    assert done == {"checked": 0, "corrected": 0}
    # The stale count (1) was not written over the late subscribes; the next quiet run repairs.
    assert stored_and_actual(db, channel) == (7, 3)
    age_stamp(db, channel)
    assert scheduled() == {"checked": 1, "corrected": 1}
    assert stored_and_actual(db, channel) == (3, 3)


def test_racing_subscribes_while_the_schedule_recounts_end_exact(db, member, monkeypatch):
    channel = member()
    fans = [member() for _ in range(20)]
    # One count lost to a crash, at rest for the grace period: the recounts have work to do.
    with monkeypatch.context() as patched:
        dies_at_the_count(patched)
        with pytest.raises(Died):
            channels.subscribe(db, fans[0].id, channel.id)
    age_stamp(db, channel)

    rng = random.Random(23)
    scripts = [(fan.id, [rng.choice(["sub", "unsub", "sub"]) for _ in range(5)])
               for fan in fans]
    writing = threading.Event()
    start = threading.Barrier(len(scripts) + 1)

    def write(script):
        fan_id, steps = script
        start.wait(timeout=60)
        for step in steps:
            (channels.subscribe if step == "sub" else channels.unsubscribe)(
                db, fan_id, channel.id)

    def recount_meanwhile():
        start.wait(timeout=60)
        runs = 0
        while writing.is_set() or runs == 0:
            scheduled()
            runs += 1
            time.sleep(0.005)

    writing.set()
    with ThreadPoolExecutor(max_workers=len(scripts) + 1) as pool:
        recounting = pool.submit(recount_meanwhile)
        writers = [pool.submit(write, script) for script in scripts]
        for writer in writers:
            writer.result()
        writing.clear()
        recounting.result()

    # Whatever the recounts did meanwhile, the count never went further off than the crash
    # left it, and once the writes rest for the grace period it is exact.
    stored, actual = stored_and_actual(db, channel)
    assert stored in (actual - 1, actual)
    age_stamp(db, channel)
    scheduled()
    assert stored_and_actual(db, channel) == (actual, actual)
    assert STAMP not in channel_doc(db, channel)


def test_every_subscription_write_stamps_the_channel(db, member, channel_api):
    channel, fan = member(), member()
    path = f"/channel/{channel.id}/subscription"
    assert STAMP not in channel_doc(db, channel)
    assert channel_api.put(path, token=fan.token).status == 200
    assert STAMP in channel_doc(db, channel)

    db.users.update_one({"_id": ObjectId(channel.id)}, {"$unset": {STAMP: ""}})
    assert channel_api.delete(path, token=fan.token).status == 200
    assert STAMP in channel_doc(db, channel)

    db.users.update_one({"_id": ObjectId(channel.id)}, {"$unset": {STAMP: ""}})
    # Reading changes nothing, so it stamps nothing.
    assert channel_api.get(f"/channel/{channel.id}", token=fan.token).status == 200
    assert channel_api.get("/me/subscriptions", token=fan.token).status == 200
    assert STAMP not in channel_doc(db, channel)
