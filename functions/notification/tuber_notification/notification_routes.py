"""/notification: my notifications, the unread count, marking them read."""
from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from tuber_common.db import get_db
from tuber_common.http import require_user
from tuber_common.openapi import REQUIRED, operation
from tuber_common.request_models import DEFAULT, Cursor, Limit

from . import inbox
from .models import ReadBody

router = Router()
TAGS = ["notifications"]


@router.get("/notification", **operation(
    200, "NotificationPage", auth=REQUIRED, tags=TAGS,
    summary="My notifications, newest first: new videos, comments on my videos, replies"))
def list_notifications(limit: Limit = DEFAULT, cursor: Cursor = None):
    items, next_cursor = inbox.list_notifications(get_db(), require_user(router), limit,
                                                  cursor)
    return {"items": items, "nextCursor": next_cursor}


@router.get("/notification/unread-count", **operation(
    200, "UnreadCount", auth=REQUIRED, tags=TAGS, summary="How many are unread (up to 1000)"))
def unread_count():
    return inbox.unread_count(get_db(), require_user(router))


@router.post("/notification/read", **operation(
    200, "MarkedRead", auth=REQUIRED, tags=TAGS,
    summary="Mark some ({ids}) or every ({all: true}) notification read"))
def mark_read(body: ReadBody):
    return inbox.mark_read(get_db(), require_user(router), body.ids, bool(body.all))
