"""/video lists: the feed (all or one category), search, a channel's videos, a tag's, what to
watch next; the categories."""
from __future__ import annotations

from typing import Annotated
from urllib.parse import unquote

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from tuber_common.db import get_db
from tuber_common.http import optional_user
from tuber_common.openapi import NONE, OPTIONAL, operation
from tuber_common.request_models import DEFAULT, Cursor, Limit

from . import catalog, recommendations, search as video_search

router = Router()
TAGS = ["catalog"]


@router.get("/video", **operation(200, "VideoPage", auth=OPTIONAL, tags=TAGS,
                                  summary="Public videos (of one category), newest first"))
def feed(limit: Limit = DEFAULT, cursor: Cursor = None,
         category: Annotated[str | None, Query(max_length=50)] = None):
    optional_user(router)  # a token that is sent must be valid
    return catalog.feed(get_db(), limit, cursor, category)


@router.get("/video/categories", **operation(200, "CategoriesResponse", auth=NONE, tags=TAGS,
                                             summary="The categories a video may have"))
def categories():
    return catalog.categories()


# A static path: Powertools tries it before /video/{videoId} (API Gateway prefers it too).
@router.get("/video/search", **operation(
    200, "VideoPage", auth=OPTIONAL, tags=TAGS,
    summary="Listed public videos matching every word of q as a word prefix in title, tags "
            "or description; title matches first, then newest"))
def search(q: str, limit: Limit = DEFAULT, cursor: Cursor = None):
    optional_user(router)
    return video_search.search(get_db(), q, limit, cursor)


# Declared before /video/{videoId}/recommended: dynamic routes match in the order they are
# declared, and GET /video/user/recommended fits both (this is the one API Gateway picks).
@router.get("/video/user/<userId>", **operation(
    200, "VideoPage", auth=OPTIONAL, tags=TAGS,
    summary="A user's videos, newest first (all of them for their owner)"))
def channel(userId: str, limit: Limit = DEFAULT, cursor: Cursor = None):
    return catalog.channel(get_db(), userId, optional_user(router), limit, cursor)


# Also before /video/{videoId}/recommended, for the tag "recommended" (as the channel route).
@router.get("/video/tag/<tag>", **operation(
    200, "VideoPage", auth=OPTIONAL, tags=TAGS,
    summary="Public videos with this tag, newest first"))
def tag(tag: str, limit: Limit = DEFAULT, cursor: Cursor = None):
    optional_user(router)
    # API Gateway hands the segment over decoded, the local gateway and tests encoded; a tag
    # never holds "%" (tuber_common.tags), so decoding it once more is safe either way.
    return catalog.by_tag(get_db(), unquote(tag), limit, cursor)


@router.get("/video/<videoId>/recommended", **operation(
    200, "RecommendationsResponse", auth=OPTIONAL, tags=TAGS,
    summary="What to watch after this video"))
def recommended(videoId: str,
                limit: Annotated[int, Query(ge=1, le=recommendations.MAX_LIMIT)]
                = recommendations.DEFAULT_LIMIT):
    return recommendations.recommended(get_db(), videoId, optional_user(router), limit)
