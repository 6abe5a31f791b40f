"""Transcoding in parts on one machine (no TRANSCODE_CHUNK_FUNCTION: every part in-process,
one after another), with chunks short enough that a clip of a few seconds has several: the
joined renditions decode as one seamless stream, the audio stays in sync, the ladder keeps
its promises (frame rate cap, a low first rung), the storyboard covers the video, and a part
that fails for good ends the video (or just its rung) cleanly."""
from __future__ import annotations

import json
import os
import re
import subprocess
from fractions import Fraction

import pytest

from tests.support import media
from tuber_common.ids import parse_video_id

pytestmark = pytest.mark.slow

CHUNK_SECONDS = 4   # the smallest the setting allows; segments are 1 s (fast_transcode)
SYNC_TOLERANCE = 0.020
# Flash + beep instants: inside the first chunk, exactly on the first chunk boundary, and
# inside the second chunk.
EVENTS = (2.5, 4.0, 6.5)


@pytest.fixture
def chunked(monkeypatch, fast_transcode):
    from tuber_common.settings import get_settings

    monkeypatch.setenv("TRANSCODE_CHUNK_SECONDS", str(CHUNK_SECONDS))
    monkeypatch.delenv("TRANSCODE_CHUNK_FUNCTION", raising=False)
    get_settings.cache_clear()
    assert get_settings().transcode_chunk_seconds == CHUNK_SECONDS
    assert not get_settings().transcode_chunk_function


# --- sources -------------------------------------------------------------------------------

def _ffmpeg(*args: str, timeout: int = 300) -> str:
    done = subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-y", *args],
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stderr


def make_sync_clip(path: str, *, seconds: float = 9.0, width: int = 640, height: int = 360,
                   fps: int = 24) -> str:
    """A moving test pattern with a white flash of 0.1 s at each of EVENTS, and silence with a
    1 kHz beep starting at the very same instants (H.264 + AAC in MP4, as phones make)."""
    enable = "+".join(f"between(t,{t},{t + 0.099})" for t in EVENTS)
    beep = "+".join(f"between(t,{t},{t + 0.1})" for t in EVENTS)
    _ffmpeg("-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate={fps}:duration={seconds}",
            "-f", "lavfi", "-i",
            f"aevalsrc='0.8*sin(2*PI*1000*t)*({beep})':s=48000:d={seconds}",
            "-vf", f"drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='{enable}'",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", str(fps),
            "-c:a", "aac", "-b:a", "128k", "-shortest", path)
    return path


# --- measuring -----------------------------------------------------------------------------

def _probe(*args: str) -> dict:
    done = subprocess.run(["ffprobe", "-v", "error", "-of", "json", *args],
                          capture_output=True, check=True, timeout=120)
    return json.loads(done.stdout)


def video_frames(path: str) -> list[dict]:
    """Decoded pictures in presentation order: [{t, key, type}]."""
    frames = _probe("-select_streams", "v:0", "-show_entries",
                    "frame=pts_time,best_effort_timestamp_time,key_frame,pict_type",
                    path)["frames"]
    return [{"t": float(f.get("pts_time") or f["best_effort_timestamp_time"]),
             "key": f["key_frame"] == 1, "type": f.get("pict_type")} for f in frames]


def count_frames(path: str) -> int:
    stream = _probe("-select_streams", "v:0", "-count_frames", "-show_entries",
                    "stream=nb_read_frames", path)["streams"][0]
    return int(stream["nb_read_frames"])


def audio_packets(path: str) -> list[tuple[int, int]]:
    """(pts, duration) of each audio packet, in the stream's time base."""
    packets = _probe("-select_streams", "a:0", "-show_entries", "packet=pts,duration",
                     path)["packets"]
    return [(int(p["pts"]), int(p["duration"])) for p in packets]


