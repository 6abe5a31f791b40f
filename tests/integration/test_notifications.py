"""Notifications: written where the event happens (a listed video published, a comment, a
reply), listed newest first, counted while unread, marked read; what they point at going
takes them along; a failure to notify never fails the action."""
from __future__ import annotations

from bson import ObjectId

from tuber_notification.response_models import MarkedRead, NotificationPage, UnreadCount


def _inbox(notification_api, member, **query) -> list[dict]:
    answer = notification_api.get("/notification", token=member.token, query=query)
    assert answer.status == 200, answer.body
    NotificationPage.model_validate(answer.json)  # what the API document says
    return answer.json["items"]


def _unread(notification_api, member) -> int:
    answer = notification_api.get("/notification/unread-count", token=member.token)
    assert answer.status == 200, answer.body
    UnreadCount.model_validate(answer.json)
    return answer.json["unreadCount"]


def test_subscribers_hear_of_a_new_listed_video_only(notification_api, member, follow,
                                                     publish_now):
    ada, fan, other = member("ada"), member(), member()
    follow(fan, ada)
    publish_now(ada, visibility="private")
    publish_now(ada, visibility="unlisted")
    video_id = publish_now(ada, title="Engines")

    items = _inbox(notification_api, fan)
    assert [(i["kind"], i["video"]["id"], i["video"]["title"], i["actor"]["username"],
             i["read"], i["comment"]) for i in items] == [
        ("video", video_id, "Engines", "ada", False, None)]
    assert _unread(notification_api, fan) == 1
    # Nobody else: not the channel itself, not someone who does not follow it.
    assert _inbox(notification_api, ada) == [] and _inbox(notification_api, other) == []


def test_comments_and_replies_reach_the_owner_and_the_author_answered(
        notification_api, comment_api, member, make_video):
    owner, alice, bob = member("owner"), member("alice"), member("bob")
    video_id = make_video(owner)
    top = comment_api.post(f"/comment/{video_id}", {"text": "first!"}, token=alice.token)
    owners_own = comment_api.post(f"/comment/{video_id}", {"text": "thanks"},
                                  token=owner.token)
    reply = comment_api.post(f"/comment/{video_id}", {"text": "agreed",
                                                      "parentId": top.json["comment"]["id"]},
                             token=bob.token)
    # A reply to a reply: its author is the one answered.
    answer = comment_api.post(f"/comment/{video_id}", {
        "text": "me too", "parentId": reply.json["comment"]["id"]}, token=alice.token)
    assert {top.status, owners_own.status, reply.status, answer.status} == {201}

    kinds = [(i["kind"], i["actor"]["username"], i["comment"]["text"])
             for i in _inbox(notification_api, owner)]
    assert kinds == [("comment", "alice", "me too"), ("comment", "bob", "agreed"),
                     ("comment", "alice", "first!")]
    assert [(i["kind"], i["actor"]["username"]) for i in _inbox(notification_api, alice)] == [
        ("reply", "bob")]
    assert [(i["kind"], i["actor"]["username"]) for i in _inbox(notification_api, bob)] == [
        ("reply", "alice")]


def test_reading_them(notification_api, comment_api, member, make_video):
    owner, fan, stranger = member(), member(), member()
    video_id = make_video(owner)
    for n in range(5):
        assert comment_api.post(f"/comment/{video_id}", {"text": f"c{n}"},
                                token=fan.token).status == 201
    items = _inbox(notification_api, owner)
    assert [i["comment"]["text"] for i in items] == ["c4", "c3", "c2", "c1", "c0"]
    first = notification_api.get("/notification", token=owner.token, query={"limit": 2})
    rest = notification_api.get("/notification", token=owner.token,
                                query={"limit": 10, "cursor": first.json["nextCursor"]})
    assert [i["id"] for i in first.json["items"] + rest.json["items"]] == [i["id"] for i in items]
    assert rest.json["nextCursor"] is None
    assert _unread(notification_api, owner) == 5

    # Someone else's ids (and nonsense) change nothing.
    theirs = notification_api.post("/notification/read", {"ids": [items[0]["id"], "x"]},
                                   token=stranger.token)
    assert theirs.json == {"marked": 0, "unreadCount": 0}
    marked = notification_api.post("/notification/read",
                                   {"ids": [items[0]["id"], items[1]["id"]]}, token=owner.token)
    assert marked.json == {"marked": 2, "unreadCount": 3}
    MarkedRead.model_validate(marked.json)
    assert [i["read"] for i in _inbox(notification_api, owner)] == [True, True, False, False,
                                                                     False]
    everything = notification_api.post("/notification/read", {"all": True}, token=owner.token)
    assert everything.json == {"marked": 3, "unreadCount": 0}

    for body in ({}, {"all": True, "ids": [items[0]["id"]]}, {"ids": []}, {"all": False}):
        refused = notification_api.post("/notification/read", body, token=owner.token)
        assert (refused.status, refused.error_code) == (422, "validation_error"), body
    assert notification_api.get("/notification").status == 401
    assert notification_api.get("/notification/unread-count").status == 401


def test_what_they_point_at_going_takes_them_along(db, notification_api, comment_api,
                                                    video_api, member, follow, publish_now):
    from tuber_common.ids import parse_video_id

    ada, fan = member(), member()
    follow(fan, ada)
    kept, hidden, deleted = (publish_now(ada, title=t) for t in ("kept", "hidden", "deleted"))
    comment = comment_api.post(f"/comment/{kept}", {"text": "hi"}, token=fan.token)
    comment_api.post(f"/comment/{deleted}", {"text": "on a video that goes"}, token=fan.token)
    assert len(_inbox(notification_api, ada)) == 2

    # Made private: no longer shown to the fan (the owner may see it).
    db.videos.update_one({"_id": parse_video_id(hidden)}, {"$set": {"visibility": "private"}})
    assert video_api.delete(f"/video/{deleted}", token=ada.token).status == 204
    assert comment_api.delete(f"/comment/{comment.json['comment']['id']}",
                              token=fan.token).status == 204

    assert [i["video"]["title"] for i in _inbox(notification_api, fan)] == ["kept"]
    assert _inbox(notification_api, ada) == []
    assert db.notifications.count_documents({"videoId": parse_video_id(deleted)}) == 0
    assert db.notifications.count_documents(
        {"commentId": ObjectId(comment.json["comment"]["id"])}) == 0


def test_a_failure_to_notify_fails_nothing(db, comment_api, member, make_video, follow,
                                           publish_now, monkeypatch):
    from tuber_common import notifications

    def broken(*_args, **_kwargs):
        raise RuntimeError("the notifications collection is on fire")

    monkeypatch.setattr(notifications, "_deliver", broken)
    ada, fan = member(), member()
    follow(fan, ada)
    video_id = publish_now(ada)
    assert db.videos.find_one({"status": "PUBLIC"}) is not None
    assert comment_api.post(f"/comment/{video_id}", {"text": "still here"},
                            token=fan.token).status == 201
    assert db.notifications.count_documents({}) == 0
