"""The bodies of the /auth answers (docs/API.md "Sessions", "Accounts"): documentation only,
named by the routes' decorators (tuber_common.openapi.operation) and never imported by the
function (cold start). The shared shapes and the rules: tuber_common.response_models."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from tuber_common.response_models import (Absent, Answer, Count, Id, Status, User, VideoId,
                                          Visibility)


class Me(User):
    """The user as they see themself: their public fields and their email."""
    email: str
    emailVerified: bool = Field(description="whether the address is verified as theirs (by "
                                            "a verification or password reset link)")
    role: Literal["user", "moderator", "admin"] = Field(
        description="what the account may do: moderators and admins see the moderation "
                    "routes (docs/API.md \"Moderation\")")
    createdAt: datetime


class UserResponse(Answer):
    user: Me


class SessionResponse(Answer):
    """A token pair (sign-in, refresh) and the signed-in user."""
    accessToken: str
    refreshToken: str | Absent = Field(
        default=None, description="single use: refreshing spends it; absent when the request "
                                  "sent X-Tuber-Session: cookie (then it is in the "
                                  "tuber_refresh cookie)")
    refreshTokenIn: Literal["cookie"] | Absent = Field(
        default=None, description="present when the refresh token went into the cookie")
    tokenType: Literal["Bearer"]
    expiresIn: int = Field(ge=1, description="seconds the access token is valid")
    user: Me


class PopulateResponse(Answer):
    users: list[User] = Field(description="the users that exist among the ids, in the order "
                                          "asked")


class MailSentResponse(Answer):
    """202: the mail is on its way (the same answer whether or not an account has the
    address: the mail tells its owner)."""
    status: Literal["sent"]
    email: str | Absent = Field(default=None, description="the caller's own address (resend)")


class Removed(Answer):
    videos: Count
    ratings: Count
    comments: Count


class Deletion(Answer):
    status: Literal["complete", "in_progress"] = Field(
        description="in_progress: the account is gone, some of its content is still being "
                    "removed (within minutes)")
    requestedAt: datetime
    removed: Removed = Field(description="what this request removed")


class DeletionResponse(Answer):
    deletion: Deletion


class ExportAccount(Me):
    emailVerifiedAt: datetime | None
    passwordChangedAt: datetime | None
    updatedAt: datetime | None


class ExportSession(Answer):
    startedAt: datetime | None
    expiresAt: datetime | None
    endedAt: datetime | None
    endedBecause: str | None


class ExportVideo(Answer):
    id: VideoId
    title: str | None
    description: str | None
    visibility: Visibility | None
    status: Status | None
    failureReason: str | None
    durationSeconds: float | None
    sizeBytes: int | None
    contentType: str | None
    viewCount: int | None
    likeCount: int | None
    dislikeCount: int | None
    commentCount: int | None
    commentsEnabled: bool | None
    ratingsEnabled: bool | None
    createdAt: datetime | None
    publishedAt: datetime | None


class ExportComment(Answer):
    id: Id
    videoId: VideoId
    parentId: Id | None
    text: str
    edited: bool
    editedAt: datetime | None
    createdAt: datetime | None


class ExportRating(Answer):
    videoId: VideoId
    rating: Literal["like", "dislike"]
    ratedAt: datetime | None


class ExportHistoryEntry(Answer):
    """A video in the caller's watch history (tuber_common.watch_history.export_entry)."""
    videoId: VideoId
    positionSeconds: float | None = Field(ge=0, description="where the player stopped")
    lastWatchedAt: datetime | None


class ExportResponse(Answer):
    """One page of the caller's data export; the lists a page reached, in order (videos,
    comments, ratings, watch history); `account` and `sessions` on the first page only."""
    format: Literal["tuber-export/1"]
    exportedAt: datetime
    account: ExportAccount | Absent = None
    sessions: list[ExportSession] | Absent = None
    videos: list[ExportVideo] | Absent = None
    comments: list[ExportComment] | Absent = None
    ratings: list[ExportRating] | Absent = None
    history: list[ExportHistoryEntry] | Absent = None
    nextCursor: str | None = Field(description="call again with ?cursor= for the rest")
