"""The real transcode function (ffmpeg) on generated clips, against moto S3, then
on_transcoded publishing the result."""
from __future__ import annotations

import os
import re

import pytest
from bson import ObjectId

from tests.support import media
from tests.support.video_fixtures import s3_event
from tuber_common.ids import parse_video_id

pytestmark = pytest.mark.slow


def _keys(s3, bucket, prefix):
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix)
                  .get("Contents", []))


def _download(s3, bucket, key, tmp_path):
    path = tmp_path / key.replace("/", "_")
    s3.download_file(bucket, key, str(path))
    return str(path)


def _transcode_and_publish(tmp_path, member, new_video, run_transcode, run_on_transcoded, db,
                           clip, key=None):
    owner = member()
    video = new_video(owner, "clip", size=os.path.getsize(clip))["video"]
    answer = run_transcode(video["id"], clip, key)
    assert answer["results"] == ["transcoded"]
    assert db.videos.find_one({"_id": parse_video_id(video["id"])})["status"] == "PUBLIC"
    return owner, video["id"]


def _playlist_uris(s3, bucket, key):
    text = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    return text, [line for line in text.splitlines() if line and not line.startswith("#")]


def _check_ladder(s3, bucket, video_id, tmp_path, expected_sizes, has_audio):
    """Video rungs of the expected sizes, video only; the audio its own rendition group (and
    an audio-only variant); an I-frame playlist per rung with one keyframe per segment."""
    master = s3.get_object(Bucket=bucket, Key=f"hls/{video_id}/master.m3u8")["Body"].read()
    lines = master.decode().splitlines()
    assert lines[0] == "#EXTM3U"
    infs = [(line, lines[i + 1]) for i, line in enumerate(lines)
            if line.startswith("#EXT-X-STREAM-INF:") and "RESOLUTION=" in line]
    assert [re.search(r"RESOLUTION=(\d+x\d+)", inf).group(1) for inf, _ in infs] == \
        [f"{w}x{h}" for w, h in expected_sizes]
    iframes = {re.search(r'URI="([^"]+)"', line).group(1): line for line in lines
               if line.startswith("#EXT-X-I-FRAME-STREAM-INF:")}
    for (inf, uri), (width, height) in zip(infs, expected_sizes):
        assert re.search(r"BANDWIDTH=\d+", inf)
        codecs = re.search(r'CODECS="([^"]+)"', inf).group(1).split(",")
        assert codecs[0].startswith("avc1.")
        assert ("mp4a.40.2" in codecs) == has_audio
        assert ('AUDIO="audio"' in inf) == has_audio
        _, segments = _playlist_uris(s3, bucket, f"hls/{video_id}/{uri}")
        assert len(segments) >= 2  # 2 s clip, 1 s segments
        folder = uri.rsplit("/", 1)[0]
        for segment in segments:
            path = _download(s3, bucket, f"hls/{video_id}/{folder}/{segment}", tmp_path)
            assert media.video_size(path) == (width, height)
            assert {s["codec_type"] for s in media.probe(path)["streams"]} == {"video"}
        iframe_text, iframe_segments = _playlist_uris(
            s3, bucket, f"hls/{video_id}/{folder}/iframes.m3u8")
        assert f"{folder}/iframes.m3u8" in iframes
        assert "#EXT-X-I-FRAMES-ONLY" in iframe_text
        assert iframe_segments == segments  # one keyframe at the start of every segment
    audio_media = [line for line in lines if line.startswith("#EXT-X-MEDIA:TYPE=AUDIO")]
    assert len(audio_media) == (1 if has_audio else 0)
    if has_audio:
        assert 'URI="audio/index.m3u8"' in audio_media[0]
        audio_only = [(line, lines[i + 1]) for i, line in enumerate(lines)
                      if line.startswith("#EXT-X-STREAM-INF:") and "RESOLUTION=" not in line]
        assert [uri for _, uri in audio_only] == ["audio/index.m3u8"]
        assert 'CODECS="mp4a.40.2"' in audio_only[0][0]
        _, segments = _playlist_uris(s3, bucket, f"hls/{video_id}/audio/index.m3u8")
        path = _download(s3, bucket, f"hls/{video_id}/audio/{segments[0]}", tmp_path)
        assert {s["codec_type"] for s in media.probe(path)["streams"]} == {"audio"}


