"""/playlist: playlists, their items in order, Watch later, visibility and ownership."""
from __future__ import annotations

import pytest
from bson import ObjectId

from tuber_common.ids import parse_video_id


def ids_in(answer) -> list[str]:
    return [entry["video"]["id"] for entry in answer.json["playlist"]["items"]]


def order(playlist_api, playlist_id, token) -> list[str]:
    return ids_in(playlist_api.get(f"/playlist/{playlist_id}", token=token,
                                   query={"limit": 100}))


def test_create_add_and_read_in_order(playlist_api, member, make_video, make_playlist,
                                      add_to_playlist):
    owner, creator = member(), member("creator")
    pid = make_playlist(owner, title="  Road   trip ", description="songs", visibility="public")
    videos = [make_video(creator, title=f"clip {i}") for i in range(3)]
    for n, vid in enumerate(videos):
        added = add_to_playlist(owner, pid, vid)
        assert added.status == 201, added.body
        assert added.json["item"]["position"] == n and added.json["itemCount"] == n + 1

    got = playlist_api.get(f"/playlist/{pid}")
    assert got.status == 200, got.body
    playlist = got.json["playlist"]
    assert playlist["title"] == "Road trip" and playlist["description"] == "songs"
    assert playlist["kind"] == "playlist" and playlist["visibility"] == "public"
    assert playlist["owner"]["id"] == owner.id
    assert playlist["itemCount"] == 3 and playlist["hiddenCount"] == 0
    assert [e["position"] for e in playlist["items"]] == [0, 1, 2]
    assert ids_in(got) == videos
    first = playlist["items"][0]["video"]
    assert first["title"] == "clip 0" and first["owner"]["username"] == "creator"
    assert playlist["nextCursor"] is None
