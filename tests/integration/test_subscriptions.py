"""Subscriptions: subscribe and unsubscribe (idempotent), my subscriptions, the feed."""
from __future__ import annotations

from bson import ObjectId

from tuber_channel.response_models import SubscriptionPage, SubscriptionState
from tuber_common.clock import utcnow
from tuber_common.response_models import VideoPage


def test_subscribing_is_idempotent_both_ways(channel_api, member):
    ada, fan = member(), member()
    path = f"/channel/{ada.id}/subscription"
    for _ in range(2):
        answer = channel_api.put(path, token=fan.token)
        assert (answer.status, answer.json) == (200, {"subscribed": True, "subscriberCount": 1})
        SubscriptionState.model_validate(answer.json)
    for _ in range(2):
        answer = channel_api.delete(path, token=fan.token)
        assert (answer.status, answer.json) == (200, {"subscribed": False,
                                                      "subscriberCount": 0})
    assert channel_api.get(f"/channel/{ada.id}").json["channel"]["subscriberCount"] == 0


def test_what_cannot_be_subscribed_to(db, channel_api, member):
    ada, banned = member(), member()
    db.users.update_one({"_id": ObjectId(banned.id)}, {"$set": {"suspendedAt": utcnow()}})
    own = channel_api.put(f"/channel/{ada.id}/subscription", token=ada.token)
    assert (own.status, own.error_code) == (400, "cannot_subscribe_to_self")
    for target in (str(ObjectId()), "nope", banned.id):
        answer = channel_api.put(f"/channel/{target}/subscription", token=ada.token)
        assert (answer.status, answer.error_code) == (404, "channel_not_found"), target
    anonymous = channel_api.put(f"/channel/{banned.id}/subscription")
    assert anonymous.status == 401


def test_my_subscriptions_newest_first_in_pages(db, channel_api, member, follow):
    fan = member()
    channels = [member(f"chan{i}") for i in range(5)]
    for channel in channels:
        follow(fan, channel)
    # A channel suspended since is not shown.
    db.users.update_one({"_id": ObjectId(channels[2].id)}, {"$set": {"suspendedAt": utcnow()}})

    seen, cursor = [], None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        answer = channel_api.get("/me/subscriptions", token=fan.token, query=query)
        assert answer.status == 200, answer.body
        SubscriptionPage.model_validate(answer.json)
        seen += [item["user"]["username"] for item in answer.json["items"]]
        assert all(item["subscribed"] and item["subscriberCount"] == 1
                   for item in answer.json["items"])
        cursor = answer.json["nextCursor"]
        if cursor is None:
            break
    assert seen == ["chan4", "chan3", "chan1", "chan0"]
    assert channel_api.get("/me/subscriptions").status == 401


def _feed(channel_api, member, limit=3):
    ids, cursor = [], None
    while True:
        query = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        answer = channel_api.get("/feed/subscriptions", token=member.token, query=query)
        assert answer.status == 200, answer.body
        VideoPage.model_validate(answer.json)
        ids += [item["id"] for item in answer.json["items"]]
        cursor = answer.json["nextCursor"]
        if cursor is None:
            return ids


def test_the_feed_holds_listed_public_videos_of_followed_channels_newest_first(
        channel_api, member, make_video, follow, monkeypatch):
    from tuber_channel import feed

    # Chunks of 2 channels: the merge of the chunks' pages is what 5,000 channels go through.
    monkeypatch.setattr(feed, "CHUNK", 2)
    fan, stranger = member(), member()
    channels = [member() for _ in range(5)]
    for channel in channels:
        follow(fan, channel)
    expected = []
    for round_ in range(3):
        for i, channel in enumerate(channels):
            # Older videos keep their ObjectId ids: both kinds in one feed.
            expected.append(make_video(channel, legacy_id=(round_ + i) % 3 == 0))
            make_video(channel, visibility="private")
            make_video(channel, visibility="unlisted")
            make_video(channel, status="PROCESSING")
    make_video(stranger)

    assert _feed(channel_api, fan) == list(reversed(expected))
    assert _feed(channel_api, fan, limit=100) == list(reversed(expected))
    # Unsubscribed: that channel's videos leave the feed at once.
    channel_api.delete(f"/channel/{channels[0].id}/subscription", token=fan.token)
    assert set(_feed(channel_api, fan)) == set(expected) - set(expected[0::5])
    assert _feed(channel_api, stranger) == []
    assert channel_api.get("/feed/subscriptions").status == 401


def test_a_deleted_account_leaves_no_subscription_either_way(
        db, auth_api, make_user, channel_api, notification_api, member, follow, publish_now):
    from tests.support.people import Member

    session = make_user("leaving")
    leaving = Member(session["user"]["id"], "leaving", session["accessToken"])
    followed, fan = member(), member()
    follow(leaving, followed)
    follow(fan, leaving)
    publish_now(followed)  # a notification addressed to the leaving account
    assert db.notifications.count_documents({"userId": ObjectId(leaving.id)}) == 1

    gone = auth_api.call("DELETE", "/auth/me", json_body={"password": "correct horse battery"},
                         token=leaving.token)
    assert gone.status == 202, gone.body
    assert channel_api.get(f"/channel/{followed.id}").json["channel"]["subscriberCount"] == 0
    assert channel_api.get("/me/subscriptions", token=fan.token).json["items"] == []
    assert channel_api.get(f"/channel/{leaving.id}").status == 404
    assert db.subscriptions.count_documents({}) == 0
    assert db.notifications.count_documents({"userId": ObjectId(leaving.id)}) == 0


def test_videos_published_in_the_same_millisecond_page_once_each(db, channel_api, member,
                                                                 make_video, follow,
                                                                 monkeypatch):
    from tuber_channel import feed
    from tuber_common.ids import parse_video_id

    monkeypatch.setattr(feed, "CHUNK", 2)
    fan = member()
    channels = [member() for _ in range(4)]
    for channel in channels:
        follow(fan, channel)
    ids = [make_video(channel, legacy_id=n % 2 == 0)
           for n, channel in enumerate(channels * 3)]
    same = db.videos.find_one({"_id": parse_video_id(ids[0])})["publishedAt"]
    db.videos.update_many({}, {"$set": {"publishedAt": same}})

    # Ties break by id as the index sorts them (going down: ObjectIds, then string ids).
    paged = _feed(channel_api, fan, limit=2)
    assert sorted(paged) == sorted(ids) and len(paged) == len(set(paged))
    assert paged == _feed(channel_api, fan, limit=100)

    for forged in ("W251bGwsIjZiMGEwYzU3YzdiMWZkZTM4MWFjMzJlNSJd", "nonsense"):
        answer = channel_api.get("/feed/subscriptions", token=fan.token,
                                 query={"cursor": forged})
        assert (answer.status, answer.error_code) == (400, "invalid_cursor")