def flashes(path: str) -> list[float]:
    """Times (on the file's own clock) of the first picture of each white flash."""
    out = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostdin", "-copyts", "-i", path, "-an", "-vf",
         "signalstats,metadata=print:key=lavfi.signalstats.YAVG:file=-", "-f", "null", "-"],
        capture_output=True, text=True, timeout=300, check=True).stdout
    times, previous, t = [], 0.0, None
    for line in out.splitlines():
        if line.startswith("frame:"):
            t = float(re.search(r"pts_time:(\S+)", line).group(1))
        elif "YAVG=" in line:
            luma = float(line.split("=", 1)[1])
            if luma > 200 and previous <= 200:
                times.append(t)
            previous = luma
    return times


def beeps(path: str) -> list[float]:
    """Onsets (on the file's own clock) of each beep: where a silence ends and another
    begins later (not the end of the stream)."""
    err = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostdin", "-copyts", "-i", path, "-vn", "-af",
         "silencedetect=noise=-30dB:d=0.05", "-f", "null", "-"],
        capture_output=True, text=True, timeout=300, check=True).stderr
    marks = re.findall(r"silence_(start|end): (\S+)", err)
    return [float(t) for (kind, t), after in zip(marks, marks[1:] + [("", "")])
            if kind == "end" and after[0] == "start"]


# --- the stored video ----------------------------------------------------------------------

def _bucket() -> str:
    from tuber_common.settings import get_settings

    return get_settings().media_bucket


def _keys(s3, prefix: str) -> list[str]:
    keys, token = [], None
    while True:
        page = s3.list_objects_v2(Bucket=_bucket(), Prefix=prefix,
                                  **({"ContinuationToken": token} if token else {}))
        keys += [o["Key"] for o in page.get("Contents", [])]
        token = page.get("NextContinuationToken")
        if not token:
            return sorted(keys)


def download_hls(s3, video_id: str, folder) -> str:
    """Everything under hls/{id}/ into `folder`, as a player's cache would hold it."""
    prefix = f"hls/{video_id}/"
    for key in _keys(s3, prefix):
        path = os.path.join(folder, key[len(prefix):])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        s3.download_file(_bucket(), key, path)
    return str(folder)


def playlist_segments(path: str) -> list[tuple[float, str]]:
    """(EXTINF duration, uri) of a media playlist."""
    found, duration = [], None
    with open(path) as handle:
        for line in handle.read().splitlines():
            if line.startswith("#EXTINF:"):
                duration = float(line[len("#EXTINF:"):].split(",")[0])
            elif line and not line.startswith("#"):
                found.append((duration, line))
    return found


def joined(folder: str, track: str) -> str:
    """The track's segments joined in playlist order, as a player feeds them to its
    decoder (MPEG-TS segments concatenate)."""
    out = os.path.join(folder, f"{track}.ts")
    with open(out, "wb") as sink:
        for _, uri in playlist_segments(os.path.join(folder, track, "index.m3u8")):
            with open(os.path.join(folder, track, uri), "rb") as part:
                sink.write(part.read())
    return out


def transcode_clip(member, new_video, run_transcode, clip: str) -> str:
    video_id = new_video(member(), "clip", size=os.path.getsize(clip))["video"]["id"]
    assert run_transcode(video_id, clip)["results"] == ["transcoded"]
    return video_id


def video_doc(db, video_id: str) -> dict:
    return db.videos.find_one({"_id": parse_video_id(video_id)})


# --- tests ---------------------------------------------------------------------------------

