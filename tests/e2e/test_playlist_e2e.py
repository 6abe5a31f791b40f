"""Playlists over HTTP through the local stack: the routes template.yaml gives
PlaylistFunction reach it (static "watch-later" and "user" before {playlistId}), and a
video's owner builds, reorders and empties a playlist and Watch later."""
from __future__ import annotations

import pytest
import requests

from tests.support.stack_fixtures import sign_up

pytestmark = [pytest.mark.e2e]


def call(method: str, url: str, token: str | None = None, **kw) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(method, url, headers=headers, timeout=30, **kw)


def test_playlists_over_http(local_stack):
    api = local_stack.url
    me, other = sign_up(api), sign_up(api)
    token = me["accessToken"]
    # Videos of mine, not yet uploaded: visible to me, so mine to put in my playlists.
    videos = []
    for n in range(3):
        made = call("POST", f"{api}/video", token, json={
            "title": f"clip {n}", "visibility": "public", "contentType": "video/mp4",
            "sizeBytes": 1000})
        assert made.status_code == 201, made.text
        videos.append(made.json()["video"]["id"])

    created = call("POST", f"{api}/playlist", token,
                   json={"title": "Over HTTP", "visibility": "unlisted"})
    assert created.status_code == 201, created.text
    pid = created.json()["playlist"]["id"]
    for vid in videos:
        assert call("POST", f"{api}/playlist/{pid}/items", token,
                    json={"videoId": vid}).status_code == 201
    moved = call("PUT", f"{api}/playlist/{pid}/items/{videos[2]}", token, json={"position": 0})
    assert moved.status_code == 200 and moved.json()["item"]["position"] == 0
    got = call("GET", f"{api}/playlist/{pid}", token).json()["playlist"]
    assert [e["video"]["id"] for e in got["items"]] == [videos[2], videos[0], videos[1]]
    # Unlisted: reachable by id, not listed for others; its unpublished videos hidden to them.
    theirs = call("GET", f"{api}/playlist/{pid}", other["accessToken"]).json()["playlist"]
    assert (theirs["itemCount"], theirs["hiddenCount"], theirs["items"]) == (3, 3, [])
    listed = call("GET", f"{api}/playlist/user/{me['user']['id']}").json()["items"]
    assert listed == []
    assert [p["id"] for p in call("GET", f"{api}/playlist/user/{me['user']['id']}",
                                  token).json()["items"]] == [pid]

    wl = call("GET", f"{api}/playlist/watch-later", token)
    assert wl.status_code == 200 and wl.json()["playlist"]["kind"] == "watchLater"
    assert call("POST", f"{api}/playlist/watch-later/items", token,
                json={"videoId": videos[0]}).status_code == 201
    assert call("DELETE", f"{api}/playlist/watch-later", token).status_code == 409
    assert call("DELETE", f"{api}/playlist/{pid}/items/{videos[0]}", token).status_code == 204
    assert call("DELETE", f"{api}/playlist/{pid}", token).status_code == 204
    assert call("GET", f"{api}/playlist/{pid}", token).status_code == 404
