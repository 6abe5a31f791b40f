"""The /playlist answers are what /openapi.json (the routes' decorators,
tuber_playlist/response_models.py) says they are, as test_openapi.py checks for the others."""
from __future__ import annotations

from tests.integration.test_openapi import assert_documented, document, template  # noqa: F401


def test_playlist_answers_match_the_document(document, playlist_api, member,  # noqa: F811
                                             make_video, db):
    owner, other = member(), member()
    vid, second = make_video(owner), make_video(other)
    db.videos.update_one({"_id": vid}, {"$set": {"thumbnailKey": f"hls/{vid}/thumb.jpg"}})
    created = playlist_api.post("/playlist", {"title": "Docs", "visibility": "public"},
                                token=owner.token)
    pid = created.json["playlist"]["id"]
    added = playlist_api.post(f"/playlist/{pid}/items", {"videoId": vid}, token=owner.token)
    playlist_api.post(f"/playlist/{pid}/items", {"videoId": second, "position": 0},
                      token=owner.token)
    moved = playlist_api.put(f"/playlist/{pid}/items/{vid}", {"position": 0}, token=owner.token)
    assert_documented(document, {
        "POST /playlist": created,
        "POST /playlist/{playlistId}/items": added,
        "PUT /playlist/{playlistId}/items/{videoId}": moved,
        "GET /playlist/{playlistId}": playlist_api.get(f"/playlist/{pid}", token=other.token,
                                                       query={"limit": 1}),
        "PATCH /playlist/{playlistId}": playlist_api.patch(f"/playlist/{pid}",
                                                           {"description": "d"},
                                                           token=owner.token),
        "GET /playlist/user/{userId}": playlist_api.get(f"/playlist/user/{owner.id}"),
        "GET /playlist/watch-later": playlist_api.get("/playlist/watch-later",
                                                      token=owner.token),
    })
    # The 204s, documented without a body.
    assert playlist_api.delete(f"/playlist/{pid}/items/{vid}", token=owner.token).status == 204
    assert playlist_api.delete(f"/playlist/{pid}", token=owner.token).status == 204