def test_chunks_join_seamlessly_and_the_audio_stays_in_sync(
        tmp_path, chunked, member, new_video, run_transcode, db, s3, video_api):
    clip = make_sync_clip(str(tmp_path / "sync.mp4"))
    video_id = transcode_clip(member, new_video, run_transcode, clip)
    doc = video_doc(db, video_id)
    assert len(doc["transcode"]["chunks"]) == 3  # 9 s in chunks of 4 s
    folder = download_hls(s3, video_id, tmp_path / "hls")
    fps = Fraction(24)

    # Every rung: the source's frames, each once, in order, no gap; a keyframe at every
    # segment start, and segments on the 1 s grid.
    source_frames = count_frames(clip)
    assert source_frames == 216
    rungs = [r["name"] for r in doc["renditions"]]
    assert rungs == ["240p", "360p"]
    for rung in rungs:
        stream = joined(folder, rung)
        assert count_frames(stream) == source_frames
        assert count_frames(os.path.join(folder, rung, "index.m3u8")) == source_frames
        frames = video_frames(stream)
        times = [f["t"] for f in frames]
        steps = [b - a for a, b in zip(times, times[1:])]
        assert min(steps) > 0, "timestamps go back or repeat"
        assert max(steps) <= float(1 / fps) * 1.01, f"a gap of {max(steps):.4f} s"
        segments = playlist_segments(os.path.join(folder, rung, "index.m3u8"))
        assert len(segments) == 9
        starts = []
        for _duration, uri in segments:
            first = video_frames(os.path.join(folder, rung, uri))[0]
            assert first["key"] and first["type"] == "I", f"{rung}/{uri} starts without a keyframe"
            starts.append(first["t"])
        origin = starts[0]
        assert [round(s - origin, 3) for s in starts] == [float(i) for i in range(9)]
        assert sum(d for d, _ in segments) == pytest.approx(9.0, abs=0.05)

    # The audio: one continuous stream, every packet starting where the previous ended.
    audio = joined(folder, "audio")
    packets = audio_packets(audio)
    gaps = [b[0] - (a[0] + a[1]) for a, b in zip(packets, packets[1:])]
    assert max(abs(g) for g in gaps) <= 1, f"audio gaps (90 kHz ticks): {set(gaps)}"

    # In sync: each flash (video) against its beep (audio), on the rung's clock, as on the
    # source's.
    source_flashes, source_beeps = flashes(clip), beeps(clip)
    assert len(source_flashes) == len(source_beeps) == len(EVENTS)
    source_offsets = [f - b for f, b in zip(source_flashes, source_beeps)]
    out_beeps = beeps(audio)
    assert len(out_beeps) == len(EVENTS)
    for rung in rungs:
        out_flashes = flashes(joined(folder, rung))
        assert len(out_flashes) == len(EVENTS)
        offsets = [f - b for f, b in zip(out_flashes, out_beeps)]
        drift = [abs(o - s) for o, s in zip(offsets, source_offsets)]
        print(f"{rung}: flash-beep offsets {offsets} (source {source_offsets}), "
              f"drift {drift}")
        assert max(drift) <= SYNC_TOLERANCE
        # And where they belong on the timeline: the same distance from the first picture.
        first = video_frames(joined(folder, rung))[0]["t"]
        assert [round(f - first, 3) for f in out_flashes] == \
            [round(f - source_flashes[0] + EVENTS[0], 3) for f in source_flashes]


def test_frame_rate_over_60_keeps_every_other_frame_and_says_so(
        tmp_path, chunked, member, new_video, run_transcode, db, s3):
    clip = media.make_clip(str(tmp_path / "fast.mp4"), 320, 240, seconds=5, fps=120,
                           audio=False)
    assert count_frames(clip) == 600
    video_id = transcode_clip(member, new_video, run_transcode, clip)
    doc = video_doc(db, video_id)
    assert len(doc["transcode"]["chunks"]) == 2
    folder = download_hls(s3, video_id, tmp_path / "hls")
    master = open(os.path.join(folder, "master.m3u8")).read()
    rates = re.findall(r"FRAME-RATE=([\d.]+)", master)
    assert rates and set(rates) == {"60.000"}
    assert [r["frameRate"] for r in doc["renditions"]] == [60.0]
    stream = joined(folder, "240p")
    assert count_frames(stream) == 300  # half the source's, each kept once
    times = [f["t"] for f in video_frames(stream)]
    steps = {round(b - a, 4) for a, b in zip(times, times[1:])}
    assert steps == {round(1 / 60, 4)}


