"""What a takedown hides, and from whom (docs/API.md "Moderation"): a taken-down video is
its owner's alone (with the reason) on every read path and gone from every list; a
taken-down comment is its author's alone (a placeholder for others if it has replies)."""
from __future__ import annotations

import pytest
from bson import ObjectId


@pytest.fixture
def take_down(moderation_api, file_report, staff, member):
    """take_down(target_type, target_id, reason): reported by someone and taken down."""
    moderator = staff()

    def _take_down(target_type: str, target_id: str, reason: str = "violence",
                   action: str = "takedown") -> dict:
        report = file_report(member(), target_type, target_id, reason)
        answer = moderation_api.post(f"/report/{report['id']}/resolve", {"action": action},
                                     token=moderator.token)
        assert answer.status == 200, answer.body
        return answer.json["resolution"]
    return _take_down


def _ids(answer) -> list[str]:
    assert answer.status == 200, answer.body
    return [item["id"] for item in answer.json["items"]]


def test_a_taken_down_video_is_its_owners_alone(
        db, member, make_video, take_down, video_api, like_api, comment_api, channel_api,
        playlist_api, make_playlist, add_to_playlist, history_api, follow, moderation_api,
        file_report):
    owner, fan = member("creator"), member()
    kept = make_video(owner, title="cooking pasta")
    gone = make_video(owner, title="cooking crime")
    follow(fan, owner)
    assert like_api.put(f"/like/{gone}", {"rating": "like"}, token=fan.token).status == 200
    assert like_api.put(f"/like/{kept}", {"rating": "like"}, token=fan.token).status == 200
    said = comment_api.post(f"/comment/{gone}", {"text": "nice"}, token=fan.token)
    assert said.status == 201
    playlist = make_playlist(fan)
    for video in (kept, gone):
        assert add_to_playlist(fan, playlist, video).status == 201
        assert history_api.put(f"/history/{video}", {"positionSeconds": 3},
                               token=fan.token).status == 200
    resolution = take_down("video", gone, "violence")
    assert resolution["action"] == "takedown" and resolution["reason"] == "violence"

    # The owner: still there, saying why; in their own channel list too.
    mine = video_api.get(f"/video/{gone}", token=owner.token)
    assert mine.status == 200
    assert mine.json["video"]["moderation"] == {"status": "taken_down", "reason": "violence"}
    assert gone in _ids(video_api.get(f"/video/user/{owner.id}", token=owner.token))
    # Anyone else: as if it did not exist.
    for token in (fan.token, None):
        answer = video_api.get(f"/video/{gone}", token=token)
        assert answer.status == 404 and answer.error_code == "video_not_found"
        assert comment_api.get(f"/comment/{gone}", token=token).status == 404
        assert like_api.get(f"/like/{gone}", token=token).status == 404
        lists = [video_api.get("/video", token=token),
                 video_api.get("/video/search", token=token, query={"q": "cooking"}),
                 video_api.get(f"/video/user/{owner.id}", token=token),
                 video_api.get(f"/video/{kept}/recommended", token=token)]
        for answer in lists:
            assert gone not in _ids(answer)
        assert kept in _ids(lists[0]) and kept in _ids(lists[1])
    assert like_api.put(f"/like/{gone}", {"rating": "none"}, token=fan.token).status == 404
    assert _ids(like_api.get("/like/me", token=fan.token)) == [kept]
    assert _ids(channel_api.get("/feed/subscriptions", token=fan.token)) == [kept]
    channel = channel_api.get(f"/channel/{owner.id}", token=fan.token)
    assert channel.status == 200 and channel.json["channel"]["videoCount"] == 1
    items = playlist_api.get(f"/playlist/{playlist}", token=fan.token).json["playlist"]
    assert [i["video"]["id"] for i in items["items"]] == [kept] and items["hiddenCount"] == 1
    history = history_api.get("/history", token=fan.token).json["items"]
    assert [e["video"]["id"] for e in history] == [kept]
    # Nobody reports what they cannot see.
    answer = moderation_api.post("/report", {"targetType": "video", "targetId": gone,
                                             "reason": "spam"}, token=member().token)
    assert answer.status == 404


def test_a_taken_down_comment_is_its_authors_alone(db, member, make_video, take_down,
                                                   comment_api):
    owner, author, other = member(), member(), member()
    video = make_video(owner)

    def post(text, parent=None, who=author):
        body = {"text": text} | ({"parentId": parent} if parent else {})
        answer = comment_api.post(f"/comment/{video}", body, token=who.token)
        assert answer.status == 201, answer.body
        return answer.json["comment"]["id"]

    alone = post("buy pills")
    thread = post("flame war")
    post("a reply", parent=thread, who=other)
    fine = post("lovely")
    take_down("comment", alone, "spam")
    take_down("comment", thread, "harassment")

    def listed(who):
        answer = comment_api.get(f"/comment/{video}", token=who.token if who else None)
        assert answer.status == 200, answer.body
        return {c["id"]: c for c in answer.json["items"]}

    mine = listed(author)
    assert set(mine) == {alone, thread, fine}
    assert mine[alone]["moderation"] == {"status": "taken_down", "reason": "spam"}
    assert mine[alone]["text"] == "buy pills"
    assert "moderation" not in mine[fine]
    for who in (other, owner, None):
        seen = listed(who)
        # Gone; the thread with a reply stays as a placeholder, as a deleted comment does.
        assert set(seen) == {thread, fine}
        assert seen[thread]["text"] == "" and seen[thread]["author"] is None
        assert seen[thread]["deleted"] is True and "moderation" not in seen[thread]
        replies = comment_api.get(f"/comment/{video}", query={"parentId": thread})
        assert [r["text"] for r in replies.json["items"]] == ["a reply"]


def test_a_pinned_comment_taken_down_is_unpinned(db, member, make_video, take_down,
                                                 comment_api, video_api):
    owner, author = member(), member()
    video = make_video(owner)
    said = comment_api.post(f"/comment/{video}", {"text": "pin me"}, token=author.token)
    comment_id = said.json["comment"]["id"]
    db.videos.update_one({"_id": video}, {"$set": {"pinnedCommentId": ObjectId(comment_id)}})
    take_down("comment", comment_id)
    assert db.videos.find_one({"_id": video})["pinnedCommentId"] is None
    assert comment_api.get(f"/comment/{video}").json["items"] == []
