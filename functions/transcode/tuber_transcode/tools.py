"""Finding and running ffmpeg / ffprobe (a setting, else /opt/bin (an ffmpeg Lambda layer),
else PATH), probing an upload, and the limits on what the transcoder accepts."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass
from fractions import Fraction

from tuber_common.settings import get_settings

LAYER_BIN = "/opt/bin"
# Reading headers only (and the first seconds ffprobe decodes to fill in stream parameters):
# a second for any real upload, local or over the presigned URL, decompression bombs included.
PROBE_TIMEOUT_SECONDS = 30
# Only for a source whose container states no duration (live-written WebM/MKV, e.g. a
# browser's MediaRecorder): every video packet is read, without decoding, to find its end.
SCAN_TIMEOUT_SECONDS = 180

# The demuxers real cameras, phones, screen recorders and editors produce (ffmpeg's names;
# each is also what `ffmpeg -f` takes): MP4/MOV/3GP/M4V, Matroska/WebM, MPEG-TS (AVCHD
# .mts), MPEG-PS (.mpg, .vob), AVI, FLV, MXF, Ogg, ASF (.wmv) and DV. ffprobe may open no
# other (-format_whitelist), so playlists (hls, dash), scripts (concat), image sequences and
# single images (image2, *_pipe), devices, lavfi, tty or sdp are refused before they read
# anything, and none of these opens another file (the mov demuxer's external data
# references are off by default).
ALLOWED_CONTAINERS = ("mov", "matroska", "mpegts", "mpeg", "avi", "flv", "mxf", "ogg", "asf",
                      "dv")
# Beyond the pixel count: H.264 levels (and most players) stop at 8192 a side.
MAX_SIDE = 8192


class NotAVideo(Exception):
    """ffprobe found no readable video stream: the upload is corrupt or not a video."""


class OutOfLimits(Exception):
    """The upload is a video we do not accept: str(exc) is the FAILED reason shown to its
    owner (a container not allowed, too long, too many pixels, too fast, a decompression
    bomb). Raised by check_limits, and by probe for a container not allowed (its demuxer
    is never run)."""


def tool(name: str) -> str:
    configured = getattr(get_settings(), f"{name}_path")
    if configured:
        return configured
    in_layer = os.path.join(LAYER_BIN, name)
    if os.access(in_layer, os.X_OK):
        return in_layer
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} not found (set {name.upper()}_PATH or add an ffmpeg layer)")
    return found


@dataclass(frozen=True)
class Probe:
    width: int          # display width: rotation and pixel aspect ratio applied
    height: int
    fps: float
    has_audio: bool
    duration_seconds: float | None
    # The demuxer that read it (ffprobe's first format name): encoders force the same one.
    demuxer: str | None = None
    # Where the source's timeline starts (ffprobe's format start_time; often 0, 1.4 in some
    # MPEG-TS): chunk boundaries are measured from here.
    start_seconds: float = 0.0
    # The first audio stream's "codec/profile/channels/sample rate" ("aac/LC/2/48000"):
    # audio HLS players take as it is can be copied instead of encoded again.
    audio_format: str | None = None
    # Where the pictures end, from the source's start, when the video stream says (the
    # container's duration may be the sound's, a little longer): the chunks stop there.
    video_seconds: float | None = None


def _video_seconds(fmt: dict, video: dict) -> float | None:
    try:
        end = float(video.get("start_time") or 0) + float(video["duration"])
        value = end - float(fmt.get("start_time") or 0)
    except (KeyError, TypeError, ValueError):
        return None
    return round(value, 3) if value > 0 else None


def _audio_format(streams: list[dict]) -> str | None:
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    if audio is None:
        return None
    return "/".join(str(audio.get(k) or "") for k in
                    ("codec_name", "profile", "channels", "sample_rate"))


def _rate(value) -> float | None:
    """A frame rate as ffprobe writes it ("30000/1001"); None when unknown ("0/0")."""
    try:
        rate = float(Fraction(str(value or "0/1")))
    except (ValueError, ZeroDivisionError):
        return None
    return rate if rate > 0 else None


def _fps(stream: dict, packets: tuple[int, float] | None = None) -> float:
    """The source's true frame rate: the average ffprobe measured (frames over duration in
    MP4/MOV; over the frames it read elsewhere), else packets counted over their span, else
    the container's base rate. Not capped: the limits judge it, the ladder derives the
    output's rate from it."""
    average = _rate(stream.get("avg_frame_rate"))
    if average:
        return average
    if packets and packets[0] > 1 and packets[1] > 0:
        return packets[0] / packets[1]
    return _rate(stream.get("r_frame_rate")) or 30.0


