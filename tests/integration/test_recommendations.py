"""GET /video/{videoId}/recommended: what to watch next."""
from __future__ import annotations

from bson import ObjectId

from tuber_common.ids import parse_video_id


def ids(answer) -> list[str]:
    assert answer.status == 200, answer.body
    return [v["id"] for v in answer.json["items"]]


def views(db, video_id: str, count: int) -> None:
    db.videos.update_one({"_id": parse_video_id(video_id)}, {"$set": {"viewCount": count}})


def test_same_owner_newest_first_then_popular(video_api, member, make_video, db):
    # Given a channel with four other videos and four popular videos elsewhere
    owner, others = member(), member()
    watching = make_video(owner)
    channel = [make_video(owner, title=f"mine {i}") for i in range(4)]
    popular = [make_video(others, title=f"hit {i}") for i in range(4)]
    for rank, video_id in enumerate(popular):
        views(db, video_id, 1000 - rank)
    views(db, channel[0], 5000)  # an older hit of the channel competes in the popular half

    # When an anonymous viewer asks for 6
    got = ids(video_api.get(f"/video/{watching}/recommended", query={"limit": 6}))

    # Then half are the channel's newest, the rest the most viewed elsewhere
    assert got[:3] == [channel[3], channel[2], channel[1]]
    assert got[3:] == [channel[0], popular[0], popular[1]]
    assert len(set(got)) == len(got) and watching not in got


def test_default_limit_is_8_and_max_20(video_api, member, make_video):
    owner = member()
    watching = make_video(owner)
    for i in range(25):
        make_video(owner, title=f"v{i}")
    assert len(ids(video_api.get(f"/video/{watching}/recommended"))) == 8
    assert len(ids(video_api.get(f"/video/{watching}/recommended", query={"limit": 20}))) == 20
    too_many = video_api.get(f"/video/{watching}/recommended", query={"limit": 21})
    assert (too_many.status, too_many.error_code) == (422, "validation_error")
    assert video_api.get(f"/video/{watching}/recommended", query={"limit": 0}).status == 422


def test_the_owner_fills_in_when_little_else_is_popular(video_api, member, make_video):
    owner, other = member(), member()
    watching = make_video(owner)
    channel = [make_video(owner) for _ in range(5)]
    elsewhere = make_video(other)
    got = ids(video_api.get(f"/video/{watching}/recommended", query={"limit": 6}))
    assert got == [channel[4], channel[3], channel[2], elsewhere, channel[1], channel[0]]


def test_never_private_unlisted_unprocessed_or_the_video_itself(video_api, member, make_video,
                                                                db):
    owner, other = member(), member()
    watching = make_video(owner)
    listed = {make_video(owner), make_video(other)}
    hidden = {
        make_video(owner, visibility="private"), make_video(other, visibility="private"),
        make_video(owner, visibility="unlisted"), make_video(other, visibility="unlisted"),
        make_video(owner, status="UPLOADING"), make_video(other, status="PROCESSING"),
        make_video(other, status="FAILED"),
    }
    for video_id in hidden | {watching}:
        views(db, video_id, 10**6)  # even the most viewed
    for token in (None, owner.token, other.token):
        got = ids(video_api.get(f"/video/{watching}/recommended", query={"limit": 20},
                                token=token))
        assert set(got) == listed, token


def test_owners_are_hydrated_with_their_display_names(video_api, member, make_video, db):
    owner, other = member("alice"), member("bob")
    db.users.update_one({"_id": ObjectId(other.id)}, {"$set": {"displayName": "Bob B."}})
    watching = make_video(owner)
    make_video(other)
    item = video_api.get(f"/video/{watching}/recommended").json["items"][0]
    assert item["owner"]["username"] == "bob" and item["owner"]["displayName"] == "Bob B."


def test_recommendations_of_an_unseeable_video_are_404(video_api, member, make_video):
    owner, stranger = member(), member()
    private = make_video(owner, visibility="private")
    processing = make_video(owner, status="PROCESSING")
    unlisted = make_video(owner, visibility="unlisted")
    make_video(owner)
    for video_id in (private, processing, "not-an-id", str(ObjectId())):
        for token in (None, stranger.token):
            answer = video_api.get(f"/video/{video_id}/recommended", token=token)
            assert (answer.status, answer.error_code) == (404, "video_not_found"), video_id
    # Its owner may see it, and gets recommendations; an unlisted video has them for anyone.
    assert video_api.get(f"/video/{private}/recommended", token=owner.token).status == 200
    assert video_api.get(f"/video/{processing}/recommended", token=owner.token).status == 200
    assert video_api.get(f"/video/{unlisted}/recommended").status == 200


def test_an_invalid_token_is_401_not_anonymous(video_api, member, make_video):
    watching = make_video(member())
    answer = video_api.get(f"/video/{watching}/recommended", token="forged")
    assert answer.status == 401