def test_a_1080p_source_starts_its_ladder_at_240p_under_400_kbps(
        tmp_path, chunked, member, new_video, run_transcode, db, s3):
    clip = media.make_clip(str(tmp_path / "hd.mp4"), 1920, 1080, seconds=2)
    video_id = transcode_clip(member, new_video, run_transcode, clip)
    renditions = video_doc(db, video_id)["renditions"]
    assert [r["name"] for r in renditions] == ["240p", "360p", "480p", "720p", "1080p"]
    lowest = renditions[0]
    assert (lowest["width"], lowest["height"]) == (426, 240)
    print(f"240p of a 1080p source: peak {lowest['bandwidth']}, "
          f"average {lowest['averageBandwidth']} bit/s")
    assert lowest["averageBandwidth"] <= 400_000
    assert lowest["bandwidth"] <= 450_000
    master = s3.get_object(Bucket=_bucket(), Key=f"hls/{video_id}/master.m3u8")["Body"].read()
    variants = [line for line in master.decode().splitlines()
                if line.startswith("#EXT-X-STREAM-INF:")]
    # The slowest variant is the audio alone; the slowest with pictures is 240p + audio.
    assert "RESOLUTION" not in variants[-1]
    assert "RESOLUTION=426x240" in variants[0]


def _vtt_seconds(text: str) -> float:
    hours, minutes, seconds = text.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def test_storyboard_and_progressive_publishing(tmp_path, chunked, member, new_video,
                                               run_transcode, db, s3, video_api):
    """Seek-bar previews cover the whole video; afterwards every rung is listed, nothing is
    pending and no part records are left behind."""
    clip = media.make_clip(str(tmp_path / "clip.mp4"), 640, 360, seconds=7)
    video_id = transcode_clip(member, new_video, run_transcode, clip)
    doc = video_doc(db, video_id)
    transcode = doc["transcode"]
    assert len(transcode["chunks"]) == 2
    assert doc["storyboardKey"] == f"hls/{video_id}/storyboard.vtt"
    folder = download_hls(s3, video_id, tmp_path / "hls")
    vtt = open(os.path.join(folder, "storyboard.vtt")).read().splitlines()
    assert vtt[0] == "WEBVTT"
    cues = [(line, vtt[i + 1]) for i, line in enumerate(vtt) if "-->" in line]
    rung = doc["renditions"][0]
    tile_w = 160
    tile_h = int(round(tile_w * rung["height"] / rung["width"] / 2)) * 2
    previous_end, sizes = 0.0, {}
    for timing, target in cues:
        start, end = (_vtt_seconds(t.strip()) for t in timing.split("-->"))
        assert start == pytest.approx(previous_end, abs=0.001), "a gap or an overlap"
        assert end > start
        previous_end = end
        uri, _, xywh = target.partition("#xywh=")
        x, y, w, h = (int(v) for v in xywh.split(","))
        assert (w, h) == (tile_w, tile_h)
        assert x % tile_w == 0 and y % tile_h == 0
        sprite = os.path.join(folder, uri)
        assert os.path.isfile(sprite), f"{uri} is missing"
        if uri not in sizes:
            sizes[uri] = media.video_size(sprite)
        width, height = sizes[uri]
        assert x + w <= width and y + h <= height
    assert previous_end == pytest.approx(transcode["durationSeconds"], abs=0.05)
    assert previous_end == pytest.approx(7.0, abs=0.1)
    assert len(sizes) == len(transcode["chunks"])  # one sheet per chunk

    # Progressive publishing, at its end.
    assert doc["status"] == "PUBLIC"
    assert [r["name"] for r in doc["renditions"]] == ["240p", "360p"]
    assert doc["pendingRenditions"] == []
    assert doc["progressPercent"] == 100
    assert "encodingSince" not in doc
    assert db.transcode_parts.count_documents({"videoId": doc["_id"]}) == 0
    video = video_api.get(f"/video/{video_id}").json["video"]
    assert [r["name"] for r in video["renditions"]] == ["240p", "360p"]
    assert video["pendingRenditions"] == [] and video["progressPercent"] == 100
    assert video["storyboardUrl"].split("?")[0].endswith(f"/hls/{video_id}/storyboard.vtt")


