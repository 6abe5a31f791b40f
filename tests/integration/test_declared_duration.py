"""POST /video with the length the client read from the file (issue 15 item 4): above
TRANSCODE_MAX_DURATION_SECONDS it is refused before anything is signed, stored or counted;
otherwise it is kept on the video as declaredDurationSeconds."""
from __future__ import annotations

import pytest

from tuber_common.ids import parse_video_id

BODY = {"title": "A long one", "contentType": "video/mp4", "sizeBytes": 1000}


@pytest.fixture
def max_duration(monkeypatch, settings_env):
    from tuber_common.settings import get_settings

    monkeypatch.setenv("TRANSCODE_MAX_DURATION_SECONDS", "3600")
    get_settings.cache_clear()
    yield 3600
    get_settings.cache_clear()


def test_a_declared_duration_within_the_limit_is_stored(video_api, member, db, max_duration):
    for seconds in (12.345, 3600):
        answer = video_api.post("/video", {**BODY, "durationSeconds": seconds},
                                token=member().token)
        assert answer.status == 201, answer.body
        doc = db.videos.find_one({"_id": parse_video_id(answer.json["video"]["id"])})
        assert doc["declaredDurationSeconds"] == seconds
        assert doc["durationSeconds"] is None  # the transcoder's measure, later


def test_without_a_declared_duration_nothing_changes(video_api, member, db, max_duration):
    answer = video_api.post("/video", BODY, token=member().token)
    assert answer.status == 201, answer.body
    doc = db.videos.find_one({"_id": parse_video_id(answer.json["video"]["id"])})
    assert doc["declaredDurationSeconds"] is None


def test_a_declared_duration_over_the_limit_is_refused_before_anything_happens(
        video_api, member, db, max_duration):
    owner = member()
    answer = video_api.post("/video", {**BODY, "durationSeconds": 3600.5}, token=owner.token)
    assert (answer.status, answer.error_code) == (422, "video_too_long"), answer.body
    assert answer.json["error"]["details"] == {"maxDurationSeconds": 3600,
                                               "durationSeconds": 3600.5}
    assert db.videos.count_documents({}) == 0
    # No daily upload slot was taken either.
    quota = video_api.get("/video/quota", token=owner.token).json["quota"]
    assert quota["videosPerDay"]["used"] == 0


def test_the_default_limit_is_four_hours(video_api, member, db, settings_env):
    from tuber_common.settings import get_settings

    get_settings.cache_clear()
    token = member().token
    assert video_api.post("/video", {**BODY, "durationSeconds": 4 * 3600},
                          token=token).status == 201
    assert video_api.post("/video", {**BODY, "durationSeconds": 4 * 3600 + 1},
                          token=token).error_code == "video_too_long"


@pytest.mark.parametrize("value", [0, -1, "an hour", None, [60], {"s": 60}, 1e400])
def test_a_declared_duration_must_be_a_positive_number(video_api, member, db, value):
    body = {**BODY, "durationSeconds": value}
    answer = video_api.post("/video", body, token=member().token)
    if value is None:  # the same as leaving it out
        assert answer.status == 201, answer.body
        return
    assert answer.status in (400, 422), answer.body
    assert db.videos.count_documents({}) == 0
