"""/like: rating, reading counts, my liked videos, permissions and bad input."""
from __future__ import annotations

import pytest
from bson import ObjectId

from tuber_common.ids import parse_video_id


def counts_of(db, video_id):
    doc = db.videos.find_one({"_id": parse_video_id(video_id)})
    return doc["likeCount"], doc["dislikeCount"]


def test_like_switch_and_withdraw(like_api, member, make_video, db):
    owner, fan = member(), member()
    vid = make_video(owner)

    # When the fan likes, then dislikes, then withdraws
    liked = like_api.put(f"/like/{vid}", {"rating": "like"}, token=fan.token)
    assert liked.status == 200, liked.body
    assert liked.json == {"likeCount": 1, "dislikeCount": 0, "myRating": "like"}

    switched = like_api.put(f"/like/{vid}", {"rating": "dislike"}, token=fan.token)
    assert switched.json == {"likeCount": 0, "dislikeCount": 1, "myRating": "dislike"}

    withdrawn = like_api.put(f"/like/{vid}", {"rating": "none"}, token=fan.token)
    assert withdrawn.json == {"likeCount": 0, "dislikeCount": 0, "myRating": "none"}

    # Then the stored state agrees with the answers
    assert counts_of(db, vid) == (0, 0)
    assert db.ratings.count_documents({"videoId": parse_video_id(vid)}) == 0


def test_rating_is_idempotent(like_api, member, make_video, db):
    owner, fan = member(), member()
    vid = make_video(owner)
    for _ in range(3):
        answer = like_api.put(f"/like/{vid}", {"rating": "like"}, token=fan.token)
        assert answer.json == {"likeCount": 1, "dislikeCount": 0, "myRating": "like"}
    for _ in range(2):
        answer = like_api.put(f"/like/{vid}", {"rating": "none"}, token=fan.token)
        assert answer.json == {"likeCount": 0, "dislikeCount": 0, "myRating": "none"}
    assert counts_of(db, vid) == (0, 0)


def test_repeated_like_keeps_its_place_in_my_likes(like_api, member, make_video, db):
    owner, fan = member(), member()
    first, second = make_video(owner), make_video(owner)
    like_api.put(f"/like/{first}", {"rating": "like"}, token=fan.token)
    like_api.put(f"/like/{second}", {"rating": "like"}, token=fan.token)
    # Liking `first` again changes nothing, so it stays behind the newer like.
    like_api.put(f"/like/{first}", {"rating": "like"}, token=fan.token)
    ids = [v["id"] for v in like_api.get("/like/me", token=fan.token).json["items"]]
    assert ids == [second, first]


def test_read_counts_and_my_rating(like_api, member, make_video):
    owner, a, b = member(), member(), member()
    vid = make_video(owner)
    like_api.put(f"/like/{vid}", {"rating": "like"}, token=a.token)
    like_api.put(f"/like/{vid}", {"rating": "dislike"}, token=b.token)

    mine = like_api.get(f"/like/{vid}", token=a.token)
    assert mine.status == 200
    assert mine.json == {"likeCount": 1, "dislikeCount": 1, "myRating": "like"}
    assert like_api.get(f"/like/{vid}", token=b.token).json["myRating"] == "dislike"
    assert like_api.get(f"/like/{vid}", token=owner.token).json["myRating"] == "none"
    anonymous = like_api.get(f"/like/{vid}")
    assert anonymous.json == {"likeCount": 1, "dislikeCount": 1, "myRating": "none"}


# Who may rate and read: owner / other user / anonymous x public / unlisted / private.
MATRIX = [
    # (visibility, caller, PUT status, GET status)
    ("public", "owner", 200, 200),
    ("public", "other", 200, 200),
    ("public", "anonymous", 401, 200),
    ("unlisted", "owner", 200, 200),
    ("unlisted", "other", 200, 200),
    ("unlisted", "anonymous", 401, 200),
    ("private", "owner", 200, 200),
    ("private", "other", 404, 404),
    ("private", "anonymous", 401, 404),
]


@pytest.mark.parametrize("visibility,caller,put_status,get_status", MATRIX)
def test_permission_matrix(like_api, member, make_video, db, visibility, caller, put_status,
                           get_status):
    owner, other = member(), member()
    vid = make_video(owner, visibility=visibility)
    token = {"owner": owner.token, "other": other.token, "anonymous": None}[caller]

    put = like_api.put(f"/like/{vid}", {"rating": "like"}, token=token)
    assert put.status == put_status, put.body
    if put_status == 404:
        assert put.error_code == "video_not_found"
    if put_status == 401:
        assert put.error_code == "authentication_required"
    assert counts_of(db, vid) == ((1, 0) if put_status == 200 else (0, 0))

    got = like_api.get(f"/like/{vid}", token=token)
    assert got.status == get_status, got.body
    if get_status == 404:
        assert got.error_code == "video_not_found"


@pytest.mark.parametrize("status", ["UPLOADING", "PROCESSING", "FAILED"])
def test_only_published_videos_can_be_rated(like_api, member, make_video, db, status):
    owner, other = member(), member()
    vid = make_video(owner, status=status)
    answer = like_api.put(f"/like/{vid}", {"rating": "like"}, token=owner.token)
    assert answer.status == 409
    assert answer.error_code == "video_not_published"
    # Reading still works for the owner: nothing to count yet.
    assert like_api.get(f"/like/{vid}", token=owner.token).json["likeCount"] == 0
    # To anyone else an unpublished video does not exist (as on GET /video/{id}).
    for token in (other.token, None):
        assert like_api.get(f"/like/{vid}", token=token).status == 404
    hidden = like_api.put(f"/like/{vid}", {"rating": "like"}, token=other.token)
    assert hidden.status == 404 and hidden.error_code == "video_not_found"
    assert db.ratings.count_documents({}) == 0


