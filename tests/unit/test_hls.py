"""HLS text and MPEG-TS facts (tuber_transcode.hls): playlists, keyframe byte ranges,
bandwidth."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tuber_transcode import hls

SEGMENTS = [
    {"uri": "seg_00000.ts", "duration": 4.0, "bytes": 200_000, "keyframeBytes": 20_000},
    {"uri": "seg_00001.ts", "duration": 4.004, "bytes": 100_000, "keyframeBytes": 10_000},
    {"uri": "seg_00002.ts", "duration": 1.5, "bytes": 30_000, "keyframeBytes": 6_000},
]


def test_media_playlist_lists_the_segments_in_order():
    assert hls.media_playlist(SEGMENTS).splitlines() == [
        "#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:5", "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-INDEPENDENT-SEGMENTS",
        "#EXTINF:4.000000,", "seg_00000.ts",
        "#EXTINF:4.004000,", "seg_00001.ts",
        "#EXTINF:1.500000,", "seg_00002.ts",
        "#EXT-X-ENDLIST"]


def test_target_duration_is_the_longest_segment_rounded_up():
    assert "#EXT-X-TARGETDURATION:4" in hls.media_playlist(SEGMENTS[:1])
    assert "#EXT-X-TARGETDURATION:1" in hls.media_playlist([])


def test_iframe_playlist_points_at_each_segments_leading_keyframe():
    assert hls.iframe_playlist(SEGMENTS).splitlines() == [
        "#EXTM3U", "#EXT-X-VERSION:4", "#EXT-X-TARGETDURATION:5", "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-I-FRAMES-ONLY",
        "#EXTINF:4.000000,", "#EXT-X-BYTERANGE:20000@0", "seg_00000.ts",
        "#EXTINF:4.004000,", "#EXT-X-BYTERANGE:10000@0", "seg_00001.ts",
        "#EXTINF:1.500000,", "#EXT-X-BYTERANGE:6000@0", "seg_00002.ts",
        "#EXT-X-ENDLIST"]
    # A segment without a known keyframe range is left out, not listed whole.
    text = hls.iframe_playlist([{**SEGMENTS[0], "keyframeBytes": None}, SEGMENTS[1]])
    assert "seg_00000.ts" not in text and "seg_00001.ts" in text


def test_iframe_bandwidth_is_the_peak_keyframe_rate():
    # 20 000 B over 4 s = 40 000 bit/s; 6 000 B over 1.5 s = 32 000 bit/s.
    assert hls.iframe_bandwidth(SEGMENTS) == 40_000
    assert hls.iframe_bandwidth([]) == 0


def test_segment_bandwidth_is_peak_and_average_of_segments():
    assert hls.segment_bandwidth([{"bytes": 1000, "duration": 2.0},
                                  {"bytes": 1000, "duration": 1.0}]) == (8000, 5334)
    # Peak: 200 000 B in 4 s; average: 330 000 B in 9.504 s, rounded up.
    assert hls.segment_bandwidth(SEGMENTS) == (400_000, 277_778)
    assert hls.segment_bandwidth([]) == (0, 0)


needs_ffmpeg = pytest.mark.skipif(not (shutil.which("ffmpeg") and shutil.which("ffprobe")),
                                  reason="ffmpeg not installed")


def _frames(path: str) -> list[dict]:
    done = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries",
         "frame=key_frame,pict_type", "-of", "json", path],
        capture_output=True, check=True, timeout=60)
    return json.loads(done.stdout)["frames"]


@needs_ffmpeg
@pytest.mark.parametrize("audio", [True, False])
def test_first_keyframe_bytes_is_exactly_the_leading_keyframe(tmp_path, audio):
    """On a real segment (H.264 + AAC in MPEG-TS, as the segment muxer writes): the range
    holds the keyframe whole and decodes to that one picture."""
    segment = tmp_path / "seg.ts"
    cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
           "-i", "testsrc2=size=160x120:rate=10:duration=1"]
    if audio:
        cmd += ["-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac"]
    cmd += ["-c:v", "libx264", "-preset", "ultrafast", "-g", "10", "-f", "mpegts",
            str(segment)]
    subprocess.run(cmd, check=True, timeout=60)
    data = segment.read_bytes()
    size = hls.first_keyframe_bytes(data)
    assert size is not None and 0 < size < len(data)
    assert size % hls.TS_PACKET == 0
    head = tmp_path / "keyframe.ts"
    head.write_bytes(data[:size])
    frames = _frames(str(head))
    assert [(f["key_frame"], f["pict_type"]) for f in frames] == [(1, "I")]
    # The whole segment has more pictures than that: the range really is cut short.
    assert len(_frames(str(segment))) == 10


def test_first_keyframe_bytes_of_something_else_is_none():
    assert hls.first_keyframe_bytes(b"") is None
    assert hls.first_keyframe_bytes(b"\x00" * hls.TS_PACKET * 3) is None
    # A single video PES over three packets: no second one to end the range.
    first = bytearray(b"\xff" * hls.TS_PACKET)
    first[:8] = b"\x47\x41\x00\x10\x00\x00\x01\xe0"  # PID 0x100, unit start, video PES
    more = bytearray(b"\xff" * hls.TS_PACKET)
    more[:4] = b"\x47\x01\x00\x11"  # the same PID, no unit start
    assert hls.first_keyframe_bytes(bytes(first + more + more)) is None
    # The next video PES ends it.
    assert hls.first_keyframe_bytes(bytes(first + more + first)) == 2 * hls.TS_PACKET
