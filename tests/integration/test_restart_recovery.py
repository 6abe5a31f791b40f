"""What the local stack does at start with the work its last run left half done
(local/recovery.py), against the real database: which kept objects go back before the
bucket's notification and which after it (their event starts the transcode again), and what
each video in flight becomes."""
from __future__ import annotations

from datetime import timedelta

from local.recovery import LOST_UPLOAD_REASON, finish_unfinished, plan_restart


def _video(db, status: str, **fields) -> str:
    from tuber_common.clock import utcnow
    from tuber_common.ids import new_video_id

    video_id = new_video_id()
    db.videos.insert_one({"_id": video_id, "status": status, "ownerId": "o",
                          "updatedAt": utcnow() - timedelta(minutes=5), **fields})
    return video_id


def test_videos_in_flight_start_again_or_fail_with_a_reason(db):
    from tuber_common.ids import new_video_id

    deleted = new_video_id()
    processing = _video(db, "PROCESSING", rawKey=None, transcode={"runId": "old"})
    db.videos.update_one({"_id": processing}, {"$set": {"rawKey": f"raw/{processing}/source"}})
    db.transcode_parts.insert_one({"_id": f"{processing}/old/240p/0", "videoId": processing,
                                   "runId": "old", "track": "240p", "index": 0})
    lost = _video(db, "PROCESSING", rawKey=None)
    uploaded = _video(db, "UPLOADING")
    resumable = _video(db, "UPLOADING", multipart={"uploadId": "gone-with-moto"})
    failed = _video(db, "FAILED", failureReason="too long")
    public = _video(db, "PUBLIC")
    kept = [f"raw/{processing}/source", f"hls/{processing}/240p/seg_00000.ts",
            f"hls/{lost}/240p/seg_00000.ts", f"raw/{uploaded}/source",
            f"raw/{failed}/source", f"raw/{public}/source", f"hls/{public}/master.m3u8",
            f"thumbs/{public}/custom-a.jpg", f"raw/{deleted}/source",
            f"hls/{deleted}/master.m3u8", "elsewhere/file.txt"]

    plan = plan_restart(db, kept)

    # Their event must reach the transcoder: put back once the notification exists.
    assert sorted(plan.after) == sorted([f"raw/{processing}/source", f"raw/{uploaded}/source"])
    assert sorted(plan.before) == sorted([f"raw/{failed}/source", f"hls/{public}/master.m3u8",
                                          f"thumbs/{public}/custom-a.jpg",
                                          "elsewhere/file.txt"])
    # Nothing reads a published video's upload again: it stays on disk, out of moto.
    assert plan.dormant == [f"raw/{public}/source"]
    # The dead runs' half-written outputs and a deleted video's media do not come back.
    assert sorted(plan.dropped) == sorted([f"hls/{processing}/240p/seg_00000.ts",
                                           f"hls/{lost}/240p/seg_00000.ts",
                                           f"raw/{deleted}/source",
                                           f"hls/{deleted}/master.m3u8"])
    # Claimed again as a Retry claims it; the old run's records are gone.
    again = db.videos.find_one({"_id": processing})
    assert (again["status"], again["retryPending"]) == ("PROCESSING", True)
    assert db.transcode_parts.count_documents({"videoId": processing}) == 0
    gone = db.videos.find_one({"_id": lost})
    assert (gone["status"], gone["failureReason"]) == ("FAILED", LOST_UPLOAD_REASON)
    # moto forgot the resumable upload: the client is told to start a new one.
    assert db.videos.find_one({"_id": resumable})["multipart"] is None
    assert db.videos.find_one({"_id": failed})["status"] == "FAILED"
    assert (plan.rerun, plan.failed, plan.uploads_cleared) == ([processing], [lost],
                                                              [resumable])

    # Another restart before the transcoder claimed it: its upload's event comes again.
    second = plan_restart(db, plan.before + plan.after)
    assert (second.rerun, second.failed, second.uploads_cleared) == ([processing], [], [])
    assert sorted(second.after) == sorted(plan.after)


def _unfinished(db) -> tuple[str, dict]:
    from tuber_common.clock import utcnow

    transcode = {"runId": "r1", "hasAudio": True, "chunks": [[0, 4], [4, None]],
                 "rungs": [{"name": "240p"}, {"name": "360p"}, {"name": "480p"}]}
    video_id = _video(db, "PUBLIC", transcode=transcode, encodingSince=utcnow(),
                      pendingRenditions=["360p", "480p"], renditions=[{"name": "240p"}])
    for track, index in (("360p", 0), ("360p", 1), ("480p", 0)):
        db.transcode_parts.insert_one({
            "_id": f"{video_id}/r1/{track}/{index}", "videoId": video_id, "runId": "r1",
            "track": track, "index": index, "segments": [{"uri": f"seg_{index:05d}.ts"}]})
    return video_id, transcode


def test_a_public_video_gets_the_parts_of_its_pending_rungs_again(db):
    video_id, _ = _unfinished(db)
    plan = plan_restart(db, [f"hls/{video_id}/master.m3u8", f"raw/{video_id}/source"])
    assert plan.unfinished == [video_id]
    # Its parts read the upload: back in the bucket (before the notification: no new run).
    assert sorted(plan.before) == [f"hls/{video_id}/master.m3u8", f"raw/{video_id}/source"]
    assert plan.dormant == []
    # 360p's part 0 was kept, its part 1 was recorded but its segment never reached the disk.
    kept = {f"hls/{video_id}/360p/seg_00000.ts", f"hls/{video_id}/480p/seg_00000.ts"}
    sent: list[tuple[str, dict]] = []
    assert finish_unfinished(db, plan.unfinished, kept, lambda f, e: sent.append((f, e)),
                             "TranscodePartFunction") == 4
    assert sorted((e["part"]["track"], e["part"]["index"]) for _, e in sent) == [
        ("360p", 0), ("360p", 1), ("480p", 0), ("480p", 1)]
    assert {f for f, _ in sent} == {"TranscodePartFunction"}
    assert all(e["part"]["runId"] == "r1" for _, e in sent)
    # Encoded again: the part whose segment was lost; the others are only assembled.
    assert sorted(d["_id"].split("/", 1)[1] for d in db.transcode_parts.find(
        {"videoId": video_id})) == ["r1/360p/0", "r1/480p/0"]


def test_without_a_part_function_a_public_video_is_complete_without_its_pending_rungs(db):
    video_id, _ = _unfinished(db)
    assert finish_unfinished(db, [video_id], set(), lambda *_: None, None) == 0
    video = db.videos.find_one({"_id": video_id})
    assert video["pendingRenditions"] == [] and "encodingSince" not in video
    assert video["progressPercent"] == 100
    assert sorted(video["transcode"]["failedTracks"]) == ["360p", "480p"]
