"""POST /video/webhook with the original Tuber's body, a MediaConvert "Job State Change":
accepted only when signed and fresh, and applied to exactly the video named in the job's
userMetadata, never to one whose id appears elsewhere in the body."""
from __future__ import annotations

import json
import time

import pytest
from bson import ObjectId

from tests.support.video_fixtures import sample_event
from tuber_common.ids import parse_video_id

SAMPLE_ID = sample_event("mediaconvert_complete")["detail"]["userMetadata"]["videoId"]


def job_event(video_id: str, name: str = "mediaconvert_complete") -> dict:
    """The sample event, every mention of its video id replaced by `video_id`."""
    return json.loads(json.dumps(sample_event(name)).replace(SAMPLE_ID, video_id))


def signed(body: dict, timestamp: int | None = None) -> dict:
    from tuber_common.settings import get_settings
    from tuber_video.webhook import sign

    raw = json.dumps(body)
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {"raw_body": raw, "headers": {
        "x-tuber-timestamp": ts,
        "x-tuber-signature": sign(get_settings().webhook_secret, ts, raw.encode())}}


@pytest.fixture
def videos(member, new_video):
    """Two videos waiting for their transcode, by different owners."""
    return [new_video(member())["video"]["id"] for _ in range(2)]


def status(db, video_id: str) -> str:
    return db.videos.find_one({"_id": parse_video_id(video_id)})["status"]


def test_an_unsigned_job_event_is_refused(video_api, videos, db):
    mine, _ = videos
    answer = video_api.call("POST", "/video/webhook", raw_body=json.dumps(job_event(mine)))
    assert (answer.status, answer.error_code) == (401, "invalid_signature")
    assert status(db, mine) == "UPLOADING"


def test_a_replayed_job_event_is_refused(video_api, videos, db):
    mine, _ = videos
    request = signed(job_event(mine, "mediaconvert_error"))
    assert video_api.call("POST", "/video/webhook", **request).json == {"result": "failed"}
    # The very same delivery again (captured and resent): refused before it is read.
    replay = video_api.call("POST", "/video/webhook", **request)
    assert (replay.status, replay.error_code) == (409, "webhook_replayed")


def test_a_stale_job_event_is_refused(video_api, videos, db):
    mine, _ = videos
    answer = video_api.call("POST", "/video/webhook",
                            **signed(job_event(mine), int(time.time()) - 3600))
    assert (answer.status, answer.error_code) == (401, "stale_signature")
    assert status(db, mine) == "UPLOADING"


def test_without_a_configured_secret_nothing_is_accepted(video_api, videos, db, monkeypatch):
    from tuber_common.settings import get_settings

    mine, _ = videos
    request = signed(job_event(mine))
    monkeypatch.setenv("WEBHOOK_SECRET", "")
    get_settings.cache_clear()
    answer = video_api.call("POST", "/video/webhook", **request)
    assert (answer.status, answer.error_code) == (401, "webhook_disabled")
    assert status(db, mine) == "UPLOADING"


def test_a_job_publishes_its_own_video_not_one_named_in_its_outputs(video_api, videos, db):
    mine, other = videos
    event = job_event(mine)
    detail = event["detail"]
    # Another video's id where a pattern-matching handler would pick it up: output paths,
    # job id, queue, resources.
    hls = detail["outputGroupDetails"][0]
    hls["playlistFilePaths"].insert(0, f"s3://tuber-media/hls/{other}/master.m3u8")
    hls["outputDetails"][0]["outputFilePaths"] = [f"s3://tuber-media/hls/{other}/x_240p.m3u8"]
    detail["outputGroupDetails"][1]["outputDetails"][0]["outputFilePaths"].insert(
        0, f"s3://tuber-media/hls/{other}/thumb.0000000.jpg")
    detail["jobId"] = f"job-{other}"
    event["resources"] = [f"arn:aws:mediaconvert:us-east-1:0:jobs/{other}"]

    answer = video_api.call("POST", "/video/webhook", **signed(event))

    assert answer.status == 200 and answer.json == {"result": "published"}, answer.body
    doc = db.videos.find_one({"_id": parse_video_id(mine)})
    assert doc["status"] == "PUBLIC"
    assert doc["hlsKey"] == f"hls/{mine}/master.m3u8"
    assert doc["thumbnailKey"] == f"hls/{mine}/thumb.0000000.jpg"
    assert status(db, other) == "UPLOADING"


def test_a_job_whose_only_playlist_is_another_videos_fails_its_own(video_api, videos, db):
    mine, other = videos
    event = job_event(mine)
    event["detail"]["outputGroupDetails"][0]["playlistFilePaths"] = [
        f"s3://tuber-media/hls/{other}/master.m3u8"]
    answer = video_api.call("POST", "/video/webhook", **signed(event))
    assert answer.json == {"result": "failed"}
    assert status(db, mine) == "FAILED" and status(db, other) == "UPLOADING"


@pytest.mark.parametrize("metadata", [
    "unknown_video", "malformed_id", "no_metadata", "not_tuber",
])
def test_a_job_for_no_known_video_is_ignored_cleanly(video_api, videos, db, metadata):
    mine, _ = videos
    event = job_event(mine)
    user_metadata = event["detail"]["userMetadata"]
    if metadata == "unknown_video":
        user_metadata["videoId"] = str(ObjectId())
    elif metadata == "malformed_id":
        user_metadata["videoId"] = "../../etc"
    elif metadata == "no_metadata":
        del event["detail"]["userMetadata"]
    else:
        user_metadata["app"] = "someone-else"
    before = list(db.videos.find({}, sort=[("_id", 1)]))

    answer = video_api.call("POST", "/video/webhook", **signed(event))

    # Signed, so accepted: nothing to apply it to (the output paths name `mine`).
    assert answer.status == 200 and answer.json == {"result": "unknown"}, answer.body
    assert list(db.videos.find({}, sort=[("_id", 1)])) == before
