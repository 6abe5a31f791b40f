"""The ladder and playlist logic, without ffmpeg."""
from __future__ import annotations

from fractions import Fraction

import pytest

from tuber_transcode import ladder
from tuber_transcode.tools import NotAVideo, parse_probe


def sizes(rungs):
    return [(r.width, r.height) for r in rungs]


@pytest.mark.parametrize("source, expected", [
    ((1280, 720), [(426, 240), (640, 360), (854, 480), (1280, 720)]),
    ((1920, 1080), [(426, 240), (640, 360), (854, 480), (1280, 720), (1920, 1080)]),
    ((720, 1280), [(240, 426), (360, 640), (480, 854), (720, 1280)]),
    ((640, 480), [(320, 240), (480, 360), (640, 480)]),
    ((1000, 562), [(428, 240), (640, 360), (854, 480)]),
    ((3840, 2160), [(426, 240), (640, 360), (854, 480), (1280, 720), (1920, 1080)]),
    ((426, 240), [(426, 240)]),
    ((160, 120), [(160, 120)]),
    ((175, 99), [(176, 100)]),
])
def test_ladder_follows_the_source_and_never_upscales(source, expected):
    rungs = ladder.plan(*source)
    assert sizes(rungs) == expected
    assert all(r.width <= max(source[0], 178) and r.height <= max(source[1], 100)
               for r in rungs)
    assert [r.video_bitrate for r in rungs] == sorted(r.video_bitrate for r in rungs)


def test_every_source_of_240p_and_up_starts_at_240p_and_300_kbps():
    for width, height in [(426, 240), (1280, 720), (1920, 1080), (3840, 2160), (1080, 1920)]:
        lowest = ladder.plan(width, height)[0]
        assert (lowest.name, lowest.video_bitrate) == ("240p", 300_000)
        # With the audio rendition beside it, the slowest variant stays under ~400 kbit/s +
        # audio; the video alone is well under.
        assert lowest.video_bitrate <= 400_000


def test_a_tiny_source_gets_one_rung_at_its_own_size():
    (rung,) = ladder.plan(160, 120)
    assert (rung.name, rung.width, rung.height) == ("120p", 160, 120)
    assert 100_000 <= rung.video_bitrate < 300_000
    with pytest.raises(ValueError):
        ladder.plan(1, 1080)


def test_ladder_respects_the_max_height_setting():
    assert sizes(ladder.plan(1920, 1080, max_short_side=480))[-1] == (854, 480)


def test_ladder_names_rungs_by_their_short_side():
    assert [r.name for r in ladder.plan(720, 1280)] == ["240p", "360p", "480p", "720p"]


@pytest.mark.parametrize("fps, rate, divisor", [
    (24, Fraction(24), 1),
    (30000 / 1001, Fraction(30000, 1001), 1),
    (60, Fraction(60), 1),
    (60000 / 1001, Fraction(60000, 1001), 1),
    (100, Fraction(50), 2),
    (120, Fraction(60), 2),
    (120000 / 1001, Fraction(60000, 1001), 2),
    (144, Fraction(48), 3),
    (240, Fraction(60), 4),
])
def test_frame_rate_is_capped_at_60_by_keeping_every_nth_frame(fps, rate, divisor):
    assert ladder.output_frame_rate(fps) == (rate, divisor)
    assert rate <= ladder.MAX_FRAME_RATE


def test_gop_is_one_segment_of_frames():
    assert ladder.gop_frames(24, 4) == 96
    assert ladder.gop_frames(29.97, 2) == 60


def test_codec_string_comes_from_the_sps():
    segment = b"\x47\x40\x00" + b"\x00\x00\x00\x01\x09\xf0" + b"\x00\x00\x01\x67\x4d\x40\x1f\xaa"
    assert ladder.h264_codec_string(ladder.find_sps(segment)) == "avc1.4d401f"
    assert ladder.find_sps(b"\x00\x00\x01\x65\x88") is None
    assert ladder.h264_codec_string(b"\x4d") is None


def test_probe_applies_rotation_and_pixel_aspect():
    rotated = {"streams": [{"codec_type": "video", "width": 1280, "height": 720,
                            "avg_frame_rate": "30000/1001",
                            "side_data_list": [{"rotation": -90}]}],
               "format": {"duration": "2.002"}}
    probe = parse_probe(rotated)
    assert (probe.width, probe.height, probe.has_audio) == (720, 1280, False)
    assert probe.fps == pytest.approx(29.97, abs=0.01) and probe.duration_seconds == 2.002
    anamorphic = {"streams": [{"codec_type": "video", "width": 720, "height": 576,
                               "sample_aspect_ratio": "16:11"},
                              {"codec_type": "audio"}], "format": {}}
    probe = parse_probe(anamorphic)
    assert (probe.width, probe.height, probe.has_audio) == (1047, 576, True)


def test_probe_without_a_video_stream_is_not_a_video():
    with pytest.raises(NotAVideo):
        parse_probe({"streams": [{"codec_type": "audio"}], "format": {"duration": "3"}})
    with pytest.raises(NotAVideo):
        parse_probe({"streams": [{"codec_type": "video", "width": 300, "height": 300,
                                  "disposition": {"attached_pic": 1}}]})


def test_probe_keeps_the_real_frame_rate():
    """Not capped: the ladder halves a 120 fps source itself, and the limits judge 120."""
    fast = {"streams": [{"codec_type": "video", "width": 320, "height": 240,
                         "avg_frame_rate": "120/1"}], "format": {"duration": "5"}}
    probe = parse_probe(fast)
    assert probe.fps == 120
    assert ladder.output_frame_rate(probe.fps) == (Fraction(60), 2)
