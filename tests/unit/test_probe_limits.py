"""What the transcoder accepts, judged from ffprobe's answer alone (tuber_transcode.tools):
the source's true frame rate, the container allowlist, and each limit with its own reason.
Real files: tests/integration/test_transcode_limits.py."""
from __future__ import annotations

import pytest

from tuber_transcode import tools
from tuber_transcode.tools import OutOfLimits, Probe, check_limits, parse_probe

MB = 1024 * 1024


@pytest.fixture
def limits(monkeypatch):
    """The limits from the environment, as on Lambda; the defaults unless a test sets one."""
    from tuber_common.settings import get_settings

    for name in ("TRANSCODE_MAX_DURATION_SECONDS", "TRANSCODE_MAX_PIXELS", "TRANSCODE_MAX_FPS",
                 "TRANSCODE_MAX_PIXELS_PER_BYTE"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()

    def _set(**values):
        for name, value in values.items():
            monkeypatch.setenv(name.upper(), str(value))
        get_settings.cache_clear()
        return get_settings()
    yield _set
    get_settings.cache_clear()


def _probe(**fields) -> Probe:
    base = dict(width=1920, height=1080, fps=30.0, has_audio=True, duration_seconds=600.0,
                demuxer="mov")
    return Probe(**{**base, **fields})


def _ffprobe(video: dict, fmt: dict | None = None) -> dict:
    return {"streams": [{"index": 0, "codec_type": "video", "width": 1280, "height": 720,
                         **video}], "format": {"format_name": "matroska,webm", **(fmt or {})}}


# --- the true frame rate -------------------------------------------------------------------

def test_the_frame_rate_is_the_sources_own_uncapped_and_averaged():
    assert parse_probe(_ffprobe({"avg_frame_rate": "240/1", "r_frame_rate": "240/1"})).fps \
        == 240
    assert parse_probe(_ffprobe({"avg_frame_rate": "1000/1"})).fps == 1000  # judged later
    # Variable rate (a phone): the average, not the timebase's rate.
    vfr = parse_probe(_ffprobe({"avg_frame_rate": "8991/300", "r_frame_rate": "90000/1"}))
    assert vfr.fps == pytest.approx(29.97)
    # A slide show below one frame a second stays what it is.
    assert parse_probe(_ffprobe({"avg_frame_rate": "1/2"})).fps == 0.5


def test_without_an_average_the_rate_comes_from_the_counted_packets():
    unknown = {"avg_frame_rate": "0/0", "r_frame_rate": "1000/1"}  # a live-written WebM
    probe = parse_probe(_ffprobe(unknown), packets=(300, 10.0))
    assert probe.fps == 30 and probe.duration_seconds == 10.0
    # Without a scan: the container's base rate, else 30.
    assert parse_probe(_ffprobe({"avg_frame_rate": "0/0", "r_frame_rate": "25/1"})).fps == 25
    assert parse_probe(_ffprobe({})).fps == 30


def test_a_stated_duration_wins_over_the_scanned_span():
    probe = parse_probe(_ffprobe({"avg_frame_rate": "30/1"}, {"duration": "12.5"}),
                        packets=(300, 10.0))
    assert probe.duration_seconds == 12.5
    assert probe.demuxer == "matroska"


# --- the limits ----------------------------------------------------------------------------

def test_an_ordinary_video_is_within_every_default_limit(limits):
    settings = limits()
    assert settings.transcode_max_duration_seconds == 4 * 3600
    assert settings.transcode_max_pixels == 4096 * 2304
    assert settings.transcode_max_fps == 240
    assert settings.transcode_max_pixels_per_byte == 12_000
    check_limits(_probe(), 1200 * MB)  # 10 min of 1080p30 at 16 Mbit/s
    check_limits(_probe(width=4096, height=2160, fps=60, duration_seconds=4 * 3600),
                 40 * 1024 * MB)
    check_limits(_probe(width=2160, height=3840, fps=240, duration_seconds=20), 300 * MB)


@pytest.mark.parametrize("demuxer", list(tools.ALLOWED_CONTAINERS))
def test_every_allowed_container_passes(limits, demuxer):
    check_limits(_probe(demuxer=demuxer), 1200 * MB)


@pytest.mark.parametrize("demuxer", ["hls", "dash", "concat", "image2", "png_pipe",
                                     "jpeg_pipe", "lavfi", "tty", "sdp", "rtsp", "gif",
                                     "mov,mp4,m4a,3gp,3g2,mj2", None])
def test_a_container_outside_the_allowlist_is_refused(limits, demuxer):
    with pytest.raises(OutOfLimits, match=r"format \(.*\) is not one we accept"):
        check_limits(_probe(demuxer=demuxer), 1200 * MB)


def test_each_limit_has_its_own_reason(limits):
    limits(transcode_max_duration_seconds=60, transcode_max_pixels=640 * 480,
           transcode_max_fps=50, transcode_max_pixels_per_byte=1000)
    small = dict(width=640, height=360, fps=25.0, duration_seconds=30.0)
    check_limits(_probe(**small), 10 * MB)
    reasons = {}
    for name, change in {"duration": {"duration_seconds": 61.0},
                         "pixels": {"width": 1280, "height": 720},
                         "fps": {"fps": 59.94},
                         "bomb": {}}.items():
        size = 100_000 if name == "bomb" else 10 * MB
        with pytest.raises(OutOfLimits) as refused:
            check_limits(_probe(**{**small, **change}), size)
        reasons[name] = str(refused.value)
    assert reasons["duration"] == "the video is too long: 0:01:01 (at most 0:01:00)"
    assert reasons["pixels"].startswith("the video's picture is too large: 1280x720")
    assert reasons["fps"] == "the video's frame rate is too high: 59.9 fps (at most 50)"
    # 640x360 x 25 fps x 30 s = 172.8 M pixels from 100 kB.
    assert reasons["bomb"].startswith(
        "the video is implausibly compressed for its size: 1,728 decoded pixels per byte")
    assert len(set(reasons.values())) == 4


def test_the_limits_are_inclusive(limits):
    limits(transcode_max_duration_seconds=60, transcode_max_pixels=1280 * 720,
           transcode_max_fps=60)
    check_limits(_probe(width=1280, height=720, fps=60.0, duration_seconds=60.0), 100 * MB)
    check_limits(_probe(width=720, height=1280, fps=60.0, duration_seconds=60.0), 100 * MB)


def test_an_extreme_aspect_is_too_large_even_under_the_pixel_count(limits):
    with pytest.raises(OutOfLimits, match="too large: 16384x64"):
        check_limits(_probe(width=16384, height=64), 1200 * MB)


def test_a_video_of_unknown_length_is_refused(limits):
    with pytest.raises(OutOfLimits, match="length could not be determined"):
        check_limits(_probe(duration_seconds=None), 1200 * MB)


def test_the_bomb_rule_judges_pixels_per_byte_and_can_be_turned_off(limits):
    # The bomb: 65 KB that decodes to 1080p60 black (here 20 s of it).
    bomb = _probe(fps=60.0, duration_seconds=20.0, has_audio=False)
    with pytest.raises(OutOfLimits, match="decompression bomb"):
        check_limits(bomb, 65_000)
    # A still picture with sound, 1080p30, 4 minutes in 10 MB: about 1,400 pixels a byte.
    check_limits(_probe(duration_seconds=240.0), 10 * MB)
    limits(transcode_max_pixels_per_byte=0)
    check_limits(bomb, 65_000)


def test_a_refused_container_is_named_in_the_reason():
    assert tools.container_reason("hls") == (
        "the file's format (hls) is not one we accept: upload a video file such as MP4, MOV, "
        "WebM or MKV")
    assert "(unknown)" in tools.container_reason(None)


def test_ffmpeg_is_confined_to_the_allowed_demuxers_and_the_sources_protocol():
    probe = _probe(demuxer="matroska")
    args = tools.input_args(probe, "https://bucket.s3.amazonaws.com/raw/x/source?X-Amz=1")
    assert args[:2] == ["-protocol_whitelist", "https,tls,tcp"]
    # ffmpeg does not check certificates unless told to (tests/integration/test_source_tls.py).
    assert args[2:4] == ["-tls_verify", "1"] and args[4] == "-ca_file"
    assert args[6:8] == ["-format_whitelist", ",".join(tools.ALLOWED_CONTAINERS)]
    assert args[8:] == ["-f", "matroska", "-i",
                        "https://bucket.s3.amazonaws.com/raw/x/source?X-Amz=1"]
    assert tools.input_args(probe, "/tmp/source")[1] == "file"
