"""Faults from outside the code: the database gone, hostile bytes, an upload whose video or
object vanished, ffmpeg killed or hanging. Each ends in a clean answer or a final state, never
a 500, a raised handler or a video stuck in PROCESSING.

(The sweep of videos stuck in PROCESSING is in test_on_transcoded.py; events for unknown or
already claimed videos in test_transcode.py.)"""
from __future__ import annotations

import json
import os
import shutil
import stat
import time

import pytest
from bson import ObjectId

from local import services
from local.apigw import http_api_event
from local.lambda_context import LambdaContext
from tests.conftest import TEST_SETTINGS
from tests.support import media
from tests.support.api import Api
from tests.support.video_fixtures import s3_event
from tuber_common.ids import parse_video_id

DB_TIMEOUT_MS = 500


@pytest.fixture
def database_down(monkeypatch):
    """Settings pointing at a port nothing listens on: every Mongo call fails."""
    from tuber_common.db import reset_clients

    for key, value in TEST_SETTINGS.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("MONGODB_URI", f"mongodb://127.0.0.1:{services.free_port()}/")
    monkeypatch.setenv("MONGODB_TIMEOUT_MS", str(DB_TIMEOUT_MS))
    reset_clients()
    yield
    reset_clients()


def _handler(name: str):
    module = __import__(f"tuber_{name}.handler", fromlist=["lambda_handler"])
    return module.lambda_handler


VIDEO = str(ObjectId())
DOWN_CASES = [  # (function, method, path, body, signed in)
    ("auth", "POST", "/auth/login", {"username": "someone", "password": "long enough"}, False),
    ("auth", "GET", "/auth/me", None, True),
    ("video", "GET", "/video", None, False),
    ("video", "GET", f"/video/{VIDEO}", None, True),
    ("like", "GET", f"/like/{VIDEO}", None, False),
    ("like", "PUT", f"/like/{VIDEO}", {"rating": "like"}, True),
    ("comment", "GET", f"/comment/{VIDEO}", None, False),
    ("comment", "POST", f"/comment/{VIDEO}", {"text": "hello"}, True),
]


@pytest.mark.parametrize(("function", "method", "path", "body", "signed_in"), DOWN_CASES,
                         ids=[f"{c[1]} {c[2].replace(VIDEO, '{id}')}" for c in DOWN_CASES])
def test_database_down_is_503_with_the_error_shape_within_the_timeout(
        database_down, function, method, path, body, signed_in):
    from tuber_common.tokens import issue_access_token

    token = issue_access_token(str(ObjectId()))[0] if signed_in else None
    api = Api(_handler(function))  # imported before the clock starts: the timeout is timed
    started = time.monotonic()
    answer = api.call(method, path, json_body=body, token=token)
    elapsed = time.monotonic() - started
    assert answer.status == 503, answer.body
    assert answer.json["error"]["code"] == "database_unavailable"
    assert set(answer.json["error"]) == {"code", "message", "details"}
    assert answer.headers.get("retry-after")
    # One server-selection timeout, not several, and not the driver's 30 s default.
    assert elapsed < DB_TIMEOUT_MS / 1000 + 1.5, elapsed


@pytest.mark.parametrize("function", ["auth", "video", "like", "comment"])
def test_a_body_that_is_not_utf8_is_400_not_500(db, function):
    # API Gateway base64-encodes a body that is not UTF-8 text; found by schemathesis.
    path = {"auth": "/auth/login", "video": "/video", "like": f"/like/{VIDEO}",
            "comment": f"/comment/{VIDEO}"}[function]
    method = "PUT" if function == "like" else "POST"
    event = http_api_event(method, path, headers={"content-type": "application/json"},
                           body=b'{"text": "\xff\xfe"}')
    assert event["isBase64Encoded"]
    result = _handler(function)(event, LambdaContext())
    assert result["statusCode"] == 400, result
    assert json.loads(result["body"])["error"]["code"] == "invalid_json"


# --- the transcode pipeline ---------------------------------------------------------------

