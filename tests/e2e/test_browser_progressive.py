"""Progressive publishing and seek-bar previews in Chromium against the local stack.

The media is real (ffmpeg: H.264 rungs and AAC audio as MPEG-TS segments, I-frame playlists,
storyboard sprites) and laid out as the chunked transcoder lays it out (docs/API.md, "Media"):
hls/{id}/master.m3u8 with an AUDIO group, an audio-only variant and I-frame entries,
hls/{id}/{rung}/index.m3u8, hls/{id}/audio/index.m3u8, hls/{id}/storyboard.vtt and
hls/{id}/storyboard/NNNNN.jpg. The test writes the objects and the video document itself,
so it checks the client against the contract, whichever transcoder produced them:

- hovering the seek bar shows the storyboard tile of the cue for that time (and the
  keyboard's arrow keys on the focused seek bar do too);
- a video PUBLIC with its lowest rung only plays and says higher quality is coming; when a
  rung is added (the master playlist rewritten, `renditions` grown), the page picks it up
  without a reload: hls.js has the new level, playback goes on from where it was, and the
  new rung plays;
- and end to end: the same clip uploaded through the local stack's chunked transcoder ends
  with its rungs lowest first and a storyboard whose cues drive the previews.
"""
from __future__ import annotations

import configparser
import json
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
import requests
from playwright.sync_api import expect
from pymongo import MongoClient

from tests.support.browser_fixtures import PHONE, new_member, new_session, publish, wait_status
from tuber_common.ids import parse_video_id

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SECONDS = 32          # the clip's length
SEGMENT = 4           # seconds per segment and per storyboard tile
FPS = 25
TILE_W, TILE_H, COLUMNS, ROWS = 160, 90, 2, 2  # 2x2 tiles a sprite: several sprites
RUNGS = {"144p": (256, 144, "200k"), "360p": (640, 360, "600k")}
AUDIO_BANDWIDTH = 64_000


# ---- media made once for the module ---------------------------------------------------------

def run(*cmd: str) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def codec_string(segment: Path) -> str:
    """avc1.PPCCLL from the first SPS in a segment (RFC 6381)."""
    data = segment.read_bytes()
    at = 0
    while (at := data.find(b"\x00\x00\x01", at)) >= 0:
        if data[at + 3] & 0x1F == 7:
            return "avc1." + data[at + 4:at + 7].hex()
        at += 3
    raise AssertionError(f"no SPS in {segment}")


