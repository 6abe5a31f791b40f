"""/video routes of watching a video: the video with its playback cookies, fresh cookies,
and the view sessions that count views by the server's clock (tuber_video.views, API.md
"Views")."""
from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from tuber_common.db import get_db
from tuber_common.http import client_ip, json_with_cookies, optional_user, user_agent
from tuber_common.openapi import OPTIONAL, operation

from . import playback, views
from .view_models import ViewReportBody

router = Router()
TAGS = ["watching"]


@router.get("/video/<videoId>", **operation(
    200, "VideoResponse", auth=OPTIONAL, tags=TAGS,
    summary="A video; sets the playback cookies when the caller may play it"))
def watch(videoId: str):
    video, cookies = playback.watch(get_db(), videoId, optional_user(router))
    return json_with_cookies({"video": video}, cookies)


@router.post("/video/<videoId>/playback", **operation(
    200, "PlaybackResponse", auth=OPTIONAL, tags=TAGS,
    summary="Fresh playback cookies and the master playlist's URL"))
def refresh_playback(videoId: str):
    answer, cookies = playback.playback(get_db(), videoId, optional_user(router))
    return json_with_cookies(answer, cookies)


@router.post("/video/<videoId>/view/start", **operation(
    201, "ViewSessionResponse", auth=OPTIONAL, tags=TAGS,
    summary="Start a view session when playback begins"))
def view_start(videoId: str):
    return views.start(get_db(), videoId, optional_user(router), client_ip(router))


@router.post("/video/<videoId>/view", **operation(
    200, "ViewResponse", auth=OPTIONAL, tags=TAGS,
    summary="Report a view session: counted once it is old enough"))
def view(videoId: str, body: ViewReportBody):
    return views.record_view(get_db(), videoId, body.viewSession, optional_user(router),
                             client_ip(router), user_agent(router))
