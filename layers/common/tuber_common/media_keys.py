"""The media bucket's key layout, in one place: every function and the layer build and read
media keys with this module. tests/integration/test_media_keys.py checks template.yaml
against it (the transcode function's S3 event filter, the IAM and bucket policy resources,
the CDN's media paths, the lifecycle rule of unconfirmed uploads).

    raw/{videoId}/source                   the upload (presigned POST or multipart); an
                                           object created under raw/ starts the transcode
    hls/{videoId}/master.m3u8              master playlist (rewritten as rungs finish)
    hls/{videoId}/{rung}/index.m3u8        a rung's media playlist, its I-frame playlist
    hls/{videoId}/{rung}/iframes.m3u8      (iframes.m3u8) and segments seg_NNNNN.ts
    hls/{videoId}/audio/index.m3u8         the audio group (encoded once)
    hls/{videoId}/storyboard.vtt           seek-bar previews: cues on the sprites
    hls/{videoId}/storyboard/NNNNN.jpg     (one sprite per chunk)
    hls/{videoId}/thumb.jpg                the generated thumbnail (poster)
    hls/{videoId}/captions/{lang}-{random}/  a caption track: captions.vtt (the whole file),
                                           index.m3u8 (its subtitle playlist) and
                                           seg_NNNNN.vtt (segmented, for HLS players)
    thumbs/{videoId}/custom-{random}.{ext} custom thumbnails, checked and published
    incoming/thumbs/{videoId}/custom-...   custom thumbnails uploaded, not yet checked
    incoming/captions/{videoId}/{lang}.vtt a caption file uploaded, not yet checked

hls/ and thumbs/ are served by the CDN, each request signed (playback cookies for one
video's hls/{videoId}/, signed URLs for thumbnails); raw/ and incoming/ never are.
Names inside hls/{videoId}/ that playlists reference are relative to that folder.
"""
from __future__ import annotations

from .ids import VideoId, try_parse_video_id

# One assignment each: tests/support/aws_calls.py reads the keys the code builds from them.
RAW = "raw/"
HLS = "hls/"
THUMBS = "thumbs/"
INCOMING = "incoming/"
# Every top-level media folder (a web client prefix must not overlap any).
FOLDERS = (RAW, HLS, THUMBS, INCOMING)
# The folders the CDN serves (with a signature); the others are never read from outside.
SERVED = (HLS, THUMBS)
# Custom thumbnails wait here until checked (the bucket expires what stays).
STAGED_THUMBS = INCOMING + THUMBS
# Caption files too; checked ones live under hls/{videoId}/ (the playback cookies open them).
CAPTIONS = "captions/"
STAGED_CAPTIONS = INCOMING + CAPTIONS
CAPTION_FILE = "captions.vtt"

SOURCE = "source"
MASTER_PLAYLIST = "master.m3u8"
MEDIA_PLAYLIST = "index.m3u8"
IFRAME_PLAYLIST = "iframes.m3u8"
STORYBOARD = "storyboard.vtt"
STORYBOARD_FOLDER = "storyboard/"
POSTER = "thumb.jpg"
# The audio group's folder under hls/{videoId}/ (and the name of its transcode track).
AUDIO = "audio"


def raw_prefix(video_id: VideoId) -> str:
    return f"{RAW}{video_id}/"


def raw_key(video_id: VideoId) -> str:
    """The upload: the presigned POST and the multipart upload create exactly this key."""
    return f"{RAW}{video_id}/{SOURCE}"


def raw_video_id(key: str) -> VideoId | None:
    """The video an object under raw/{videoId}/ belongs to (either id format); None for any
    other key."""
    pieces = key.split("/")
    if len(pieces) < 3 or pieces[0] + "/" != RAW or not pieces[-1]:
        return None
    return try_parse_video_id(pieces[1])


def hls_prefix(video_id: VideoId) -> str:
    return f"{HLS}{video_id}/"


def master_key(video_id: VideoId) -> str:
    return hls_prefix(video_id) + MASTER_PLAYLIST


def storyboard_key(video_id: VideoId) -> str:
    return hls_prefix(video_id) + STORYBOARD


def poster_key(video_id: VideoId) -> str:
    return hls_prefix(video_id) + POSTER


def media_playlist_uri(track: str) -> str:
    """A track's media playlist, relative to hls/{videoId}/ (as the master names it)."""
    return f"{track}/{MEDIA_PLAYLIST}"


def iframe_playlist_uri(track: str) -> str:
    return f"{track}/{IFRAME_PLAYLIST}"


def sprite_uri(index: int) -> str:
    """Chunk `index`'s storyboard sprite, relative to hls/{videoId}/ (as the WebVTT names
    it)."""
    return f"{STORYBOARD_FOLDER}{index:05d}.jpg"


def staged_captions_prefix(video_id: VideoId) -> str:
    return f"{STAGED_CAPTIONS}{video_id}/"


def staged_caption_key(video_id: VideoId, language: str) -> str:
    """The one key a caption upload for `language` may create (a new upload replaces it)."""
    return f"{staged_captions_prefix(video_id)}{language}.vtt"


def caption_folder(video_id: VideoId, language: str, token: str) -> str:
    """A published caption track's folder: a fresh name per upload (no stale CDN copy)."""
    return f"{hls_prefix(video_id)}{CAPTIONS}{language}-{token}/"


def caption_folder_uri(file_key: str) -> str:
    """The folder of a caption's file key (hls/{id}/captions/{lang}-{token}/captions.vtt),
    relative to hls/{videoId}/ (as the master names it)."""
    pieces = file_key.split("/")
    return "/".join(pieces[2:-1]) + "/"


def caption_segment_uri(index: int) -> str:
    """Segment `index` of a caption track, relative to its folder (as its playlist names it)."""
    return f"seg_{index:05d}.vtt"


def thumbs_prefix(video_id: VideoId) -> str:
    return f"{THUMBS}{video_id}/"


def staged_thumbs_prefix(video_id: VideoId) -> str:
    return f"{STAGED_THUMBS}{video_id}/"


def video_prefixes(video_id: VideoId) -> list[str]:
    """Every folder that holds something of a video's: its upload, its HLS output, generated
    thumbnail and captions, its custom thumbnails (published and staged), its staged
    captions."""
    return [raw_prefix(video_id), hls_prefix(video_id), thumbs_prefix(video_id),
            staged_thumbs_prefix(video_id), staged_captions_prefix(video_id)]


def cdn_paths(video_id: VideoId) -> list[str]:
    """The CDN path patterns of a video's served media (for invalidation)."""
    return [f"/{hls_prefix(video_id)}*", f"/{thumbs_prefix(video_id)}*"]


def playback_path(video_id: VideoId) -> str:
    """The URL path the playback cookies open: the video's HLS folder."""
    return f"/{hls_prefix(video_id)}"
