"""The bodies of the API's success answers, as docs/API.md describes them: documentation
only. local/docs.py puts their JSON schemas into /openapi.json, where schemathesis
(tests/e2e/test_api_fuzz.py) checks every real answer against them.

The Lambda functions never import this module (cold start): they build plain dicts
(tuber_common.videos.video_out, tuber_comment.comments.comment_out, ...). Every model forbids
undocumented fields, so a field an answer gains or loses without API.md saying so fails the
fuzz run. `X | None` is a field that is always there and may be null; `X | Absent` is one
that may be left out (e.g. the caller's own rating), never null when present.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

# May be left out of the answer; the None default never reaches the schema.
Absent = SkipJsonSchema[None]

Id = Annotated[str, Field(pattern=r"^[0-9a-f]{24}$", description="a Mongo ObjectId in hex")]
# tuber_common.ids: 22 random base64url characters; videos created before issue 14 keep
# their ObjectId.
VideoId = Annotated[str, Field(pattern=r"^([A-Za-z0-9_-]{21}[AQgw]|[0-9a-f]{24})$",
                               description="a video id: 22 random base64url characters "
                                           "(an ObjectId in hex for older videos)")]
Count = Annotated[int, Field(ge=0)]
Percent = Annotated[int, Field(ge=0, le=100)]
PartNumber = Annotated[int, Field(ge=1, le=10_000)]
Status = Literal["UPLOADING", "PROCESSING", "PUBLIC", "FAILED"]
Visibility = Literal["public", "unlisted", "private"]
Rating = Literal["like", "dislike", "none"]


def _no_defaults(schema: dict) -> None:
    # An answer has no defaults: a property is either always there or may be left out.
    for prop in schema.get("properties", {}).values():
        prop.pop("default", None)


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_no_defaults)


# --- users ---------------------------------------------------------------------------------

class Author(_Answer):
    """Who wrote a comment."""
    id: Id
    username: str = Field(description="the channel name: unique whatever the case, never "
                                      "changes")
    displayName: str


class User(Author):
    """A user's public fields."""
    createdAt: datetime | None = Field(description="null for an account that no longer "
                                                   "exists (the owner of an orphaned video)")


class Me(User):
    """The user as they see themself: their public fields and their email."""
    email: str
    emailVerified: bool = Field(description="whether the address is verified as theirs (by "
                                            "a verification or password reset link)")
    createdAt: datetime


class UserResponse(_Answer):
    user: Me


class SessionResponse(_Answer):
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


class PopulateResponse(_Answer):
    users: list[User] = Field(description="the users that exist among the ids, in the order "
                                          "asked")


# --- account lifecycle (docs/API.md "Accounts") --------------------------------------------

class MailSentResponse(_Answer):
    """202: the mail is on its way (the same answer whether or not an account has the
    address: the mail tells its owner)."""
    status: Literal["sent"]
    email: str | Absent = Field(default=None, description="the caller's own address (resend)")


class Removed(_Answer):
    videos: Count
    ratings: Count
    comments: Count


class Deletion(_Answer):
    status: Literal["complete", "in_progress"] = Field(
        description="in_progress: the account is gone, some of its content is still being "
                    "removed (within minutes)")
    requestedAt: datetime
    removed: Removed = Field(description="what this request removed")


class DeletionResponse(_Answer):
    deletion: Deletion


class ExportAccount(Me):
    emailVerifiedAt: datetime | None
    passwordChangedAt: datetime | None
    updatedAt: datetime | None


class ExportSession(_Answer):
    startedAt: datetime | None
    expiresAt: datetime | None
    endedAt: datetime | None
    endedBecause: str | None


class ExportVideo(_Answer):
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


class ExportComment(_Answer):
    id: Id
    videoId: VideoId
    parentId: Id | None
    text: str
    edited: bool
    editedAt: datetime | None
    createdAt: datetime | None


