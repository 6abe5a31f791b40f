"""Processing progress from a real ffmpeg transcode in parts, and retrying a FAILED video
through the same S3 event path an upload takes."""
from __future__ import annotations

import os

import pytest

from tests.support import media
from tuber_common.ids import parse_video_id

pytestmark = pytest.mark.slow


@pytest.fixture
def short_chunks(monkeypatch, fast_transcode):
    """Chunks of 4 s (the least allowed): a clip of a few seconds has several parts a rung."""
    from tuber_common.settings import get_settings

    monkeypatch.setenv("TRANSCODE_CHUNK_SECONDS", "4")
    monkeypatch.delenv("TRANSCODE_CHUNK_FUNCTION", raising=False)
    get_settings.cache_clear()


def test_progress_rises_monotonically_to_100(tmp_path, member, new_video, run_transcode, db,
                                             video_api, monkeypatch, short_chunks):
    from tuber_common import publishing
    from tuber_transcode import assembly

    # Every progress the parts write, with the status at that moment (each finished part
    # advances it; the last rung in makes it 100).
    seen: list[tuple[int, str]] = []

    def recording(real):
        def _call(database, video_id, *args, **kwargs):
            result = real(database, video_id, *args, **kwargs)
            doc = database.videos.find_one({"_id": video_id})
            seen.append((doc["progressPercent"], doc["status"]))
            return result
        return _call
    monkeypatch.setattr(assembly, "record_part", recording(assembly.record_part))
    monkeypatch.setattr(publishing, "finish_encoding", recording(publishing.finish_encoding))

    clip = media.make_clip(str(tmp_path / "six.mp4"), 640, 360, seconds=6)
    owner = member()
    video_id = new_video(owner, size=os.path.getsize(clip))["video"]["id"]
    assert run_transcode(video_id, clip)["results"] == ["transcoded"]

    # Audio once, then 240p and 360p in two chunks each: five parts, five steps up.
    transcode = db.videos.find_one({"_id": parse_video_id(video_id)})["transcode"]
    assert len(transcode["chunks"]) == 2 and [r["name"] for r in transcode["rungs"]] == [
        "240p", "360p"]
    percents = [p for p, _ in seen]
    assert len(set(percents)) >= 5, seen
    assert percents == sorted(percents) and percents[-1] == 100, seen
    assert all(p < 100 for p in percents[:percents.index(100)]), seen
    # Playable before complete: PUBLIC while progress was still rising.
    assert any(status == "PUBLIC" and p < 100 for p, status in seen), seen
    video = video_api.get(f"/video/{video_id}", token=owner.token).json["video"]
    assert (video["status"], video["progressPercent"], video["pendingRenditions"]) == (
        "PUBLIC", 100, [])


def test_progress_counts_each_part_once_in_any_order_and_never_goes_down(
        db, s3, member, new_video, transcode_runs):
    from tuber_common import publishing

    video_id = new_video(member())["video"]["id"]
    key = parse_video_id(video_id)
    db.videos.update_one({"_id": key}, {"$set": {"status": "PROCESSING"}})
    run = transcode_runs.start(video_id, seconds=8.0)  # audio; 240p, 360p in two chunks

    def progress() -> int:
        return db.videos.find_one({"_id": key})["progressPercent"]

    steps = []
    # Parts finish in any order (parallel invocations); a retried part counts once.
    for track, index in (("360p", 1), ("240p", 1), ("360p", 1), ("audio", 0), ("240p", 1),
                         ("360p", 0), ("240p", 0)):
        transcode_runs.part(video_id, run, track, index)
        steps.append(progress())
    assert steps == sorted(steps) and steps[0] > 0, steps
    assert steps[2] == steps[1] and steps[4] == steps[3], steps  # the repeats added nothing
    # Every part in, but nothing assembled yet: not done until every rung is published.
    assert steps[-1] == publishing.ENCODING_CEILING
    # A part of an earlier run (the video was retried since) counts for nothing.
    newer = transcode_runs.start(video_id, seconds=8.0)
    assert progress() == 0
    assert transcode_runs.part(video_id, run, "240p", 0) is None
    assert progress() == 0
    # The new run: each track assembled as it finishes; PUBLIC with its lowest rung while
    # progress still rises, 100 with the last rung.
    after = []
    for track in ("audio", "240p", "360p"):
        transcode_runs.finish(video_id, newer, track)
        after.append((progress(), db.videos.find_one({"_id": key})["status"]))
    assert [p for p, _ in after] == sorted({p for p, _ in after}), after
    assert after[1][1] == "PUBLIC" and after[1][0] < 100 and after[2] == (100, "PUBLIC")


def test_a_failed_video_retried_with_a_good_raw_ends_public(
        tmp_path, member, new_video, run_transcode, raw_events, transcode_event,
        video_api, s3, db):
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
    # (its parts publish it themselves: no other event)
    assert transcode_event(events[0])["results"] == ["transcoded"]
    video = video_api.get(f"/video/{video_id}").json["video"]
    assert video["status"] == "PUBLIC" and video["hlsUrl"] and video["progressPercent"] == 100
    assert video["pendingRenditions"] == [] and video["failureReason"] is None
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
