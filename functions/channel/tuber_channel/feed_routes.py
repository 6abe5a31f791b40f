"""/feed/subscriptions: the newest videos of the channels I follow."""
from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from tuber_common.db import get_db
from tuber_common.http import require_user
from tuber_common.openapi import REQUIRED, operation
from tuber_common.request_models import DEFAULT, Cursor, Limit

from . import feed

router = Router()


@router.get("/feed/subscriptions", **operation(
    200, "VideoPage", auth=REQUIRED, tags=["channels"],
    summary="Listed public videos of the channels I follow, newest published first"))
def subscription_feed(limit: Limit = DEFAULT, cursor: Cursor = None):
    items, next_cursor = feed.subscription_feed(get_db(), require_user(router), limit, cursor)
    return {"items": items, "nextCursor": next_cursor}
