"""GET /video/trending: listed videos by their decayed recent views (tuber_video.trending)."""
from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from tuber_common.db import get_db
from tuber_common.http import optional_user
from tuber_common.openapi import OPTIONAL, operation
from tuber_common.request_models import DEFAULT, Cursor, Limit

from . import trending

router = Router()


# A static path: Powertools tries it before /video/{videoId} (API Gateway prefers it too).
@router.get("/video/trending", **operation(
    200, "VideoPage", auth=OPTIONAL, tags=["catalog"],
    summary="Public videos by recent views with time decay (refreshed every 15 minutes)"))
def trending_videos(limit: Limit = DEFAULT, cursor: Cursor = None):
    optional_user(router)  # a token that is sent must be valid
    return trending.trending(get_db(), limit, cursor)
