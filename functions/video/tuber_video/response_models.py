"""The bodies of the /video answers (docs/API.md "Videos", "Uploads", "Views", "Media"):
documentation only, named by the routes' decorators (tuber_common.openapi.operation) and
never imported by the function (cold start). The video itself, its pages and the other shared
shapes and rules: tuber_common.response_models."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from tuber_common.response_models import (Absent, Answer, CategoryId, Count, Video,
                                          VideoDetails)

PartNumber = Annotated[int, Field(ge=1, le=10_000)]


class RecommendationsResponse(Answer):
    """What to watch next: one list, no cursor."""
    items: list[Video]


class PresignedUpload(Answer):
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


class StorageQuota(Answer):
    limitBytes: Count | None = Field(description="null: unlimited")
    usedBytes: Count
    remainingBytes: Count | None = Field(description="null: unlimited")


class DailyQuota(Answer):
    limit: Count | None = Field(description="null: unlimited")
    used: Count
    remaining: Count | None = Field(description="null: unlimited")
    resetsAt: datetime


class Quota(Answer):
    storage: StorageQuota
    videosPerDay: DailyQuota


class QuotaResponse(Answer):
    quota: Quota


class CreateVideoResponse(Answer):
    """The new video (UPLOADING), its presigned upload and the quota after it."""
    video: VideoDetails
    upload: PresignedUpload
    quota: Quota


class PlaybackResponse(Answer):
    """The answer of POST /video/{videoId}/playback, which also sets the CloudFront signed
    cookies (CloudFront-Policy, CloudFront-Signature, CloudFront-Key-Pair-Id; Path
    /hls/{videoId}/) that open the video's playlists and segments until expiresAt."""
    hlsUrl: str = Field(description="the master playlist (fetch it with the cookies)")
    storyboardUrl: str | None = Field(description="the seek-bar previews' WebVTT (fetch it "
                                                  "with the cookies); null when there is none")
    expiresAt: datetime = Field(description="when the cookies stop working")
    expiresIn: int = Field(ge=1, le=300, description="seconds until expiresAt")


class ViewSessionResponse(Answer):
    """A view session (docs/API.md, "Views"): report it with POST /video/{videoId}/view."""
    viewSession: str = Field(description="signed by the server: opaque")
    countsAfterSeconds: float = Field(ge=0, description="the server's threshold for this "
                                                        "video, from the session's start")
    expiresAt: datetime
    expiresIn: int = Field(ge=1, description="seconds the session may be reported")


class ViewResponse(Answer):
    viewCount: Count
    counted: bool
    countsInSeconds: float | None = Field(
        gt=0, description="too early by the server's clock: report again after this many "
                          "seconds; null when the view counted or never will")


class VideoCategory(Answer):
    id: CategoryId = Field(description="what POST /video, PATCH /video/{videoId} and GET "
                                "/video?category= take")
    label: str = Field(description="its English name")


class CategoriesResponse(Answer):
    """The fixed list of categories, in the order to show them."""
    categories: list[VideoCategory]


class WebhookResponse(Answer):
    result: Literal["published", "failed", "unchanged", "unknown"]


class ThumbnailUploadResponse(Answer):
    upload: PresignedPost
    thumbnailKey: str = Field(
        pattern=r"^incoming/thumbs/([A-Za-z0-9_-]{22}|[0-9a-f]{24})/custom-[0-9a-f]{16}\."
                r"(png|jpg|webp)$",
        description="a private staging key; confirm it with PUT .../thumbnail")


class CaptionUploadResponse(Answer):
    """Where to upload one WebVTT file; confirm it with PUT .../captions/{language}."""
    language: str = Field(description="the BCP 47 tag, normalized (pt-br -> pt-BR)")
    label: str = Field(description="what players will show")
    upload: PresignedPost = Field(description="exactly this file: text/vtt, the declared "
                                              "size, one private key")


class MultipartUpload(Answer):
    """A resumable upload in progress."""
    uploadId: str
    partSize: int = Field(ge=1)
    partCount: PartNumber
    sizeBytes: int = Field(ge=1)
    createdAt: datetime
    expiresAt: datetime


class MultipartResponse(Answer):
    multipart: MultipartUpload


class StoredPart(Answer):
    """A part S3 already holds."""
    partNumber: PartNumber
    sizeBytes: Count
    etag: str


class MultipartStatusResponse(Answer):
    multipart: MultipartUpload
    parts: list[StoredPart]
    uploadedBytes: Count


class PartUrl(Answer):
    partNumber: PartNumber
    url: str
    method: Literal["PUT"]
    sizeBytes: int = Field(ge=1, description="the URL is signed for exactly this length")


class PartUrlsResponse(Answer):
    uploadId: str
    expiresIn: int = Field(ge=1, description="seconds")
    parts: list[PartUrl]


class OEmbedResponse(Answer):
    """oEmbed 1.0 (https://oembed.com), type video: snake_case names, as the spec spells them."""
    version: Literal["1.0"]
    type: Literal["video"]
    provider_name: str
    provider_url: str
    title: str
    author_name: str | Absent = Field(default=None, description="the channel's display name")
    author_url: str | Absent = Field(default=None, description="the channel's page")
    html: str = Field(description="an <iframe> of /embed/{videoId} (with ?t= when the URL "
                                  "had one)")
    width: int = Field(ge=1)
    height: int = Field(ge=1)
    thumbnail_url: str | Absent = Field(default=None, description="signed: dies within "
                                                                  "minutes (cache_age)")
    thumbnail_width: int | Absent = None
    thumbnail_height: int | Absent = None
    cache_age: int = Field(ge=0, description="seconds the answer may be kept: no longer "
                                             "than the thumbnail's signed URL lives")


class EmbedPlayback(Answer):
    hlsUrl: str = Field(description="the master playlist")
    query: str = Field(description="Policy=...&Signature=...&Key-Pair-Id=...: append it to "
                                   "every request under the master playlist's folder "
                                   "(playlists, segments), which CloudFront accepts in place "
                                   "of the playback cookies")
    expiresAt: datetime = Field(description="when the signature stops working")
    expiresIn: int = Field(ge=1, le=300, description="seconds until expiresAt")


class EmbedResponse(Answer):
    """The embed page's video, as an anonymous viewer sees it, and its playback signature."""
    video: VideoDetails = Field(description="with its chapters and captions, as GET "
                                            "/video/{videoId} answers them (catalog.shape)")
    playback: EmbedPlayback
