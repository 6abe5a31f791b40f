"""Every write route, tried by each kind of caller: only the owner (or the roles API.md
names) may write; others get 403 when signed in and 401 when anonymous."""
from __future__ import annotations

import pytest

from tuber_common.ids import parse_video_id

OWNER, AUTHOR, STRANGER, ANONYMOUS = "video_owner", "comment_author", "stranger", "anonymous"
ROLES = (OWNER, AUTHOR, STRANGER, ANONYMOUS)

# route -> the roles allowed; everyone else is refused.
MATRIX = {
    "PATCH /video/{videoId}": {OWNER},
    "DELETE /video/{videoId}": {OWNER},
    "PATCH /comment/{commentId}": {AUTHOR},
    "DELETE /comment/{commentId}": {AUTHOR, OWNER},
    # Any signed-in user may create, rate and comment on a video they can see.
    "POST /video": {OWNER, AUTHOR, STRANGER},
    "PUT /like/{videoId}": {OWNER, AUTHOR, STRANGER},
    "POST /comment/{videoId}": {OWNER, AUTHOR, STRANGER},
}


@pytest.fixture
def world(member, published_video, comment_api):
    """A published video by its owner, with a comment by another user."""
    people = {OWNER: member("owner"), AUTHOR: member("author"), STRANGER: member("stranger")}
    video_id = published_video(people[OWNER], "The video")
    comment = comment_api.post(f"/comment/{video_id}", {"text": "first!"},
                               token=people[AUTHOR].token)
    assert comment.status == 201, comment.body
    return people, video_id, comment.json["comment"]["id"]


def request_for(route: str, video_id: str, comment_id: str) -> tuple[str, str, dict | None]:
    method, template = route.split(" ")
    path = template.format(videoId=video_id, commentId=comment_id)
    body = {
        "PATCH /video/{videoId}": {"title": "Renamed"},
        "PATCH /comment/{commentId}": {"text": "edited"},
        "POST /video": {"title": "New", "contentType": "video/mp4", "sizeBytes": 1000},
        "PUT /like/{videoId}": {"rating": "like"},
        "POST /comment/{videoId}": {"text": "hello"},
    }.get(route)
    return method, path, body


@pytest.mark.parametrize("route", sorted(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_only_the_named_roles_may_write(route, role, world, video_api, like_api, comment_api,
                                        db):
    people, video_id, comment_id = world
    api = {"video": video_api, "like": like_api, "comment": comment_api}[route.split("/")[1]]
    method, path, body = request_for(route, video_id, comment_id)
    token = people[role].token if role != ANONYMOUS else None
    before = (db.videos.find_one({"_id": parse_video_id(video_id)}),
              db.comments.find_one({"_id": __import__("bson").ObjectId(comment_id)}))

    answer = api.call(method, path, json_body=body, token=token)

    if role in MATRIX[route]:
        assert 200 <= answer.status < 300, (route, role, answer.body)
    else:
        expected = 401 if role == ANONYMOUS else 403
        assert answer.status == expected, (route, role, answer.body)
        assert answer.json["error"]["code"]
        # A refused write changes nothing.
        after = (db.videos.find_one({"_id": before[0]["_id"]}),
                 db.comments.find_one({"_id": before[1]["_id"]}))
        assert after == before
