"""Notifications, written where their event happens (never by polling), read by
functions/notification.

`notifications`: `_id, userId` (the recipient), `kind`, `sourceId` (what it is about: the
video for VIDEO, the comment for COMMENT and REPLY), `actorId` (the channel, the comment's
author), `videoId`, `commentId`, `createdAt` (when the event happened), `readAt` (None:
unread). Unique (userId, kind, sourceId): a retried write adds nothing. They expire after
TTL_DAYS.

- A new listed PUBLIC video (tuber_common.publishing): one per subscriber of the channel.
  The publishing invocation writes none of them: it records a fan-out job
  (`notification_jobs`, `_id` "video:{videoId}") and hands it to the fan-out function
  (asynchronous Invoke of NOTIFICATION_FANOUT_FUNCTION). The job walks the channel's
  subscriptions by `_id` (tuber_common.subscriptions.subscriber_batch), one `insert_many` of
  BATCH per step, and records its place after each step with an update conditional on the
  place it read: two copies of one invocation (Lambda delivers async events at least once)
  never both go on, and a step repeated after a crash inserts nothing twice (the unique
  index). An invocation runs steps while its time lasts, then invokes itself for the rest;
  a chain that broke (an Invoke that failed) is restarted by the notification function's
  schedule (`resume_stalled`). Without the setting (tests, scripts) the job runs here.
- A comment on one's video (COMMENT, to the video's owner) and a reply to one's comment
  (REPLY, to that comment's author) (tuber_comment.comments.create): at most two writes,
  in the commenting request. Nobody is notified of their own comment.

Every hook here is failure-safe: an error is logged and counted (`NotificationsFailed`)
and never fails the action that called it.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Callable

from bson import ObjectId
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError

from . import moderation, subscriptions
from .clock import utcnow
from .ids import VideoId, try_parse_id
from .observability import count, logger
from .settings import get_settings
from .videos import PUBLIC

VIDEO, COMMENT, REPLY = "video", "comment", "reply"
KINDS = (VIDEO, COMMENT, REPLY)
TTL_DAYS = 90  # the age_ttl index (tuber_common.indexes)
# Subscribers per fan-out step: one indexed range read and one insert_many of this many
# (bench/subscription_feed.py measures a step and projects a million subscribers).
BATCH = 1000
RUNNING, DONE, CANCELLED, OVERTAKEN = "running", "done", "cancelled", "overtaken"
# A running job untouched this long lost its chain of invocations: the schedule restarts it.
STALLED_AFTER = timedelta(minutes=3)
_DUPLICATE_KEY = 11000


def _failed(what: str, **extra) -> None:
    logger.exception("notification failed", extra={"what": what, **extra})
    count("NotificationsFailed")


def _listed(video: dict | None) -> bool:
    # What subscribers hear of: listed, PUBLIC, not taken down (projection with moderation).
    return (bool(video) and video.get("status") == PUBLIC
            and video.get("visibility") == "public" and not moderation.hidden(video))


# --- new videos: the fan-out job --------------------------------------------------------------

def job_id(video_id: VideoId) -> str:
    return f"video:{video_id}"


def video_published(db: Database, video_id: VideoId) -> None:
    """Hook (tuber_common.publishing): a video just became PUBLIC. For a listed one, start
    the fan-out to its channel's subscribers. Never raises."""
    try:
        video = db.videos.find_one({"_id": video_id},
                                   {"ownerId": 1, "status": 1, "visibility": 1,
                                    "publishedAt": 1, "moderation": 1})
        if not _listed(video):
            return
        now = utcnow()
        try:
            db.notification_jobs.insert_one({
                "_id": job_id(video_id), "videoId": video_id, "channelId": video["ownerId"],
                "publishedAt": video.get("publishedAt") or now, "after": None,
                "delivered": 0, "steps": 0, "state": RUNNING, "createdAt": now,
                "updatedAt": now})
        except DuplicateKeyError:
            return  # started already (a repeated publish event)
        dispatch(db, job_id(video_id))
    except Exception:  # noqa: BLE001 - a notification never fails the publish
        _failed("video_published", videoId=str(video_id))


def dispatch(db: Database, job: str) -> None:
    """Hand a job to the fan-out function (asynchronous Invoke), or, with no function
    configured, run it here to the end."""
    function = get_settings().notification_fanout_function
    if not function:
        run_job(db, job)
        return
    invoke_fanout(function, job)


def invoke_fanout(function: str, job: str) -> None:
    """The job's next steps in an asynchronous invocation of `function` (the fan-out
    function's alias: its retries and on-failure destination apply)."""
    _lambda_client().invoke(FunctionName=function, InvocationType="Event",
                            Payload=json.dumps({"job": job}).encode())


def _lambda_client():
    # boto3 with the first Invoke only: API functions that publish or comment load no AWS
    # SDK at start (tests/unit/test_function_imports.py).
    global _client
    if _client is None:
        import boto3

        settings = get_settings()
        _client = boto3.client("lambda", region_name=settings.aws_region,
                               endpoint_url=settings.lambda_endpoint_url or None)
    return _client


_client = None


def run_job(db: Database, job: str, batch: int | None = None,
            keep_going: Callable[[], bool] = lambda: True) -> str:
    """Run a fan-out job's steps while `keep_going()`; answers RUNNING (more to do: invoke
    again), DONE, CANCELLED, or OVERTAKEN (another invocation moved the job on)."""
    batch = batch or BATCH
    while True:
        state = step(db, job, batch)
        if state != RUNNING or not keep_going():
            return state


