"""The master playlist (hls/{videoId}/master.m3u8), rendered and written in one place for
everything that changes it: the transcoder as rungs and the audio finish
(tuber_transcode.assembly) and caption changes (tuber_video.captions).

What it lists comes from the video document alone: its `renditions` (each with the uri,
bandwidths and codecs the ffmpeg backend records), `transcode.audio`, and its `captions`
(a SUBTITLES group "subs" that every variant refers to). A video published by MediaConvert
has a master the job wrote itself and renditions without those facts: there the captions are
spliced into the job's own master (its SUBTITLES lines replaced), nothing else touched.

`write_master` (the transcoder) and `rewrite_master` (caption changes) keep one guarantee
whoever calls them, in any order: the writer reads the document again after each write and
writes again until what it wrote is what the document says, so the last write holds every
rendition and every caption, even when a caption is confirmed while a rung finishes.
"""
from __future__ import annotations

import os
from typing import Callable

from pymongo.database import Database

from . import media_keys, storage
from .ids import VideoId

AUDIO_CODEC = "mp4a.40.2"  # AAC-LC
SUBTITLES_GROUP = "subs"
# The MPEG-TS timestamp (90 kHz) of a video's first frame, which each caption segment's
# X-TIMESTAMP-MAP names: the ffmpeg backend shifts every timestamp by TIMESTAMP_OFFSET_SECONDS,
# and ffmpeg's mpegts muxer adds twice its max_delay (-muxdelay, 0.7 s by default) to every
# timestamp it writes. tests/e2e/test_captions_hls_js.py checks it against real segments.
TIMESTAMP_OFFSET_SECONDS = 10.0
MPEGTS_MUX_DELAY_SECONDS = 1.4
MPEGTS_ORIGIN = round((TIMESTAMP_OFFSET_SECONDS + MPEGTS_MUX_DELAY_SECONDS) * 90_000)
# MediaConvert's jobs start their MPEG-TS timestamps here (M3u8Settings PtsOffsetMode SECONDS;
# its default, AUTO, is "at least two seconds", varying with the bitrate).
MEDIACONVERT_PTS_OFFSET_SECONDS = 10
MEDIACONVERT_ORIGIN = MEDIACONVERT_PTS_OFFSET_SECONDS * 90_000


def mpegts_origin(doc: dict) -> int:
    """The MPEG-TS timestamp of this video's first frame (its caption segments' map)."""
    return MEDIACONVERT_ORIGIN if doc.get("transcodeJobId") else MPEGTS_ORIGIN

CONTENT_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t",
                 ".jpg": "image/jpeg", ".vtt": "text/vtt"}
# Segments and sprites never change once written; the master playlist grows as rungs finish.
CACHE = {".ts": "public, max-age=31536000, immutable", ".jpg": "public, max-age=86400",
         ".vtt": "public, max-age=300"}
MASTER_CACHE = "no-cache"
_REWRITES = 10


def put_text(bucket: str, key: str, text: str, cache: str | None = None) -> None:
    suffix = os.path.splitext(key)[1]
    storage.get_s3().put_object(
        Bucket=bucket, Key=key, Body=text.encode(),
        ContentType=CONTENT_TYPES.get(suffix, "text/plain"),
        CacheControl=cache or CACHE.get(suffix, "public, max-age=60"))


def _quoted(value: str) -> str:
    # An HLS quoted-string holds no double quote, CR or LF.
    return "".join(" " if ch in "\r\n" else "'" if ch == '"' else ch for ch in value)


def subtitle_renditions(captions: list[dict]) -> list[str]:
    """The EXT-X-MEDIA lines of the SUBTITLES group: one per caption ({language, label, key}),
    in the order given; none is DEFAULT (a viewer turns captions on), each AUTOSELECT (a
    player may pick the one matching its user's language)."""
    lines = []
    for caption in captions:
        uri = caption_playlist_uri(caption)
        lines.append(f'#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="{SUBTITLES_GROUP}",'
                     f'LANGUAGE="{_quoted(caption["language"])}",'
                     f'NAME="{_quoted(caption["label"])}",DEFAULT=NO,AUTOSELECT=YES,'
                     f'URI="{uri}"')
    return lines


def caption_playlist_uri(caption: dict) -> str:
    """A caption's subtitle playlist relative to hls/{videoId}/ (as the master names it)."""
    return media_keys.caption_folder_uri(caption["key"]) + media_keys.MEDIA_PLAYLIST


