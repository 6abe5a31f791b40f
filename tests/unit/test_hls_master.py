"""The master playlist (tuber_common.hls_master): variants, audio, the SUBTITLES group of a
video's captions, the captions spliced into another transcoder's master, and the one writer
that never loses a rendition or a caption to a concurrent one."""
from __future__ import annotations

from tuber_common import hls_master

VARIANTS = [
    {"uri": "720p/index.m3u8", "bandwidth": 3000000, "averageBandwidth": 2500000,
     "width": 1280, "height": 720, "codecs": "avc1.4d401f", "frameRate": 59.94,
     "iframeUri": "720p/iframes.m3u8", "iframeBandwidth": 400000},
    {"uri": "240p/index.m3u8", "bandwidth": 330000, "averageBandwidth": 290000,
     "width": 426, "height": 240, "codecs": "avc1.4d4015", "frameRate": 59.94,
     "iframeUri": "240p/iframes.m3u8", "iframeBandwidth": 60000},
]
AUDIO = {"uri": "audio/index.m3u8", "bandwidth": 140000, "averageBandwidth": 130000}


def test_master_playlist_refers_every_variant_to_one_audio_group():
    lines = hls_master.master_playlist(VARIANTS, AUDIO).splitlines()
    assert lines[:3] == ["#EXTM3U", "#EXT-X-VERSION:4", "#EXT-X-INDEPENDENT-SEGMENTS"]
    assert lines[3] == ('#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Audio",DEFAULT=YES,'
                        'AUTOSELECT=YES,CHANNELS="2",URI="audio/index.m3u8"')
    # Lowest first; the audio's bit rate is added to each variant's (a player needs both).
    assert lines[4] == ('#EXT-X-STREAM-INF:BANDWIDTH=470000,AVERAGE-BANDWIDTH=420000,'
                        'RESOLUTION=426x240,CODECS="avc1.4d4015,mp4a.40.2",FRAME-RATE=59.940,'
                        'AUDIO="audio"')
    assert lines[5] == "240p/index.m3u8"
    assert lines[6] == ('#EXT-X-STREAM-INF:BANDWIDTH=3140000,AVERAGE-BANDWIDTH=2630000,'
                        'RESOLUTION=1280x720,CODECS="avc1.4d401f,mp4a.40.2",FRAME-RATE=59.940,'
                        'AUDIO="audio"')
    assert lines[7] == "720p/index.m3u8"
    # The audio-only variant, for the slowest links.
    assert lines[8] == ('#EXT-X-STREAM-INF:BANDWIDTH=140000,AVERAGE-BANDWIDTH=130000,'
                        'CODECS="mp4a.40.2",AUDIO="audio"')
    assert lines[9] == "audio/index.m3u8"
    # Trick play: one I-frame playlist per rung, lowest first.
    assert lines[10:] == [
        '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=60000,RESOLUTION=426x240,CODECS="avc1.4d4015",'
        'URI="240p/iframes.m3u8"',
        '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=400000,RESOLUTION=1280x720,CODECS="avc1.4d401f",'
        'URI="720p/iframes.m3u8"']


def test_master_playlist_of_a_silent_video_has_no_audio_group():
    text = hls_master.master_playlist([{**VARIANTS[1], "frameRate": None, "iframeUri": None}])
    assert text.splitlines() == [
        "#EXTM3U", "#EXT-X-VERSION:4", "#EXT-X-INDEPENDENT-SEGMENTS",
        '#EXT-X-STREAM-INF:BANDWIDTH=330000,AVERAGE-BANDWIDTH=290000,RESOLUTION=426x240,'
        'CODECS="avc1.4d4015"', "240p/index.m3u8"]
    assert "mp4a" not in text and "EXT-X-MEDIA" not in text
