"""Fixtures for the video path: moto S3 with the media bucket (also over HTTP), the video
handler, users with tokens, videos created through the API (optionally published), the
transcode handlers, and transcodes in parts as the ffmpeg backend leaves them."""
from __future__ import annotations


import pytest

from tests.support.api import Api
from tests.support.people import Member


@pytest.fixture(scope="session")
def aws_data_loader():
    """botocore's loader of service models, kept for the session: each test's new boto3
    session would otherwise read and parse S3's model again (most of a client's cost)."""
    from botocore.loaders import create_loader

    return create_loader()


@pytest.fixture
def s3(db, aws_data_loader):
    """moto S3 (in-process) with the media bucket; the layer's client is created inside."""
    import boto3
    import botocore.session
    from moto import mock_aws

    from tuber_common import storage
    from tuber_common.settings import get_settings

    with mock_aws():
        # moto starts with no default boto3 session; this test's one reads models once.
        core = botocore.session.get_session()
        core.register_component("data_loader", aws_data_loader)
        boto3.DEFAULT_SESSION = boto3.session.Session(botocore_session=core)
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
    """A video created through the API and published in one step with its media, as a
    MediaConvert job's completion does it (publishing.publish; the ffmpeg backend's parts
    publish rung by rung: transcode_runs)."""
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


def failed_part_record(part: dict, *, error_type: str = "Sandbox.Timedout",
                       error: str = "Task timed out after 900.00 seconds",
                       attempts: int = 3) -> dict:
    """What Lambda sends TranscodePartFunction's on-failure destination (OnTranscodedFunction)
    once an invocation {"part": part} has failed its last retry."""
    return {"version": "1.0", "timestamp": "2026-07-01T10:00:00.000Z",
            "requestContext": {
                "requestId": "0f4c1a3e-part", "condition": "RetriesExhausted",
                "approximateInvokeCount": attempts,
                "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:"
                               "tuber-TranscodePartFunction-AbC:live"},
            "requestPayload": {"part": part},
            "responseContext": {"statusCode": 200, "executedVersion": "7",
                                "functionError": "Unhandled"},
            "responsePayload": {"errorType": error_type, "errorMessage": error}}


class TranscodeRuns:
    """Transcodes as the ffmpeg backend's parts leave them, without encoding anything: a run
    begun on a PROCESSING video (the planner's plan for a probed source), parts recorded as
    finished (segments named, not written), tracks assembled by the real assembly code
    (playlists written, renditions pushed, PUBLIC once the lowest rung and the audio are in)."""

    def __init__(self, db, s3):
        self.db, self.s3 = db, s3

    @property
    def bucket(self) -> str:
        from tuber_common.settings import get_settings

        return get_settings().media_bucket

    def start(self, video_id: str, *, width: int = 640, height: int = 360,
              seconds: float = 8.0, has_audio: bool = True, chunk_seconds: int = 4) -> dict:
        import dataclasses

        from tuber_common import publishing
        from tuber_common.ids import parse_video_id
        from tuber_transcode import plan
        from tuber_transcode.tools import Probe

        source = Probe(width=width, height=height, fps=30.0, has_audio=has_audio,
                       duration_seconds=seconds, demuxer="mov")
        transcode = plan.make(source, chunk_seconds=chunk_seconds, segment_seconds=1,
                              max_short_side=1080)
        transcode["probe"] = dataclasses.asdict(source)  # as pipeline._begin stores it
        assert publishing.begin_run(self.db, parse_video_id(video_id), transcode)
        return transcode

    def part(self, video_id: str, transcode: dict, track: str, index: int) -> dict:
        """Record one part as finished (1 s segments over its chunk); the video's document."""
        from tuber_common.ids import parse_video_id
        from tuber_transcode import assembly, plan

        if track == plan.AUDIO:
            start, end = 0.0, transcode["durationSeconds"]
        else:
            start, end = transcode["chunks"][index]
            end = end if end is not None else transcode["durationSeconds"]
        segments = [{"uri": f"seg_{n:05d}.ts", "duration": 1.0, "bytes": 40_000 + n,
                     "keyframeBytes": 10_000} for n in range(int(start), int(end))]
        result = {"start": start, "segments": segments}
        if track != plan.AUDIO:
            result["codecs"] = "avc1.4d401e"
        return assembly.record_part(self.db, parse_video_id(video_id), transcode, track,
                                    index, result, 0.5)

    def finish(self, video_id: str, transcode: dict, track: str) -> None:
        """Every part of `track` finished; the last one assembles it (as parts.run does)."""
        from tuber_common.ids import parse_video_id
        from tuber_transcode import assembly, plan

        for index in range(plan.part_count(transcode, track)):
            self.part(video_id, transcode, track, index)
        assert assembly.finish_if_complete(self.db, self.bucket,
                                           parse_video_id(video_id), transcode, track)

    def keys(self, video_id: str) -> list[str]:
        listed = self.s3.list_objects_v2(Bucket=self.bucket, Prefix=f"hls/{video_id}/")
        return sorted(o["Key"] for o in listed.get("Contents", []))


@pytest.fixture
def transcode_runs(db, s3) -> TranscodeRuns:
    return TranscodeRuns(db, s3)


@pytest.fixture
def media_over_http(s3, monkeypatch):
    """The media bucket also served over HTTP, by moto's server in a thread (the same
    in-process state as `s3`): presigned URLs that ffprobe and ffmpeg, in processes of their
    own, can read, as the planner and each part read the upload on AWS."""
    from moto.server import ThreadedMotoServer

    from tuber_common import storage
    from tuber_common.settings import get_settings

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        _host, port = server.get_host_and_port()
        monkeypatch.setenv("S3_ENDPOINT_URL", f"http://127.0.0.1:{port}")
        get_settings.cache_clear()
        storage.reset_s3()
        yield s3
    finally:
        server.stop()
        storage.reset_s3()


class PartInvocations:
    """The planner's asynchronous invocations of the part function, kept rather than sent
    (it stands in for the Lambda client); `run` one as Lambda would run it."""

    def __init__(self):
        self.sent: list[dict] = []  # {"function", "type", "event"}

    def invoke(self, *, FunctionName: str, InvocationType: str, Payload: bytes) -> dict:
        import json

        self.sent.append({"function": FunctionName, "type": InvocationType,
                          "event": json.loads(Payload)})
        return {"StatusCode": 202}

    @property
    def events(self) -> list[dict]:
        return [call["event"] for call in self.sent]

    def run(self, event: dict) -> dict:
        from local.lambda_context import LambdaContext
        from tuber_transcode.handler import part_handler

        return part_handler(event, LambdaContext(function_name="transcode_part",
                                                 timeout_ms=300_000))


@pytest.fixture
def part_invocations(media_over_http, fast_transcode, monkeypatch) -> PartInvocations:
    """The transcode as deployed: TRANSCODE_CHUNK_FUNCTION set, so the planner (the
    run_transcode fixture) sends every part to the part function; the parts read the upload
    over HTTP. Run the events it sent with `part_invocations.run`."""
    from tuber_common.settings import get_settings
    from tuber_transcode import pipeline

    monkeypatch.setenv("TRANSCODE_CHUNK_FUNCTION", "TranscodePartFunction")
    get_settings.cache_clear()
    invocations = PartInvocations()
    monkeypatch.setattr(pipeline, "lambda_client", lambda: invocations)
    return invocations