def test_video_that_ends_on_a_chunk_boundary_before_its_audio(
        tmp_path, chunked, member, new_video, run_transcode, db, s3):
    """8 s of pictures, 8.1 s of sound: the container says 8.1 s, but there are no pictures
    after 8 s, where a third chunk would start: the chunks stop with the pictures (ffmpeg 8
    fails a part that has none), the audio goes on to its end."""
    clip = str(tmp_path / "edge.mp4")
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=24:duration=8",
            "-f", "lavfi", "-i", "sine=duration=8.1", "-c:v", "libx264", "-preset",
            "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", clip)
    video_id = transcode_clip(member, new_video, run_transcode, clip)
    doc = video_doc(db, video_id)
    assert doc["status"] == "PUBLIC", doc.get("failureReason")
    assert len(doc["transcode"]["chunks"]) == 2
    folder = download_hls(s3, video_id, tmp_path / "hls")
    assert count_frames(joined(folder, "240p")) == 192
    # No empty segment listed (a player cannot parse one).
    segments = playlist_segments(os.path.join(folder, "240p", "index.m3u8"))
    assert len(segments) == 8
    assert all(os.path.getsize(os.path.join(folder, "240p", uri)) > 0 for _, uri in segments)
    assert sum(d for d, _ in segments) == pytest.approx(8.0, abs=0.01)
    assert len(playlist_segments(os.path.join(folder, "240p", "iframes.m3u8"))) == 8
    assert count_frames(os.path.join(folder, "240p", "index.m3u8")) == 192


# --- a part that fails for good ----------------------------------------------------------

def _fail_one_part(monkeypatch, rung_size: tuple[int, int], chunk_start: int,
                   error: Exception) -> list:
    """ffmpeg fails for one rung of one chunk only (segment numbers give the chunk away:
    1 s segments)."""
    from tuber_transcode import ffmpeg_backend

    real_run, failed = ffmpeg_backend.run, []

    def run(cmd, timeout_seconds):
        text = " ".join(cmd)
        if (f"scale={rung_size[0]}:{rung_size[1]}:" in text
                and cmd[cmd.index("-segment_start_number") + 1] == str(chunk_start)):
            failed.append(cmd)
            raise error
        return real_run(cmd, timeout_seconds)
    monkeypatch.setattr(ffmpeg_backend, "run", run)
    return failed


@pytest.mark.parametrize("error, reason", [
    (RuntimeError("disk full"), "part of the video could not be transcoded"),
    (None, "the upload could not be transcoded"),
])
def test_lowest_rung_failing_fails_the_video_and_leaves_nothing(
        tmp_path, chunked, member, new_video, run_transcode, db, s3, monkeypatch, error,
        reason):
    from tuber_transcode import ffmpeg_backend

    error = error or ffmpeg_backend.TranscodeFailed("the upload could not be transcoded")
    failed = _fail_one_part(monkeypatch, (426, 240), CHUNK_SECONDS, error)
    clip = media.make_clip(str(tmp_path / "clip.mp4"), 640, 360, seconds=6)
    video_id = new_video(member(), "clip", size=os.path.getsize(clip))["video"]["id"]
    assert run_transcode(video_id, clip)["results"] == ["failed"]
    assert len(failed) == 1
    doc = video_doc(db, video_id)
    assert doc["status"] == "FAILED"
    assert doc["failureReason"] == reason
    assert _keys(s3, f"hls/{video_id}/") == []
    assert db.transcode_parts.count_documents({"videoId": doc["_id"]}) == 0
    assert "encodingSince" not in doc


