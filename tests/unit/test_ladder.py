"""The ladder and playlist logic, without ffmpeg."""
from __future__ import annotations

import pytest

from tuber_transcode import ladder
from tuber_transcode.tools import NotAVideo, parse_probe


def sizes(rungs):
    return [(r.width, r.height) for r in rungs]


@pytest.mark.parametrize("source, expected", [
    ((1280, 720), [(426, 240), (640, 360), (854, 480), (1280, 720)]),
    ((1920, 1080), [(640, 360), (854, 480), (1280, 720), (1920, 1080)]),
    ((720, 1280), [(240, 426), (360, 640), (480, 854), (720, 1280)]),
    ((640, 480), [(320, 240), (480, 360), (640, 480)]),
    ((1000, 562), [(428, 240), (640, 360), (854, 480)]),
    ((3840, 2160), [(640, 360), (854, 480), (1280, 720), (1920, 1080)]),
    ((160, 120), [(160, 120)]),
    ((175, 99), [(176, 100)]),
])
def test_ladder_follows_the_source_and_never_upscales(source, expected):
    rungs = ladder.plan(*source)
    assert sizes(rungs) == expected
    assert all(r.width <= max(source[0], 178) and r.height <= max(source[1], 100)
               for r in rungs)
    assert [r.video_bitrate for r in rungs] == sorted(r.video_bitrate for r in rungs)


def test_ladder_respects_the_max_height_setting():
    assert sizes(ladder.plan(1920, 1080, max_short_side=480))[-1] == (854, 480)


def test_ladder_names_rungs_by_their_short_side():
    assert [r.name for r in ladder.plan(720, 1280)] == ["240p", "360p", "480p", "720p"]


def test_gop_is_one_segment_of_frames():
    assert ladder.gop_frames(24, 4) == 96
    assert ladder.gop_frames(29.97, 2) == 60


def test_codec_string_comes_from_the_sps():
    segment = b"\x47\x40\x00" + b"\x00\x00\x00\x01\x09\xf0" + b"\x00\x00\x01\x67\x4d\x40\x1f\xaa"
    assert ladder.h264_codec_string(ladder.find_sps(segment)) == "avc1.4d401f"
    assert ladder.find_sps(b"\x00\x00\x01\x65\x88") is None


def test_bandwidth_is_peak_and_average_of_segments():
    playlist = "#EXTM3U\n#EXTINF:2.0,\na.ts\n#EXTINF:1.0,\nb.ts\n#EXT-X-ENDLIST\n"
    assert ladder.segment_bandwidth(playlist, {"a.ts": 1000, "b.ts": 1000}) == (8000, 5334)


def test_master_playlist_lists_every_variant_with_its_attributes():
    text = ladder.master_playlist([
        {"uri": "720p/index.m3u8", "bandwidth": 3000000, "averageBandwidth": 2500000,
         "width": 1280, "height": 720, "codecs": "avc1.4d401f,mp4a.40.2", "frameRate": 24},
        {"uri": "240p/index.m3u8", "bandwidth": 500000, "averageBandwidth": 400000,
         "width": 426, "height": 240, "codecs": "avc1.4d4015,mp4a.40.2"},
    ])
    lines = text.splitlines()
    assert lines[0] == "#EXTM3U"
    assert lines[3] == ('#EXT-X-STREAM-INF:BANDWIDTH=500000,AVERAGE-BANDWIDTH=400000,'
                        'RESOLUTION=426x240,CODECS="avc1.4d4015,mp4a.40.2"')
    assert lines[4] == "240p/index.m3u8"
    assert "FRAME-RATE=24.000" in lines[5] and lines[6] == "720p/index.m3u8"


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
