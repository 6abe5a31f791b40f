"""Fixtures for the video path: moto S3 with the media bucket, the video handler, users with
tokens, and videos created through the API (optionally published as the pipeline would)."""
from __future__ import annotations


import pytest

from tests.support.api import Api
from tests.support.people import Member


@pytest.fixture
def s3(db):
    """moto S3 (in-process) with the media bucket; the layer's client is created inside."""
    from moto import mock_aws

    from tuber_common import storage
    from tuber_common.settings import get_settings

    with mock_aws():
        storage.reset_s3()
        client = storage.get_s3()
        client.create_bucket(Bucket=get_settings().media_bucket)
        yield client
        storage.reset_s3()


@pytest.fixture
def video_api(db, s3):
    from tuber_video.handler import lambda_handler

    return Api(lambda_handler)


@pytest.fixture
def new_video(video_api):
    """Create a video through POST /video; returns the answer's JSON ({video, upload})."""
    def _make(owner: Member, title: str = "A video", visibility: str = "public",
              size: int = 1000, content_type: str = "video/mp4") -> dict:
        answer = video_api.post("/video", {"title": title, "visibility": visibility,
                                           "contentType": content_type, "sizeBytes": size},
                                token=owner.token)
        assert answer.status == 201, answer.body
        return answer.json
    return _make


@pytest.fixture
def published_video(db, new_video):
    """A video created through the API and published the way on_transcoded does it."""
    from tuber_common import publishing
    from tuber_common.ids import parse_video_id

    def _make(owner: Member, title: str = "A video", visibility: str = "public") -> str:
        video_id = new_video(owner, title, visibility)["video"]["id"]
        assert publishing.publish(
            db, parse_video_id(video_id), hls_key=f"hls/{video_id}/master.m3u8",
            renditions=[{"name": "240p", "width": 426, "height": 240}],
            thumbnail_key=f"hls/{video_id}/thumb.jpg", duration_seconds=2.0)
        return video_id
    return _make


EVENTS_DIR = __import__("pathlib").Path(__file__).resolve().parents[2] / "events"


def sample_event(name: str) -> dict:
    """A sample event from events/ (the same files `sam local invoke -e` takes)."""
    import json

    return json.loads((EVENTS_DIR / f"{name}.json").read_text())


def s3_event(name: str, key: str, size: int | None = None) -> dict:
    """The sample S3 event `name` for `key`, URL-encoded the way S3 sends keys."""
    from urllib.parse import quote_plus

    from tuber_common.settings import get_settings

    event = sample_event(name)
    record = event["Records"][0]["s3"]
    record["bucket"]["name"] = get_settings().media_bucket
    record["object"]["key"] = quote_plus(key, safe="/")
    if size is not None:
        record["object"]["size"] = size
    return event


@pytest.fixture
def fast_transcode(monkeypatch, settings_env):
    """The quickest settings that still exercise the whole ladder."""
    from tuber_common.settings import get_settings

    monkeypatch.setenv("TRANSCODE_PRESET", "ultrafast")
    monkeypatch.setenv("TRANSCODE_SEGMENT_SECONDS", "1")
    get_settings.cache_clear()


@pytest.fixture
def run_transcode(db, s3, fast_transcode):
    """Upload a local file as a video's raw object and invoke the transcode handler with the
    S3 event; returns the handler's answer."""
    from local.lambda_context import LambdaContext
    from tuber_common.settings import get_settings
    from tuber_transcode.handler import lambda_handler

    def _run(video_id: str, path: str, key: str | None = None) -> dict:
        key = key or f"raw/{video_id}/source"
        s3.upload_file(path, get_settings().media_bucket, key)
        size = __import__("os").path.getsize(path)
        return lambda_handler(s3_event("s3_raw_upload", key, size),
                              LambdaContext(function_name="transcode", timeout_ms=300_000))
    return _run


@pytest.fixture
def run_on_transcoded(db, s3):
    from local.lambda_context import LambdaContext
    from tuber_on_transcoded.handler import lambda_handler

    def _run(event: dict) -> dict:
        return lambda_handler(event, LambdaContext(function_name="on_transcoded"))
    return _run
