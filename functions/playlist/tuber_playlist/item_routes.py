"""/playlist/{playlistId}/items routes: add, move, remove a video ("watch-later" names the
caller's Watch later). Parse, call one domain function, shape the answer."""
from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from tuber_common.db import get_db
from tuber_common.http import require_user
from tuber_common.openapi import REQUIRED, operation

from . import items
from .models import AddItemBody, MoveItemBody

router = Router()
TAGS = ["playlists"]


@router.post("/playlist/<playlistId>/items", **operation(
    201, "PlaylistItemResponse", auth=REQUIRED, tags=TAGS,
    summary="Add a video to a playlist, at a position or last"))
def add(playlistId: str, body: AddItemBody):
    return items.add(get_db(), require_user(router), playlistId, body.videoId, body.position)


@router.put("/playlist/<playlistId>/items/<videoId>", **operation(
    200, "PlaylistItemResponse", auth=REQUIRED, tags=TAGS,
    summary="Move a video of a playlist to a position"))
def move(playlistId: str, videoId: str, body: MoveItemBody):
    return items.move(get_db(), require_user(router), playlistId, videoId, body.position)


@router.delete("/playlist/<playlistId>/items/<videoId>", **operation(
    204, None, auth=REQUIRED, tags=TAGS, summary="Remove a video from a playlist"))
def remove(playlistId: str, videoId: str):
    items.remove(get_db(), require_user(router), playlistId, videoId)