def iframe_playlist(rung_dir: Path) -> tuple[str, int]:
    """An I-frame playlist (each segment's keyframe: its bytes from the segment's start,
    PAT and PMT included, up to the next video packet) and its peak bandwidth."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:4", f"#EXT-X-TARGETDURATION:{SEGMENT}",
             "#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-I-FRAMES-ONLY"]
    peak = 0
    for segment in sorted(rung_dir.glob("seg_*.ts")):
        packets = json.loads(run("ffprobe", "-v", "error", "-select_streams", "v:0",
                                 "-show_entries", "packet=pos,flags", "-of", "json",
                                 str(segment)))["packets"]
        assert packets[0]["flags"].startswith("K"), segment
        length = int(packets[1]["pos"]) if len(packets) > 1 else segment.stat().st_size
        peak = max(peak, length * 8 // SEGMENT)
        lines += [f"#EXTINF:{SEGMENT:.3f},", f"#EXT-X-BYTERANGE:{length}@0", segment.name]
    return "\n".join(lines + ["#EXT-X-ENDLIST"]) + "\n", peak


def bandwidth(rung_dir: Path) -> tuple[int, int]:
    sizes = [p.stat().st_size for p in sorted(rung_dir.glob("seg_*.ts"))]
    return max(sizes) * 8 // SEGMENT, sum(sizes) * 8 // (SEGMENT * len(sizes))


@dataclass
class Media:
    root: Path
    renditions: dict[str, dict]  # name -> the video document's rendition
    iframes: dict[str, int]      # name -> I-frame playlist's bandwidth

    def master(self, names: list[str]) -> str:
        """The master playlist of the rungs `names` (ready ones), as the transcoder writes it."""
        lines = ["#EXTM3U", "#EXT-X-VERSION:4", "#EXT-X-INDEPENDENT-SEGMENTS",
                 '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Audio",LANGUAGE="und",'
                 'DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio/index.m3u8"']
        for name in names:
            r = self.renditions[name]
            lines += [f"#EXT-X-STREAM-INF:BANDWIDTH={r['bandwidth'] + AUDIO_BANDWIDTH},"
                      f"AVERAGE-BANDWIDTH={r['averageBandwidth'] + AUDIO_BANDWIDTH},"
                      f"RESOLUTION={r['width']}x{r['height']},CODECS=\"{r['codecs']}\","
                      f"FRAME-RATE={r['frameRate']:.3f},AUDIO=\"audio\"", f"{name}/index.m3u8"]
        lines += [f"#EXT-X-STREAM-INF:BANDWIDTH={AUDIO_BANDWIDTH},CODECS=\"mp4a.40.2\","
                  "AUDIO=\"audio\"", "audio/index.m3u8"]
        for name in names:
            r = self.renditions[name]
            lines.append(f"#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH={self.iframes[name]},"
                         f"RESOLUTION={r['width']}x{r['height']},"
                         f"CODECS=\"{r['codecs'].split(',')[0]}\",URI=\"{name}/iframes.m3u8\"")
        return "\n".join(lines) + "\n"

    def storyboard_cues(self) -> list[tuple[float, float, str, int, int]]:
        """(start, end, sprite, x, y) per tile: one tile per segment."""
        cues = []
        for index in range(SECONDS // SEGMENT):
            sprite, cell = divmod(index, COLUMNS * ROWS)
            cues.append((index * SEGMENT, (index + 1) * SEGMENT, f"storyboard/{sprite:05d}.jpg",
                         (cell % COLUMNS) * TILE_W, (cell // COLUMNS) * TILE_H))
        return cues


def vtt_time(seconds: float) -> str:
    return f"{int(seconds // 3600):02d}:{int(seconds % 3600 // 60):02d}:{seconds % 60:06.3f}"


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Media:
    root = tmp_path_factory.mktemp("progressive")
    source = root / "source.mp4"
    run("ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
        f"testsrc2=size=640x360:rate={FPS}", "-f", "lavfi", "-i", "sine=frequency=440",
        "-t", str(SECONDS), "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
        "-c:a", "aac", str(source))
    renditions, iframes = {}, {}
    gop = str(FPS * SEGMENT)
    for name, (width, height, rate) in RUNGS.items():
        out = root / name
        out.mkdir()
        run("ffmpeg", "-loglevel", "error", "-y", "-i", str(source), "-an",
            "-vf", f"scale={width}:{height}", "-c:v", "libx264", "-preset", "veryfast",
            "-profile:v", "main", "-b:v", rate, "-g", gop, "-keyint_min", gop,
            "-sc_threshold", "0", "-f", "hls", "-hls_time", str(SEGMENT),
            "-hls_playlist_type", "vod", "-hls_segment_filename", str(out / "seg_%05d.ts"),
            str(out / "index.m3u8"))
        peak, average = bandwidth(out)
        playlist, iframes[name] = iframe_playlist(out)
        (out / "iframes.m3u8").write_text(playlist)
        renditions[name] = {"name": name, "width": width, "height": height,
                            "bandwidth": peak, "averageBandwidth": average,
                            "codecs": f"{codec_string(out / 'seg_00000.ts')},mp4a.40.2",
                            "frameRate": float(FPS)}
    audio = root / "audio"
    audio.mkdir()
    run("ffmpeg", "-loglevel", "error", "-y", "-i", str(source), "-vn", "-c:a", "aac",
        "-b:a", "64k", "-f", "hls", "-hls_time", str(SEGMENT), "-hls_playlist_type", "vod",
        "-hls_segment_filename", str(audio / "seg_%05d.ts"), str(audio / "index.m3u8"))
    sprites = root / "storyboard"
    sprites.mkdir()
    run("ffmpeg", "-loglevel", "error", "-y", "-i", str(source), "-vf",
        f"fps=1/{SEGMENT},scale={TILE_W}:{TILE_H},tile={COLUMNS}x{ROWS}", "-start_number", "0",
        str(sprites / "%05d.jpg"))
    made = Media(root, renditions, iframes)
    cues = made.storyboard_cues()
    assert {c[2] for c in cues} == {p.relative_to(root).as_posix()
                                    for p in sprites.glob("*.jpg")}
    (root / "storyboard.vtt").write_text("WEBVTT\n\n" + "\n\n".join(
        f"{vtt_time(start)} --> {vtt_time(end)}\n{sprite}#xywh={x},{y},{TILE_W},{TILE_H}"
        for start, end, sprite, x, y in cues) + "\n")
    return made


# ---- the stack's bucket and database, written as the transcoder writes them ------------------

CONTENT_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t",
                 ".jpg": "image/jpeg", ".vtt": "text/vtt"}


@dataclass
class Store:
    s3: object
    bucket: str
    videos: object

    def put(self, key: str, body: bytes, suffix: str) -> None:
        # Playlists that change (the master, while rungs are added) must not be cached long.
        cache = "no-cache" if suffix in (".m3u8", ".vtt") else "public, max-age=31536000, immutable"
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body,
                           ContentType=CONTENT_TYPES[suffix], CacheControl=cache)

    def put_tree(self, video_id: str, folder: Path, under: str) -> None:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in CONTENT_TYPES:
                self.put(f"hls/{video_id}/{under}/{path.relative_to(folder).as_posix()}",
                         path.read_bytes(), path.suffix)


@pytest.fixture(scope="module")
def store(local_stack):
    credentials = configparser.ConfigParser()
    credentials.read(local_stack.data_dir / "aws-credentials")
    profile = credentials["tuber-local"]
    s3 = boto3.client("s3", endpoint_url=local_stack.s3_url, region_name="us-east-1",
                      aws_access_key_id=profile["aws_access_key_id"],
                      aws_secret_access_key=profile["aws_secret_access_key"])
    bucket = re.search(r"S3 \(moto\)\s+\S+\s+bucket (\S+)", local_stack.output()).group(1)
    mongo = MongoClient(local_stack.mongo_uri, tz_aware=True)
    database = mongo[local_stack.extra_env.get("MONGODB_DB", "tuber")]
    yield Store(s3, bucket, database.videos)
    mongo.close()


def seed(store: Store, media: Media, base_url: str, title: str, ready: list[str],
         pending: list[str], storyboard: bool = True) -> str:
    """A video created through the API, then published with the rungs `ready` (media and
    document) while `pending` still encode: what the transcoder leaves after its lowest rung."""
    owner = new_member(base_url)
    created = requests.post(f"{base_url}/video", headers=owner.auth, timeout=30, json={
        "title": title, "visibility": "public", "contentType": "video/mp4", "sizeBytes": 1000})
    assert created.status_code == 201, created.text
    video_id = created.json()["video"]["id"]
    store.put_tree(video_id, media.root / "audio", "audio")
    for name in ready:
        store.put_tree(video_id, media.root / name, name)
    if storyboard:
        store.put_tree(video_id, media.root / "storyboard", "storyboard")
        store.put(f"hls/{video_id}/storyboard.vtt", (media.root / "storyboard.vtt").read_bytes(),
                  ".vtt")
    store.put(f"hls/{video_id}/master.m3u8", media.master(ready).encode(), ".m3u8")
    now = time.time()
    from datetime import datetime, timezone
    store.videos.update_one({"_id": parse_video_id(video_id)}, {"$set": {
        "status": "PUBLIC", "hlsKey": f"hls/{video_id}/master.m3u8",
        "renditions": [media.renditions[n] for n in ready], "pendingRenditions": pending,
        "storyboardKey": f"hls/{video_id}/storyboard.vtt" if storyboard else None,
        "durationSeconds": float(SECONDS), "progressPercent": 50 if pending else 100,
        "publishedAt": datetime.fromtimestamp(now, timezone.utc)}})
    return video_id


def add_rung(store: Store, media: Media, video_id: str, name: str, ready: list[str],
             pending: list[str]) -> None:
    """A higher rung finishes: its media, the master rewritten, then the document."""
    store.put_tree(video_id, media.root / name, name)
    store.put(f"hls/{video_id}/master.m3u8", media.master(ready).encode(), ".m3u8")
    store.videos.update_one({"_id": parse_video_id(video_id)}, {"$set": {
        "renditions": [media.renditions[n] for n in ready], "pendingRenditions": pending,
        "progressPercent": 100 if not pending else 75}})


def start_playing(page) -> None:
    page.wait_for_function("() => document.querySelector('video')?.hls?.levels?.length > 0",
                           timeout=30_000)
    page.evaluate("() => { const v = document.querySelector('video'); v.muted = true; "
                  "return v.play(); }")
    page.wait_for_function("() => document.querySelector('video').currentTime > 1",
                           timeout=30_000)


# ---- the tests ----------------------------------------------------------------------------

def test_hovering_the_seek_bar_shows_the_storyboard_tile_for_that_time(
        chromium, web_base_url, store, media):
    video_id = seed(store, media, web_base_url, "Seek previews", ready=["144p", "360p"],
                    pending=[])
    ui = new_session(chromium, web_base_url)
    page = ui.page
    statuses: dict[str, int] = {}
    page.on("response", lambda r: statuses.__setitem__(r.url, r.status)
            if f"/hls/{video_id}/storyboard" in r.url else None)
    try:
        ui.open(f"#/watch/{video_id}")
        expect(page.get_by_role("heading", level=1, name="Seek previews")).to_be_visible()
        seek = page.get_by_role("slider", name="Seek")
        expect(seek).to_be_visible()
        page.wait_for_function("() => Number.isFinite(document.querySelector('video').duration)",
                               timeout=30_000)
        duration = page.evaluate("() => document.querySelector('video').duration")
        assert abs(duration - SECONDS) < 0.5, duration
        expect(page.get_by_role("status").filter(has_text="Higher quality")).to_have_count(0)

        preview = page.locator(".seek-preview")
        tile = preview.locator(".seek-preview-image")
        box = seek.bounding_box()
        cues = media.storyboard_cues()
        for at in (2.0, 6.0, 14.0, 22.2, 31.0):
            seek_at = box["x"] + box["width"] * at / duration
            page.mouse.move(seek_at, box["y"] + box["height"] / 2)
            start, _end, sprite, x, y = next(c for c in cues if c[0] <= at < c[1])
            expect(preview).to_be_visible()
            expect(preview.locator(".seek-preview-time")).to_have_text(
                f"0:{round(at):02d}")
            expect(tile).to_have_attribute("data-cue-start", str(start))
            style = tile.evaluate("(el) => ({position: el.style.backgroundPosition, "
                                  "image: el.style.backgroundImage, width: el.offsetWidth, "
                                  "height: el.style.height})")
            assert style["position"] == f"{-x}px {-y}px", (at, style)
            assert style["image"] == f'url("{web_base_url}/hls/{video_id}/{sprite}")', style
            assert style["height"] == f"{TILE_H}px"
        assert preview.get_attribute("aria-hidden") == "true"
        ui.shot("seek-preview-hover")

        page.mouse.move(box["x"] + box["width"] / 2, box["y"] - 120)  # off the seek bar
        expect(preview).to_be_hidden()
        # The sprites came with the playback cookies, like the segments.
        page.wait_for_function("(n) => performance.getEntriesByType('resource')"
                               ".filter(e => e.name.includes('/storyboard/')).length >= n",
                               arg=2)
        assert {url.rsplit("/", 1)[1] for url in statuses} == {
            "storyboard.vtt", "00000.jpg", "00001.jpg"}, statuses
        assert set(statuses.values()) == {200}, statuses

        # Keyboard: the focused seek bar steps 5 s a key and shows the tile there too.
        seek.focus()
        seek.press("Home")
        for _ in range(3):
            seek.press("ArrowRight")
        expect(seek).to_have_attribute("aria-valuenow", "15")
        expect(seek).to_have_attribute("aria-valuetext", "0:15 of 0:32")
        expect(preview).to_be_visible()
        expect(tile).to_have_attribute("data-cue-start", "12")
        assert tile.evaluate("(el) => el.style.backgroundPosition") == \
            f"-{TILE_W}px -{TILE_H}px"
        ui.assert_no_console_errors()
    finally:
        page.context.close()


def test_a_video_plays_with_its_lowest_rung_and_gains_the_next_without_a_reload(
        chromium, web_base_url, store, media):
    video_id = seed(store, media, web_base_url, "Progressive clip", ready=["144p"],
                    pending=["360p"])
    ui = new_session(chromium, web_base_url)
    page = ui.page
    try:
        ui.open(f"#/watch/{video_id}")
        expect(page.get_by_role("heading", level=1, name="Progressive clip")).to_be_visible()
        note = page.get_by_role("status").filter(has_text="Higher quality is still processing")
        expect(note).to_be_visible()
        start_playing(page)
        levels = "() => document.querySelector('video').hls.levels.map(l => l.height)"
        assert page.evaluate(levels) == [144]
        expect(page.get_by_label("Quality")).to_be_disabled()
        page.evaluate("() => { window.__tuberPage = 'same page'; }")  # gone on a reload
        ui.shot("progressive-lowest-rung")

        add_rung(store, media, video_id, "360p", ready=["144p", "360p"], pending=[])
        before = page.evaluate("() => document.querySelector('video').currentTime")
        page.wait_for_function(
            "() => document.querySelector('video').hls?.levels.some(l => l.height === 360)",
            timeout=20_000)
        assert sorted(page.evaluate(levels)) == [144, 360]
        expect(note).to_have_count(0)
        assert page.evaluate("() => window.__tuberPage") == "same page"
        # Playback goes on from where it was, not from the start.
        page.wait_for_function(f"() => document.querySelector('video').currentTime > {before + 1}"
                               " && !document.querySelector('video').paused", timeout=20_000)

        # The new rung is really there to play: choose it.
        quality = page.get_by_label("Quality")
        expect(quality).to_be_enabled()
        expect(quality.locator("option")).to_have_text([re.compile(r"^Auto"), "360p", "144p"])
        quality.select_option(label="360p")
        page.wait_for_function("() => document.querySelector('video').videoHeight === 360",
                               timeout=20_000)
        at = page.evaluate("() => document.querySelector('video').currentTime")
        page.wait_for_function(f"() => document.querySelector('video').currentTime > {at + 1}",
                               timeout=20_000)
        assert any(f"/hls/{video_id}/360p/seg_" in url for url in ui.requests)
        ui.shot("progressive-higher-rung")

        # The controls fit a phone: nothing wider than the screen.
        page.set_viewport_size(PHONE)
        width = page.evaluate("() => [document.documentElement.scrollWidth, "
                              "document.documentElement.clientWidth]")
        assert width[0] <= width[1], width
        expect(page.get_by_role("button", name="Pause")).to_be_visible()
        expect(page.get_by_role("button", name="Full screen")).to_be_visible()
        ui.shot("progressive-phone")
        ui.assert_no_console_errors()
    finally:
        page.context.close()


def test_an_upload_through_the_stack_gets_previews_from_its_own_storyboard(
        chromium, web_base_url, media):
    """The real pipeline (the local stack's chunked transcoder) and the client agree: once
    every rung is in, the storyboard it wrote drives the seek bar's previews."""
    owner = new_member(web_base_url)
    video_id = publish(owner, media.root / "source.mp4", "Uploaded with previews")
    video = wait_status(owner, video_id, "PUBLIC", timeout=240)
    deadline = time.monotonic() + 240
    while video["pendingRenditions"]:
        assert time.monotonic() < deadline, video
        time.sleep(1)
        video = requests.get(f"{web_base_url}/video/{video_id}", headers=owner.auth,
                             timeout=30).json()["video"]
    heights = [r["height"] for r in video["renditions"]]
    assert heights == sorted(heights) and len(heights) >= 2, video["renditions"]
    assert video["storyboardUrl"] == f"{web_base_url}/hls/{video_id}/storyboard.vtt"
    viewer = requests.Session()
    viewer.get(f"{web_base_url}/video/{video_id}", timeout=30).raise_for_status()  # cookies
    vtt = viewer.get(video["storyboardUrl"], timeout=30)
    assert vtt.status_code == 200 and vtt.text.startswith("WEBVTT"), vtt.text[:200]
    cues = [(float(sum(float(p) * 60 ** i for i, p in enumerate(reversed(start.split(":"))))),
             target.split("#xywh=")[1].split(","))
            for start, target in re.findall(r"^(\S+) --> \S+\n(\S+)$", vtt.text, re.M)]
    assert len(cues) >= SECONDS // SEGMENT - 1, vtt.text

    ui = new_session(chromium, web_base_url)
    page = ui.page
    try:
        ui.open(f"#/watch/{video_id}")
        expect(page.get_by_role("heading", level=1, name="Uploaded with previews")).to_be_visible()
        start_playing(page)
        duration = page.evaluate("() => document.querySelector('video').duration")
        seek = page.get_by_role("slider", name="Seek")
        box = seek.bounding_box()
        at = 14.2
        page.mouse.move(box["x"] + box["width"] * at / duration, box["y"] + box["height"] / 2)
        _start, (x, y, _w, _h) = [c for c in cues if c[0] <= at][-1]
        tile = page.locator(".seek-preview-image")
        expect(tile).to_be_visible()
        assert tile.evaluate("(el) => el.style.backgroundPosition") == \
            f"{-int(x)}px {-int(y)}px"
        ui.shot("upload-seek-preview")
        ui.assert_no_console_errors()
    finally:
        page.context.close()
