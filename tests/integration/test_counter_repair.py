"""An invocation that dies between a rating or comment and its counter's $inc leaves the
counter one off; the scheduled recount (tuber_common.counters, the RecountRatings /
RecountComments schedules) puts it back, once the video's writes have been at rest for the
grace period, and never over a write that started meanwhile."""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from local.lambda_context import LambdaContext
from tuber_comment import comments
from tuber_common import comment_removal, counters
from tuber_common.clock import utcnow
from tuber_common.ids import parse_video_id
from tuber_like import ratings

EVENTS = Path(__file__).resolve().parents[2] / "events"


class Died(BaseException):
    """The container went away mid-request (timeout, out of memory, a crash)."""


def die(*_args, **_kwargs):
    raise Died()


def scheduled(function: str) -> dict:
    from tuber_comment.handler import lambda_handler as comment_handler
    from tuber_like.handler import lambda_handler as like_handler

    handler = {"like": like_handler, "comment": comment_handler}[function]
    event = json.loads((EVENTS / f"{function}_recount_scheduled.json").read_text())
    return handler(event, LambdaContext())


def video(db, video_id: str) -> dict:
    return db.videos.find_one({"_id": parse_video_id(video_id)})


def age_stamp(db, video_id: str, stamp: str) -> None:
    """As if the grace period had passed since the last write."""
    db.videos.update_one({"_id": parse_video_id(video_id)},
                         {"$set": {stamp: utcnow() - counters.GRACE - timedelta(seconds=1)}})


def test_a_like_lost_mid_request_is_counted_by_the_scheduled_recount(db, member, make_video,
                                                                      monkeypatch):
    vid = make_video(member())
    fans = [member() for _ in range(3)]
    for fan in fans[:2]:
        ratings.rate(db, fan.id, vid, "like")
    monkeypatch.setattr(ratings, "counter_delta", die)
    with pytest.raises(Died):
        ratings.rate(db, fans[2].id, vid, "like")
    monkeypatch.undo()
    assert video(db, vid)["likeCount"] == 2  # the rating is stored, its $inc never ran

    # Within the grace period the recount leaves the video alone: a request may be running.
    assert scheduled("like") == {"checked": 0, "corrected": 0}
    assert video(db, vid)["likeCount"] == 2

    age_stamp(db, vid, ratings.STAMP)
    assert scheduled("like") == {"checked": 1, "corrected": 1}
    repaired = video(db, vid)
    assert (repaired["likeCount"], repaired["dislikeCount"]) == (3, 0)
    assert ratings.STAMP not in repaired
    # Once repaired the video is not recounted again until its ratings change.
    assert scheduled("like") == {"checked": 0, "corrected": 0}
    # And ordinary rating keeps counting from the repaired value.
    assert ratings.rate(db, fans[0].id, vid, "dislike")["dislikeCount"] == 1
    assert ratings.read(db, None, vid)["likeCount"] == 2


def test_a_switch_lost_mid_request_is_repaired_on_both_counters(db, member, make_video,
                                                                monkeypatch):
    vid = make_video(member())
    fan = member()
    ratings.rate(db, fan.id, vid, "like")
    monkeypatch.setattr(ratings, "counter_delta", die)
    with pytest.raises(Died):
        ratings.rate(db, fan.id, vid, "dislike")
    monkeypatch.undo()
    age_stamp(db, vid, ratings.STAMP)
    assert scheduled("like")["corrected"] == 1
    assert ratings.read(db, fan.id, vid) == {"likeCount": 0, "dislikeCount": 1,
                                             "myRating": "dislike"}


def test_a_comment_removed_mid_request_is_uncounted_by_the_scheduled_recount(
        db, member, make_video, monkeypatch):
    owner = member()
    vid = make_video(owner)
    top = comments.create(db, owner.id, vid, "a thread")
    reply = comments.create(db, member().id, vid, "a reply", str(top["_id"]))
    comments.create(db, owner.id, vid, "another")
    assert video(db, vid)["commentCount"] == 3

    monkeypatch.setattr(comment_removal, "count", die)  # of create and delete alike
    with pytest.raises(Died):
        comments.delete(db, owner.id, str(reply["_id"]))
    for text in ("written, never counted", "this one too"):
        with pytest.raises(Died):
            comments.create(db, owner.id, vid, text)
    monkeypatch.undo()
    assert video(db, vid)["commentCount"] == 3  # 4 live comments: one gone, two new

    age_stamp(db, vid, comments.STAMP)
    assert scheduled("comment") == {"checked": 1, "corrected": 1}
    assert video(db, vid)["commentCount"] == 4
    listed, _ = comments.list_comments(db, None, vid, 20, None)
    assert len(listed) == 4  # top-level: the thread, "another" and the two new ones


