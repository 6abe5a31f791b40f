"""The bodies of the /notification answers (docs/API.md "Notifications"): documentation
only, never imported by the routes."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from tuber_common.response_models import Answer, Count, Id, Page, User, VideoId


class NotificationVideo(Answer):
    id: VideoId
    title: str
    thumbnailUrl: str | None = Field(description="signed, works for 1 to 5 minutes")


class NotificationComment(Answer):
    id: Id
    text: str = Field(description="its first 200 characters")
    parentId: Id | None


class Notification(Answer):
    id: Id
    kind: Literal["video", "comment", "reply"] = Field(
        description="video: a channel I follow published it; comment: on my video; reply: "
                    "to my comment")
    read: bool
    createdAt: datetime = Field(description="when it happened")
    actor: User = Field(description="the channel, or the comment's author")
    video: NotificationVideo
    comment: NotificationComment | None = Field(description="null for kind video")


class NotificationPage(Page[Notification]):
    """A page of notifications, newest first."""


class UnreadCount(Answer):
    unreadCount: Count = Field(le=1000, description="counted up to 1000")


class MarkedRead(UnreadCount):
    marked: Count = Field(description="how many this request marked read")
