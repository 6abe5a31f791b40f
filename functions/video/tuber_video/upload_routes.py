"""/video routes of uploading: a new video with its presigned upload, and the resumable
(multipart) upload (API.md "Resumable uploads"). The quota they spend: quota_routes."""
from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from tuber_common.db import get_db
from tuber_common.http import require_user
from tuber_common.openapi import REQUIRED, operation

from . import multipart, uploads
from .models import CreateVideoBody
from .upload_models import CompleteBody, PartUrlsBody

router = Router()
TAGS = ["uploads"]


@router.post("/video", **operation(
    201, "CreateVideoResponse", auth=REQUIRED, tags=TAGS,
    summary="Create a video and get where to upload its file"))
def create(body: CreateVideoBody):
    return uploads.create_video(get_db(), require_user(router), title=body.title,
                                description=body.description, visibility=body.visibility,
                                content_type=body.contentType, size_bytes=body.sizeBytes,
                                duration_seconds=body.durationSeconds, tags=body.tags,
                                category=body.category)


@router.post("/video/<videoId>/upload/multipart", **operation(
    201, "MultipartResponse", auth=REQUIRED, tags=TAGS, summary="Start a resumable upload"))
def multipart_start(videoId: str):
    return multipart.start(get_db(), videoId, require_user(router))


@router.get("/video/<videoId>/upload/multipart", **operation(
    200, "MultipartStatusResponse", auth=REQUIRED, tags=TAGS,
    summary="The resumable upload and the parts S3 already holds"))
def multipart_status(videoId: str):
    return multipart.status(get_db(), videoId, require_user(router))


@router.delete("/video/<videoId>/upload/multipart", **operation(
    204, None, auth=REQUIRED, tags=TAGS, summary="Cancel the resumable upload"))
def multipart_abort(videoId: str):
    multipart.cancel(get_db(), videoId, require_user(router))


@router.post("/video/<videoId>/upload/multipart/part-urls", **operation(
    200, "PartUrlsResponse", auth=REQUIRED, tags=TAGS,
    summary="Presigned URLs for some parts"))
def multipart_part_urls(videoId: str, body: PartUrlsBody):
    user = require_user(router)
    return multipart.part_urls(get_db(), videoId, user, body.uploadId, body.partNumbers)


@router.post("/video/<videoId>/upload/multipart/complete", **operation(
    200, "VideoResponse", auth=REQUIRED, tags=TAGS,
    summary="Finish the resumable upload: transcoding starts"))
def multipart_complete(videoId: str, body: CompleteBody):
    user = require_user(router)
    parts = [p.model_dump() for p in body.parts] if body.parts is not None else None
    return multipart.complete(get_db(), videoId, user, body.uploadId, parts)
