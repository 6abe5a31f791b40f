"""Fixtures for /playlist: the playlist handler, and playlists made through it."""
from __future__ import annotations

import pytest

from tests.support.api import Api
from tests.support.people import Member


@pytest.fixture
def playlist_api(db):
    from tuber_playlist.handler import lambda_handler

    return Api(lambda_handler)


@pytest.fixture
def make_playlist(playlist_api):
    """POST /playlist as `owner`; returns the new playlist's id."""
    def _make(owner: Member, title: str = "My list", visibility: str = "public",
              description: str = "") -> str:
        answer = playlist_api.post("/playlist", {"title": title, "visibility": visibility,
                                                 "description": description},
                                   token=owner.token)
        assert answer.status == 201, answer.body
        return answer.json["playlist"]["id"]
    return _make


@pytest.fixture
def add_to_playlist(playlist_api):
    """POST /playlist/{id}/items; returns the answer (asserting nothing)."""
    def _add(owner: Member, playlist_id: str, video_id: str, position: int | None = None):
        body = {"videoId": video_id} | ({"position": position} if position is not None else {})
        return playlist_api.post(f"/playlist/{playlist_id}/items", body, token=owner.token)
    return _add
