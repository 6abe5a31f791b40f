"""The bodies of the /channel, /me/subscriptions and /feed/subscriptions answers (docs/API.md
"Channels"): documentation only, never imported by the routes."""
from __future__ import annotations

from datetime import datetime

from pydantic import Field

from tuber_common.response_models import Absent, Answer, Count, Page, User


class Channel(Answer):
    user: User
    subscriberCount: Count
    videoCount: Count = Field(description="listed public videos")
    subscribed: bool | Absent = Field(default=None, description="whether the caller "
                                                                "follows it, when signed in")


class ChannelResponse(Answer):
    channel: Channel


class SubscriptionState(Answer):
    subscribed: bool
    subscriberCount: Count


class Subscription(Answer):
    user: User
    subscriberCount: Count
    subscribed: bool
    subscribedAt: datetime


class SubscriptionPage(Page[Subscription]):
    """A page of the channels the caller follows."""