def test_a_higher_rung_failing_after_publishing_leaves_the_video_without_it(
        tmp_path, chunked, member, new_video, run_transcode, db, s3, monkeypatch, video_api):
    from tuber_transcode import ffmpeg_backend

    failed = _fail_one_part(monkeypatch, (640, 360), CHUNK_SECONDS,
                            ffmpeg_backend.TranscodeFailed("the upload could not be transcoded"))
    clip = media.make_clip(str(tmp_path / "clip.mp4"), 854, 480, seconds=6)
    video_id = transcode_clip(member, new_video, run_transcode, clip)
    assert len(failed) == 1
    doc = video_doc(db, video_id)
    assert doc["status"] == "PUBLIC"
    assert [r["name"] for r in doc["renditions"]] == ["240p", "480p"]
    assert doc["pendingRenditions"] == []
    assert doc["transcode"]["failedTracks"] == ["360p"]
    assert doc["progressPercent"] == 100
    assert db.transcode_parts.count_documents({"videoId": doc["_id"]}) == 0
    master = s3.get_object(Bucket=_bucket(), Key=f"hls/{video_id}/master.m3u8")["Body"].read()
    assert b"360p" not in master and b"480p/index.m3u8" in master
    video = video_api.get(f"/video/{video_id}").json["video"]
    assert [r["name"] for r in video["renditions"]] == ["240p", "480p"]
    assert video["pendingRenditions"] == []


def _audio_rendition(s3, video_id, tmp_path):
    from tuber_common.settings import get_settings

    bucket = get_settings().media_bucket
    playlist = s3.get_object(Bucket=bucket, Key=f"hls/{video_id}/audio/index.m3u8")[
        "Body"].read().decode()
    first = next(line for line in playlist.splitlines() if line and not line.startswith("#"))
    path = tmp_path / "audio.ts"
    s3.download_file(bucket, f"hls/{video_id}/audio/{first}", str(path))
    [stream] = [s for s in media.probe(str(path))["streams"] if s["codec_type"] == "audio"]
    master = s3.get_object(Bucket=bucket, Key=f"hls/{video_id}/master.m3u8")["Body"].read()
    return stream, master.decode()


@pytest.mark.parametrize("source_audio, copied", [
    # What phones and cameras record is taken as it is: no encoding before the video plays.
    (["-c:a", "aac", "-ac", "1", "-ar", "44100"], True),
    (["-c:a", "aac", "-ac", "2", "-ar", "48000"], True),
    # Anything else is encoded once to AAC-LC stereo at 48 kHz.
    (["-c:a", "aac", "-ac", "2", "-ar", "32000"], False),
    (["-c:a", "libopus", "-ac", "2", "-ar", "48000"], False),
], ids=["aac-mono-44k", "aac-stereo-48k", "aac-32k", "opus"])
def test_audio_players_take_as_it_is_is_copied_else_encoded(
        tmp_path, chunked, member, new_video, run_transcode, db, s3, source_audio, copied):
    container = "mkv" if "libopus" in source_audio else "mp4"
    clip = str(tmp_path / f"source.{container}")
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
                    "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=24:duration=2",
                    "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
                    "-c:v", "libx264", "-preset", "ultrafast", *source_audio, "-shortest", clip],
                   check=True, timeout=120)
    video_id = new_video(member(), size=os.path.getsize(clip))["video"]["id"]
    assert run_transcode(video_id, clip)["results"] == ["transcoded"]
    stream, master = _audio_rendition(s3, video_id, tmp_path)
    source = [s for s in media.probe(clip)["streams"] if s["codec_type"] == "audio"][0]
    assert (stream["codec_name"], stream.get("profile")) == ("aac", "LC")
    if copied:
        assert (stream["channels"], stream["sample_rate"]) == (source["channels"],
                                                               source["sample_rate"])
        assert f'CHANNELS="{source["channels"]}"' in master
    else:
        assert (stream["channels"], stream["sample_rate"]) == (2, "48000")
        assert 'CHANNELS="2"' in master
