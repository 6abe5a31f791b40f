"""/like routes (one small sub-domain: declared on the app), and the entry point, whose
schedule repairs the rating counters."""
from __future__ import annotations

from tuber_common.db import get_db
from tuber_common.http import create_app, make_handler, optional_user, require_user
from tuber_common.openapi import OPTIONAL, REQUIRED, operation
from tuber_common.request_models import DEFAULT, Cursor, Limit

from . import ratings
from .models import RateBody

app = create_app("like", response_models="tuber_like.response_models")
TAGS = ["likes"]


# Static routes win over dynamic ones in Powertools (as in API Gateway): "me" is no video id.
@app.get("/like/me", **operation(200, "VideoPage", auth=REQUIRED, tags=TAGS,
                                 summary="The videos the caller liked, newest first"))
def my_likes(limit: Limit = DEFAULT, cursor: Cursor = None):
    items, next_cursor = ratings.my_likes(get_db(), require_user(app), limit, cursor)
    return {"items": items, "nextCursor": next_cursor}


@app.put("/like/<video_id>", **operation(200, "RatingSummary", auth=REQUIRED, tags=TAGS,
                                         summary="Like, dislike or clear the rating"))
def rate(video_id: str, body: RateBody):
    return ratings.rate(get_db(), require_user(app), video_id, body.rating)


@app.get("/like/<video_id>", **operation(200, "RatingSummary", auth=OPTIONAL, tags=TAGS,
                                         summary="A video's ratings and the caller's"))
def read(video_id: str):
    return ratings.read(get_db(), optional_user(app), video_id)


lambda_handler = make_handler(app, on_schedule=lambda: ratings.reconcile_counts(get_db()))
