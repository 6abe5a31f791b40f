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


CAPTIONS = [{"language": "en", "label": "English", "key": "hls/v/captions/en-00ff/captions.vtt"},
            {"language": "pt-BR", "label": 'Português "BR"',
             "key": "hls/v/captions/pt-BR-11aa/captions.vtt"}]


def test_captions_are_a_subtitles_group_every_variant_refers_to():
    lines = hls_master.master_playlist(VARIANTS, AUDIO, CAPTIONS).splitlines()
    assert lines[4:6] == [
        '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="en",NAME="English",DEFAULT=NO,'
        'AUTOSELECT=YES,URI="captions/en-00ff/index.m3u8"',
        # A quoted-string holds no double quote.
        '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="pt-BR",NAME="Português \'BR\'",'
        'DEFAULT=NO,AUTOSELECT=YES,URI="captions/pt-BR-11aa/index.m3u8"']
    streams = [line for line in lines if line.startswith("#EXT-X-STREAM-INF")]
    assert len(streams) == 3  # two rungs and the audio-only variant
    assert all(line.endswith(',AUDIO="audio",SUBTITLES="subs"') for line in streams)
    # Without captions, no group and no reference to one.
    assert "SUBTITLES" not in hls_master.master_playlist(VARIANTS, AUDIO, [])


def test_master_text_waits_for_a_rung_and_the_audio():
    doc = {"renditions": VARIANTS, "transcode": {"hasAudio": True, "audio": AUDIO},
           "captions": CAPTIONS}
    assert hls_master.master_text(doc) == hls_master.master_playlist(VARIANTS, AUDIO, CAPTIONS)
    assert hls_master.master_text({**doc, "renditions": []}) is None
    assert hls_master.master_text({**doc, "transcode": {"hasAudio": True}}) is None
    # Renditions by name only (MediaConvert writes its own master): nothing rendered here.
    assert hls_master.master_text({**doc, "renditions": [{"name": "240p", "width": 426,
                                                          "height": 240}]}) is None


MEDIACONVERT = ("#EXTM3U\r\n#EXT-X-VERSION:3\r\n#EXT-X-INDEPENDENT-SEGMENTS\r\n"
                '#EXT-X-STREAM-INF:BANDWIDTH=541000,CODECS="avc1.4d401e,mp4a.40.2",'
                "RESOLUTION=426x240\r\nmaster_240p.m3u8\r\n"
                '#EXT-X-STREAM-INF:BANDWIDTH=1541000,CODECS="avc1.4d401f,mp4a.40.2",'
                "RESOLUTION=1280x720\r\nmaster_720p.m3u8\r\n")


def test_captions_are_spliced_into_another_transcoders_master_and_out_again():
    spliced = hls_master.with_captions(MEDIACONVERT, CAPTIONS[:1])
    lines = spliced.splitlines()
    assert lines[3].startswith('#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="en"')
    assert lines[4] == ('#EXT-X-STREAM-INF:BANDWIDTH=541000,CODECS="avc1.4d401e,mp4a.40.2",'
                        'RESOLUTION=426x240,SUBTITLES="subs"')
    assert lines[6].endswith(',SUBTITLES="subs"') and lines[7] == "master_720p.m3u8"
    # Splicing again replaces the group (never a second one); none removes it.
    twice = hls_master.with_captions(spliced, CAPTIONS)
    assert sum("TYPE=SUBTITLES" in line for line in twice.splitlines()) == 2
    assert all(line.count("SUBTITLES=") == 1 for line in twice.splitlines()
               if line.startswith("#EXT-X-STREAM-INF"))
    assert hls_master.with_captions(twice, []) == MEDIACONVERT.replace("\r\n", "\n")
