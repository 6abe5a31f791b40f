"""Progressive publishing and seek-bar previews in the API (docs/API.md, "Media"): a video is
PUBLIC with its lowest rung, `renditions` grows, `pendingRenditions` lists what is still
encoding, and `storyboardUrl` sits beside `hlsUrl`, for exactly those who may play it. Every
answer also fits the documented shape (tuber_common/response_models.py, tuber_video/
response_models.py)."""
from __future__ import annotations

from tuber_common.response_models import VideoPage, VideoResponse
from tuber_video.response_models import PlaybackResponse
from tuber_common.ids import parse_video_id

LOW = {"name": "160p", "width": 284, "height": 160, "bandwidth": 180_000,
       "averageBandwidth": 150_000, "codecs": "avc1.42c00c,mp4a.40.2", "frameRate": 25.0}
HIGH = {"name": "360p", "width": 640, "height": 360, "bandwidth": 900_000,
        "averageBandwidth": 700_000, "codecs": "avc1.4d401e,mp4a.40.2", "frameRate": 25.0}


def progressive(db, published_video, owner, visibility="public") -> str:
    """A published video with its lowest rung only, the next one encoding, a storyboard."""
    video_id = published_video(owner, visibility=visibility)
    db.videos.update_one({"_id": parse_video_id(video_id)}, {"$set": {
        "renditions": [LOW], "pendingRenditions": ["360p"], "progressPercent": 55,
        "storyboardKey": f"hls/{video_id}/storyboard.vtt"}})
    return video_id


def media(video_id: str, name: str) -> str:
    from tuber_common.media_signing import media_base_url

    return f"{media_base_url()}/hls/{video_id}/{name}"


def test_a_video_plays_with_its_lowest_rung_and_says_what_is_still_encoding(
        video_api, member, db, published_video):
    owner, viewer = member(), member()
    video_id = progressive(db, published_video, owner)

    answer = video_api.get(f"/video/{video_id}", token=viewer.token)
    assert answer.status == 200 and len(answer.cookies) == 3  # may play it: cookies
    video = VideoResponse.model_validate(answer.json).video.model_dump()
    assert video["status"] == "PUBLIC" and video["hlsUrl"] == media(video_id, "master.m3u8")
    assert video["storyboardUrl"] == media(video_id, "storyboard.vtt")
    assert [r["name"] for r in video["renditions"]] == ["160p"]
    assert answer.json["video"]["renditions"][0] == LOW
    assert video["pendingRenditions"] == ["360p"]
    assert video["progressPercent"] == 55  # still rising across the rungs

    refreshed = video_api.post(f"/video/{video_id}/playback", token=viewer.token)
    assert refreshed.status == 200
    PlaybackResponse.model_validate(refreshed.json)
    assert refreshed.json["storyboardUrl"] == media(video_id, "storyboard.vtt")

    # The next rung finishes: renditions grows, nothing is pending, progress is complete.
    db.videos.update_one({"_id": parse_video_id(video_id)}, {
        "$push": {"renditions": HIGH}, "$set": {"pendingRenditions": [],
                                                "progressPercent": 100}})
    video = video_api.get(f"/video/{video_id}").json["video"]
    assert [r["name"] for r in video["renditions"]] == ["160p", "360p"]
    assert video["pendingRenditions"] == [] and video["progressPercent"] == 100

    # Lists carry the same shape.
    feed = video_api.get("/video")
    item = next(v for v in VideoPage.model_validate(feed.json).model_dump()["items"]
                if v["id"] == video_id)
    assert item["storyboardUrl"] == video["storyboardUrl"]


def test_older_videos_have_no_storyboard_and_nothing_pending(video_api, member,
                                                             published_video):
    video_id = published_video(member())
    video = video_api.get(f"/video/{video_id}").json["video"]
    assert video["storyboardUrl"] is None and video["pendingRenditions"] == []
    assert video["progressPercent"] == 100
    playback = video_api.post(f"/video/{video_id}/playback").json
    assert playback["storyboardUrl"] is None
    PlaybackResponse.model_validate(playback)


def test_the_storyboard_goes_only_to_viewers_who_may_play(video_api, member, db,
                                                          published_video, new_video):
    owner, stranger = member(), member()
    private = progressive(db, published_video, owner, visibility="private")
    assert video_api.get(f"/video/{private}", token=stranger.token).status == 404
    assert video_api.post(f"/video/{private}/playback", token=stranger.token).status == 404
    assert video_api.get(f"/video/{private}", token=owner.token).json["video"][
        "storyboardUrl"] == media(private, "storyboard.vtt")

    # Not PUBLIC yet: no hlsUrl, no storyboardUrl, for anyone (as for hlsUrl).
    video_id = new_video(owner, "Still processing", "public")["video"]["id"]
    db.videos.update_one({"_id": parse_video_id(video_id)}, {"$set": {
        "status": "PROCESSING", "pendingRenditions": ["160p", "360p"],
        "storyboardKey": f"hls/{video_id}/storyboard.vtt"}})
    video = video_api.get(f"/video/{video_id}", token=owner.token).json["video"]
    assert video["hlsUrl"] is None and video["storyboardUrl"] is None
    assert video["pendingRenditions"] == ["160p", "360p"]
    # A failed video lists nothing pending, whatever its document kept.
    db.videos.update_one({"_id": parse_video_id(video_id)}, {"$set": {"status": "FAILED"}})
    assert video_api.get(f"/video/{video_id}", token=owner.token).json["video"][
        "pendingRenditions"] == []
