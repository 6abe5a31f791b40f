"""The WebVTT checker and segmenter (tuber_common.webvtt): what an uploaded caption file must
be, and the segmented WebVTT an HLS SUBTITLES rendition plays."""
from __future__ import annotations

import pytest

from tuber_common import webvtt
from tuber_common.errors import ValidationFailed

GOOD = ("\ufeffWEBVTT - made by hand\r\nKind: captions\r\n\r\n"
        "STYLE\r\n::cue { color: yellow }\r\n\r\n"
        "NOTE the first line\r\n\r\n"
        "intro\r\n00:00.500 --> 00:03.000 line:90% align:start\r\nHello\r\n<i>world</i>\r\n\r\n"
        "01:00:02.000 --> 01:00:09.000\r\nAn hour in\r\n").encode()


def refused(data: bytes, duration: float | None = 3700.0) -> tuple[str, int]:
    with pytest.raises(ValidationFailed) as caught:
        webvtt.parse(data, duration)
    return caught.value.code, caught.value.details["line"]


def test_a_valid_file_keeps_its_cues_identifiers_settings_and_styles():
    captions = webvtt.parse(GOOD, 3700.0)
    assert [(c.start, c.end) for c in captions.cues] == [(0.5, 3.0), (3602.0, 3609.0)]
    assert captions.cues[0].timing == "00:00.500 --> 00:03.000 line:90% align:start"
    assert captions.blocks == ("STYLE\n::cue { color: yellow }",)
    # Rendered back: LF line ends, no BOM, no NOTE; identifier before its timing line.
    assert webvtt.render(captions) == (
        "WEBVTT\n\nSTYLE\n::cue { color: yellow }\n\n"
        "intro\n00:00.500 --> 00:03.000 line:90% align:start\nHello\n<i>world</i>\n\n"
        "01:00:02.000 --> 01:00:09.000\nAn hour in\n")


@pytest.mark.parametrize("data, line", [
    (b"", 1),
    (b"WEBVTTX\n\n00:01.000 --> 00:02.000\nx\n", 1),
    (b"WEBVTT\n00:01.000 --> 00:02.000\nx\n", 2),                     # no blank line
    (b"WEBVTT\n\n00:01.000 --> 00:02.000\nx\n\n00:01.5 --> 00:02.000\ny\n", 6),
    (b"WEBVTT\n\n00:01.000 --> 00:61.000\nx\n", 3),                   # seconds over 59
    (b"WEBVTT\n\n00:02.000 --> 00:02.000\nx\n", 3),                   # ends as it starts
    (b"WEBVTT\n\n00:05.000 --> 00:06.000\nx\n\n00:04.000 --> 00:07.000\ny\n", 6),
    (b"WEBVTT\n\nid only\n", 3),
    (b"WEBVTT\n\n00:01.000 --> 00:02.000\nx\n\nSTYLE\n::cue {}\n", 6),  # style after a cue
    (b"WEBVTT\n\n00:01.000 --> 00:02.000\nx\n\x00\n", 5),
    (b"WEBVTT\n\n00:01.000 --> 00:02.000\n\xc3\x28\n", 4),            # not UTF-8
    (b"WEBVTT\n", 2),                                                  # no cue at all
])
def test_what_is_not_webvtt_is_refused_at_its_line(data, line):
    assert refused(data) == ("invalid_webvtt", line)


def test_cues_must_end_within_the_video():
    assert refused(b"WEBVTT\n\n00:01.000 --> 00:11.000\nx\n", 10.0) == ("cue_out_of_range", 3)
    # Half a second of slack: durations are measured from streams and rounded.
    assert webvtt.parse(b"WEBVTT\n\n00:01.000 --> 00:10.400\nx\n", 10.0).cues
    # Unknown duration: not checked here (the route refuses before).
    assert webvtt.parse(b"WEBVTT\n\n00:01.000 --> 09:00.000\nx\n", None).cues


def test_segments_follow_the_video_segments_and_map_onto_its_clock():
    captions = webvtt.parse(b"WEBVTT\n\nSTYLE\n::cue {}\n\n"
                            b"a\n00:01.000 --> 00:02.000\nOne\n\n"
                            b"00:03.500 --> 00:04.500\nAcross\n\n"
                            b"00:09.000 --> 00:10.300\nLast\n", 10.0)
    cut = webvtt.segments(captions, 10.0, 4, 1026000)
    assert [d for d, _ in cut] == [4, 4, 2]
    for _, text in cut:
        assert text.startswith("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:1026000,LOCAL:00:00:00.000\n\n"
                               "STYLE\n::cue {}\n\n")
    first, second, last = (text for _, text in cut)
    assert "a\n00:01.000 --> 00:02.000\nOne" in first and "Across" in first
    assert "Across" in second and "One" not in second and "Last" not in second
    assert "Last" in last  # its end in the slack past the video's end
    # A video shorter than one segment: one segment of its length; a silent stretch: empty.
    assert [d for d, _ in webvtt.segments(captions, 2.5, 4, 0)] == [2.5]
    empty = webvtt.segments(webvtt.parse(b"WEBVTT\n\n00:00.000 --> 00:01.000\nx\n", 9.0),
                            9.0, 4, 0)[1][1]
    assert empty == "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n"


def test_the_subtitle_playlist_is_a_vod_playlist_of_the_segments():
    assert webvtt.playlist([4.0, 4.0, 1.5], ["seg_00000.vtt", "seg_00001.vtt",
                                             "seg_00002.vtt"]).splitlines() == [
        "#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:4", "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        "#EXTINF:4.000000,", "seg_00000.vtt", "#EXTINF:4.000000,", "seg_00001.vtt",
        "#EXTINF:1.500000,", "seg_00002.vtt", "#EXT-X-ENDLIST"]


def test_vtt_time():
    assert webvtt.vtt_time(3723.4567) == "01:02:03.457"
    assert webvtt.vtt_time(0) == "00:00:00.000"
