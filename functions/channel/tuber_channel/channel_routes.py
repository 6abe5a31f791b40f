"""/channel and /me/subscriptions: channel pages, subscribing, the channels I follow."""
from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from tuber_common.db import get_db
from tuber_common.http import optional_user, require_user
from tuber_common.openapi import OPTIONAL, REQUIRED, operation
from tuber_common.request_models import DEFAULT, Cursor, Limit

from . import channels

router = Router()
TAGS = ["channels"]


# One path variable per position, as API Gateway routes by shape: a handle (@username or a
# user id) on the channel page, a user id on its subscription.
@router.get("/channel/<channel>", **operation(
    200, "ChannelResponse", auth=OPTIONAL, tags=TAGS,
    summary="A channel: @username (any case) or user id; `subscribed` when signed in"))
def channel_page(channel: str):
    return channels.channel_page(get_db(), optional_user(router), channel)


@router.put("/channel/<channel>/subscription", **operation(
    200, "SubscriptionState", auth=REQUIRED, tags=TAGS,
    summary="Subscribe to a channel (idempotent)"))
def subscribe(channel: str):
    return channels.subscribe(get_db(), require_user(router), channel)


@router.delete("/channel/<channel>/subscription", **operation(
    200, "SubscriptionState", auth=REQUIRED, tags=TAGS,
    summary="Unsubscribe from a channel (idempotent)"))
def unsubscribe(channel: str):
    return channels.unsubscribe(get_db(), require_user(router), channel)


@router.get("/me/subscriptions", **operation(
    200, "SubscriptionPage", auth=REQUIRED, tags=TAGS,
    summary="The channels I follow, newest subscription first"))
def my_subscriptions(limit: Limit = DEFAULT, cursor: Cursor = None):
    items, next_cursor = channels.my_subscriptions(get_db(), require_user(router), limit,
                                                   cursor)
    return {"items": items, "nextCursor": next_cursor}