@pytest.mark.parametrize("path", ["/like/not-an-id", f"/like/{ObjectId()}", "/like/123"],
                         ids=["not_an_id", "unknown_object_id", "123"])
def test_unknown_or_malformed_video_is_404(like_api, member, path):
    fan = member()
    assert like_api.put(path, {"rating": "like"}, token=fan.token).status == 404
    answer = like_api.get(path, token=fan.token)
    assert answer.status == 404
    assert answer.error_code == "video_not_found"


@pytest.mark.parametrize("body", [{"rating": "love"}, {"rating": ""}, {"rating": None}, {},
                                  {"rating": 1}, [], "like"])
def test_bad_rating_is_422(like_api, member, make_video, db, body):
    owner = member()
    vid = make_video(owner)
    answer = like_api.put(f"/like/{vid}", body, token=owner.token)
    assert answer.status == 422, answer.body
    assert answer.error_code == "validation_error"
    assert counts_of(db, vid) == (0, 0)


def test_malformed_json_is_400(like_api, member, make_video):
    owner = member()
    vid = make_video(owner)
    answer = like_api.call("PUT", f"/like/{vid}", raw_body='{"rating": "like"', token=owner.token)
    assert answer.status == 400
    assert answer.error_code == "invalid_json"


def test_bad_token_is_401(like_api, member, make_video):
    vid = make_video(member())
    answer = like_api.put(f"/like/{vid}", {"rating": "like"}, token="not.a.jwt")
    assert answer.status == 401
    assert answer.error_code == "invalid_token"
    assert like_api.get(f"/like/{vid}", token="not.a.jwt").status == 401


def test_my_likes_pages_without_gaps_or_duplicates(like_api, member, make_video):
    owner, fan = member(), member()
    videos = [make_video(owner, title=f"clip {i}") for i in range(7)]
    for vid in videos:
        assert like_api.put(f"/like/{vid}", {"rating": "like"}, token=fan.token).status == 200
    # A dislike is not a like: it must not be listed.
    disliked = make_video(owner)
    like_api.put(f"/like/{disliked}", {"rating": "dislike"}, token=fan.token)

    seen, cursor = [], None
    while True:
        query = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        answer = like_api.get("/like/me", token=fan.token, query=query)
        assert answer.status == 200, answer.body
        assert len(answer.json["items"]) <= 3
        seen += [v["id"] for v in answer.json["items"]]
        cursor = answer.json["nextCursor"]
        if cursor is None:
            break
    assert seen == list(reversed(videos))  # newest rating first, each exactly once


def test_my_likes_items_are_videos_with_owner(like_api, member, make_video):
    owner, fan = member("channel_owner"), member()
    vid = make_video(owner, title="Cats")
    like_api.put(f"/like/{vid}", {"rating": "like"}, token=fan.token)
    (item,) = like_api.get("/like/me", token=fan.token).json["items"]
    assert item["id"] == vid and item["title"] == "Cats"
    assert item["owner"]["id"] == owner.id and item["owner"]["username"] == "channel_owner"
    assert item["likeCount"] == 1 and item["myRating"] == "like"


def test_my_likes_skips_videos_i_can_no_longer_see(like_api, member, make_video, db):
    owner, fan = member(), member()
    kept, hidden, gone = make_video(owner), make_video(owner), make_video(owner)
    for vid in (kept, hidden, gone):
        like_api.put(f"/like/{vid}", {"rating": "like"}, token=fan.token)
    db.videos.update_one({"_id": parse_video_id(hidden)}, {"$set": {"visibility": "private"}})
    db.videos.delete_one({"_id": parse_video_id(gone)})

    answer = like_api.get("/like/me", token=fan.token)
    assert [v["id"] for v in answer.json["items"]] == [kept]
    # The owner still sees their own private video among their likes.
    like_api.put(f"/like/{hidden}", {"rating": "like"}, token=owner.token)
    assert [v["id"] for v in like_api.get("/like/me", token=owner.token).json["items"]] == [hidden]


def test_my_likes_hydrates_owners_in_one_query(like_api, member, make_video, db, monkeypatch):
    from tuber_common import users

    fan = member()
    for _ in range(4):
        vid = make_video(member())
        like_api.put(f"/like/{vid}", {"rating": "like"}, token=fan.token)
    calls = []
    real = users.hydrate_users
    monkeypatch.setattr("tuber_like.ratings.hydrate_users",
                        lambda d, ids: calls.append(list(ids)) or real(d, ids))
    items = like_api.get("/like/me", token=fan.token).json["items"]
    assert len(items) == 4 and len(calls) == 1 and len(calls[0]) == 4
    assert all(item["owner"]["username"] != "[deleted]" for item in items)


def test_my_likes_needs_auth_and_a_good_cursor(like_api, member):
    fan = member()
    assert like_api.get("/like/me").status == 401
    bad = like_api.get("/like/me", token=fan.token, query={"cursor": "garbage!!"})
    assert bad.status == 400 and bad.error_code == "invalid_cursor"
    for limit in ("0", "101", "ten"):
        answer = like_api.get("/like/me", token=fan.token, query={"limit": limit})
        assert answer.status == 422, limit


def test_put_me_is_not_a_video(like_api, member):
    # /like/me is only a GET; PUT /like/me names a video called "me", which does not exist.
    answer = like_api.put("/like/me", {"rating": "like"}, token=member().token)
    assert answer.status == 404 and answer.error_code == "video_not_found"
