"""/video/{videoId}/captions: the owner's WebVTT captions (API.md "Captions")."""
from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from tuber_common.db import get_db
from tuber_common.http import require_user
from tuber_common.openapi import REQUIRED, operation

from . import captions
from .caption_models import CaptionUploadBody

router = Router()
TAGS = ["captions"]


@router.post("/video/<videoId>/captions", **operation(
    201, "CaptionUploadResponse", auth=REQUIRED, tags=TAGS,
    summary="Where to upload a caption file (WebVTT)"))
def caption_upload(videoId: str, body: CaptionUploadBody):
    user = require_user(router)
    return captions.request_upload(get_db(), videoId, user, body.language, body.label,
                                   body.sizeBytes)


@router.put("/video/<videoId>/captions/<language>", **operation(
    200, "Caption", auth=REQUIRED, tags=TAGS,
    summary="Check and publish the uploaded caption file"))
def caption_confirm(videoId: str, language: str):
    user = require_user(router)
    return captions.confirm(get_db(), videoId, user, language)


@router.delete("/video/<videoId>/captions/<language>", **operation(
    204, None, auth=REQUIRED, tags=TAGS, summary="Remove a caption language"))
def caption_remove(videoId: str, language: str):
    captions.remove(get_db(), videoId, require_user(router), language)
