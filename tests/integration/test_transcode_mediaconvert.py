"""The MediaConvert backend: the transcode function submits one job whose request botocore's
Stubber checks against the MediaConvert service model."""
from __future__ import annotations

import os

import boto3
import pytest
from botocore.stub import Stubber

from tests.support import media
from tests.support.video_fixtures import s3_event
from tuber_common.ids import parse_video_id

ROLE = "arn:aws:iam::000000000000:role/tuber-mediaconvert"


@pytest.fixture
def mediaconvert(monkeypatch, settings_env):
    from tuber_common.settings import get_settings
    from tuber_transcode import mediaconvert_backend

    monkeypatch.setenv("TRANSCODER_BACKEND", "mediaconvert")
    monkeypatch.setenv("MEDIACONVERT_ROLE_ARN", ROLE)
    get_settings.cache_clear()
    client = boto3.client("mediaconvert", region_name="us-east-1",
                          endpoint_url="https://mediaconvert.us-east-1.amazonaws.com")
    monkeypatch.setattr(mediaconvert_backend, "get_client", lambda: client)
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def _job(video_id):
    return {"Job": {"Id": "1735689600000-abc123", "Role": ROLE, "Settings": {},
                    "UserMetadata": {"videoId": video_id, "app": "tuber"}}}


def _run(video_id, clip, s3, monkeypatch):
    """Upload and invoke; ffprobe reads the file locally (moto is in-process, so the
    presigned URL it would read in AWS is not reachable from a subprocess here)."""
    from local.lambda_context import LambdaContext
    from tuber_common.settings import get_settings
    from tuber_transcode import mediaconvert_backend, tools
    from tuber_transcode.handler import lambda_handler

    monkeypatch.setattr(mediaconvert_backend, "probe_remote", lambda url: tools.probe(clip))
    key = f"raw/{video_id}/source"
    s3.upload_file(clip, get_settings().media_bucket, key)
    return lambda_handler(s3_event("s3_raw_upload", key, os.path.getsize(clip)),
                          LambdaContext(function_name="transcode"))


def test_submits_a_valid_job_with_the_adapted_ladder(tmp_path, mediaconvert, member,
                                                     new_video, s3, db, monkeypatch):
    from tuber_transcode.mediaconvert_backend import job_request
    from tuber_transcode.tools import probe

    clip = media.make_clip(str(tmp_path / "portrait.mp4"), 360, 640, seconds=1)
    video_id = new_video(member(), size=os.path.getsize(clip))["video"]["id"]
    expected = job_request(video_id, "tuber-media", f"raw/{video_id}/source", probe(clip))
    mediaconvert.add_response("create_job", _job(video_id), expected)

    assert _run(video_id, clip, s3, monkeypatch)["results"] == ["submitted"]

    doc = db.videos.find_one({"_id": parse_video_id(video_id)})
    assert doc["status"] == "PROCESSING" and doc["transcodeJobId"] == "1735689600000-abc123"
    assert expected["UserMetadata"] == {"videoId": video_id, "app": "tuber"}
    outputs = expected["Settings"]["OutputGroups"][0]["Outputs"]
    assert [(o["VideoDescription"]["Width"], o["VideoDescription"]["Height"])
            for o in outputs] == [(240, 426), (360, 640)]
    assert all(o["AudioDescriptions"] for o in outputs)
    hls = expected["Settings"]["OutputGroups"][0]["OutputGroupSettings"]["HlsGroupSettings"]
    assert hls["Destination"] == f"s3://tuber-media/hls/{video_id}/master"


def test_silent_source_gets_no_audio_selector(tmp_path, mediaconvert, member, new_video, s3,
                                              db, monkeypatch):
    clip = media.make_clip(str(tmp_path / "silent.mp4"), 320, 240, seconds=1, audio=False)
    video_id = new_video(member(), size=os.path.getsize(clip))["video"]["id"]
    from tuber_transcode.mediaconvert_backend import job_request
    from tuber_transcode.tools import probe

    expected = job_request(video_id, "tuber-media", f"raw/{video_id}/source", probe(clip))
    mediaconvert.add_response("create_job", _job(video_id), expected)
    assert _run(video_id, clip, s3, monkeypatch)["results"] == ["submitted"]
    assert "AudioSelectors" not in expected["Settings"]["Inputs"][0]
    assert all("AudioDescriptions" not in o
               for o in expected["Settings"]["OutputGroups"][0]["Outputs"])


def test_rejected_job_ends_failed(tmp_path, mediaconvert, member, new_video, s3, db,
                                  monkeypatch):
    clip = media.make_clip(str(tmp_path / "c.mp4"), 320, 240, seconds=1, audio=False)
    video_id = new_video(member(), size=os.path.getsize(clip))["video"]["id"]
    mediaconvert.add_client_error("create_job", service_error_code="BadRequestException",
                                  http_status_code=400)
    assert _run(video_id, clip, s3, monkeypatch)["results"] == ["failed"]
    assert db.videos.find_one({"_id": parse_video_id(video_id)})["status"] == "FAILED"


def test_a_120_fps_source_is_encoded_at_60_as_the_ffmpeg_backend_does(settings_env):
    from tuber_transcode.mediaconvert_backend import job_request
    from tuber_transcode.tools import Probe

    source = Probe(width=1280, height=720, fps=120.0, has_audio=False, duration_seconds=10.0)
    outputs = job_request("v", "bucket", "raw/v/source", source)["Settings"]["OutputGroups"][0][
        "Outputs"]
    for output in outputs:
        h264 = output["VideoDescription"]["CodecSettings"]["H264Settings"]
        assert (h264["FramerateControl"], h264["FramerateNumerator"],
                h264["FramerateDenominator"]) == ("SPECIFIED", 60, 1)
        assert h264["GopSize"] == 60 * 4  # one segment (4 s) of output frames
    # The request is valid for the service (botocore's model).
    from botocore.validate import validate_parameters
    model = boto3.client("mediaconvert", region_name="us-east-1").meta.service_model
    validate_parameters(job_request("v", "bucket", "raw/v/source", source),
                        model.operation_model("CreateJob").input_shape)
