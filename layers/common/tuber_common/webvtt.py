"""WebVTT captions: the checker an uploaded file must pass, and the segmenter that cuts it into
the segmented WebVTT an HLS SUBTITLES rendition plays. Pure functions, no I/O.

The checker follows the WebVTT file syntax (W3C WebVTT, section 4): UTF-8 (a BOM allowed),
a "WEBVTT" signature line, header lines without "-->", then blocks separated by blank
lines: NOTE comments, STYLE and REGION blocks before the first cue, and cues (an optional
identifier line, a timing line `start --> end [settings]`, payload lines). Cue start times
never go back, every cue ends after it starts, and no cue ends past the video (with
END_SLACK_SECONDS: a stream's measured duration is rounded). Anything else is refused with
the line it stopped at, so the owner can fix the file.

The segmenter writes one WebVTT file per segment of the video's segment duration, each
holding every cue that overlaps it (a cue across a boundary is in both: players drop the
repeat), with cue times left absolute and an X-TIMESTAMP-MAP header that says local time 0
is the MPEG-TS timestamp of the video's first frame (hls.js and Safari place cues by it).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .errors import ValidationFailed

# A cue may end this far past the measured duration (durations are rounded to milliseconds
# and audio may run a frame longer than the picture).
END_SLACK_SECONDS = 0.5
_TIME = r"(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
_TIMING = re.compile(rf"^{_TIME}[ \t]+-->[ \t]+{_TIME}(?:[ \t]+(.*))?$")
_SIGNATURE = re.compile(r"^WEBVTT(?:[ \t].*)?$")


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    timing: str                # the timing line as written (times and settings)
    lines: tuple[str, ...] = ()  # the identifier line (when `identifier`), then the payload
    identifier: int = 0        # 1 when the cue has an identifier line


@dataclass(frozen=True)
class Captions:
    cues: tuple[Cue, ...]
    blocks: tuple[str, ...]  # STYLE and REGION blocks, kept in every segment's header


def _invalid(message: str, line: int, code: str = "invalid_webvtt") -> ValidationFailed:
    return ValidationFailed(f"{message} (line {line})", code=code, details={"line": line})


def _seconds(hours: str | None, minutes: str, seconds: str, millis: str) -> float:
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000


def vtt_time(seconds: float) -> str:
    millis = int(round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def decode(data: bytes) -> str:
    """The file's text: strict UTF-8 (a BOM dropped), line ends as LF."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationFailed("captions must be UTF-8 text", code="invalid_webvtt",
                               details={"line": data[:exc.start].count(b"\n") + 1}) from None
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        raise ValidationFailed("captions must not contain NUL characters", code="invalid_webvtt",
                               details={"line": text[:text.index("\x00")].count("\n") + 1})
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse(data: bytes, duration_seconds: float | None) -> Captions:
    """Check an uploaded file; its cues and STYLE/REGION blocks. Raises ValidationFailed
    (`invalid_webvtt`, `cue_out_of_range`) with the line at fault."""
    lines = decode(data).split("\n")
    if not _SIGNATURE.match(lines[0]):
        raise _invalid('a WebVTT file starts with the line "WEBVTT"', 1)
    at = 1
    while at < len(lines) and lines[at] != "":  # the header
        if "-->" in lines[at]:
            raise _invalid('the "WEBVTT" line must be followed by a blank line', at + 1)
        at += 1
    cues: list[Cue] = []
    blocks: list[str] = []
    while at < len(lines):
        if lines[at] == "":
            at += 1
            continue
        first, block = at, []
        while at < len(lines) and lines[at] != "":
            block.append(lines[at])
            at += 1
        head = block[0]
        if re.match(r"^NOTE(?:[ \t]|$)", head):
            if any("-->" in line for line in block):
                raise _invalid('a NOTE must not contain "-->"', first + 1)
            continue
        if head in ("STYLE", "REGION") or re.match(r"^(STYLE|REGION)[ \t]*$", head):
            if cues:
                raise _invalid(f"{head.strip()} blocks must come before the first cue",
                               first + 1)
            if any("-->" in line for line in block):
                raise _invalid(f'a {head.strip()} block must not contain "-->"', first + 1)
            blocks.append("\n".join(block))
            continue
        cues.append(_cue(block, first, cues[-1] if cues else None, duration_seconds))
    if not cues:
        raise ValidationFailed("the file holds no cue", code="invalid_webvtt",
                               details={"line": len(lines)})
    return Captions(tuple(cues), tuple(blocks))