def master_playlist(variants: list[dict], audio: dict | None = None,
                    captions: list[dict] | None = None) -> str:
    """The master playlist. Each variant: {uri, bandwidth, averageBandwidth, width, height,
    codecs, frameRate?, iframeUri?, iframeBandwidth?}. `audio` ({uri, bandwidth,
    averageBandwidth}) is one AAC rendition in its own group that every variant refers to, and
    also an audio-only variant for the slowest links. `captions` ({language, label, key}) are
    the SUBTITLES group every variant refers to. Listed lowest first."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:4", "#EXT-X-INDEPENDENT-SEGMENTS"]
    group = ""
    if audio:
        group = ',AUDIO="audio"'
        lines.append('#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Audio",DEFAULT=YES,'
                     f'AUTOSELECT=YES,CHANNELS="{audio.get("channels", 2)}",URI="{audio["uri"]}"')
    if captions:
        group += f',SUBTITLES="{SUBTITLES_GROUP}"'
        lines += subtitle_renditions(captions)
    extra = (audio or {}).get("bandwidth", 0), (audio or {}).get("averageBandwidth", 0)
    for v in sorted(variants, key=lambda v: v["bandwidth"]):
        codecs = f'{v["codecs"]},{AUDIO_CODEC}' if audio else v["codecs"]
        attrs = [f"BANDWIDTH={v['bandwidth'] + extra[0]}",
                 f"AVERAGE-BANDWIDTH={v['averageBandwidth'] + extra[1]}",
                 f"RESOLUTION={v['width']}x{v['height']}", f'CODECS="{codecs}"']
        if v.get("frameRate"):
            attrs.append(f"FRAME-RATE={v['frameRate']:.3f}")
        lines += ["#EXT-X-STREAM-INF:" + ",".join(attrs) + group, v["uri"]]
    if audio:
        lines += [f'#EXT-X-STREAM-INF:BANDWIDTH={audio["bandwidth"]},'
                  f'AVERAGE-BANDWIDTH={audio["averageBandwidth"]},CODECS="{AUDIO_CODEC}"'
                  f"{group}", audio["uri"]]
    for v in sorted(variants, key=lambda v: v["bandwidth"]):
        if v.get("iframeUri"):
            lines.append(f"#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH={v['iframeBandwidth']},"
                         f"RESOLUTION={v['width']}x{v['height']},"
                         f'CODECS="{v["codecs"]}",URI="{v["iframeUri"]}"')
    return "\n".join(lines) + "\n"


def _ours(renditions: list[dict]) -> bool:
    """Renditions the ffmpeg backend recorded (with what the master lists), not names only."""
    return bool(renditions) and all("uri" in r and "bandwidth" in r for r in renditions)


def master_text(doc: dict) -> str | None:
    """The master playlist for what is ready; None while nothing plays yet (or, for a video
    whose master another transcoder writes, always: see with_captions)."""
    transcode = doc.get("transcode") or {}
    renditions = doc.get("renditions") or []
    if not _ours(renditions) or (transcode.get("hasAudio") and not transcode.get("audio")):
        return None
    return master_playlist(renditions, transcode.get("audio"), doc.get("captions") or [])


def with_captions(text: str, captions: list[dict]) -> str:
    """Another transcoder's master with its SUBTITLES group replaced by `captions`' (none:
    removed). Variants (EXT-X-STREAM-INF) refer to the group; nothing else changes."""
    kept = [line for line in text.replace("\r\n", "\n").split("\n")
            if not (line.startswith("#EXT-X-MEDIA:") and "TYPE=SUBTITLES" in line)]
    out: list[str] = []
    placed = False
    for line in kept:
        if line.startswith("#EXT-X-STREAM-INF:"):
            attrs = ",".join(a for a in _attributes(line[len("#EXT-X-STREAM-INF:"):])
                             if not a.startswith("SUBTITLES="))
            if captions:
                attrs += f',SUBTITLES="{SUBTITLES_GROUP}"'
            if not placed:  # the group goes before the first variant that names it
                out += subtitle_renditions(captions)
                placed = True
            line = "#EXT-X-STREAM-INF:" + attrs
        out.append(line)
    return "\n".join(out).rstrip("\n") + "\n"


def _attributes(text: str) -> list[str]:
    """An attribute list split on the commas outside quoted strings."""
    pieces, current, quoted = [], "", False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            pieces.append(current)
            current = ""
        else:
            current += ch
    pieces.append(current)
    return [p for p in pieces if p]


def _spliced(bucket: str, key: str, doc: dict) -> str | None:
    """The master another transcoder wrote (None until it has), with the doc's captions."""
    if not doc.get("hlsKey"):
        return None
    try:
        body = storage.get_s3().get_object(Bucket=bucket, Key=key)["Body"].read()
    except Exception as exc:
        if storage.object_missing(exc):
            return None
        raise
    return with_captions(body.decode("utf-8"), doc.get("captions") or [])


def write_master(db: Database, bucket: str, video_id: VideoId, run_id: str) -> None:
    """The transcoder's write, as a rung or the audio finishes: the master for what is ready
    now. A stale run (`run_id` no longer the video's) writes nothing."""
    _write_until_stable(db, bucket, video_id, {"_id": video_id, "transcode.runId": run_id},
                        master_text)


def rewrite_master(db: Database, bucket: str, video_id: VideoId) -> None:
    """After a caption change: the master rendered from the document, or, for a video whose
    master another transcoder wrote, that master with the captions spliced in (nothing while
    neither exists: the transcoder's first write will list them)."""
    key = media_keys.master_key(video_id)

    def render(doc: dict) -> str | None:
        text = master_text(doc)
        if text is None and doc.get("renditions") and not _ours(doc["renditions"]):
            text = _spliced(bucket, key, doc)
        return text
    _write_until_stable(db, bucket, video_id, {"_id": video_id}, render)


def _write_until_stable(db: Database, bucket: str, video_id: VideoId, guard: dict,
                        render: Callable[[dict], str | None]) -> None:
    """Whoever writes reads the video again afterwards and writes again if a rendition or a
    caption arrived meanwhile, so the last write always holds every one, whatever order
    concurrent writers (transcoder parts, caption confirms) finish in."""
    key = media_keys.master_key(video_id)
    written = None
    for _ in range(_REWRITES):
        doc = db.videos.find_one(guard, {"renditions": 1, "transcode": 1, "captions": 1,
                                         "hlsKey": 1})
        text = render(doc) if doc is not None else None
        if text is None or text == written:
            return
        put_text(bucket, key, text, cache=MASTER_CACHE)
        written = text


def list_captions_once_published(db: Database, bucket: str, video_id: VideoId | None) -> None:
    """After another transcoder published a video (MediaConvert's COMPLETE event, the
    webhook): captions confirmed while it was processing had no master to join; splice them
    into the one the job wrote. Nothing for a video without captions."""
    if video_id is not None and db.videos.count_documents(
            {"_id": video_id, "captions.0": {"$exists": True}}, limit=1):
        rewrite_master(db, bucket, video_id)
