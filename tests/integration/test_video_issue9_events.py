"""The sample events for the thumbnail and recommendation routes (`sam local invoke -e`)
drive the real video handler."""
from __future__ import annotations

import json

import pytest

from tests.support.video_fixtures import sample_event

SAMPLE_VIDEO = sample_event("video_get")["pathParameters"]["videoId"]
ROUTES = {"video_recommended": 200, "video_thumbnail_upload": 201,
          "video_thumbnail_confirm": 200, "video_thumbnail_remove": 200}


@pytest.mark.parametrize("name", list(ROUTES))
def test_sample_events_drive_each_route(name, video_api, member, published_video, s3):
    from local.lambda_context import LambdaContext
    from tuber_common.settings import get_settings
    from tuber_video.handler import lambda_handler

    owner = member()
    video_id = published_video(owner)
    published_video(owner, "Another one")
    text = (json.dumps(sample_event(name)).replace(SAMPLE_VIDEO, video_id)
            .replace("<accessToken from /auth/login>", owner.token))
    event = json.loads(text)
    if name == "video_thumbnail_confirm":
        key = json.loads(event["body"])["thumbnailKey"]
        s3.put_object(Bucket=get_settings().media_bucket, Key=key,
                      Body=b"\xff\xd8\xff\xe0" + b"\x00" * 32, ContentType="image/jpeg")
    result = lambda_handler(event, LambdaContext())
    assert result["statusCode"] == ROUTES[name], result["body"]
    body = json.loads(result["body"])
    if name == "video_recommended":
        assert [v["title"] for v in body["items"]] == ["Another one"]
    elif name == "video_thumbnail_upload":
        assert body["thumbnailKey"].startswith(f"incoming/thumbs/{video_id}/custom-")
    elif name == "video_thumbnail_confirm":
        assert body["video"]["customThumbnail"] is True
