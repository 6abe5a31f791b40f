"""Fixtures for channels, subscriptions and notifications: the channel and notification
handlers, and the fan-out worker's invocations kept rather than sent."""
from __future__ import annotations

import pytest

from tests.support.api import Api


@pytest.fixture
def channel_api(db):
    from tuber_channel.handler import lambda_handler

    return Api(lambda_handler)


@pytest.fixture
def notification_api(db):
    from tuber_notification.handler import lambda_handler

    return Api(lambda_handler)


class FanoutInvocations:
    """Asynchronous invocations of the fan-out function, kept rather than sent (it stands in
    for the Lambda client); `run` one as Lambda would."""

    def __init__(self):
        self.sent: list[dict] = []

    def invoke(self, *, FunctionName: str, InvocationType: str, Payload: bytes) -> dict:
        import json

        assert InvocationType == "Event"
        self.sent.append({"function": FunctionName, "event": json.loads(Payload)})
        return {"StatusCode": 202}

    def run(self, call: dict, timeout_ms: int = 60_000) -> dict:
        from local.lambda_context import LambdaContext
        from tuber_notification_fanout.handler import lambda_handler

        return lambda_handler(call["event"], LambdaContext(
            function_name="NotificationFanoutFunction", timeout_ms=timeout_ms))

    def run_next(self) -> dict:
        return self.run(self.sent.pop(0))


@pytest.fixture
def fanout_invocations(db, monkeypatch) -> FanoutInvocations:
    """The fan-out as deployed: NOTIFICATION_FANOUT_FUNCTION set, so a publish hands its job
    to the function; run what was sent with `fanout_invocations.run_next()`."""
    from tuber_common import notifications
    from tuber_common.settings import get_settings

    monkeypatch.setenv("NOTIFICATION_FANOUT_FUNCTION", "NotificationFanoutFunction")
    get_settings.cache_clear()
    invocations = FanoutInvocations()
    monkeypatch.setattr(notifications, "_lambda_client", lambda: invocations)
    return invocations


@pytest.fixture
def publish_now(db, make_video):
    """A video that goes PUBLIC the way a transcode's end publishes it
    (tuber_common.publishing.publish: the notification hook runs); returns its id."""
    from tuber_common import publishing
    from tuber_common.ids import parse_video_id
    from tuber_common.videos import PROCESSING

    def _publish(owner, *, visibility: str = "public", title: str = "New upload") -> str:
        video_id = make_video(owner, visibility=visibility, status=PROCESSING, title=title)
        assert publishing.publish(db, parse_video_id(video_id),
                                  hls_key=f"hls/{video_id}/master.m3u8", renditions=[],
                                  thumbnail_key=None, duration_seconds=1.0)
        return video_id
    return _publish


@pytest.fixture
def follow(channel_api):
    """`follow(fan, channel)`: fan subscribes through the API; answers the JSON."""
    def _follow(fan, channel) -> dict:
        answer = channel_api.put(f"/channel/{channel.id}/subscription", token=fan.token)
        assert answer.status == 200, answer.body
        return answer.json
    return _follow