class ExportRating(_Answer):
    videoId: VideoId
    rating: Literal["like", "dislike"]
    ratedAt: datetime | None


class ExportResponse(_Answer):
    """One page of the caller's data export; the lists a page reached, in order (videos,
    comments, ratings); `account` and `sessions` on the first page only."""
    format: Literal["tuber-export/1"]
    exportedAt: datetime
    account: ExportAccount | Absent = None
    sessions: list[ExportSession] | Absent = None
    videos: list[ExportVideo] | Absent = None
    comments: list[ExportComment] | Absent = None
    ratings: list[ExportRating] | Absent = None
    nextCursor: str | None = Field(description="call again with ?cursor= for the rest")


# --- videos --------------------------------------------------------------------------------

class Rendition(_Answer):
    """One rung of the HLS ladder (what the transcoder reports)."""
    name: str = Field(examples=["720p"])
    width: int
    height: int
    bandwidth: int | Absent = Field(default=None, description="peak bits per second")
    averageBandwidth: int | Absent = None
    codecs: str | Absent = None
    frameRate: float | Absent = Field(default=None, description="frames per second, as the "
                                                                "master playlist declares")


class Video(_Answer):
    id: VideoId
    title: str
    description: str
    visibility: Visibility
    status: Status
    failureReason: str | None = Field(description="why it FAILED; null otherwise")
    owner: User
    viewCount: Count
    likeCount: Count
    dislikeCount: Count
    commentCount: Count
    durationSeconds: float | None
    thumbnailUrl: str | None = Field(description="the custom thumbnail if any, else the "
                                                 "generated one, else null; a signed URL "
                                                 "that works for 1 to 5 minutes")
    customThumbnail: bool
    hlsUrl: str | None = Field(description="the master playlist, once PUBLIC; it needs "
                                           "the playback cookies (GET /video/{videoId} or "
                                           "POST /video/{videoId}/playback set them)")
    storyboardUrl: str | None = Field(description="seek-bar previews: a WebVTT whose cues "
                                                   "are sprite tiles (`storyboard/00003.jpg"
                                                   "#xywh=0,0,160,90`, relative to it), once "
                                                   "PUBLIC and when there is one; opened by "
                                                   "the playback cookies like hlsUrl")
    renditions: list[Rendition] = Field(description="the rungs ready to play, lowest first; "
                                                    "it grows after the video is PUBLIC")
    pendingRenditions: list[str] = Field(description="names of the rungs still encoding "
                                                     "(e.g. [\"720p\", \"1080p\"]); empty "
                                                     "when complete")
    createdAt: datetime
    publishedAt: datetime | None
    myRating: Rating | Absent = Field(default=None, description="the caller's rating, when "
                                                                "authenticated")
    progressPercent: Percent | None = Field(description="transcode progress: 0-100 while "
                                                        "PROCESSING and while rungs are "
                                                        "pending after PUBLIC, 100 once "
                                                        "complete, null before processing "
                                                        "starts")
    commentsEnabled: bool
    ratingsEnabled: bool
    pinnedCommentId: Id | None


class VideoResponse(_Answer):
    video: Video


Item = TypeVar("Item")


class _Page(_Answer, Generic[Item]):
    items: list[Item]
    nextCursor: str | None = Field(description="opaque; null on the last page")


class VideoPage(_Page[Video]):
    """A page of videos."""


class RecommendationsResponse(_Answer):
    """What to watch next: one list, no cursor."""
    items: list[Video]


class PresignedUpload(_Answer):
    """Where and how to send a file straight to S3."""
    url: str
    method: str
    fields: dict[str, str] | Absent = Field(default=None, description="form fields of a "
                                                                      "multipart POST")
    headers: dict[str, str] | Absent = Field(default=None, description="headers to send")
    expiresIn: int = Field(ge=1, description="seconds")


class PresignedPost(PresignedUpload):
    """A presigned multipart/form-data POST: `fields` first, then the file, named `file`."""
    method: Literal["POST"]
    fields: dict[str, str]


