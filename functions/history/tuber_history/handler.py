"""/history routes (one small sub-domain: declared on the app), and the entry point."""
from __future__ import annotations

from tuber_common.db import get_db
from tuber_common.http import create_app, make_handler, require_user
from tuber_common.openapi import REQUIRED, operation
from tuber_common.request_models import DEFAULT, Cursor, Limit

from . import history
from .models import HistorySettingsBody, PositionReportBody

app = create_app("history", response_models="tuber_history.response_models")
TAGS = ["history"]


@app.get("/history", **operation(200, "HistoryPage", auth=REQUIRED, tags=TAGS,
                                 summary="The caller's watch history, last watched first"))
def list_history(limit: Limit = DEFAULT, cursor: Cursor = None):
    return history.list_history(get_db(), require_user(app), limit, cursor)


@app.delete("/history", **operation(204, None, auth=REQUIRED, tags=TAGS,
                                    summary="Clear the watch history"))
def clear():
    history.clear(get_db(), require_user(app))


# Static routes win over dynamic ones in Powertools (as in API Gateway): "settings" is no
# video id.
@app.get("/history/settings", **operation(200, "HistorySettings", auth=REQUIRED, tags=TAGS,
                                          summary="Whether the watch history is paused"))
def read_settings():
    return history.settings(get_db(), require_user(app))


@app.put("/history/settings", **operation(200, "HistorySettings", auth=REQUIRED, tags=TAGS,
                                          summary="Pause or resume the watch history"))
def change_settings(body: HistorySettingsBody):
    return history.change_settings(get_db(), require_user(app), body.paused)


@app.put("/history/<video_id>", **operation(200, "HistoryReport", auth=REQUIRED, tags=TAGS,
                                            summary="Report the player's position"))
def report(video_id: str, body: PositionReportBody):
    return history.report(get_db(), require_user(app), video_id, body.positionSeconds,
                          body.playbackId, body.sequence)


@app.delete("/history/<video_id>", **operation(204, None, auth=REQUIRED, tags=TAGS,
                                               summary="Remove a video from the history"))
def remove(video_id: str):
    history.remove(get_db(), require_user(app), video_id)


lambda_handler = make_handler(app)
