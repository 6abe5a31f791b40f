"""What a restart of the local stack finds half done, and how it carries on (issue 19).

moto forgets everything when it stops: objects (kept on disk by local/media.MediaSnapshot),
unfinished multipart uploads, and the queued events and transcode parts of the old run. The
database remembers what was in flight. At start, before the bucket's notification exists:

- a video in PROCESSING whose upload is kept is claimed again as a user's Retry claims it
  (`retryPending`), and its upload is put back after the notification is connected, so
  its ObjectCreated event starts a new transcode run (a new runId: the old run's part
  records are removed, and its half-written outputs are not put back);
- a video in PROCESSING whose upload is lost fails with a reason saying so;
- a video in UPLOADING whose upload had arrived gets its event the same way (the old queue
  lost it); a resumable upload moto has forgotten is cleared from the video, so the
  client's resume is told `upload_not_found` and starts a new one;
- a PUBLIC video whose higher rungs were still encoding gets those parts again (the same
  run: parts already recorded, whose segments are kept, are not encoded again), or, with
  no part function, is complete without them;
- the upload of a PUBLIC video stays on disk only once its rungs are all in (nothing reads
  it again: a retry takes FAILED videos, a transcode UPLOADING and PROCESSING ones), so a
  start does not copy GBs of uploads back into moto; it goes with its video;
- the media of videos that no longer exist is dropped (their delete may have come after the
  last save).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from pymongo.database import Database

log = logging.getLogger("tuber.local")

LOST_UPLOAD_REASON = ("the upload was lost when the local stack stopped during its "
                      "transcode: upload the video again")
STOPPED_REASON = "encoding stopped with the local stack"


def video_of(key: str):
    """The video id a media key belongs to, None for a key outside the video folders."""
    from tuber_common import media_keys
    from tuber_common.ids import try_parse_video_id

    for prefix in (media_keys.STAGED_THUMBS, media_keys.RAW, media_keys.HLS,
                   media_keys.THUMBS):
        if key.startswith(prefix):
            return try_parse_video_id(key[len(prefix):].split("/", 1)[0].split(".", 1)[0])
    return None


@dataclass
class RestartPlan:
    before: list[str] = field(default_factory=list)  # restored before the notification
    after: list[str] = field(default_factory=list)   # restored after: their event counts
    dropped: list[str] = field(default_factory=list)
    dormant: list[str] = field(default_factory=list)  # kept on disk, not put back
    rerun: list = field(default_factory=list)         # video ids transcoded again
    failed: list = field(default_factory=list)
    uploads_cleared: list = field(default_factory=list)
    unfinished: list = field(default_factory=list)    # PUBLIC videos with rungs to come

    def summary(self) -> str:
        parts = [f"{len(self.rerun)} transcode(s) started again" if self.rerun else "",
                 f"{len(self.failed)} failed (upload lost)" if self.failed else "",
                 f"{len(self.unfinished)} with rungs to finish" if self.unfinished else "",
                 f"{len(self.uploads_cleared)} resumable upload(s) to start over"
                 if self.uploads_cleared else "",
                 f"{len(self.dormant)} upload(s) of published videos kept on disk only"
                 if self.dormant else ""]
        return ", ".join(p for p in parts if p)


def plan_restart(db: Database, kept: list[str]) -> RestartPlan:
    """Sort the kept objects and set the database straight (see the module's docstring).
    Every update is conditional on the state read, so a second start changes nothing."""
    from tuber_common import media_keys, publishing
    from tuber_common.clock import utcnow
    from tuber_common.videos import PROCESSING, PUBLIC, UPLOADING

    plan = RestartPlan()
    owners = {key: video_of(key) for key in kept}
    ids = {v for v in owners.values() if v is not None}
    docs = {d["_id"]: d for d in db.videos.find(
        {"$or": [{"_id": {"$in": list(ids)}}, {"status": {"$in": [UPLOADING, PROCESSING]}},
                 {"status": PUBLIC, "encodingSince": {"$exists": True}}]},
        {"status": 1, "rawKey": 1, "multipart": 1, "encodingSince": 1})}
    kept_set = set(kept)
    now = utcnow()
    for video_id, doc in docs.items():
        raw = doc.get("rawKey") or media_keys.raw_key(video_id)
        status = doc["status"]
        if status == PROCESSING and raw in kept_set:
            if db.videos.update_one(
                    {"_id": video_id, "status": PROCESSING},
                    {"$set": {"retryPending": True, "progressPercent": 0, "updatedAt": now},
                     "$unset": {"encodingSince": ""}}).modified_count:
                db.transcode_parts.delete_many({"videoId": video_id})
                plan.rerun.append(video_id)
        elif status == PROCESSING:
            if publishing.fail(db, video_id, LOST_UPLOAD_REASON):
                db.transcode_parts.delete_many({"videoId": video_id})
                plan.failed.append(video_id)
        elif status == UPLOADING and doc.get("multipart"):
            if db.videos.update_one(
                    {"_id": video_id, "multipart.uploadId": doc["multipart"]["uploadId"]},
                    {"$set": {"multipart": None, "updatedAt": now}}).modified_count:
                plan.uploads_cleared.append(video_id)
        elif status == PUBLIC and doc.get("encodingSince"):
            plan.unfinished.append(video_id)
    started_over = set(plan.rerun) | set(plan.failed)
    for key, video_id in owners.items():
        doc = docs.get(video_id) if video_id is not None else None
        if video_id is not None and doc is None:
            plan.dropped.append(key)  # the video is gone
        elif doc is None:
            plan.before.append(key)
        elif key.startswith(media_keys.RAW) and doc["status"] in (UPLOADING, PROCESSING):
            plan.after.append(key)
        elif key.startswith(media_keys.RAW) and doc["status"] == PUBLIC \
                and video_id not in plan.unfinished:  # whose rungs to come read it
            plan.dormant.append(key)
        elif key.startswith(media_keys.HLS) and video_id in started_over:
            plan.dropped.append(key)  # the dead run's half-written outputs
        else:
            plan.before.append(key)
    return plan


def finish_unfinished(db: Database, video_ids: list, kept: set[str],
                      dispatch, part_function: str | None) -> int:
    """Send again the parts of the rungs a PUBLIC video still waits for (their old
    invocations died with the old process). A recorded part whose segments were not kept is
    encoded again. Without a part function, the video is complete without those rungs.
    Returns the parts sent."""
    from tuber_common import media_keys, publishing
    from tuber_transcode import plan as transcode_plan

    sent = 0
    for video_id in video_ids:
        doc = db.videos.find_one({"_id": video_id, "encodingSince": {"$exists": True}},
                                 {"transcode": 1, "pendingRenditions": 1})
        if doc is None or not doc.get("transcode"):
            continue
        transcode, run_id = doc["transcode"], doc["transcode"]["runId"]
        pending = list(doc.get("pendingRenditions") or [])
        if not part_function:
            for track in pending:
                publishing.abandon_track(db, video_id, run_id, track, STOPPED_REASON)
            continue
        prefix = media_keys.hls_prefix(video_id)
        for part in db.transcode_parts.find({"videoId": video_id, "runId": run_id,
                                             "track": {"$in": pending}}):
            if any(f"{prefix}{part['track']}/{s['uri']}" not in kept
                   for s in part.get("segments") or []):
                db.transcode_parts.delete_one({"_id": part["_id"]})
        for task in transcode_plan.tasks(str(video_id), transcode):
            if task["track"] in pending:
                dispatch(part_function, {"part": task})
                sent += 1
    return sent
