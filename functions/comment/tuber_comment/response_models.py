"""The bodies of the /comment answers (docs/API.md "Comments"): documentation only, named by
the routes' decorators (tuber_common.openapi.operation) and never imported by the function
(cold start). The shared shapes and rules: tuber_common.response_models."""
from __future__ import annotations

from datetime import datetime

from pydantic import Field

from tuber_common.response_models import (Absent, Answer, Author, Count, Id, Moderation,
                                          Page, VideoId, moderation_field)


class Comment(Answer):
    id: Id
    videoId: VideoId
    parentId: Id | None = Field(description="the top-level comment a reply belongs to")
    text: str = Field(description="empty once deleted")
    author: Author | None = Field(description="null once deleted")
    replyCount: Count
    edited: bool
    editedAt: datetime | None
    deleted: bool = Field(description="a placeholder kept for its replies")
    pinned: bool
    createdAt: datetime
    moderation: Moderation | Absent = moderation_field()


class CommentResponse(Answer):
    comment: Comment


class CommentPage(Page[Comment]):
    """A page of comments (the pinned one first on the first page)."""