def _rotation(stream: dict) -> int:
    for side in stream.get("side_data_list") or []:
        if "rotation" in side:
            return int(float(side["rotation"]))
    try:
        return int((stream.get("tags") or {}).get("rotate", 0))
    except ValueError:
        return 0


def _start_seconds(fmt: dict) -> float:
    try:
        start = float(fmt.get("start_time") or 0)
    except (TypeError, ValueError):
        return 0.0
    return start if 0 <= start < 86400 else 0.0


def _video_stream(data: dict) -> dict:
    video = next((s for s in data.get("streams") or [] if s.get("codec_type") == "video"
                  and not (s.get("disposition") or {}).get("attached_pic")
                  and s.get("width") and s.get("height")), None)
    if video is None:
        raise NotAVideo("no video stream")
    return video


def _duration(data: dict, video: dict) -> float | None:
    for source in (data.get("format") or {}, video):
        try:
            duration = float(source["duration"])
        except (KeyError, TypeError, ValueError):
            continue
        if duration > 0:
            return duration
    return None


def parse_probe(data: dict, packets: tuple[int, float] | None = None) -> Probe:
    """ffprobe's JSON (-show_format -show_streams) as a Probe. `packets`: (count, seconds
    spanned) of the video stream's packets, from a scan, for a container that states no
    duration or rate."""
    streams = data.get("streams") or []
    video = _video_stream(data)
    width, height = int(video["width"]), int(video["height"])
    try:
        sar = Fraction(str(video.get("sample_aspect_ratio") or "1:1").replace(":", "/"))
    except (ValueError, ZeroDivisionError):
        sar = Fraction(1)
    if sar > 0 and sar != 1:
        width = int(round(width * sar))
    if abs(_rotation(video)) % 180 == 90:
        width, height = height, width
    duration = _duration(data, video)
    if duration is None and packets and packets[1] > 0:
        duration = packets[1]
    # The source's own rate, uncapped: the ladder keeps every n-th frame above 60 fps
    # (ladder.output_frame_rate), and the limits judge the real rate.
    return Probe(width=width, height=height, fps=_fps(video, packets),
                 has_audio=any(s.get("codec_type") == "audio" for s in streams),
                 duration_seconds=round(duration, 3) if duration else None,
                 demuxer=(str((data.get("format") or {}).get("format_name") or "")
                          .split(",")[0] or None),
                 start_seconds=_start_seconds(data.get("format") or {}),
                 audio_format=_audio_format(streams),
                 video_seconds=_video_seconds(data.get("format") or {}, video))


_NOT_ALLOWED = re.compile(rb"\[([\w-]+) @ (?:0x)?[0-9a-fA-F]+\] Format not on whitelist")


def _ffprobe(source: str, options: list[str]) -> list[str]:
    """ffprobe, confined: only the source's own protocol, only the allowed demuxers."""
    return [tool("ffprobe"), "-v", "error", "-hide_banner", *source_options(source),
            "-format_whitelist", ",".join(ALLOWED_CONTAINERS), *options, source]


