"""Only real videos, within limits (issue 15 item 4), on files made by the system's ffmpeg:
tools.probe + tools.check_limits directly, then through the transcode handler (moto S3),
where a refused upload ends FAILED with its own reason before anything is encoded."""
from __future__ import annotations

import functools
import http.server
import os
import stat
import subprocess
import threading

import pytest

from tests.support import media
from tuber_common.ids import parse_video_id
from tuber_transcode import tools

pytestmark = pytest.mark.slow

# The 102-byte HLS playlist, naming a segment elsewhere.
PLAYLIST = ("#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\n{segment}\n"
            "#EXT-X-ENDLIST\n")


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args],
                   check=True, timeout=120)


def _pattern(size: str = "320x240", rate: int = 24, seconds: float = 1) -> list[str]:
    return ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}"]


def _bomb(path: str, seconds: int = 3) -> str:
    """Black 1080p60 at CRF 51: a few kB that decode to as much picture as a real video."""
    _ffmpeg("-f", "lavfi", "-i", f"color=black:size=1920x1080:rate=60:duration={seconds}",
            "-c:v", "libx264", "-preset", "ultrafast", "-crf", "51", path)
    return path


def _accepted(tmp_path) -> dict[str, str]:
    """One small file per container people upload, the way their tools write them."""
    files = {"mp4": media.make_clip(str(tmp_path / "clip.mp4"), 320, 240, seconds=1)}
    _ffmpeg(*_pattern(), "-f", "lavfi", "-i", "sine=duration=1", "-c:v", "libvpx",
            "-deadline", "realtime", "-cpu-used", "8", "-c:a", "libopus",
            str(tmp_path / "clip.webm"))
    files["webm"] = str(tmp_path / "clip.webm")
    _ffmpeg(*_pattern(), "-c:v", "libx264", "-preset", "ultrafast", str(tmp_path / "clip.mov"))
    files["mov"] = str(tmp_path / "clip.mov")
    # Written as a stream (a browser's MediaRecorder, a live capture): no duration stated.
    live = subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", *_pattern(),
                           "-c:v", "libx264", "-preset", "ultrafast", "-f", "matroska",
                           "pipe:1"], capture_output=True, check=True, timeout=120).stdout
    (tmp_path / "live.mkv").write_bytes(live)
    files["mkv without a duration"] = str(tmp_path / "live.mkv")
    _ffmpeg(*_pattern(), "-c:v", "libx264", "-preset", "ultrafast", "-f", "mpegts",
            str(tmp_path / "clip.ts"))
    files["mpegts"] = str(tmp_path / "clip.ts")
    _ffmpeg(*_pattern(), "-c:v", "mpeg4", str(tmp_path / "clip.avi"))
    files["avi"] = str(tmp_path / "clip.avi")
    return files


@pytest.fixture
def limits(monkeypatch):
    from tuber_common.settings import get_settings

    def _set(**values):
        for name, value in values.items():
            monkeypatch.setenv(name.upper(), str(value))
        get_settings.cache_clear()
    yield _set
    get_settings.cache_clear()


def test_ordinary_sources_are_accepted_and_their_demuxer_reads_them_forced(tmp_path, limits):
    limits()
    for kind, path in _accepted(tmp_path).items():
        probe = tools.probe(path)
        tools.check_limits(probe, os.path.getsize(path))
        assert probe.demuxer in tools.ALLOWED_CONTAINERS, kind
        assert (probe.width, probe.height) == (320, 240), kind
        assert probe.fps == pytest.approx(24, abs=0.01), kind
        assert probe.duration_seconds == pytest.approx(1, abs=0.1), kind
        # The name stored is one `ffmpeg -f` takes: the encoders force it.
        decoded = subprocess.run(
            [tools.tool("ffmpeg"), "-v", "error", *tools.input_args(probe, path),
             "-frames:v", "5", "-f", "null", "-"], capture_output=True, timeout=60)
        assert decoded.returncode == 0, (kind, decoded.stderr)


def test_the_true_frame_rate_is_kept(tmp_path, limits):
    limits()
    fast = media.make_clip(str(tmp_path / "fast.mp4"), 320, 240, seconds=1, fps=120,
                           audio=False)
    assert tools.probe(fast).fps == 120


def test_the_102_byte_hls_playlist_is_refused_without_opening_what_it_names(tmp_path):
    playlist = tmp_path / "source"
    playlist.write_text(PLAYLIST.format(segment="/etc/hostname"))
    assert playlist.stat().st_size < 110
    with pytest.raises(tools.OutOfLimits, match=r"format \(hls\) is not one we accept"):
        tools.probe(str(playlist))


def test_over_http_the_playlist_is_refused_and_nothing_else_is_requested(tmp_path):
    """The presigned-URL case: the playlist's segment would be a request to any host."""
    requested = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            requested.append(self.path)

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        (tmp_path / "source").write_text(PLAYLIST.format(segment=f"{base}/secret.ts"))
        media.make_clip(str(tmp_path / "secret.ts"), 160, 120, seconds=1, audio=False)
        with pytest.raises(tools.OutOfLimits, match=r"\(hls\)"):
            tools.probe(f"{base}/source")
    finally:
        server.shutdown()
        server.server_close()
    assert requested and all(path == "/source" for path in requested), requested


@pytest.mark.parametrize("name, content", [
    ("concat", "ffconcat version 1.0\nfile '/etc/hostname'\n"),
    ("sdp", "v=0\no=- 0 0 IN IP4 127.0.0.1\ns=x\nc=IN IP4 127.0.0.1\nt=0 0\n"
            "m=video 5004 RTP/AVP 96\na=rtpmap:96 H264/90000\n"),
])
def test_scripts_and_stream_descriptions_are_refused(tmp_path, name, content):
    source = tmp_path / "source"
    source.write_text(content)
    with pytest.raises(tools.OutOfLimits, match=rf"format \({name}\)"):
        tools.probe(str(source))


