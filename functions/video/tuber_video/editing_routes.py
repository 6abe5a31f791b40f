"""/video routes of the owner changing or deleting a video (API.md "Creator controls")."""
from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from tuber_common.db import get_db
from tuber_common.http import require_user
from tuber_common.openapi import REQUIRED, operation

from . import editing
from .models import UpdateVideoBody

router = Router()
TAGS = ["editing"]


@router.patch("/video/<videoId>", **operation(
    200, "VideoResponse", auth=REQUIRED, tags=TAGS,
    summary="Change a video's title, description, visibility or creator controls"))
def update(videoId: str, body: UpdateVideoBody):
    user = require_user(router)
    return {"video": editing.update_video(get_db(), videoId, user, body.changes())}


@router.delete("/video/<videoId>", **operation(
    204, None, auth=REQUIRED, tags=TAGS,
    summary="Delete a video with its media, ratings, views and comments"))
def delete(videoId: str):
    editing.delete_video(get_db(), videoId, require_user(router))
