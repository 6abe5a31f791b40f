"""Chapters on the video answer (GET /video/{videoId} and every answer of one video), read
from the description as it is now and the video's length."""
from __future__ import annotations

# published_video lasts 2 seconds.
DESCRIPTION = "A tour.\n\n0:00 Intro\n0:01 The kitchen\n0:02 At the very end\n9:00 Bloopers\n"


def test_a_new_video_answers_every_chapter_until_its_length_is_known(video_api, member):
    created = video_api.post("/video", {"title": "House tour", "description": DESCRIPTION,
                                        "contentType": "video/mp4", "sizeBytes": 10},
                             token=member().token)
    assert [c["startSeconds"] for c in created.json["video"]["chapters"]] == [0, 1, 2, 540]


def test_the_video_answers_its_chapters_up_to_its_end(video_api, member, published_video):
    alice = member("alice")
    video_id = published_video(alice)
    edited = video_api.patch(f"/video/{video_id}", {"description": DESCRIPTION},
                             token=alice.token)
    expected = [{"startSeconds": 0, "title": "Intro"},
                {"startSeconds": 1, "title": "The kitchen"}]
    assert edited.json["video"]["chapters"] == expected
    assert video_api.get(f"/video/{video_id}").json["video"]["chapters"] == expected
    # Lists carry no chapters.
    assert "chapters" not in video_api.get("/video").json["items"][0]


def test_editing_the_description_changes_the_chapters(video_api, member, published_video):
    alice = member("alice")
    video_id = published_video(alice)
    edited = video_api.patch(f"/video/{video_id}",
                             {"description": "0:00 Start\n0:01 End"}, token=alice.token)
    assert edited.json["video"]["chapters"] == [{"startSeconds": 0, "title": "Start"},
                                                {"startSeconds": 1, "title": "End"}]
    # A list that breaks a rule (here: not in order) is no list.
    broken = video_api.patch(f"/video/{video_id}",
                             {"description": "0:00 Start\n0:01 End\n0:00 Oops"},
                             token=alice.token)
    assert broken.json["video"]["chapters"] == []
    assert video_api.get(f"/video/{video_id}").json["video"]["chapters"] == []


def test_a_video_without_timestamps_has_no_chapters(video_api, member, published_video):
    video_id = published_video(member())
    assert video_api.get(f"/video/{video_id}").json["video"]["chapters"] == []