def test_a_single_picture_is_not_a_video(tmp_path):
    _ffmpeg(*_pattern(), "-frames:v", "1", "-c:v", "png", "-f", "image2",
            str(tmp_path / "source"))
    with pytest.raises(tools.OutOfLimits, match=r"format \(png_pipe\)"):
        tools.probe(str(tmp_path / "source"))
    _ffmpeg(*_pattern(), "-frames:v", "1", "-c:v", "mjpeg", "-f", "image2",
            str(tmp_path / "picture"))
    with pytest.raises(tools.OutOfLimits, match=r"format \(jpeg_pipe\)"):
        tools.probe(str(tmp_path / "picture"))


def test_too_long_too_big_and_too_fast_sources_are_refused_each_with_its_reason(
        tmp_path, limits):
    limits(transcode_max_duration_seconds=2, transcode_max_pixels=320 * 240,
           transcode_max_fps=60)
    long = media.make_clip(str(tmp_path / "long.mp4"), 160, 120, seconds=3, audio=False)
    big = media.make_clip(str(tmp_path / "big.mp4"), 640, 360, seconds=1, audio=False)
    fast = media.make_clip(str(tmp_path / "fast.mp4"), 160, 120, seconds=1, fps=120,
                           audio=False)
    reasons = []
    for path in (long, big, fast):
        with pytest.raises(tools.OutOfLimits) as refused:
            tools.check_limits(tools.probe(path), os.path.getsize(path))
        reasons.append(str(refused.value))
    assert reasons == ["the video is too long: 0:00:03 (at most 0:00:02)",
                       "the video's picture is too large: 640x360 (at most 0.1 megapixels, "
                       "8192 pixels a side)",
                       "the video's frame rate is too high: 120 fps (at most 60)"]


def test_the_bomb_is_refused_by_its_density(tmp_path, limits):
    limits()
    bomb = _bomb(str(tmp_path / "bomb.mp4"))
    assert os.path.getsize(bomb) < 20_000
    probe = tools.probe(bomb)
    assert (probe.width, probe.height, probe.fps) == (1920, 1080, 60)
    with pytest.raises(tools.OutOfLimits, match="decompression bomb"):
        tools.check_limits(probe, os.path.getsize(bomb))


# --- through the transcode function ----------------------------------------------------------

@pytest.fixture
def encoder_spy(tmp_path, monkeypatch):
    """FFMPEG_PATH pointing at a stand-in that notes each run and fails: ffprobe stays real,
    and the test sees whether anything was ever encoded."""
    from tuber_common.settings import get_settings

    runs = tmp_path / "ffmpeg-runs"
    spy = tmp_path / "ffmpeg-spy"
    spy.write_text(f"#!/bin/sh\necho \"$@\" >> {runs}\nexit 1\n")
    spy.chmod(spy.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("FFMPEG_PATH", str(spy))
    get_settings.cache_clear()
    return runs


def _upload_and_run(tmp_path, member, new_video, run_transcode, db, path):
    video_id = new_video(member(), size=os.path.getsize(path))["video"]["id"]
    answer = run_transcode(video_id, path)
    return answer, db.videos.find_one({"_id": parse_video_id(video_id)})


def test_an_hls_playlist_upload_ends_failed_with_its_reason(tmp_path, member, new_video,
                                                            run_transcode, db, encoder_spy):
    playlist = tmp_path / "list.m3u8"
    playlist.write_text(PLAYLIST.format(segment="http://169.254.169.254/latest/x.ts"))
    answer, doc = _upload_and_run(tmp_path, member, new_video, run_transcode, db,
                                  str(playlist))
    assert answer["results"] == ["failed"]
    assert doc["status"] == "FAILED"
    assert doc["failureReason"] == tools.container_reason("hls")
    assert not encoder_spy.exists()


def test_a_bomb_upload_ends_failed_before_anything_is_encoded(tmp_path, member, new_video,
                                                               run_transcode, db, s3,
                                                               encoder_spy):
    from tuber_common.settings import get_settings

    bomb = _bomb(str(tmp_path / "bomb.mp4"))
    answer, doc = _upload_and_run(tmp_path, member, new_video, run_transcode, db, bomb)
    assert answer["results"] == ["failed"]
    assert doc["status"] == "FAILED" and "decompression bomb" in doc["failureReason"]
    assert not encoder_spy.exists()
    listed = s3.list_objects_v2(Bucket=get_settings().media_bucket,
                                Prefix=f"hls/{doc['_id']}/")
    assert listed.get("KeyCount", 0) == 0


def test_a_source_over_a_limit_ends_failed_with_that_limits_reason(tmp_path, member,
                                                                   new_video, run_transcode,
                                                                   db, limits, encoder_spy):
    limits(transcode_max_duration_seconds=1)
    clip = media.make_clip(str(tmp_path / "long.mp4"), 160, 120, seconds=2, audio=False)
    answer, doc = _upload_and_run(tmp_path, member, new_video, run_transcode, db, clip)
    assert answer["results"] == ["failed"]
    assert doc["failureReason"] == "the video is too long: 0:00:02 (at most 0:00:01)"
    assert not encoder_spy.exists()


def test_a_webm_upload_within_the_limits_is_transcoded(tmp_path, member, new_video,
                                                       run_transcode, db):
    webm = _accepted(tmp_path)["webm"]
    answer, doc = _upload_and_run(tmp_path, member, new_video, run_transcode, db, webm)
    assert answer["results"] == ["transcoded"], doc.get("failureReason")
