"""/video/{videoId}/thumbnail: the owner's custom thumbnail (API.md "Custom thumbnails")."""
from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from tuber_common.db import get_db
from tuber_common.http import require_user
from tuber_common.openapi import REQUIRED, operation

from . import thumbnails
from .models import ThumbnailConfirmBody, ThumbnailUploadBody

router = Router()
TAGS = ["thumbnails"]


@router.post("/video/<videoId>/thumbnail", **operation(
    201, "ThumbnailUploadResponse", auth=REQUIRED, tags=TAGS,
    summary="Where to upload a custom thumbnail"))
def thumbnail_upload(videoId: str, body: ThumbnailUploadBody):
    user = require_user(router)
    return thumbnails.request_upload(get_db(), videoId, user, body.contentType, body.sizeBytes)


@router.put("/video/<videoId>/thumbnail", **operation(
    200, "VideoResponse", auth=REQUIRED, tags=TAGS,
    summary="Show the uploaded custom thumbnail"))
def thumbnail_confirm(videoId: str, body: ThumbnailConfirmBody):
    user = require_user(router)
    return {"video": thumbnails.confirm(get_db(), videoId, user, body.thumbnailKey)}


@router.delete("/video/<videoId>/thumbnail", **operation(
    200, "VideoResponse", auth=REQUIRED, tags=TAGS,
    summary="Back to the generated thumbnail"))
def thumbnail_remove(videoId: str):
    return {"video": thumbnails.remove(get_db(), videoId, require_user(router))}
