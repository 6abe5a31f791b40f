"""/like routes: parse, call one domain function, shape the answer."""
from __future__ import annotations

from tuber_common.db import get_db
from tuber_common.http import create_app, make_handler, optional_user, require_user
from tuber_common.request_models import DEFAULT, Cursor, Limit

from . import ratings
from .models import RateBody

app = create_app("like")


# Static routes win over dynamic ones in Powertools (as in API Gateway): "me" is no video id.
@app.get("/like/me")
def my_likes(limit: Limit = DEFAULT, cursor: Cursor = None):
    items, next_cursor = ratings.my_likes(get_db(), require_user(app), limit, cursor)
    return {"items": items, "nextCursor": next_cursor}


@app.put("/like/<video_id>")
def rate(video_id: str, body: RateBody):
    return ratings.rate(get_db(), require_user(app), video_id, body.rating)


@app.get("/like/<video_id>")
def read(video_id: str):
    return ratings.read(get_db(), optional_user(app), video_id)


lambda_handler = make_handler(app, on_schedule=lambda: ratings.reconcile_counts(get_db()))
