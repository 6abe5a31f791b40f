"""/history routes: parse, call one domain function, shape the answer."""
from __future__ import annotations

from tuber_common.db import get_db
from tuber_common.http import create_app, make_handler, no_content, require_user
from tuber_common.request_models import DEFAULT, Cursor, Limit

from . import history
from .models import ReportBody, SettingsBody

app = create_app("history")


@app.get("/history")
def list_history(limit: Limit = DEFAULT, cursor: Cursor = None):
    return history.list_history(get_db(), require_user(app), limit, cursor)


@app.delete("/history")
def clear():
    history.clear(get_db(), require_user(app))
    return no_content()


# Static routes win over dynamic ones in Powertools (as in API Gateway): "settings" is no
# video id.
@app.get("/history/settings")
def read_settings():
    return history.settings(get_db(), require_user(app))


@app.put("/history/settings")
def change_settings(body: SettingsBody):
    return history.change_settings(get_db(), require_user(app), body.paused)


@app.put("/history/<video_id>")
def report(video_id: str, body: ReportBody):
    return history.report(get_db(), require_user(app), video_id, body.positionSeconds,
                          body.playbackId, body.sequence)


@app.delete("/history/<video_id>")
def remove(video_id: str):
    history.remove(get_db(), require_user(app), video_id)
    return no_content()


lambda_handler = make_handler(app)
