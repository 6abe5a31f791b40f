"""Pure rules of the comment function: text validation and the API shape."""
from datetime import datetime, timezone

import pytest
from bson import ObjectId
from pydantic import ValidationError

from tuber_comment.comments import comment_out
from tuber_comment.models import MAX_TEXT, CreateCommentBody, EditCommentBody


def test_text_is_trimmed():
    assert CreateCommentBody(text="  hi there \n").text == "hi there"
    assert EditCommentBody(text="\tok ").text == "ok"


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "x" * (MAX_TEXT + 1)])
def test_blank_or_long_text_is_refused(text):
    with pytest.raises(ValidationError):
        CreateCommentBody(text=text)
    with pytest.raises(ValidationError):
        EditCommentBody(text=text)


def test_length_is_counted_after_trimming():
    assert len(CreateCommentBody(text=" " + "x" * MAX_TEXT + " ").text) == MAX_TEXT


def _doc(**over):
    doc = {"_id": ObjectId(), "videoId": ObjectId(), "parentId": None, "authorId": ObjectId(),
           "text": "hello", "replyCount": 2, "edited": False, "editedAt": None,
           "deleted": False, "createdAt": datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)}
    return doc | over


def test_comment_shape():
    doc = _doc()
    author = {"id": str(doc["authorId"]), "username": "ann", "displayName": "Ann",
              "createdAt": "2025-01-01T00:00:00.000Z"}
    assert comment_out(doc, author) == {
        "id": str(doc["_id"]), "videoId": str(doc["videoId"]), "parentId": None,
        "text": "hello", "author": {"id": author["id"], "username": "ann", "displayName": "Ann"},
        "replyCount": 2, "edited": False, "editedAt": None, "deleted": False,
        "pinned": False, "createdAt": "2026-01-02T03:04:05.000Z"}


def test_placeholder_hides_text_and_author():
    out = comment_out(_doc(deleted=True, text="gone"), {"id": "x", "username": "u",
                                                        "displayName": "U"})
    assert out["deleted"] is True and out["text"] == "" and out["author"] is None
    assert out["replyCount"] == 2

