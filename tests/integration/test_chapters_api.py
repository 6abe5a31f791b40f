"""Chapters on the video answer (GET /video/{videoId} and every answer of one video), read
from the description as it is now and the video's length."""
from __future__ import annotations

from tuber_common import publishing
from tuber_common.ids import parse_video_id

DESCRIPTION = "A tour.\n\n0:00 Intro\n0:45 The kitchen\n1:30 The garden\n9:00 Bloopers\n"


def _publish(db, video_id: str, duration: float) -> None:
    assert publishing.publish(
        db, parse_video_id(video_id), hls_key=f"hls/{video_id}/master.m3u8",
        renditions=[{"name": "240p", "width": 426, "height": 240}],
        thumbnail_key=f"hls/{video_id}/thumb.jpg", duration_seconds=duration)


def test_the_video_answers_its_chapters_up_to_its_end(video_api, member, db):
    alice = member("alice")
    created = video_api.post("/video", {"title": "House tour", "description": DESCRIPTION,
                                        "contentType": "video/mp4", "sizeBytes": 10},
                             token=alice.token)
    video_id = created.json["video"]["id"]
    # Before transcoding its length is unknown: every chapter.
    assert [c["startSeconds"] for c in created.json["video"]["chapters"]] == [0, 45, 90, 540]
    _publish(db, video_id, duration=120.0)
    video = video_api.get(f"/video/{video_id}").json["video"]
    assert video["chapters"] == [{"startSeconds": 0, "title": "Intro"},
                                 {"startSeconds": 45, "title": "The kitchen"},
                                 {"startSeconds": 90, "title": "The garden"}]


def test_editing_the_description_changes_the_chapters(video_api, member, db):
    alice = member("alice")
    video_id = video_api.post("/video", {"title": "Tour", "description": DESCRIPTION,
                                         "contentType": "video/mp4", "sizeBytes": 10},
                              token=alice.token).json["video"]["id"]
    _publish(db, video_id, duration=600.0)
    edited = video_api.patch(f"/video/{video_id}",
                             {"description": "0:00 Start\n5:00 End"}, token=alice.token)
    assert edited.json["video"]["chapters"] == [{"startSeconds": 0, "title": "Start"},
                                                {"startSeconds": 300, "title": "End"}]
    # A list that breaks a rule (here: not in order) is no list.
    broken = video_api.patch(f"/video/{video_id}",
                             {"description": "0:00 Start\n5:00 End\n4:00 Oops"},
                             token=alice.token)
    assert broken.json["video"]["chapters"] == []
    assert video_api.get(f"/video/{video_id}").json["video"]["chapters"] == []


def test_a_video_without_timestamps_has_no_chapters(video_api, member, published_video):
    video_id = published_video(member())
    assert video_api.get(f"/video/{video_id}").json["video"]["chapters"] == []