def test_landscape_clip_with_audio_becomes_public_with_a_full_ladder(
        tmp_path, member, new_video, run_transcode, run_on_transcoded, db, s3, video_api):
    from tuber_common.settings import get_settings

    bucket = get_settings().media_bucket
    clip = media.make_clip(str(tmp_path / "landscape.mp4"), 1280, 720, seconds=2)
    owner, video_id = _transcode_and_publish(tmp_path, member, new_video, run_transcode,
                                             run_on_transcoded, db, clip)

    _check_ladder(s3, bucket, video_id, tmp_path,
                  [(426, 240), (640, 360), (854, 480), (1280, 720)], has_audio=True)
    keys = _keys(s3, bucket, f"hls/{video_id}/")
    assert f"hls/{video_id}/thumb.jpg" in keys
    assert media.video_size(_download(s3, bucket, f"hls/{video_id}/thumb.jpg", tmp_path)) \
        == (640, 360)

    video = video_api.get(f"/video/{video_id}").json["video"]
    assert video["status"] == "PUBLIC"
    assert video["hlsUrl"].endswith(f"/hls/{video_id}/master.m3u8")
    assert video["thumbnailUrl"].split("?")[0].endswith(f"/hls/{video_id}/thumb.jpg")
    assert video["durationSeconds"] == pytest.approx(2.0, abs=0.2)
    assert [(r["width"], r["height"]) for r in video["renditions"]] == \
        [(426, 240), (640, 360), (854, 480), (1280, 720)]
    assert all(r["bandwidth"] > 0 and r["codecs"] for r in video["renditions"])
    assert video["publishedAt"] is not None
    assert [v["id"] for v in video_api.get("/video").json["items"]] == [video_id]
    assert video["pendingRenditions"] == []
    assert video["progressPercent"] == 100
    # Operators see what the transcode cost.
    assert db.videos.find_one({"_id": parse_video_id(video_id)})["transcode"]["encodeSeconds"] > 0


def test_portrait_clip_keeps_its_orientation_and_is_never_upscaled(
        tmp_path, member, new_video, run_transcode, run_on_transcoded, db, s3):
    from tuber_common.settings import get_settings

    clip = media.make_clip(str(tmp_path / "portrait.mp4"), 360, 640, seconds=2)
    _, video_id = _transcode_and_publish(tmp_path, member, new_video, run_transcode,
                                         run_on_transcoded, db, clip)
    _check_ladder(s3, get_settings().media_bucket, video_id, tmp_path,
                  [(240, 426), (360, 640)], has_audio=True)


def test_clip_without_audio_still_works(tmp_path, member, new_video, run_transcode,
                                        run_on_transcoded, db, s3):
    from tuber_common.settings import get_settings

    clip = media.make_clip(str(tmp_path / "silent.mp4"), 426, 240, seconds=2, audio=False)
    _, video_id = _transcode_and_publish(tmp_path, member, new_video, run_transcode,
                                         run_on_transcoded, db, clip)
    _check_ladder(s3, get_settings().media_bucket, video_id, tmp_path, [(426, 240)],
                  has_audio=False)


def test_url_encoded_keys_are_decoded(tmp_path, member, new_video, run_transcode,
                                      run_on_transcoded, db):
    clip = media.make_clip(str(tmp_path / "small.mp4"), 320, 240, seconds=1, audio=False)
    owner = member()
    video_id = new_video(owner, size=os.path.getsize(clip))["video"]["id"]
    # S3 sends "raw/<id>/my+clip+%2B+%C3%BCber.mp4" for this key.
    answer = run_transcode(video_id, clip, key=f"raw/{video_id}/my clip + über.mp4")
    assert answer["results"] == ["transcoded"]
    assert db.videos.find_one({"_id": parse_video_id(video_id)})["rawKey"] == \
        f"raw/{video_id}/my clip + über.mp4"