def _invoke_transcode(key: str, size: int = 1000, timeout_ms: int = 300_000) -> dict:
    from tuber_transcode.handler import lambda_handler

    return lambda_handler(s3_event("s3_raw_upload", key, size),
                          LambdaContext(function_name="transcode", timeout_ms=timeout_ms))


def _hls_keys(s3, video_id: str) -> list[str]:
    from tuber_common.settings import get_settings

    listed = s3.list_objects_v2(Bucket=get_settings().media_bucket, Prefix=f"hls/{video_id}/")
    return [o["Key"] for o in listed.get("Contents", [])]


@pytest.fixture
def clip(tmp_path) -> str:
    return media.make_clip(str(tmp_path / "clip.mp4"), 320, 240, seconds=2, audio=False)


@pytest.mark.slow
def test_upload_event_for_a_deleted_video_is_ignored(db, s3, member, new_video, video_api,
                                                     run_transcode, clip):
    owner = member()
    video_id = new_video(owner, size=os.path.getsize(clip))["video"]["id"]
    assert video_api.call("DELETE", f"/video/{video_id}", token=owner.token).status == 204
    # The upload lands after the delete: its event must not bring the video back.
    assert run_transcode(video_id, clip) == {"results": ["ignored"]}
    assert db.videos.find_one({"_id": parse_video_id(video_id)}) is None
    assert _hls_keys(s3, video_id) == []


def test_object_gone_before_download_ends_failed_not_processing(db, s3, member, new_video):
    video_id = new_video(member())["video"]["id"]
    # The event arrives, but the object was deleted in between (nothing was ever put).
    assert _invoke_transcode(f"raw/{video_id}/source") == {"results": ["failed"]}
    doc = db.videos.find_one({"_id": parse_video_id(video_id)})
    assert doc["status"] == "FAILED" and doc["failureReason"]


def test_object_and_video_both_gone_is_ignored(db, s3):
    assert _invoke_transcode(f"raw/{ObjectId()}/source") == {"results": ["ignored"]}
    assert db.videos.count_documents({}) == 0


def _fake_ffmpeg(tmp_path, body: str) -> str:
    script = tmp_path / "ffmpeg"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


@pytest.mark.slow
def test_ffmpeg_killed_mid_run_ends_failed_with_a_reason(db, s3, member, new_video,
                                                         run_transcode, clip, tmp_path,
                                                         monkeypatch):
    from tuber_common.settings import get_settings

    # The real ffmpeg starts, then is SIGKILLed (the OOM killer, a crash) and so is its parent.
    real = shutil.which("ffmpeg")
    monkeypatch.setenv("FFMPEG_PATH", _fake_ffmpeg(
        tmp_path, f'"{real}" "$@" &\nsleep 0.5\nkill -9 $!\nkill -9 $$\n'))
    get_settings.cache_clear()
    video_id = new_video(member(), size=os.path.getsize(clip))["video"]["id"]
    assert run_transcode(video_id, clip) == {"results": ["failed"]}
    doc = db.videos.find_one({"_id": parse_video_id(video_id)})
    assert doc["status"] == "FAILED" and doc["failureReason"]
    assert _hls_keys(s3, video_id) == []  # no partial outputs left to serve


@pytest.mark.slow
def test_ffmpeg_that_hangs_is_stopped_before_the_lambda_timeout(db, s3, member, new_video,
                                                                clip, tmp_path, monkeypatch):
    from tuber_common.settings import get_settings

    monkeypatch.setenv("FFMPEG_PATH", _fake_ffmpeg(tmp_path, "exec sleep 60\n"))
    get_settings.cache_clear()
    video_id = new_video(member(), size=os.path.getsize(clip))["video"]["id"]
    s3.upload_file(clip, get_settings().media_bucket, f"raw/{video_id}/source")
    started = time.monotonic()
    # 7 s left of the Lambda: ffmpeg gets what remains minus the margin kept to record FAILED.
    answer = _invoke_transcode(f"raw/{video_id}/source", os.path.getsize(clip), timeout_ms=7000)
    assert answer == {"results": ["failed"]}
    assert time.monotonic() - started < 7
    doc = db.videos.find_one({"_id": parse_video_id(video_id)})
    assert doc["status"] == "FAILED" and "too long" in doc["failureReason"]
