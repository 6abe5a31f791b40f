"""The answer shapes several functions share (a user, a video, a page of videos), as
docs/API.md describes them, and the base every answer model builds on. Each function's own
answers are in its `response_models` module; routes name them on their decorators
(tuber_common.openapi.operation).

Documentation only: the API document (/openapi.json) is made of their JSON schemas, and
schemathesis (tests/e2e/test_api_fuzz.py) checks every real answer against it. No function
imports these at run time (cold start: `tests/unit/test_function_imports.py`); routes build
plain dicts (tuber_common.videos.video_out, ...). Every model forbids undocumented fields, so
a field an answer gains or loses without API.md saying so fails the fuzz run. `X | None` is a
field that is always there and may be null; `X | Absent` one that may be left out (e.g. the
caller's own rating), never null when present.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from .tags import CATEGORY_IDS, MAX_TAG_CHARS, MAX_TAGS

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
Status = Literal["UPLOADING", "PROCESSING", "PUBLIC", "FAILED"]
Visibility = Literal["public", "unlisted", "private"]
Rating = Literal["like", "dislike", "none"]
Tag = Annotated[str, Field(min_length=1, max_length=MAX_TAG_CHARS)]
CategoryId = Literal[CATEGORY_IDS]
# Why a viewer reported something, and what a moderator's decision tells its owner.
ModerationReason = Literal["spam", "harassment", "hate", "violence", "sexual", "copyright",
                           "misinformation", "other"]


def _no_defaults(schema: dict) -> None:
    # An answer has no defaults: a property is either always there or may be left out.
    for prop in schema.get("properties", {}).values():
        prop.pop("default", None)


class Answer(BaseModel):
    """The base of every answer model: undocumented fields are refused."""
    model_config = ConfigDict(extra="forbid", json_schema_extra=_no_defaults)


Item = TypeVar("Item")


class Page(Answer, Generic[Item]):
    items: list[Item]
    nextCursor: str | None = Field(description="opaque; null on the last page")


# --- users ---------------------------------------------------------------------------------

class Author(Answer):
    """Who wrote a comment."""
    id: Id
    username: str = Field(description="the channel name: unique whatever the case, never "
                                      "changes")
    displayName: str


class User(Author):
    """A user's public fields."""
    createdAt: datetime | None = Field(description="null for an account that no longer "
                                                   "exists (the owner of an orphaned video)")


# --- moderation ----------------------------------------------------------------------------

class Moderation(Answer):
    """Why a moderator hid a video or comment from everyone but its owner (author)."""
    status: Literal["taken_down", "account_suspended"] = Field(
        description="taken_down: this video or comment; account_suspended: its owner's "
                    "account")
    reason: ModerationReason


def moderation_field():
    """The `moderation` field of a video or comment (docs/API.md "Moderation")."""
    return Field(default=None, description="only for the owner (author) of content a "
                                           "moderator took down: why it is hidden from "
                                           "everyone else")


# --- videos --------------------------------------------------------------------------------

class Rendition(Answer):
    """One rung of the HLS ladder (what the transcoder reports)."""
    name: str = Field(examples=["720p"])
    width: int
    height: int
    bandwidth: int | Absent = Field(default=None, description="peak bits per second")
    averageBandwidth: int | Absent = None
    codecs: str | Absent = None
    frameRate: float | Absent = Field(default=None, description="frames per second, as the "
                                                                "master playlist declares")


class Video(Answer):
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
    resumeAtSeconds: float | Absent = Field(
        default=None, ge=0, description="where the signed-in viewer stopped (watch history); "
                                        "0 to start from the beginning (never watched, or "
                                        "watched to the end); left out for anonymous callers")
    progressPercent: Percent | None = Field(description="transcode progress: 0-100 while "
                                                        "PROCESSING and while rungs are "
                                                        "pending after PUBLIC, 100 once "
                                                        "complete, null before processing "
                                                        "starts")
    commentsEnabled: bool
    ratingsEnabled: bool
    pinnedCommentId: Id | None
    tags: list[Tag] = Field(max_length=MAX_TAGS, description="normalized (lower case, no "
                                                             "leading '#'); empty when none")
    category: CategoryId | None = Field(description="an id of GET /video/categories; null "
                                                    "when none")
    moderation: Moderation | Absent = moderation_field()


class Chapter(Answer):
    startSeconds: Count
    title: str


class Caption(Answer):
    language: str = Field(description="a BCP 47 tag, e.g. en, pt-BR")
    label: str
    url: str = Field(description="the WebVTT file under hls/{videoId}/: the video's playback "
                                 "cookies open it")


class VideoDetails(Video):
    """A video with what its watch page alone needs (lists leave these out)."""
    chapters: list[Chapter] = Field(description="from the description's timestamp lines "
                                                "(docs/API.md \"Chapters\"), in order; "
                                                "empty when it has no valid list")
    captions: list[Caption]


class VideoResponse(Answer):
    video: VideoDetails


class VideoPage(Page[Video]):
    """A page of videos."""