def step(db: Database, job: str, batch: int) -> str:
    """One batch of a job: the next `batch` subscribers get their notification, then the
    job's place moves past them (only if it is still where this step read it)."""
    doc = db.notification_jobs.find_one({"_id": job})
    if doc is None or doc["state"] != RUNNING:
        return doc["state"] if doc else CANCELLED
    video = db.videos.find_one({"_id": doc["videoId"]},
                               {"status": 1, "visibility": 1, "moderation": 1})
    if not _listed(video):  # deleted or made private or unlisted meanwhile: stop here
        db.notification_jobs.update_one({"_id": job, "state": RUNNING},
                                        {"$set": {"state": CANCELLED, "updatedAt": utcnow()}})
        return CANCELLED
    subs = subscriptions.subscriber_batch(db, doc["channelId"], doc["after"], batch)
    written = _deliver(db, [s["subscriberId"] for s in subs], VIDEO, doc["videoId"],
                       actor=doc["channelId"], video_id=doc["videoId"],
                       at=doc["publishedAt"])
    done = len(subs) < batch
    moved = db.notification_jobs.update_one(
        {"_id": job, "state": RUNNING, "after": doc["after"]},
        {"$set": {"after": subs[-1]["_id"] if subs else doc["after"],
                  "state": DONE if done else RUNNING, "updatedAt": utcnow()},
         # Subscribers passed (not documents this copy wrote: a racing copy may have).
         "$inc": {"delivered": len(subs), "steps": 1}})
    if not moved.modified_count:
        return OVERTAKEN
    if written:
        count("NotificationsDelivered", written)
    return DONE if done else RUNNING


def _deliver(db: Database, recipients: list[ObjectId], kind: str, source,
             *, actor: ObjectId, video_id: VideoId, at: datetime,
             comment_id: ObjectId | None = None) -> int:
    """Insert one notification per recipient; answers how many are new (a repeat adds
    nothing: the unique (userId, kind, sourceId))."""
    if not recipients:
        return 0
    about = {"videoId": video_id, **({"commentId": comment_id} if comment_id else {})}
    docs = [{"userId": r, "kind": kind, "sourceId": source, "actorId": actor, **about,
             "createdAt": at, "readAt": None} for r in recipients]
    try:
        return len(db.notifications.insert_many(docs, ordered=False).inserted_ids)
    except BulkWriteError as exc:
        if any(e.get("code") != _DUPLICATE_KEY for e in exc.details.get("writeErrors", [])):
            raise
        return int(exc.details.get("nInserted", 0))


def resume_stalled(db: Database, limit: int = 100) -> dict:
    """Scheduled (the notification function): hand running jobs untouched for
    STALLED_AFTER back to the fan-out function. Answers how many."""
    cutoff = utcnow() - STALLED_AFTER
    resumed = 0
    for doc in db.notification_jobs.find({"state": RUNNING, "updatedAt": {"$lt": cutoff}},
                                         {"_id": 1}).limit(limit):
        # Touch it first: the next run leaves it alone unless it stalls again.
        db.notification_jobs.update_one({"_id": doc["_id"]}, {"$set": {"updatedAt": utcnow()}})
        try:
            dispatch(db, doc["_id"])
            resumed += 1
        except Exception:  # noqa: BLE001 - the next run tries again
            _failed("resume", job=doc["_id"])
    return {"fanoutsResumed": resumed}


# --- comments ---------------------------------------------------------------------------------

def comment_created(db: Database, video: dict, comment: dict,
                    replied_to: str | None = None) -> None:
    """Hook (tuber_comment.comments.create): REPLY to the author of the comment replied to,
    COMMENT to the video's owner (unless already told by the reply); never to the commenter.
    Never raises."""
    try:
        author = comment["authorId"]
        told: set[ObjectId] = set()
        if comment.get("parentId") is not None:
            # The comment replied to (a reply to a reply joins the thread, but its author
            # is the one answered), else the thread's first comment.
            target_id = (try_parse_id(replied_to) if replied_to else None) or comment["parentId"]
            target = db.comments.find_one({"_id": target_id, "videoId": comment["videoId"]},
                                          {"authorId": 1})
            if target and target.get("authorId") and target["authorId"] != author:
                _deliver(db, [target["authorId"]], REPLY, comment["_id"], actor=author,
                         video_id=comment["videoId"], at=comment["createdAt"],
                         comment_id=comment["_id"])
                told.add(target["authorId"])
        owner = video["ownerId"]
        if owner != author and owner not in told:
            _deliver(db, [owner], COMMENT, comment["_id"], actor=author,
                     video_id=comment["videoId"], at=comment["createdAt"],
                     comment_id=comment["_id"])
    except Exception:  # noqa: BLE001 - a notification never fails the comment
        _failed("comment_created", commentId=str(comment.get("_id")))


# --- clean-up ---------------------------------------------------------------------------------

def forget_video(db: Database, video_id: VideoId) -> None:
    """Hook (tuber_common.video_removal): stop the video's fan-out and remove every
    notification about it (its new-video ones and those of its comments). Never raises."""
    try:
        db.notification_jobs.update_one({"_id": job_id(video_id), "state": RUNNING},
                                        {"$set": {"state": CANCELLED, "updatedAt": utcnow()}})
        db.notifications.delete_many({"videoId": video_id})
    except Exception:  # noqa: BLE001
        _failed("forget_video", videoId=str(video_id))


def forget_comment(db: Database, comment_id: ObjectId) -> None:
    """Hook (tuber_common.comment_removal): the notifications about a removed comment go.
    Never raises."""
    try:
        db.notifications.delete_many({"commentId": comment_id})
    except Exception:  # noqa: BLE001
        _failed("forget_comment", commentId=str(comment_id))
