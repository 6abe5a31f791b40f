"""/video/{videoId}/pin: the comment the owner pins on top."""
from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from tuber_common.db import get_db
from tuber_common.http import require_user
from tuber_common.openapi import REQUIRED, operation

from . import pins
from .models import PinBody

router = Router()
TAGS = ["pins"]


@router.put("/video/<videoId>/pin", **operation(200, "VideoResponse", auth=REQUIRED,
                                                tags=TAGS, summary="Pin a comment"))
def pin_comment(videoId: str, body: PinBody):
    user = require_user(router)
    return {"video": pins.pin(get_db(), videoId, user, body.commentId)}


@router.delete("/video/<videoId>/pin", **operation(200, "VideoResponse", auth=REQUIRED,
                                                   tags=TAGS, summary="Unpin the comment"))
def unpin_comment(videoId: str):
    return {"video": pins.unpin(get_db(), videoId, require_user(router))}
