"""Fixtures for likes and comments: users and videos written straight into the database
(the video function is not needed to rate or comment), and the like / comment handlers."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest

from tests.support.api import Api


@dataclass
class Person:
    id: str
    username: str
    token: str


@pytest.fixture
def like_api(db):
    from tuber_like.handler import lambda_handler

    return Api(lambda_handler)


@pytest.fixture
def comment_api(db):
    from tuber_comment.handler import lambda_handler

    return Api(lambda_handler)


@pytest.fixture
def person(db):
    """A user document plus a valid access token for it (no bcrypt, no /auth round trip)."""
    from tuber_common.clock import utcnow
    from tuber_common.tokens import issue_access_token

    def _make(username: str | None = None) -> Person:
        username = username or f"user_{uuid.uuid4().hex[:8]}"
        now = utcnow()
        oid = db.users.insert_one({
            "username": username, "usernameLower": username.lower(),
            "email": f"{username}@example.com", "emailLower": f"{username}@example.com",
            "displayName": username.title(), "passwordHash": "x", "createdAt": now,
            "updatedAt": now,
        }).inserted_id
        return Person(str(oid), username, issue_access_token(str(oid))[0])
    return _make


@pytest.fixture
def make_video(db):
    """A video document as tuber_common/videos.py describes it; returns its id string."""
    from tuber_common.clock import utcnow
    from tuber_common.videos import PUBLIC, words
    from bson import ObjectId

    made = 0

    def _make(owner: Person, *, visibility: str = "public", status: str = PUBLIC,
              title: str = "A test video") -> str:
        nonlocal made
        made += 1
        # Distinct, increasing times: ordering tests must not depend on clock resolution.
        now = utcnow() + timedelta(milliseconds=made)
        return str(db.videos.insert_one({
            "ownerId": ObjectId(owner.id), "title": title, "titleWords": words(title),
            "description": "", "visibility": visibility, "status": status,
            "viewCount": 0, "likeCount": 0, "dislikeCount": 0, "commentCount": 0,
            "renditions": [], "createdAt": now, "updatedAt": now,
            "publishedAt": now if status == PUBLIC else None,
        }).inserted_id)
    return _make