class StorageQuota(_Answer):
    limitBytes: Count | None = Field(description="null: unlimited")
    usedBytes: Count
    remainingBytes: Count | None = Field(description="null: unlimited")


class DailyQuota(_Answer):
    limit: Count | None = Field(description="null: unlimited")
    used: Count
    remaining: Count | None = Field(description="null: unlimited")
    resetsAt: datetime


class Quota(_Answer):
    storage: StorageQuota
    videosPerDay: DailyQuota


class QuotaResponse(_Answer):
    quota: Quota


class CreateVideoResponse(_Answer):
    """The new video (UPLOADING), its presigned upload and the quota after it."""
    video: Video
    upload: PresignedUpload
    quota: Quota


class PlaybackResponse(_Answer):
    """The answer of POST /video/{videoId}/playback, which also sets the CloudFront signed
    cookies (CloudFront-Policy, CloudFront-Signature, CloudFront-Key-Pair-Id; Path
    /hls/{videoId}/) that open the video's playlists and segments until expiresAt."""
    hlsUrl: str = Field(description="the master playlist (fetch it with the cookies)")
    storyboardUrl: str | None = Field(description="the seek-bar previews' WebVTT (fetch it "
                                                  "with the cookies); null when there is none")
    expiresAt: datetime = Field(description="when the cookies stop working")
    expiresIn: int = Field(ge=1, le=300, description="seconds until expiresAt")


class ViewSessionResponse(_Answer):
    """A view session (docs/API.md, "Views"): report it with POST /video/{videoId}/view."""
    viewSession: str = Field(description="signed by the server: opaque")
    countsAfterSeconds: float = Field(ge=0, description="the server's threshold for this "
                                                        "video, from the session's start")
    expiresAt: datetime
    expiresIn: int = Field(ge=1, description="seconds the session may be reported")


class ViewResponse(_Answer):
    viewCount: Count
    counted: bool
    countsInSeconds: float | None = Field(
        gt=0, description="too early by the server's clock: report again after this many "
                          "seconds; null when the view counted or never will")


class WebhookResponse(_Answer):
    result: Literal["published", "failed", "unchanged", "unknown"]


class ThumbnailUploadResponse(_Answer):
    upload: PresignedPost
    thumbnailKey: str = Field(
        pattern=r"^incoming/thumbs/([A-Za-z0-9_-]{22}|[0-9a-f]{24})/custom-[0-9a-f]{16}\."
                r"(png|jpg|webp)$",
        description="a private staging key; confirm it with PUT .../thumbnail")


class MultipartUpload(_Answer):
    """A resumable upload in progress."""
    uploadId: str
    partSize: int = Field(ge=1)
    partCount: PartNumber
    sizeBytes: int = Field(ge=1)
    createdAt: datetime
    expiresAt: datetime


class MultipartResponse(_Answer):
    multipart: MultipartUpload


class StoredPart(_Answer):
    """A part S3 already holds."""
    partNumber: PartNumber
    sizeBytes: Count
    etag: str


class MultipartStatusResponse(_Answer):
    multipart: MultipartUpload
    parts: list[StoredPart]
    uploadedBytes: Count


class PartUrl(_Answer):
    partNumber: PartNumber
    url: str
    method: Literal["PUT"]
    sizeBytes: int = Field(ge=1, description="the URL is signed for exactly this length")


class PartUrlsResponse(_Answer):
    uploadId: str
    expiresIn: int = Field(ge=1, description="seconds")
    parts: list[PartUrl]


# --- likes ---------------------------------------------------------------------------------

class RatingSummary(_Answer):
    likeCount: Count
    dislikeCount: Count
    myRating: Rating = Field(description="none when anonymous")


# --- comments ------------------------------------------------------------------------------

class Comment(_Answer):
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


class CommentResponse(_Answer):
    comment: Comment


class CommentPage(_Page[Comment]):
    """A page of comments (the pinned one first on the first page)."""