def test_a_reply_reserved_by_a_dying_request_no_longer_keeps_its_thread(
        db, member, make_video, monkeypatch):
    owner = member()
    vid = make_video(owner)
    top = comments.create(db, owner.id, vid, "a thread")
    # The request dies after reserving the reply's slot on the thread, before inserting it.
    monkeypatch.setattr(comments, "utcnow", die)
    with pytest.raises(Died):
        comments.create(db, member().id, vid, "never written", str(top["_id"]))
    monkeypatch.undo()
    # So deleting the thread leaves a placeholder for a reply that does not exist.
    comments.delete(db, owner.id, str(top["_id"]))
    listed, _ = comments.list_comments(db, None, vid, 20, None)
    assert [(c["deleted"], c["replyCount"]) for c in listed] == [(True, 1)]

    age_stamp(db, vid, comments.STAMP)
    scheduled("comment")
    assert comments.list_comments(db, None, vid, 20, None)[0] == []
    assert db.comments.count_documents({"videoId": parse_video_id(vid)}) == 0
    assert video(db, vid)["commentCount"] == 0


def test_threads_are_left_alone_when_a_request_starts_during_the_recount(db, member,
                                                                         make_video):
    owner = member()
    vid = make_video(owner)
    top = comments.create(db, owner.id, vid, "a thread")
    db.comments.update_one({"_id": top["_id"]}, {"$set": {"replyCount": 3}})  # off
    comments.recount(db, parse_video_id(vid), at_rest=lambda: False)
    assert db.comments.find_one({"_id": top["_id"]})["replyCount"] == 3
    comments.recount(db, parse_video_id(vid), at_rest=lambda: True)
    assert db.comments.find_one({"_id": top["_id"]})["replyCount"] == 0


def test_a_write_that_starts_during_the_recount_is_not_overwritten(db, member, make_video):
    vid = make_video(member())
    fan, late = member(), member()
    ratings.rate(db, fan.id, vid, "like")
    # Off, to repair
    db.videos.update_one({"_id": parse_video_id(vid)}, {"$set": {"likeCount": 5}})
    age_stamp(db, vid, ratings.STAMP)

    def recount_while_someone_rates(db_, video_id, at_rest):
        counts = ratings.recount(db_, video_id, at_rest)  # the documents as they were
        ratings.rate(db_, late.id, vid, "like")  # a request that starts right now
        return counts

    done = counters.reconcile(db, ratings.STAMP, recount_while_someone_rates)
    assert done == {"checked": 0, "corrected": 0}
    # The stale count (1) was not written over the late like; the next quiet run repairs.
    assert video(db, vid)["likeCount"] == 6
    age_stamp(db, vid, ratings.STAMP)
    assert counters.reconcile(db, ratings.STAMP, ratings.recount)["corrected"] == 1
    assert video(db, vid)["likeCount"] == 2


def test_every_rating_and_comment_write_stamps_its_video(db, member, make_video, like_api,
                                                         comment_api):
    vid = make_video(member())
    fan = member()
    assert like_api.call("PUT", f"/like/{vid}", json_body={"rating": "like"},
                         token=fan.token).status == 200
    made = comment_api.call("POST", f"/comment/{vid}", json_body={"text": "hi"},
                            token=fan.token)
    assert made.status == 201
    stamped = video(db, vid)
    assert {ratings.STAMP, comments.STAMP} <= set(stamped)

    db.videos.update_one({"_id": parse_video_id(vid)},
                         {"$unset": {ratings.STAMP: "", comments.STAMP: ""}})
    assert comment_api.call("DELETE", f"/comment/{made.json['comment']['id']}",
                            token=fan.token).status == 204
    assert comments.STAMP in video(db, vid)
    # Reading changes nothing, so it stamps nothing.
    assert like_api.call("GET", f"/like/{vid}").status == 200
    assert ratings.STAMP not in video(db, vid)
