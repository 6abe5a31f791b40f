"""on_transcoded: a transcode part that failed for good (the on-failure destination record
Lambda sends after the retries), MediaConvert job events, the sweep of stuck videos; every
event idempotent."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from bson import ObjectId

from tests.support.video_fixtures import failed_part_record, sample_event
from tuber_common.ids import parse_video_id

PART_FAILED = "part of the video could not be transcoded"


@pytest.fixture
def processing_video(db, member, new_video):
    def _make() -> str:
        video_id = new_video(member())["video"]["id"]
        db.videos.update_one({"_id": parse_video_id(video_id)}, {"$set": {"status": "PROCESSING"}})
        return video_id
    return _make


def _mediaconvert(name: str, video_id: str) -> dict:
    # The sample event, pointed at this video (its paths name the sample's id).
    text = json.dumps(sample_event(name))
    return json.loads(text.replace(sample_event(name)["detail"]["userMetadata"]["videoId"],
                                   video_id))


def _part(video_id: str, transcode: dict, track: str, index: int = 0) -> dict:
    return {"videoId": video_id, "runId": transcode["runId"], "track": track, "index": index}


def _doc(db, video_id: str) -> dict:
    return db.videos.find_one({"_id": parse_video_id(video_id)})


def test_a_failed_part_fails_a_processing_video_once_and_removes_its_outputs(
        db, s3, processing_video, transcode_runs, run_on_transcoded):
    # Given a video being transcoded: its audio is in, one chunk of its lowest rung too
    video_id, neighbour = processing_video(), processing_video()
    run = transcode_runs.start(video_id)
    transcode_runs.finish(video_id, run, "audio")
    transcode_runs.part(video_id, run, "240p", 0)
    # (its segments and sprites, as the parts uploaded them; and another video's media)
    for key in (f"hls/{video_id}/240p/seg_00000.ts", f"hls/{video_id}/storyboard/00000.jpg",
                f"hls/{neighbour}/240p/seg_00000.ts"):
        s3.put_object(Bucket=transcode_runs.bucket, Key=key, Body=b"media")
    assert transcode_runs.keys(video_id) and _doc(db, video_id)["status"] == "PROCESSING"

    # When the lowest rung's second chunk has failed its last retry
    record = failed_part_record(_part(video_id, run, "240p", 1))
    assert run_on_transcoded(record)["results"] == ["failed"]

    # Then the video is FAILED with a reason a user may read, its outputs gone
    failed = _doc(db, video_id)
    assert failed["status"] == "FAILED" and failed["failureReason"] == PART_FAILED
    assert failed.get("hlsKey") is None and "encodingSince" not in failed
    assert transcode_runs.keys(video_id) == []
    assert db.transcode_parts.count_documents({"videoId": parse_video_id(video_id)}) == 0
    assert transcode_runs.keys(neighbour) == [f"hls/{neighbour}/240p/seg_00000.ts"]
    # ...once: the same record again (Lambda delivers at least once), or another part of
    # the same run failing later, changes nothing.
    assert run_on_transcoded(record)["results"] == ["unchanged"]
    late = failed_part_record(_part(video_id, run, "360p", 0), error_type="RuntimeError",
                              error="boom")
    assert run_on_transcoded(late)["results"] == ["unchanged"]
    assert _doc(db, video_id) == failed


def test_a_failed_higher_rung_after_public_leaves_it_public_without_that_rung(
        db, s3, processing_video, transcode_runs, run_on_transcoded):
    # Given a video PUBLIC with its lowest rung while 360p is still being encoded
    video_id = processing_video()
    run = transcode_runs.start(video_id)
    transcode_runs.finish(video_id, run, "audio")
    transcode_runs.finish(video_id, run, "240p")
    playing = _doc(db, video_id)
    assert playing["status"] == "PUBLIC" and playing["pendingRenditions"] == ["360p"]
    assert playing["progressPercent"] < 100
    outputs = transcode_runs.keys(video_id)
    master_key = f"hls/{video_id}/master.m3u8"
    assert master_key in outputs

    # When a 360p part fails for good
    record = failed_part_record(_part(video_id, run, "360p", 1))
    assert run_on_transcoded(record)["results"] == ["unchanged"]

    # Then it stays PUBLIC and complete without 360p: nothing pending, progress 100, the
    # playable media left as it was
    done = _doc(db, video_id)
    assert done["status"] == "PUBLIC" and done["hlsKey"] == master_key
    assert [r["name"] for r in done["renditions"]] == ["240p"]
    assert done["pendingRenditions"] == [] and done["progressPercent"] == 100
    assert done["transcode"]["failedTracks"] == ["360p"] and "encodingSince" not in done
    assert transcode_runs.keys(video_id) == outputs
    master = s3.get_object(Bucket=transcode_runs.bucket, Key=master_key)["Body"].read().decode()
    assert "240p/index.m3u8" in master and "360p" not in master
    # A late or repeated record changes nothing
    assert run_on_transcoded(record)["results"] == ["unchanged"]
    assert run_on_transcoded(failed_part_record(_part(video_id, run, "360p", 0))
                             )["results"] == ["unchanged"]
    assert _doc(db, video_id) == done


def test_a_failed_part_of_an_earlier_run_changes_nothing(db, s3, processing_video,
                                                        transcode_runs, run_on_transcoded):
    # The video's transcode started over (a retry): the first run's parts no longer count.
    video_id = processing_video()
    first = transcode_runs.start(video_id)
    second = transcode_runs.start(video_id)
    s3.put_object(Bucket=transcode_runs.bucket, Key=f"hls/{video_id}/audio/seg_00000.ts",
                  Body=b"media")
    assert run_on_transcoded(failed_part_record(_part(video_id, first, "240p"))
                             )["results"] == ["unchanged"]
    doc = _doc(db, video_id)
    assert doc["status"] == "PROCESSING" and doc["transcode"]["runId"] == second["runId"]
    assert doc["pendingRenditions"] == ["240p", "360p"]
    assert transcode_runs.keys(video_id) == [f"hls/{video_id}/audio/seg_00000.ts"]


def test_failed_invocations_that_are_not_transcode_parts_are_ignored(
        db, s3, processing_video, transcode_runs, run_on_transcoded):
    video_id = processing_video()
    run = transcode_runs.start(video_id)
    not_parts = [
        # another function's failed invocation (an S3 event's), misrouted here
        {**failed_part_record({}), "requestPayload": sample_event("s3_raw_upload")},
        failed_part_record({"videoId": video_id, "track": "240p", "index": 0}),  # no run
        failed_part_record({"videoId": "../etc", "runId": run["runId"], "track": "240p"}),
        failed_part_record({"videoId": {"$ne": None}, "runId": run["runId"], "track": "240p"}),
        {**failed_part_record({}), "requestPayload": {"part": "240p"}},  # not an address
    ]
    for record in not_parts:
        assert run_on_transcoded(record)["results"] == ["ignored"], record["requestPayload"]
    # A part of a video that no longer exists (deleted while it encoded): nothing to fail.
    ghost = failed_part_record({"videoId": str(ObjectId()), "runId": run["runId"],
                                "track": "240p", "index": 0})
    assert run_on_transcoded(ghost)["results"] == ["unchanged"]
    assert db.videos.count_documents({}) == 1
    assert _doc(db, video_id)["status"] == "PROCESSING"


def test_mediaconvert_complete_publishes_with_renditions_and_thumbnail(
        db, s3, processing_video, run_on_transcoded):
    video_id = processing_video()
    event = _mediaconvert("mediaconvert_complete", video_id)
    assert run_on_transcoded(event)["results"] == ["published"]
    assert run_on_transcoded(event)["results"] == ["unchanged"]
    doc = db.videos.find_one({"_id": parse_video_id(video_id)})
    assert doc["status"] == "PUBLIC"
    assert doc["hlsKey"] == f"hls/{video_id}/master.m3u8"
    assert doc["thumbnailKey"] == f"hls/{video_id}/thumb.0000000.jpg"
    assert doc["durationSeconds"] == 2.0
    assert [r["height"] for r in doc["renditions"]] == [240, 360, 720]


def test_mediaconvert_error_fails_with_reason_and_late_success_changes_nothing(
        db, s3, processing_video, run_on_transcoded):
    video_id = processing_video()
    assert run_on_transcoded(_mediaconvert("mediaconvert_error", video_id)
                             )["results"] == ["failed"]
    assert run_on_transcoded(_mediaconvert("mediaconvert_complete", video_id)
                             )["results"] == ["unchanged"]
    doc = db.videos.find_one({"_id": parse_video_id(video_id)})
    assert doc["status"] == "FAILED" and "demuxer" in doc["failureReason"]
    assert doc.get("hlsKey") is None


def test_mediaconvert_event_without_our_metadata_is_ignored(db, s3, processing_video,
                                                             run_on_transcoded):
    video_id = processing_video()
    event = _mediaconvert("mediaconvert_complete", video_id)
    event["detail"]["userMetadata"] = {"videoId": video_id, "app": "someone-else"}
    assert run_on_transcoded(event)["results"] == ["unknown"]
    event["detail"]["userMetadata"] = {"videoId": {"$ne": None}, "app": "tuber"}
    assert run_on_transcoded(event)["results"] == ["unknown"]
    assert db.videos.find_one({"_id": parse_video_id(video_id)})["status"] == "PROCESSING"


def test_playlist_outside_the_videos_folder_is_not_trusted(db, s3, processing_video,
                                                           run_on_transcoded):
    video_id, other = processing_video(), str(ObjectId())
    event = _mediaconvert("mediaconvert_complete", video_id)
    hls = event["detail"]["outputGroupDetails"][0]
    hls["playlistFilePaths"] = [f"s3://tuber-media/hls/{other}/master.m3u8"]
    assert run_on_transcoded(event)["results"] == ["failed"]
    assert db.videos.find_one({"_id": parse_video_id(video_id)}).get("hlsKey") is None


def test_scheduled_sweep_fails_stuck_videos_only(db, s3, processing_video, new_video, member,
                                                 run_on_transcoded):
    from tuber_common.clock import utcnow

    stuck, fresh = processing_video(), processing_video()
    never_uploaded = new_video(member())["video"]["id"]
    long_ago = utcnow() - timedelta(days=2)
    for vid in (stuck, never_uploaded):
        db.videos.update_one({"_id": parse_video_id(vid)}, {"$set": {"updatedAt": long_ago}})

    assert run_on_transcoded(sample_event("video_sweep_scheduled")) == {"swept": 2}

    status = {vid: db.videos.find_one({"_id": parse_video_id(vid)})["status"]
              for vid in (stuck, fresh, never_uploaded)}
    assert status == {stuck: "FAILED", fresh: "PROCESSING", never_uploaded: "FAILED"}


def test_scheduled_sweep_stops_waiting_for_rungs_that_never_came(
        db, s3, processing_video, transcode_runs, run_on_transcoded):
    from tuber_common.clock import utcnow

    # Two videos PUBLIC with their lowest rung, 360p pending: one for two days
    given_up, still_coming = processing_video(), processing_video()
    for vid in (given_up, still_coming):
        run = transcode_runs.start(vid)
        transcode_runs.finish(vid, run, "audio")
        transcode_runs.finish(vid, run, "240p")
    db.videos.update_one({"_id": parse_video_id(given_up)},
                         {"$set": {"encodingSince": utcnow() - timedelta(days=2)}})

    assert run_on_transcoded(sample_event("video_sweep_scheduled")) == {"swept": 0}

    done, waiting = _doc(db, given_up), _doc(db, still_coming)
    assert done["status"] == "PUBLIC" and [r["name"] for r in done["renditions"]] == ["240p"]
    assert done["pendingRenditions"] == [] and done["progressPercent"] == 100
    assert "encodingSince" not in done
    assert waiting["status"] == "PUBLIC" and waiting["pendingRenditions"] == ["360p"]