def probe(source: str) -> Probe:
    """Probe a local file or presigned URL. NotAVideo when it holds no readable video;
    OutOfLimits when its container is not one we accept (refused on detection: the
    demuxer of a playlist or script never runs)."""
    try:
        done = subprocess.run(
            _ffprobe(source, ["-print_format", "json", "-show_format", "-show_streams"]),
            capture_output=True, timeout=PROBE_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise NotAVideo("probing timed out") from None
    if done.returncode != 0:
        refused = _NOT_ALLOWED.search(done.stderr or b"")
        if refused:
            raise OutOfLimits(container_reason(refused.group(1).decode()))
        raise NotAVideo("unreadable")
    try:
        data = json.loads(done.stdout or b"{}")
        video = _video_stream(data)
        packets = None
        if _duration(data, video) is None or _rate(video.get("avg_frame_rate")) is None:
            packets = _scan(source, str((data.get("format") or {}).get("format_name") or "")
                            .split(",")[0], int(video.get("index") or 0))
        return parse_probe(data, packets)
    except ValueError:
        raise NotAVideo("unreadable") from None


def _scan(source: str, demuxer: str, index: int) -> tuple[int, float]:
    """(count, seconds spanned) of one stream's packets: demuxed to the end, never decoded."""
    forced = ["-f", demuxer] if demuxer else []
    proc = subprocess.Popen(
        _ffprobe(source, [*forced, "-select_streams", str(index), "-show_entries",
                          "packet=pts_time,dts_time,duration_time", "-of", "csv=p=0"]),
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    timer = threading.Timer(SCAN_TIMEOUT_SECONDS, proc.kill)
    timer.start()
    count, first, last = 0, None, None
    try:
        for line in proc.stdout:  # streamed: hours of packets are never held in memory
            fields = line.decode(errors="replace").strip().split(",")
            times = [float(f) for f in fields[:2] if f and f != "N/A"]
            if not times:
                continue
            duration = float(fields[2]) if len(fields) > 2 and fields[2] not in ("", "N/A") \
                else 0.0
            count += 1
            first = times[0] if first is None else min(first, times[0])
            last = times[0] + duration if last is None else max(last, times[0] + duration)
        returncode = proc.wait()
    finally:
        timer.cancel()
        proc.kill()
        proc.wait()
    if returncode != 0 or count == 0:
        raise NotAVideo("probing timed out" if returncode < 0 else "no video packets")
    return count, max(0.0, last - first)


def _clock(seconds: float) -> str:
    whole = int(round(seconds))
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def container_reason(demuxer: str | None) -> str:
    return (f"the file's format ({demuxer or 'unknown'}) is not one we accept: upload a "
            "video file such as MP4, MOV, WebM or MKV")


def check_limits(probe: Probe, size_bytes: int) -> None:
    """Refuse what we will not encode, from the probe alone (before any encoding): each
    limit its own OutOfLimits, whose text is the FAILED reason."""
    settings = get_settings()
    if probe.demuxer not in ALLOWED_CONTAINERS:
        raise OutOfLimits(container_reason(probe.demuxer))
    duration = probe.duration_seconds
    if not duration:
        raise OutOfLimits("the video's length could not be determined")
    if duration > settings.transcode_max_duration_seconds:
        raise OutOfLimits(f"the video is too long: {_clock(duration)} "
                          f"(at most {_clock(settings.transcode_max_duration_seconds)})")
    pixels = probe.width * probe.height
    if pixels > settings.transcode_max_pixels or max(probe.width, probe.height) > MAX_SIDE:
        raise OutOfLimits(
            f"the video's picture is too large: {probe.width}x{probe.height} (at most "
            f"{settings.transcode_max_pixels / 1e6:.1f} megapixels, {MAX_SIDE} pixels a side)")
    if probe.fps > settings.transcode_max_fps:
        raise OutOfLimits(f"the video's frame rate is too high: {probe.fps:.3g} fps "
                          f"(at most {settings.transcode_max_fps:g})")
    # Decoded pixels (width x height x fps x duration) per byte of upload: a tiny file that
    # decodes to hours of picture costs the encoders as much as a real one. Measured with
    # ffmpeg 5.1 (10-20 s clips, default GOP, whole file size): moving 1080p30 (testsrc2,
    # x264 veryfast, AAC) 91, and a phone's 1080p30 at 17 Mbit/s is 29 by its bitrate; a
    # 1080p still picture with sound (AAC 128k / Opus 64k, the "music video" case)
    # 2,000-3,000, black 1080p30 with sound 3,200, a silent still picture at 1080p60 5,600.
    # Bombs from lavfi color=black 1080p60: x264 CRF 51 24,400 (preset medium, 85 bytes a
    # frame) and 48,400 (ultrafast; 46,300 in an MKV stating no duration), VP9 CRF 63
    # realtime 35,100. The default, 12,000, is 2x above the silent still picture and 2x
    # below the mildest bomb.
    limit = settings.transcode_max_pixels_per_byte
    density = pixels * probe.fps * duration / max(1, size_bytes)
    if limit and density > limit:
        raise OutOfLimits(
            f"the video is implausibly compressed for its size: {density:,.0f} decoded pixels "
            f"per byte (at most {limit:,.0f}), as in a decompression bomb")


def source_options(source: str) -> list[str]:
    """The only protocols ffmpeg may open for `source` and, over https, the certificate
    check ffmpeg skips by default (the same CA bundle boto3 trusts)."""
    options = ["-protocol_whitelist", protocols_for(source)]
    if source.startswith("https://"):
        from botocore.httpsession import get_cert_path
        options += ["-tls_verify", "1", "-ca_file", get_cert_path(True)]
    return options


def protocols_for(source: str) -> str:
    """The only protocols ffmpeg may open for `source`: a local file, or the presigned
    http(s) URL of the upload itself (never what a playlist or reference inside it names)."""
    if source.startswith("https://"):
        return "https,tls,tcp"
    if source.startswith("http://"):
        return "http,tcp"
    return "file"


def input_args(probe: Probe, source: str) -> list[str]:
    """ffmpeg's input options for a probed source: the demuxer that probed it, forced, and
    only the protocol the source itself needs."""
    forced = ["-f", probe.demuxer] if probe.demuxer else []
    return [*source_options(source),
            "-format_whitelist", ",".join(ALLOWED_CONTAINERS), *forced, "-i", source]