def _cue(block: list[str], first: int, previous: Cue | None,
         duration_seconds: float | None) -> Cue:
    timing_at = 0 if "-->" in block[0] else 1
    if timing_at == 1 and re.match(_TIME, block[0]):
        timing_at = 0  # a mistyped timing line, not an identifier: say so at that line
    if timing_at >= len(block):
        raise _invalid("a cue needs a timing line (00:00:01.000 --> 00:00:02.000)", first + 1)
    line_no = first + timing_at + 1
    match = _TIMING.match(block[timing_at])
    if match is None:
        raise _invalid("a cue timing line is start --> end, each [hh:]mm:ss.ttt", line_no)
    start, end = _seconds(*match.group(1, 2, 3, 4)), _seconds(*match.group(5, 6, 7, 8))
    if end <= start:
        raise _invalid("a cue must end after it starts", line_no)
    if previous is not None and start < previous.start:
        raise _invalid("cues must be in order of their start times", line_no)
    if any("-->" in line for line in block[timing_at + 1:]):
        raise _invalid('a cue\'s text must not contain "-->" (a blank line ends a cue)',
                       line_no + 1)
    if duration_seconds is not None and end > duration_seconds + END_SLACK_SECONDS:
        raise ValidationFailed(
            f"the cue at line {line_no} ends at {vtt_time(end)}, after the video's end "
            f"({vtt_time(duration_seconds)})", code="cue_out_of_range",
            details={"line": line_no, "cueEndSeconds": end,
                     "durationSeconds": duration_seconds})
    return Cue(start, end, block[timing_at].strip(),
               tuple(block[:timing_at]) + tuple(block[timing_at + 1:]), timing_at)


def segments(captions: Captions, duration_seconds: float, segment_seconds: float,
             mpegts_origin: int) -> list[tuple[float, str]]:
    """(duration, WebVTT text) of each segment covering [0, duration_seconds): the cues that
    overlap it, times absolute, with the X-TIMESTAMP-MAP that puts local 0 at
    `mpegts_origin` (90 kHz)."""
    count = max(1, math.ceil(duration_seconds / segment_seconds - 1e-9))
    header = ["WEBVTT", f"X-TIMESTAMP-MAP=MPEGTS:{mpegts_origin},LOCAL:00:00:00.000"]
    out = []
    for index in range(count):
        start = index * segment_seconds
        end = duration_seconds if index == count - 1 else start + segment_seconds
        # The last segment also takes cues in the slack past the end.
        inside = [c for c in captions.cues if (c.start < end and c.end > start)
                  or (index == count - 1 and c.start >= end)]
        out.append((max(end - start, 0.001), render(captions, inside, header)))
    return out


def render(captions: Captions, cues: list[Cue] | tuple[Cue, ...] | None = None,
           header: list[str] | None = None) -> str:
    """A WebVTT file of `cues` (all by default) with the file's STYLE/REGION blocks."""
    chosen = captions.cues if cues is None else cues
    parts = ["\n".join(header or ["WEBVTT"])] + list(captions.blocks)
    parts += ["\n".join(c.lines[:c.identifier] + (c.timing,) + c.lines[c.identifier:])
              for c in chosen]
    return "\n\n".join(parts) + "\n"


def playlist(durations: list[float], uris: list[str]) -> str:
    """The subtitle media playlist of the segments (VOD)."""
    target = max([math.ceil(d) for d in durations] or [1])
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{target}",
             "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-PLAYLIST-TYPE:VOD"]
    for duration, uri in zip(durations, uris):
        lines += [f"#EXTINF:{duration:.6f},", uri]
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"
