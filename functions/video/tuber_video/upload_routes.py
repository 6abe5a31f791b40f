"""/video routes of issue 8: quotas, resumable (multipart) uploads, retry, pinned comment.
Included by handler.py; parse, call one domain function, shape the answer."""
from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from tuber_common.db import get_db
from tuber_common.http import created, no_content, require_user

from . import multipart, pins, quotas, retry
from .upload_models import CompleteBody, PartUrlsBody, PinBody

router = Router()


@router.get("/video/quota")
def quota():
    return {"quota": quotas.summary(get_db(), require_user(router))}


@router.post("/video/<videoId>/upload/multipart")
def multipart_start(videoId: str):
    return created(multipart.start(get_db(), videoId, require_user(router)))


@router.get("/video/<videoId>/upload/multipart")
def multipart_status(videoId: str):
    return multipart.status(get_db(), videoId, require_user(router))


@router.delete("/video/<videoId>/upload/multipart")
def multipart_abort(videoId: str):
    multipart.cancel(get_db(), videoId, require_user(router))
    return no_content()


@router.post("/video/<videoId>/upload/multipart/part-urls")
def multipart_part_urls(videoId: str, body: PartUrlsBody):
    user = require_user(router)
    return multipart.part_urls(get_db(), videoId, user, body.uploadId, body.partNumbers)


@router.post("/video/<videoId>/upload/multipart/complete")
def multipart_complete(videoId: str, body: CompleteBody):
    user = require_user(router)
    parts = [p.model_dump() for p in body.parts] if body.parts is not None else None
    return multipart.complete(get_db(), videoId, user, body.uploadId, parts)


@router.post("/video/<videoId>/retry")
def retry_transcode(videoId: str):
    return {"video": retry.retry(get_db(), videoId, require_user(router))}


@router.put("/video/<videoId>/pin")
def pin_comment(videoId: str, body: PinBody):
    user = require_user(router)
    return {"video": pins.pin(get_db(), videoId, user, body.commentId)}


@router.delete("/video/<videoId>/pin")
def unpin_comment(videoId: str):
    return {"video": pins.unpin(get_db(), videoId, require_user(router))}