def test_corrupt_upload_ends_failed_with_a_reason(tmp_path, member, new_video, run_transcode,
                                                  db, s3):
    from tuber_common.settings import get_settings

    junk = media.make_corrupt(str(tmp_path / "junk.mp4"))
    video_id = new_video(member(), size=os.path.getsize(junk))["video"]["id"]
    assert run_transcode(video_id, junk)["results"] == ["failed"]
    doc = db.videos.find_one({"_id": parse_video_id(video_id)})
    assert doc["status"] == "FAILED"
    assert "not a video" in doc["failureReason"]
    assert _keys(s3, get_settings().media_bucket, f"hls/{video_id}/") == []


def test_text_file_upload_ends_failed(tmp_path, member, new_video, run_transcode, db):
    text = tmp_path / "notes.txt"
    text.write_text("this is not a video\n" * 100)
    video_id = new_video(member(), size=text.stat().st_size)["video"]["id"]
    assert run_transcode(video_id, str(text))["results"] == ["failed"]
    assert db.videos.find_one({"_id": parse_video_id(video_id)})["status"] == "FAILED"


def test_upload_larger_than_declared_ends_failed_and_is_removed(tmp_path, member, new_video,
                                                                run_transcode, db, s3):
    from tuber_common.settings import get_settings

    clip = media.make_clip(str(tmp_path / "big.mp4"), 320, 240, seconds=1, audio=False)
    video_id = new_video(member(), size=100)["video"]["id"]  # declared far smaller
    assert run_transcode(video_id, clip)["results"] == ["failed"]
    doc = db.videos.find_one({"_id": parse_video_id(video_id)})
    assert doc["status"] == "FAILED" and "larger than declared" in doc["failureReason"]
    assert _keys(s3, get_settings().media_bucket, f"raw/{video_id}/") == []


def test_events_for_unknown_deleted_or_claimed_videos_are_ignored(tmp_path, member, new_video,
                                                                  run_transcode, db):
    clip = media.make_clip(str(tmp_path / "c.mp4"), 320, 240, seconds=1, audio=False)
    assert run_transcode(str(ObjectId()), clip)["results"] == ["ignored"]
    assert run_transcode("not-an-id", clip)["results"] == ["ignored"]
    video_id = new_video(member(), size=os.path.getsize(clip))["video"]["id"]
    db.videos.update_one({"_id": parse_video_id(video_id)}, {"$set": {"status": "PROCESSING"}})
    # A duplicate delivery while another invocation works on it: left alone.
    assert run_transcode(video_id, clip)["results"] == ["ignored"]
    assert db.videos.find_one({"_id": parse_video_id(video_id)})["status"] == "PROCESSING"


def test_a_crash_inside_the_pipeline_still_ends_failed(tmp_path, member, new_video,
                                                       run_transcode, db, monkeypatch):
    from tuber_transcode import ffmpeg_backend

    def boom(*args, **kwargs):
        raise OSError("disk full")
    monkeypatch.setattr(ffmpeg_backend, "run", boom)
    clip = media.make_clip(str(tmp_path / "c.mp4"), 320, 240, seconds=1, audio=False)
    video_id = new_video(member(), size=os.path.getsize(clip))["video"]["id"]
    assert run_transcode(video_id, clip)["results"] == ["failed"]
    doc = db.videos.find_one({"_id": parse_video_id(video_id)})
    assert doc["status"] == "FAILED" and "disk full" not in doc["failureReason"]
    assert db.transcode_parts.count_documents({"videoId": doc["_id"]}) == 0


def test_temp_files_are_cleaned_up(tmp_path, member, new_video, run_transcode, db,
                                   monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setenv("TMPDIR", str(work))
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)
    clip = media.make_clip(str(tmp_path / "c.mp4"), 320, 240, seconds=1, audio=False)
    video_id = new_video(member(), size=os.path.getsize(clip))["video"]["id"]
    assert run_transcode(video_id, clip)["results"] == ["transcoded"]
    assert list(work.iterdir()) == []
