"""Fixtures for moderation: the moderation handler, moderators and admins (members whose
role is written straight into the database, as `python -m tuber_common.moderation promote`
writes it), and a helper that files a report and checks it was taken."""
from __future__ import annotations

import pytest

from tests.support.api import Api
from tests.support.people import Member


@pytest.fixture
def moderation_api(db):
    from tuber_moderation.handler import lambda_handler

    return Api(lambda_handler)


@pytest.fixture
def staff(db, member):
    """staff("moderator") / staff("admin"): a member with that role."""
    from tuber_common.moderation import set_role

    def _make(role: str = "moderator", username: str | None = None) -> Member:
        person = member(username)
        set_role(db, person.id, role)
        return person
    return _make


@pytest.fixture
def file_report(moderation_api):
    """Report a target as `reporter`; returns the report (asserts the 201)."""
    def _file(reporter: Member, target_type: str, target_id: str, reason: str = "spam",
              note: str | None = None) -> dict:
        body = {"targetType": target_type, "targetId": target_id, "reason": reason}
        if note is not None:
            body["note"] = note
        answer = moderation_api.post("/report", body, token=reporter.token)
        assert answer.status == 201, answer.body
        return answer.json["report"]
    return _file
