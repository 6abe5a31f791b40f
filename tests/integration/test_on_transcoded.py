"""on_transcoded: S3 master playlist (manifest next to it), MediaConvert job events, the sweep
of stuck videos; every event idempotent."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from bson import ObjectId

from tests.support.video_fixtures import s3_event, sample_event
from tuber_common.ids import parse_video_id


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


def _manifest(s3, video_id):
    from tuber_common.settings import get_settings

    bucket = get_settings().media_bucket
    s3.put_object(Bucket=bucket, Key=f"hls/{video_id}/manifest.json", Body=json.dumps({
        "renditions": [{"name": "240p", "width": 426, "height": 240, "bandwidth": 500000,
                        "codecs": "avc1.4d401e,mp4a.40.2"}],
        "durationSeconds": 2.5, "thumbnailKey": f"hls/{video_id}/thumb.jpg"}))
    s3.put_object(Bucket=bucket, Key=f"hls/{video_id}/master.m3u8", Body=b"#EXTM3U\n")


def test_master_playlist_publishes_once(db, s3, processing_video, run_on_transcoded):
    video_id = processing_video()
    _manifest(s3, video_id)
    event = s3_event("s3_hls_master", f"hls/{video_id}/master.m3u8")

    assert run_on_transcoded(event)["results"] == ["published"]
    first = db.videos.find_one({"_id": parse_video_id(video_id)})
    assert run_on_transcoded(event)["results"] == ["unchanged"]
    second = db.videos.find_one({"_id": parse_video_id(video_id)})

    assert first["status"] == "PUBLIC" and first["durationSeconds"] == 2.5
    assert first["hlsKey"] == f"hls/{video_id}/master.m3u8"
    assert first["thumbnailKey"] == f"hls/{video_id}/thumb.jpg"
    assert first["renditions"][0]["height"] == 240
    assert second == first


def test_master_without_manifest_waits_for_the_job_event(db, s3, processing_video,
                                                          run_on_transcoded):
    video_id = processing_video()
    assert run_on_transcoded(s3_event("s3_hls_master", f"hls/{video_id}/master.m3u8")
                             )["results"] == ["ignored"]
    assert db.videos.find_one({"_id": parse_video_id(video_id)})["status"] == "PROCESSING"


def test_master_for_an_unknown_video_or_other_key_is_ignored(db, s3, run_on_transcoded):
    ghost = str(ObjectId())
    _manifest(s3, ghost)
    assert run_on_transcoded(s3_event("s3_hls_master", f"hls/{ghost}/master.m3u8")
                             )["results"] == ["unknown"]
    assert run_on_transcoded(s3_event("s3_hls_master", f"hls/{ghost}/240p/index.m3u8")
                             )["results"] == ["ignored"]
    assert db.videos.count_documents({}) == 0


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
