"""/video routes: parse, call one domain function, shape the answer."""
from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from tuber_common.db import get_db
from tuber_common.http import (client_ip, create_app, created, json_with_cookies, make_handler,
                               no_content, optional_user, require_user, user_agent)
from tuber_common.request_models import DEFAULT, Cursor, Limit

from . import (catalog, editing, playback, recommendations, thumbnails, upload_routes, uploads,
               views, webhook)
from .models import (CreateVideoBody, ThumbnailConfirmBody, ThumbnailUploadBody,
                     UpdateVideoBody)
from .view_models import ViewReportBody

app = create_app("video")
# Quotas, resumable uploads, retry, pinned comment (issue 8).
app.include_router(upload_routes.router)

@app.post("/video")
def create(body: CreateVideoBody):
    answer = uploads.create_video(get_db(), require_user(app), title=body.title,
                                  description=body.description, visibility=body.visibility,
                                  content_type=body.contentType, size_bytes=body.sizeBytes,
                                  duration_seconds=body.durationSeconds)
    return created(answer)


@app.get("/video")
def feed(limit: Limit = DEFAULT, cursor: Cursor = None):
    optional_user(app)  # a token that is sent must be valid
    return catalog.feed(get_db(), limit, cursor)


# A static path: matched before /video/{videoId} wherever it is declared (Powertools tries
# static routes first; API Gateway prefers the most specific route).
@app.get("/video/search")
def search(q: Annotated[str, Query(max_length=200)], limit: Limit = DEFAULT,
           cursor: Cursor = None):
    optional_user(app)
    return catalog.search(get_db(), q, limit, cursor)


@app.get("/video/user/<userId>")
def channel(userId: str, limit: Limit = DEFAULT, cursor: Cursor = None):
    return catalog.channel(get_db(), userId, optional_user(app), limit, cursor)


@app.post("/video/webhook")
def webhook_result():
    event = app.current_event
    body = event.decoded_body or ""
    return webhook.handle(get_db(), dict(event.headers), body.encode())


@app.get("/video/<videoId>")
def get(videoId: str):
    # Sets the playback cookies too when the caller may play it (tuber_video.playback).
    video, cookies = playback.watch(get_db(), videoId, optional_user(app))
    return json_with_cookies({"video": video}, cookies)


@app.post("/video/<videoId>/playback")
def refresh_playback(videoId: str):
    answer, cookies = playback.playback(get_db(), videoId, optional_user(app))
    return json_with_cookies(answer, cookies)


@app.patch("/video/<videoId>")
def update(videoId: str, body: UpdateVideoBody):
    user = require_user(app)
    return {"video": editing.update_video(get_db(), videoId, user, body.changes())}


@app.delete("/video/<videoId>")
def delete(videoId: str):
    editing.delete_video(get_db(), videoId, require_user(app))
    return no_content()


# View sessions: counted by the server's clock (tuber_video.views, API.md "Views").
@app.post("/video/<videoId>/view/start")
def view_start(videoId: str):
    return created(views.start(get_db(), videoId, optional_user(app), client_ip(app)))


@app.post("/video/<videoId>/view")
def view(videoId: str, body: ViewReportBody):
    return views.record_view(get_db(), videoId, body.viewSession, optional_user(app),
                             client_ip(app), user_agent(app))


@app.get("/video/<videoId>/recommended")
def recommended(videoId: str,
                limit: Annotated[int, Query(ge=1, le=recommendations.MAX_LIMIT)]
                = recommendations.DEFAULT_LIMIT):
    return recommendations.recommended(get_db(), videoId, optional_user(app), limit)


@app.post("/video/<videoId>/thumbnail")
def thumbnail_upload(videoId: str, body: ThumbnailUploadBody):
    user = require_user(app)
    return created(thumbnails.request_upload(get_db(), videoId, user, body.contentType,
                                             body.sizeBytes))


@app.put("/video/<videoId>/thumbnail")
def thumbnail_confirm(videoId: str, body: ThumbnailConfirmBody):
    user = require_user(app)
    return {"video": thumbnails.confirm(get_db(), videoId, user, body.thumbnailKey)}


@app.delete("/video/<videoId>/thumbnail")
def thumbnail_remove(videoId: str):
    return {"video": thumbnails.remove(get_db(), videoId, require_user(app))}


lambda_handler = make_handler(app)
