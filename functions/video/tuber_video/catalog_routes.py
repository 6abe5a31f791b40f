"""/video lists: the feed, search, a channel's videos, what to watch next."""
from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from tuber_common.db import get_db
from tuber_common.http import optional_user
from tuber_common.openapi import OPTIONAL, operation
from tuber_common.request_models import DEFAULT, Cursor, Limit

from . import catalog, recommendations

router = Router()
TAGS = ["catalog"]


@router.get("/video", **operation(200, "VideoPage", auth=OPTIONAL, tags=TAGS,
                                  summary="Public videos, newest first"))
def feed(limit: Limit = DEFAULT, cursor: Cursor = None):
    optional_user(router)  # a token that is sent must be valid
    return catalog.feed(get_db(), limit, cursor)


# A static path: Powertools tries it before /video/{videoId} (API Gateway prefers it too).
@router.get("/video/search", **operation(200, "VideoPage", auth=OPTIONAL, tags=TAGS,
                                         summary="Public videos whose title matches q"))
def search(q: Annotated[str, Query(max_length=200)], limit: Limit = DEFAULT,
           cursor: Cursor = None):
    optional_user(router)
    return catalog.search(get_db(), q, limit, cursor)


# Declared before /video/{videoId}/recommended: dynamic routes match in the order they are
# declared, and GET /video/user/recommended fits both (this is the one API Gateway picks).
@router.get("/video/user/<userId>", **operation(
    200, "VideoPage", auth=OPTIONAL, tags=TAGS,
    summary="A user's videos, newest first (all of them for their owner)"))
def channel(userId: str, limit: Limit = DEFAULT, cursor: Cursor = None):
    return catalog.channel(get_db(), userId, optional_user(router), limit, cursor)


@router.get("/video/<videoId>/recommended", **operation(
    200, "RecommendationsResponse", auth=OPTIONAL, tags=TAGS,
    summary="What to watch after this video"))
def recommended(videoId: str,
                limit: Annotated[int, Query(ge=1, le=recommendations.MAX_LIMIT)]
                = recommendations.DEFAULT_LIMIT):
    return recommendations.recommended(get_db(), videoId, optional_user(router), limit)
