"""Users for tests that do not exercise /auth: a user document written straight into the
database and a valid access token for it (no bcrypt, no round trip)."""
from __future__ import annotations

import uuid

import pytest

from tests.support.people import Member


@pytest.fixture
def member(db):
    from tuber_common.clock import utcnow
    from tuber_common.tokens import issue_access_token

    def _make(username: str | None = None) -> Member:
        username = username or f"m_{uuid.uuid4().hex[:8]}"
        now = utcnow()
        oid = db.users.insert_one({
            "username": username, "usernameLower": username.lower(),
            "email": f"{username}@example.com", "emailLower": f"{username}@example.com",
            "displayName": username, "passwordHash": "x", "createdAt": now, "updatedAt": now,
        }).inserted_id
        return Member(str(oid), username, issue_access_token(str(oid))[0])
    return _make
