"""/comment routes: parse, call one domain function, shape the answer.

API Gateway routes all four by shape (/comment/{id}); the id is a video for POST and GET and
a comment for PATCH and DELETE."""
from __future__ import annotations

from tuber_common.db import get_db
from tuber_common.http import create_app, created, make_handler, no_content, optional_user, \
    require_user
from tuber_common.request_models import DEFAULT, Cursor, Limit

from . import comments
from .models import CreateCommentBody, EditCommentBody, ParentId

app = create_app("comment")


@app.post("/comment/<video_id>")
def create(video_id: str, body: CreateCommentBody):
    db = get_db()
    doc = comments.create(db, require_user(app), video_id, body.text, body.parentId)
    return created({"comment": comments.present(db, [doc])[0]})


@app.get("/comment/<video_id>")
def list_comments(video_id: str, limit: Limit = DEFAULT, cursor: Cursor = None,
                  parent_id: ParentId = None):
    items, next_cursor = comments.list_comments(get_db(), optional_user(app), video_id, limit,
                                                cursor, parent_id)
    return {"items": items, "nextCursor": next_cursor}


@app.patch("/comment/<comment_id>")
def edit(comment_id: str, body: EditCommentBody):
    db = get_db()
    doc = comments.edit(db, require_user(app), comment_id, body.text)
    return {"comment": comments.present(db, [doc])[0]}


@app.delete("/comment/<comment_id>")
def delete(comment_id: str):
    comments.delete(get_db(), require_user(app), comment_id)
    return no_content()


lambda_handler = make_handler(app, on_schedule=lambda: comments.reconcile_counts(get_db()))
