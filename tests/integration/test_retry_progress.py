"""Processing progress from a real ffmpeg transcode, and retrying a FAILED video through the
same S3 event path an upload takes."""
from __future__ import annotations

import os

import pytest

from tests.support import media
from tuber_common.ids import parse_video_id

pytestmark = pytest.mark.slow


def _master_event(video_id: str) -> dict:
    from tuber_common.settings import get_settings

    return {"Records": [{"s3": {"bucket": {"name": get_settings().media_bucket},
                                "object": {"key": f"hls/{video_id}/master.m3u8"}}}]}


def test_progress_rises_monotonically_to_100(tmp_path, member, new_video, run_transcode, db,
                                             video_api, monkeypatch):
    from tuber_common.settings import get_settings
    from tuber_transcode import progress

    monkeypatch.setenv("PROGRESS_INTERVAL_SECONDS", "0")
    get_settings.cache_clear()
    written: list[tuple[int, int | None]] = []
    real_writer = progress.database_writer

    def recording_writer(database, video_id):
        write = real_writer(database, video_id)

        def _write(percent):
            write(percent)
            stored = database.videos.find_one({"_id": video_id})["progressPercent"]
            written.append((percent, stored))
        return _write
    monkeypatch.setattr(progress, "database_writer", recording_writer)

    clip = media.make_clip(str(tmp_path / "six.mp4"), 640, 360, seconds=6)
    owner = member()
    video_id = new_video(owner, size=os.path.getsize(clip))["video"]["id"]
    assert run_transcode(video_id, clip)["results"] == ["transcoded"]

    percents = [p for p, _ in written]
    assert len(percents) >= 3, percents
    assert percents == sorted(set(percents)) and percents[-1] == 100
    assert all(p == stored for p, stored in written)  # each write landed as written
    video = video_api.get(f"/video/{video_id}", token=owner.token).json["video"]
    assert (video["status"], video["progressPercent"]) == ("PROCESSING", 100)


def test_progress_writes_are_throttled_and_never_go_down():
    from tuber_transcode.progress import Reporter, parse_out_time

    now = [0.0]
    writes: list[int] = []
    reporter = Reporter(writes.append, 10.0, interval_seconds=3, clock=lambda: now[0])
    for second, encoded in ((0, 0.5), (1, 2.0), (2, 3.0), (3.5, 4.0), (4, 3.0), (7, 2.0),
                            (8, 9.99), (9, 12.0)):
        now[0] = second
        reporter.encoded(encoded)
    reporter.finished()
    assert writes == [5, 40, 99, 100]
    assert parse_out_time("out_time_us=1500000") == 1.5
    assert parse_out_time("out_time_ms=2000000") == 2.0  # microseconds, despite its name
    assert parse_out_time("out_time_us=N/A") is None and parse_out_time("frame=3") is None


def test_a_failed_video_retried_with_a_good_raw_ends_public(
        tmp_path, member, new_video, run_transcode, raw_events, transcode_event,
        run_on_transcoded, video_api, s3, db):
    from tuber_common.settings import get_settings

    bucket = get_settings().media_bucket
    owner, stranger = member(), member()
    good = media.make_clip(str(tmp_path / "good.mp4"), 320, 240, seconds=2)
    video_id = new_video(owner, size=os.path.getsize(good) + 100_000)["video"]["id"]
    # Given a corrupt upload: FAILED, its reason visible, its raw kept
    assert run_transcode(video_id, media.make_corrupt(str(tmp_path / "bad.mp4")))[
        "results"] == ["failed"]
    failed = video_api.get(f"/video/{video_id}", token=owner.token).json["video"]
    assert failed["status"] == "FAILED" and failed["failureReason"]
    # ...whose raw is then replaced with a good file (e.g. by an operator)
    s3.upload_file(good, bucket, f"raw/{video_id}/source")
    raw_events()  # that write's own event is not what this test is about

    assert video_api.post(f"/video/{video_id}/retry", token=stranger.token).status == 403
    assert video_api.get(f"/video/{video_id}", token=owner.token).json["video"][
        "failureReason"] == failed["failureReason"]

    # When the owner retries
    retried = video_api.post(f"/video/{video_id}/retry", token=owner.token)
    assert retried.status == 200, retried.body
    assert retried.json["video"]["status"] == "PROCESSING"
    assert retried.json["video"]["failureReason"] is None
    again = video_api.post(f"/video/{video_id}/retry", token=owner.token)
    assert again.status == 409 and again.error_code == "video_not_failed"

    # Then the copy onto itself is an ObjectCreated event that runs the transcode again
    events = raw_events()
    assert [e["Records"][0]["eventName"] for e in events] == ["ObjectCreated:Copy"]
    assert transcode_event(events[0])["results"] == ["transcoded"]
    assert run_on_transcoded(_master_event(video_id))["results"] == ["published"]
    video = video_api.get(f"/video/{video_id}").json["video"]
    assert video["status"] == "PUBLIC" and video["hlsUrl"] and video["progressPercent"] == 100
    assert db.videos.find_one({"_id": parse_video_id(video_id)})["retryCount"] == 1


def test_retry_needs_the_raw_upload(tmp_path, member, new_video, run_transcode, video_api,
                                    s3):
    from tuber_common.settings import get_settings

    owner = member()
    video_id = new_video(owner, size=200_000)["video"]["id"]
    run_transcode(video_id, media.make_corrupt(str(tmp_path / "bad.mp4")))
    s3.delete_object(Bucket=get_settings().media_bucket, Key=f"raw/{video_id}/source")
    answer = video_api.post(f"/video/{video_id}/retry", token=owner.token)
    assert answer.status == 409 and answer.error_code == "raw_upload_missing"
    assert video_api.get(f"/video/{video_id}", token=owner.token).json["video"]["status"] == \
        "FAILED"
