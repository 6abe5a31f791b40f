"""Request bodies of /video (a new video, edits, thumbnails, pins) and of the webhook,
validated by Powertools before a route runs (the resumable upload's: upload_models)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from tuber_common.request_models import Body

# Containers browsers and phones produce; ffmpeg reads them all. Anything else is refused at
# creation, before a byte is uploaded.
VIDEO_CONTENT_TYPES = (
    "video/mp4", "video/quicktime", "video/webm", "video/x-matroska", "video/x-msvideo",
    "video/mpeg", "video/ogg", "video/3gpp", "video/3gpp2", "video/x-m4v", "video/mp2t",
    "video/x-flv",
)
Visibility = Literal["public", "unlisted", "private"]
TITLE_MAX, DESCRIPTION_MAX = 100, 5000
# Checked and normalized by the domain (tuber_common.tags), whose refusals are 400s with
# their own codes (too_many_tags, invalid_tag, unknown_category), not a 422.
TAGS_DOC = ("up to 15 tags, normalized (NFKC, lower case, no leading '#', spaces collapsed, "
            "1-30 characters), duplicates dropped")
CATEGORY_DOC = "an id of GET /video/categories; null for none"


def _clean_title(value: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise ValueError("title is blank")
    return value


class CreateVideoBody(Body):
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    description: str = Field(default="", max_length=DESCRIPTION_MAX)
    visibility: Visibility = "public"
    contentType: str = Field(max_length=100)
    # The declared size bounds the presigned upload; the maximum is a setting (413 above it).
    sizeBytes: int = Field(ge=1)
    # The length the client read from the file, if it could: refused (422 video_too_long)
    # above TRANSCODE_MAX_DURATION_SECONDS before anything is uploaded. The transcoder still
    # judges the file itself.
    durationSeconds: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    tags: list[str] | None = Field(default=None, description=TAGS_DOC)
    category: str | None = Field(default=None, description=CATEGORY_DOC)

    _title = field_validator("title")(_clean_title)

    @field_validator("contentType")
    @classmethod
    def _video_only(cls, value: str) -> str:
        value = value.split(";")[0].strip().lower()
        if value not in VIDEO_CONTENT_TYPES:
            raise ValueError(f"contentType must be one of {', '.join(VIDEO_CONTENT_TYPES)}")
        return value


class UpdateVideoBody(Body):
    title: str | None = Field(default=None, min_length=1, max_length=TITLE_MAX)
    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX)
    visibility: Visibility | None = None
    # Creator controls: off refuses new comments / ratings (403), reading still works.
    commentsEnabled: bool | None = None
    ratingsEnabled: bool | None = None
    tags: list[str] | None = Field(default=None, description=TAGS_DOC + "; [] removes them")
    category: str | None = Field(default=None, description=CATEGORY_DOC + " (removes it)")

    @field_validator("title")
    @classmethod
    def _title(cls, value: str | None) -> str | None:
        return None if value is None else _clean_title(value)

    @model_validator(mode="after")
    def _something(self) -> "UpdateVideoBody":
        if not self.changes():
            raise ValueError("give title, description, visibility, commentsEnabled, "
                             "ratingsEnabled, tags or category")
        return self

    def changes(self) -> dict:
        changes = self.model_dump(exclude_none=True)
        if "category" in self.model_fields_set:  # null is a change: no category
            changes["category"] = self.category
        return changes


class ThumbnailUploadBody(Body):
    # The type and size are checked by the route (415 / 413 with their own codes).
    contentType: str = Field(max_length=100)
    sizeBytes: int = Field(ge=1)


class ThumbnailConfirmBody(Body):
    thumbnailKey: str = Field(min_length=1, max_length=200)


class PinBody(Body):
    commentId: str = Field(min_length=1, max_length=64)


class Rendition(Body):
    name: str = Field(max_length=20)
    width: int = Field(ge=1, le=10000)
    height: int = Field(ge=1, le=10000)
    bandwidth: int | None = Field(default=None, ge=1)
    averageBandwidth: int | None = Field(default=None, ge=1)
    codecs: str | None = Field(default=None, max_length=100)
    frameRate: float | None = Field(default=None, gt=0, le=1000)


class WebhookResult(Body):
    """An external transcoder's verdict (the seed's webhook body)."""
    videoId: str = Field(max_length=64)
    status: Literal["PUBLIC", "FAILED"]
    hlsKey: str | None = Field(default=None, max_length=1024)
    thumbnailKey: str | None = Field(default=None, max_length=1024)
    durationSeconds: float | None = Field(default=None, ge=0)
    renditions: list[Rendition] = Field(default_factory=list, max_length=20)
    failureReason: str | None = Field(default=None, max_length=500)
