"""Creator controls: comments and ratings switched off by the owner, a pinned comment, and
views that count only after a minimum watch time."""
from __future__ import annotations

import pytest
from bson import ObjectId

from tests.support.views import report, server_clock_moved, start_session, watch
from tuber_common.ids import parse_video_id


@pytest.fixture
def video_with_comments(member, published_video, comment_api):
    """A published video, its owner, a fan, and three top-level comments (oldest first)."""
    owner, fan = member("owner"), member("fan")
    video_id = published_video(owner)
    comments = []
    for text in ("first", "second", "third"):
        answer = comment_api.post(f"/comment/{video_id}", {"text": text}, token=fan.token)
        assert answer.status == 201
        comments.append(answer.json["comment"]["id"])
    return owner, fan, video_id, comments


def _patch(video_api, user, video_id, body):
    return video_api.patch(f"/video/{video_id}", body, token=user.token)


def test_comments_off_refuses_new_comments_replies_and_edits(video_api, comment_api,
                                                            video_with_comments):
    owner, fan, video_id, comments = video_with_comments
    off = _patch(video_api, owner, video_id, {"commentsEnabled": False})
    assert off.status == 200 and off.json["video"]["commentsEnabled"] is False

    attempts = [
        comment_api.post(f"/comment/{video_id}", {"text": "hi"}, token=fan.token),
        comment_api.post(f"/comment/{video_id}", {"text": "hi", "parentId": comments[0]},
                         token=fan.token),
        comment_api.post(f"/comment/{video_id}", {"text": "mine"}, token=owner.token),
        comment_api.patch(f"/comment/{comments[0]}", {"text": "changed"}, token=fan.token),
    ]
    assert [(a.status, a.error_code) for a in attempts] == [(403, "comments_disabled")] * 4

    # Existing comments stay readable and removable.
    listed = comment_api.get(f"/comment/{video_id}").json["items"]
    assert [c["text"] for c in listed] == ["third", "second", "first"]
    assert comment_api.delete(f"/comment/{comments[0]}", token=fan.token).status == 204

    assert _patch(video_api, owner, video_id, {"commentsEnabled": True}).status == 200
    assert comment_api.post(f"/comment/{video_id}", {"text": "back"},
                            token=fan.token).status == 201


def test_ratings_off_refuses_every_rating_but_counts_stay_readable(video_api, like_api, member,
                                                                  published_video):
    owner, fan = member(), member()
    video_id = published_video(owner)
    assert like_api.put(f"/like/{video_id}", {"rating": "like"}, token=fan.token).status == 200
    off = _patch(video_api, owner, video_id, {"ratingsEnabled": False})
    assert off.json["video"]["ratingsEnabled"] is False

    for rating in ("like", "dislike", "none"):
        answer = like_api.put(f"/like/{video_id}", {"rating": rating}, token=fan.token)
        assert (answer.status, answer.error_code) == (403, "ratings_disabled"), rating
    read = like_api.get(f"/like/{video_id}", token=fan.token).json
    assert (read["likeCount"], read["myRating"]) == (1, "like")

    _patch(video_api, owner, video_id, {"ratingsEnabled": True})
    assert like_api.put(f"/like/{video_id}", {"rating": "none"},
                        token=fan.token).json["likeCount"] == 0


def test_only_the_owner_toggles_and_defaults_are_on(video_api, member, published_video, db):
    owner, stranger = member(), member()
    video_id = published_video(owner)
    video = video_api.get(f"/video/{video_id}").json["video"]
    assert (video["commentsEnabled"], video["ratingsEnabled"], video["pinnedCommentId"]) == \
        (True, True, None)
    before = db.videos.find_one({"_id": parse_video_id(video_id)})
    for body in ({"commentsEnabled": False}, {"ratingsEnabled": False}):
        assert _patch(video_api, stranger, video_id, body).status == 403
        assert video_api.patch(f"/video/{video_id}", body).status == 401
    assert db.videos.find_one({"_id": parse_video_id(video_id)}) == before
    assert _patch(video_api, owner, video_id, {"commentsEnabled": "maybe"}).status == 422


def test_the_pinned_comment_comes_first_once(video_api, comment_api, video_with_comments):
    owner, fan, video_id, comments = video_with_comments
    first = comments[0]  # the oldest: last in the list until pinned
    pinned = video_api.put(f"/video/{video_id}/pin", {"commentId": first}, token=owner.token)
    assert pinned.status == 200 and pinned.json["video"]["pinnedCommentId"] == first

    page1 = comment_api.get(f"/comment/{video_id}", query={"limit": 1}).json
    page2 = comment_api.get(f"/comment/{video_id}", query={
        "limit": 1, "cursor": page1["nextCursor"]}).json
    assert page2["nextCursor"] is None
    seen = page1["items"] + page2["items"]
    assert [(c["text"], c["pinned"]) for c in seen] == \
        [("first", True), ("third", False), ("second", False)]

    assert video_api.delete(f"/video/{video_id}/pin", token=owner.token).json["video"][
        "pinnedCommentId"] is None
    assert [c["text"] for c in comment_api.get(f"/comment/{video_id}").json["items"]] == \
        ["third", "second", "first"]


def test_pin_rules(video_api, comment_api, video_with_comments):
    owner, fan, video_id, comments = video_with_comments
    reply = comment_api.post(f"/comment/{video_id}", {"text": "r", "parentId": comments[1]},
                             token=fan.token).json["comment"]["id"]
    path = f"/video/{video_id}/pin"
    assert video_api.put(path, {"commentId": comments[1]}, token=fan.token).status == 403
    assert video_api.put(path, {"commentId": reply},
                         token=owner.token).error_code == "cannot_pin_reply"
    assert video_api.put(path, {"commentId": str(ObjectId())},
                         token=owner.token).error_code == "comment_not_found"
    # Deleting the pinned comment unpins it.
    video_api.put(path, {"commentId": comments[2]}, token=owner.token)
    assert comment_api.delete(f"/comment/{comments[2]}", token=fan.token).status == 204
    assert video_api.get(f"/video/{video_id}").json["video"]["pinnedCommentId"] is None


# --- views after a minimum watch time (measured by the server: test_view_sessions.py) -------

def test_a_view_counts_after_half_a_short_video(video_api, member, published_video):
    video_id = published_video(member())  # 2 s long: one second counts
    session = start_session(video_api, video_id).json["viewSession"]
    with server_clock_moved(+0.9):
        assert report(video_api, video_id, session).json == {
            "viewCount": 0, "counted": False, "countsInSeconds": 0.1}
    # Too early did not use up the session nor the viewer's de-duplication window.
    with server_clock_moved(+1.0):
        assert report(video_api, video_id, session).json == {
            "viewCount": 1, "counted": True, "countsInSeconds": None}
    assert watch(video_api, video_id, seconds=2.0).json == {
        "viewCount": 1, "counted": False, "countsInSeconds": None}
