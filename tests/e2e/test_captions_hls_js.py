"""Captions as a viewer's player sees them: a clip transcoded by the real ffmpeg backend, a
WebVTT file confirmed through the API, and the video's hls/ folder played by hls.js (the
web client's own build) in Chromium. hls.js must list the SUBTITLES group as a track and
place every cue at the time the file says on the video's clock (the segments'
X-TIMESTAMP-MAP against the video's MPEG-TS timestamps), each cue once although the
segmenter repeats a cue that crosses a segment boundary."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import requests

from tests.support import media
from tests.support.browser_fixtures import ROOT, ensure_web_built

pytestmark = [pytest.mark.slow, pytest.mark.e2e]
ORIGIN = "http://media.test"
CAPTIONS = ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nOne\n\n"
            "00:00:03.500 --> 00:00:04.500\nAcross a boundary\n\n"
            "00:00:05.000 --> 00:00:06.500\nFive\n").encode()
PAGE = """<!doctype html><html><body><video muted playsinline></video>
<script src="/hls.min.js"></script>
<script>
  const video = document.querySelector("video");
  window.tracks = null;
  const hls = new Hls({ subtitleDisplay: true });
  hls.on(Hls.Events.MANIFEST_PARSED, () => { video.play(); });
  // The tracks of the playing variant's SUBTITLES group, once hls.js has picked a variant.
  hls.on(Hls.Events.SUBTITLE_TRACKS_UPDATED, (_e, data) => {
    window.tracks = data.subtitleTracks.map((t) => ({ lang: t.lang, name: t.name,
                                                      groupId: t.groupId }));
    // As a CC button does: after hls.js has settled its own choice (none: DEFAULT=NO).
    if (data.subtitleTracks.length) setTimeout(() => { hls.subtitleTrack = 0; }, 0);
  });
  hls.on(Hls.Events.ERROR, (_e, data) => { if (data.fatal) window.fatal = data.details; });
  hls.loadSource("/master.m3u8");
  hls.attachMedia(video);
  window.cues = () => Array.from(video.textTracks).flatMap((t) => Array.from(t.cues || []))
    .map((c) => [c.startTime, c.endTime, c.text]);
</script></body></html>"""


def test_hls_js_shows_each_cue_at_its_time(tmp_path, member, new_video, run_transcode,
                                           video_api, s3, chromium):
    from tuber_common.settings import get_settings

    ensure_web_built()
    bucket = get_settings().media_bucket
    clip = media.make_clip(str(tmp_path / "clip.mp4"), 320, 240, seconds=8)
    owner = member()
    video_id = new_video(owner, "captioned", size=os.path.getsize(clip))["video"]["id"]
    assert run_transcode(video_id, clip)["results"] == ["transcoded"]
    asked = video_api.post(f"/video/{video_id}/captions",
                           {"language": "en", "sizeBytes": len(CAPTIONS)}, token=owner.token)
    assert asked.status == 201, asked.body
    sent = requests.post(asked.json["upload"]["url"], data=asked.json["upload"]["fields"],
                         files={"file": ("en.vtt", CAPTIONS, "text/vtt")}, timeout=10)
    assert sent.status_code in (200, 201, 204), sent.text
    confirmed = video_api.put(f"/video/{video_id}/captions/en", token=owner.token)
    assert confirmed.status == 200, confirmed.body

    prefix = f"hls/{video_id}/"
    files = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            got = s3.get_object(Bucket=bucket, Key=obj["Key"])
            files["/" + obj["Key"][len(prefix):]] = (got["Body"].read(), got["ContentType"])
    files["/hls.min.js"] = ((Path(ROOT) / "web" / "vendor" / "hls.min.js").read_bytes(),
                            "text/javascript")
    files["/index.html"] = (PAGE.encode(), "text/html")

    context = chromium.new_context()
    try:
        page = context.new_page()

        def serve(route):
            path = route.request.url[len(ORIGIN):].split("?")[0]
            if path not in files:
                return route.fulfill(status=404, body="")
            body, content_type = files[path]
            return route.fulfill(status=200, body=body, content_type=content_type)

        page.route(f"{ORIGIN}/**", serve)
        page.goto(f"{ORIGIN}/index.html")
        page.wait_for_function("() => window.tracks !== null || window.fatal", timeout=30_000)
        assert page.evaluate("window.fatal || null") is None
        assert json.loads(page.evaluate("JSON.stringify(window.tracks)")) == [
            {"lang": "en", "name": "English", "groupId": "subs"}]
        page.wait_for_function("() => window.cues().length >= 3 || window.fatal",
                               timeout=60_000)
        cues = page.evaluate("window.cues()")
    finally:
        context.close()
    assert [text for _, _, text in cues] == ["One", "Across a boundary", "Five"]
    for (start, end, _), (want_start, want_end) in zip(cues, [(1.0, 2.0), (3.5, 4.5),
                                                              (5.0, 6.5)]):
        # Within a frame or two: the clock is the video's, not a segment's own.
        assert start == pytest.approx(want_start, abs=0.1)
        assert end == pytest.approx(want_end, abs=0.1)
