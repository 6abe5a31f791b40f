"""Fixtures for watch history: the history handler and videos of a known length (written
straight into the database, as engagement_fixtures' make_video writes them)."""
from __future__ import annotations

import pytest

from tests.support.api import Api
from tests.support.people import Member


@pytest.fixture
def history_api(db):
    from tuber_history.handler import lambda_handler

    return Api(lambda_handler)


@pytest.fixture
def long_video(db, make_video):
    """make_video with a length (`durationSeconds`, default 600); returns its id string."""
    from tuber_common.ids import parse_video_id

    def _make(owner: Member, duration: float | None = 600.0, **kw) -> str:
        video_id = make_video(owner, **kw)
        db.videos.update_one({"_id": parse_video_id(video_id)},
                             {"$set": {"durationSeconds": duration}})
        return video_id
    return _make
