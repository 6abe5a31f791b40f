"""The presigned upload POST /video returns, used the way a browser uses it, and the sample
API Gateway events for every /video route."""
from __future__ import annotations

import json

import pytest
import requests

from tests.support.video_fixtures import sample_event


def _upload(upload: dict, content: bytes, content_type: str) -> requests.Response:
    # Form fields first, the file last, as S3's POST policy protocol requires.
    return requests.post(upload["url"], data=upload["fields"],
                         files={"file": ("clip.mp4", content, content_type)}, timeout=10)


def test_presigned_post_uploads_the_raw_object(video_api, member, s3):
    from tuber_common.settings import get_settings

    body = b"\x00" * 2048
    created = video_api.post("/video", {"title": "x", "contentType": "video/mp4",
                                        "sizeBytes": len(body)}, token=member().token).json
    answer = _upload(created["upload"], body, "video/mp4")
    assert answer.status_code in (200, 201, 204), answer.text
    key = f"raw/{created['video']['id']}/source"
    head = s3.head_object(Bucket=get_settings().media_bucket, Key=key)
    assert head["ContentLength"] == len(body) and head["ContentType"] == "video/mp4"


ROUTES = {
    # sample event -> status the handler answers with real ids and tokens filled in
    "video_create": 201, "video_feed": 200, "video_search": 200, "video_channel": 200,
    "video_get": 200, "video_update": 200, "video_view_start": 201, "video_view": 200,
    "video_delete": 204,
}


@pytest.mark.parametrize("name", list(ROUTES))
def test_sample_events_drive_each_route(name, video_api, member, published_video):
    from local.lambda_context import LambdaContext
    from tuber_video.handler import lambda_handler

    owner = member()
    video_id = published_video(owner, "My first clip")
    text = json.dumps(sample_event(name))
    sample = sample_event("video_get")["pathParameters"]["videoId"]
    user = sample_event("video_channel")["pathParameters"]["userId"]
    text = (text.replace(sample, video_id).replace(user, owner.id)
            .replace("<accessToken from /auth/login>", owner.token))
    if "<viewSession from" in text:  # started by the same viewer, from its own sample
        start = json.loads(json.dumps(sample_event("video_view_start")).replace(sample, video_id))
        session = json.loads(lambda_handler(start, LambdaContext())["body"])["viewSession"]
        text = text.replace("<viewSession from POST /video/{videoId}/view/start>", session)
    result = lambda_handler(json.loads(text), LambdaContext())
    assert result["statusCode"] == ROUTES[name], result["body"]
    if name in ("video_feed", "video_search", "video_channel"):
        assert [v["id"] for v in json.loads(result["body"])["items"]] == [video_id]
