"""/comment routes (one small sub-domain: declared on the app), and the entry point, whose
schedule repairs the comment counters.

API Gateway routes all four by shape (/comment/{id}); the id is a video for POST and GET and
a comment for PATCH and DELETE."""
from __future__ import annotations

from tuber_common.db import get_db
from tuber_common.http import create_app, make_handler, optional_user, require_user
from tuber_common.openapi import OPTIONAL, REQUIRED, operation
from tuber_common.request_models import DEFAULT, Cursor, Limit

from . import comments
from .models import CreateCommentBody, EditCommentBody, ParentId

app = create_app("comment", response_models="tuber_comment.response_models")
TAGS = ["comments"]


@app.post("/comment/<video_id>", **operation(201, "CommentResponse", auth=REQUIRED, tags=TAGS,
                                             summary="Comment on a video, or reply"))
def create(video_id: str, body: CreateCommentBody):
    db = get_db()
    doc = comments.create(db, require_user(app), video_id, body.text, body.parentId)
    return {"comment": comments.present(db, [doc])[0]}


@app.get("/comment/<video_id>", **operation(
    200, "CommentPage", auth=OPTIONAL, tags=TAGS,
    summary="A video's comments newest first, or a comment's replies oldest first"))
def list_comments(video_id: str, limit: Limit = DEFAULT, cursor: Cursor = None,
                  parent_id: ParentId = None):
    items, next_cursor = comments.list_comments(get_db(), optional_user(app), video_id, limit,
                                                cursor, parent_id)
    return {"items": items, "nextCursor": next_cursor}


@app.patch("/comment/<comment_id>", **operation(200, "CommentResponse", auth=REQUIRED,
                                                tags=TAGS, summary="Edit one's comment"))
def edit(comment_id: str, body: EditCommentBody):
    db = get_db()
    doc = comments.edit(db, require_user(app), comment_id, body.text)
    return {"comment": comments.present(db, [doc])[0]}


@app.delete("/comment/<comment_id>", **operation(
    204, None, auth=REQUIRED, tags=TAGS,
    summary="Delete a comment (its author or the video's owner)"))
def delete(comment_id: str):
    comments.delete(get_db(), require_user(app), comment_id)


lambda_handler = make_handler(app, on_schedule=lambda: comments.reconcile_counts(get_db()))
