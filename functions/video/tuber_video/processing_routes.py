"""/video routes of transcoding's outcome: an external transcoder's signed verdict, and the
owner's retry of a FAILED video (API.md "Webhook", "Retry")."""
from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from tuber_common.db import get_db
from tuber_common.http import require_user
from tuber_common.openapi import REQUIRED, SIGNED, operation

from . import retry, webhook

router = Router()
TAGS = ["processing"]


@router.post("/video/webhook", **operation(
    200, "WebhookResponse", auth=SIGNED, tags=TAGS,
    summary="A transcoder's result, signed with the webhook secret"))
def webhook_result():
    event = router.current_event
    return webhook.handle(get_db(), dict(event.headers), (event.decoded_body or "").encode())


@router.post("/video/<videoId>/retry", **operation(
    200, "VideoResponse", auth=REQUIRED, tags=TAGS, summary="Transcode a FAILED video again"))
def retry_transcode(videoId: str):
    return {"video": retry.retry(get_db(), videoId, require_user(router))}
