"""/playlist routes for playlists themselves: create, Watch later, a user's list, read,
edit, delete. Parse, call one domain function, shape the answer."""
from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from tuber_common.db import get_db
from tuber_common.http import optional_user, require_user
from tuber_common.openapi import OPTIONAL, REQUIRED, operation
from tuber_common.request_models import DEFAULT, Cursor, Limit

from . import playlists
from .access import watch_later
from .models import CreatePlaylistBody, EditPlaylistBody

router = Router()
TAGS = ["playlists"]


@router.post("/playlist", **operation(201, "PlaylistResponse", auth=REQUIRED,
                                      summary="Create a playlist", tags=TAGS))
def create(body: CreatePlaylistBody):
    return {"playlist": playlists.create(get_db(), require_user(router), body.title,
                                         body.description, body.visibility)}


# Static: "watch-later" and "user" are no playlist ids (Powertools, like API Gateway, tries
# static routes first).
@router.get("/playlist/watch-later", **operation(
    200, "PlaylistResponse", auth=REQUIRED, tags=TAGS,
    summary="The caller's Watch later playlist (made on first use), with a page of items"))
def read_watch_later(limit: Limit = DEFAULT, cursor: Cursor = None):
    user = require_user(router)
    db = get_db()
    return {"playlist": playlists.full(db, watch_later(db, user), user, limit, cursor)}


@router.get("/playlist/user/<userId>", **operation(
    200, "PlaylistPage", auth=OPTIONAL, tags=TAGS,
    summary="A user's playlists, newest first (others see the public ones)"))
def of_user(userId: str, limit: Limit = DEFAULT, cursor: Cursor = None):
    return playlists.of_user(get_db(), userId, optional_user(router), limit, cursor)


@router.get("/playlist/<playlistId>", **operation(
    200, "PlaylistResponse", auth=OPTIONAL, tags=TAGS,
    summary="A playlist with a page of its items, in order"))
def read(playlistId: str, limit: Limit = DEFAULT, cursor: Cursor = None):
    return {"playlist": playlists.read(get_db(), playlistId, optional_user(router), limit,
                                       cursor)}


@router.patch("/playlist/<playlistId>", **operation(
    200, "PlaylistSummaryResponse", auth=REQUIRED, tags=TAGS,
    summary="Rename, describe or change the visibility of a playlist (its owner)"))
def edit(playlistId: str, body: EditPlaylistBody):
    return {"playlist": playlists.edit(get_db(), require_user(router), playlistId,
                                       body.changes())}


@router.delete("/playlist/<playlistId>", **operation(
    204, None, auth=REQUIRED, tags=TAGS, summary="Delete a playlist (its owner)"))
def delete(playlistId: str):
    playlists.delete(get_db(), require_user(router), playlistId)
