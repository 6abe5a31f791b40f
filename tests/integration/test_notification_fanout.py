"""A new video's notifications reach every subscriber through the fan-out function, in
batches that continue through Lambda's async queue: exactly one each, whatever is retried,
duplicated or restarted."""
from __future__ import annotations

import threading
from datetime import timedelta

from bson import ObjectId

from tuber_common.clock import utcnow

SUBSCRIBERS = 3000
BATCH = 1000
# The other cases: the same shape, smaller (SecantusDB writes a few thousand indexed
# documents a second on a loaded machine).
SMALL, SMALL_BATCH = 250, 100


def _subscribers(db, channel, n: int) -> list[ObjectId]:
    """n subscriptions written straight into the database (as the API writes them)."""
    fans = [ObjectId() for _ in range(n)]
    for start in range(0, n, 500):  # each insert well within the client's socket timeout
        db.subscriptions.insert_many([{"subscriberId": f, "channelId": ObjectId(channel.id),
                                       "createdAt": utcnow()} for f in fans[start:start + 500]])
    return fans


def _one_step_per_invocation(monkeypatch, batch: int = SMALL_BATCH):
    from tuber_common import notifications
    from tuber_notification_fanout import handler as fanout

    monkeypatch.setattr(notifications, "BATCH", batch)
    # Every invocation has less time left than the reserve after its first step.
    monkeypatch.setattr(fanout, "RESERVE_MS", 10 ** 9)


def test_three_thousand_subscribers_in_batches_of_a_thousand(
        db, member, publish_now, fanout_invocations, monkeypatch):
    _one_step_per_invocation(monkeypatch, BATCH)
    ada = member()
    fans = _subscribers(db, ada, SUBSCRIBERS)
    video_id = publish_now(ada)

    # The publish wrote no notification: it handed a job to the fan-out function.
    assert db.notifications.count_documents({}) == 0
    assert [c["function"] for c in fanout_invocations.sent] == ["NotificationFanoutFunction"]
    states = []
    while fanout_invocations.sent:
        states.append(fanout_invocations.run_next()["state"])
    # 3 full batches, then an empty step that finds the end.
    assert states == ["running", "running", "running", "done"]
    assert db.notifications.count_documents({"sourceId": video_id, "kind": "video"}) == SUBSCRIBERS
    assert sorted(db.notifications.distinct("userId")) == sorted(fans)
    job = db.notification_jobs.find_one({"_id": f"video:{video_id}"})
    assert (job["state"], job["delivered"], job["steps"]) == ("done", SUBSCRIBERS, 4)


def test_a_retried_or_duplicated_batch_adds_nothing(db, member, publish_now,
                                                     fanout_invocations, monkeypatch):
    from tuber_common import notifications

    _one_step_per_invocation(monkeypatch)
    ada = member()
    _subscribers(db, ada, SMALL)
    video_id = publish_now(ada)
    job_id = f"video:{video_id}"
    first = fanout_invocations.sent[0]
    fanout_invocations.run_next()  # batch 1 written, the next invocation queued
    assert db.notifications.count_documents({}) == SMALL_BATCH

    # Lambda retries batch 1 after a crash before its place was recorded: the place is put
    # back, the same batch is written again, nothing is added.
    db.notification_jobs.update_one({"_id": job_id},
                                    {"$set": {"after": None}, "$inc": {"delivered": -SMALL_BATCH}})
    fanout_invocations.sent.insert(0, first)
    fanout_invocations.run_next()
    assert db.notifications.count_documents({}) == SMALL_BATCH
    # The async event delivered twice, both copies running at once (two containers): each
    # step is written once, whichever copy wins it; the chains that follow converge.
    twin = fanout_invocations.sent.pop(0)
    start = threading.Barrier(2)
    states: list[str] = []

    def run_copy():
        start.wait()
        states.append(fanout_invocations.run(twin)["state"])

    copies = [threading.Thread(target=run_copy) for _ in range(2)]
    for copy in copies:
        copy.start()
    for copy in copies:
        copy.join(timeout=120)
    assert len(states) == 2
    while fanout_invocations.sent:
        fanout_invocations.run_next()
    assert db.notifications.count_documents({}) == SMALL
    assert db.notification_jobs.find_one({"_id": job_id})["delivered"] == SMALL
    # A repeated publish event starts nothing new.
    notifications.video_published(db, db.videos.find_one()["_id"])
    assert fanout_invocations.sent == []


def test_a_broken_chain_is_resumed_by_the_schedule(db, member, publish_now,
                                                   fanout_invocations, notification_api,
                                                   monkeypatch):
    from tuber_common import notifications

    _one_step_per_invocation(monkeypatch)
    ada = member()
    _subscribers(db, ada, SMALL + 50)
    video_id = publish_now(ada)
    fanout_invocations.run_next()
    fanout_invocations.sent.clear()  # the continuation's Invoke was lost
    # Not yet stalled: the schedule leaves it alone.
    assert notifications.resume_stalled(db) == {"fanoutsResumed": 0}
    db.notification_jobs.update_one({"_id": f"video:{video_id}"},
                                    {"$set": {"updatedAt": utcnow() - timedelta(minutes=10)}})
    schedule = {"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}
    from local.lambda_context import LambdaContext
    from tuber_notification.handler import lambda_handler

    assert lambda_handler(schedule, LambdaContext())["fanoutsResumed"] == 1
    while fanout_invocations.sent:
        fanout_invocations.run_next()
    assert db.notifications.count_documents({}) == SMALL + 50


def test_a_video_deleted_hidden_or_taken_down_mid_way_stops_its_fanout(db, member, publish_now,
                                                           fanout_invocations, monkeypatch):
    from tuber_common import video_removal
    from tuber_common.ids import parse_video_id

    _one_step_per_invocation(monkeypatch)
    ada = member()
    _subscribers(db, ada, SMALL + 50)
    hidden, taken_down, deleted = publish_now(ada), publish_now(ada), publish_now(ada)
    for _ in range(3):
        fanout_invocations.run_next()
    db.videos.update_one({"_id": parse_video_id(hidden)}, {"$set": {"visibility": "private"}})
    db.videos.update_one({"_id": parse_video_id(taken_down)}, {"$set": {"moderation": {
        "status": "taken_down", "reason": "spam", "at": utcnow()}}})
    monkeypatch.setattr("tuber_common.storage.delete_prefixes", lambda *_: None)
    monkeypatch.setattr("tuber_common.storage.invalidate_cdn", lambda *_: None)
    video_removal.remove_video(db, db.videos.find_one({"_id": parse_video_id(deleted)}))
    assert [fanout_invocations.run_next()["state"] for _ in range(3)] == ["cancelled"] * 3
    assert fanout_invocations.sent == []
    assert db.notifications.count_documents({"videoId": parse_video_id(deleted)}) == 0
    assert db.notifications.count_documents({"videoId": parse_video_id(hidden)}) == SMALL_BATCH
