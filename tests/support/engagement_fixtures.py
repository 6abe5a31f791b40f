"""Fixtures for likes and comments: videos written straight into the database
(the video function is not needed to rate or comment), and the like / comment handlers."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.api import Api
from tests.support.people import Member


@pytest.fixture
def like_api(db):
    from tuber_like.handler import lambda_handler

    return Api(lambda_handler)


@pytest.fixture
def comment_api(db):
    from tuber_comment.handler import lambda_handler

    return Api(lambda_handler)


@pytest.fixture
def make_video(db):
    """A video document as tuber_common/videos.py describes it; returns its id string.
    `legacy_id=True` stores it the way videos were stored before issue 14 (an ObjectId
    `_id`), to check that those keep working."""
    from tuber_common.clock import utcnow
    from tuber_common.ids import new_video_id
    from tuber_common.search_terms import terms_fields
    from tuber_common.videos import PUBLIC
    from bson import ObjectId

    made = 0

    def _make(owner: Member, *, visibility: str = "public", status: str = PUBLIC,
              title: str = "A test video", legacy_id: bool = False) -> str:
        nonlocal made
        made += 1
        # Distinct, increasing times: ordering tests must not depend on clock resolution.
        now = utcnow() + timedelta(milliseconds=made)
        return str(db.videos.insert_one({
            "_id": ObjectId() if legacy_id else new_video_id(),
            "ownerId": ObjectId(owner.id), "title": title, **terms_fields(title),
            "description": "", "visibility": visibility, "status": status,
            "viewCount": 0, "likeCount": 0, "dislikeCount": 0, "commentCount": 0,
            "renditions": [], "createdAt": now, "updatedAt": now,
            "publishedAt": now if status == PUBLIC else None,
        }).inserted_id)
    return _make
