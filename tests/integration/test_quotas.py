"""Per-user quotas: storage and videos per day, refused before any upload can start."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from bson import ObjectId


@pytest.fixture
def limits(monkeypatch, settings_env):
    from tuber_common.settings import get_settings

    def _set(storage: int = 0, per_day: int = 0) -> None:
        monkeypatch.setenv("QUOTA_STORAGE_BYTES", str(storage))
        monkeypatch.setenv("QUOTA_VIDEOS_PER_DAY", str(per_day))
        get_settings.cache_clear()
    yield _set
    get_settings.cache_clear()


def _create(video_api, user, size):
    return video_api.post("/video", {"title": "q", "contentType": "video/mp4",
                                     "sizeBytes": size}, token=user.token)


def test_storage_overrun_is_refused_before_anything_is_stored(video_api, member, limits, s3,
                                                              db):
    from tuber_common.settings import get_settings

    limits(storage=10_000)
    user = member()
    first = _create(video_api, user, 6_000)
    assert first.status == 201
    assert first.json["quota"]["storage"] == {"limitBytes": 10_000, "usedBytes": 6_000,
                                              "remainingBytes": 4_000}

    refused = _create(video_api, user, 5_000)

    assert refused.status == 413 and refused.error_code == "quota_exceeded"
    details = refused.json["error"]["details"]
    assert details["quota"] == "storage" and details["storage"]["remainingBytes"] == 4_000
    assert db.videos.count_documents({"ownerId": ObjectId(user.id)}) == 1
    assert s3.list_objects_v2(Bucket=get_settings().media_bucket).get("KeyCount") == 0
    # What remains still fits; another user has a quota of their own.
    assert _create(video_api, user, 4_000).status == 201
    assert _create(video_api, member(), 10_000).status == 201
    mine = video_api.get("/video/quota", token=user.token).json["quota"]
    assert mine["storage"]["remainingBytes"] == 0


def test_deleting_a_video_frees_its_storage(video_api, member, limits):
    limits(storage=10_000)
    user = member()
    video_id = _create(video_api, user, 10_000).json["video"]["id"]
    assert _create(video_api, user, 1).status == 413
    assert video_api.delete(f"/video/{video_id}", token=user.token).status == 204
    assert _create(video_api, user, 1).status == 201


def test_videos_per_day_is_429_with_retry_after(video_api, member, limits):
    limits(per_day=2)
    user = member()
    made = [_create(video_api, user, 10) for _ in range(2)]
    assert [a.status for a in made] == [201, 201]
    assert made[1].json["quota"]["videosPerDay"]["remaining"] == 0

    refused = _create(video_api, user, 10)

    assert refused.status == 429 and refused.error_code == "quota_exceeded"
    assert 0 < int(refused.headers["retry-after"]) <= 24 * 3600
    assert refused.json["error"]["details"]["quota"] == "videosPerDay"
    # A deleted video does not give its daily slot back.
    video_api.delete(f"/video/{made[0].json['video']['id']}", token=user.token)
    assert _create(video_api, user, 10).status == 429
    assert video_api.get("/video/quota", token=user.token).json["quota"]["videosPerDay"][
        "used"] == 2


def test_concurrent_creates_never_exceed_the_storage_quota(member, limits, db, s3):
    from tuber_common.errors import PayloadTooLarge
    from tuber_video.uploads import create_video

    limits(storage=5_000)
    user = member()

    def create(_):
        try:
            create_video(db, user.id, title="t", description="", visibility="public",
                         content_type="video/mp4", size_bytes=1_000)
            return True
        except PayloadTooLarge:
            return False

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(create, range(12)))
    stored = sum(d["sizeBytes"] for d in db.videos.find({"ownerId": ObjectId(user.id)}))
    assert stored <= 5_000 and stored == 1_000 * sum(results)


def test_a_lowered_quota_stops_a_resumable_upload_from_starting(video_api, member, limits,
                                                                new_video):
    limits(storage=10_000)
    user = member()
    video_id = new_video(user, size=8_000)["video"]["id"]
    limits(storage=5_000)
    answer = video_api.post(f"/video/{video_id}/upload/multipart", token=user.token)
    assert answer.status == 413 and answer.error_code == "quota_exceeded"


def test_quota_needs_a_user_and_zero_means_unlimited(video_api, member, limits):
    limits()
    assert video_api.get("/video/quota").status == 401
    quota = video_api.get("/video/quota", token=member().token).json["quota"]
    assert quota["storage"]["limitBytes"] is None and quota["videosPerDay"]["limit"] is None
