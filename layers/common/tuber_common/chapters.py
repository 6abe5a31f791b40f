"""Chapters from a video's description (docs/API.md "Chapters"), as YouTube reads them.

Lines that start with a timestamp (`m:ss`, `mm:ss`, `h:mm:ss`; leading spaces allowed)
followed by a title (`0:00 Intro`, `1:02:03 - Part two`: a dash, colon or bar between them is
dropped) are the chapters, when they are all valid together: the first at 0:00, each later
than the one before, at least MIN_CHAPTERS of them. Otherwise the video has none (a list that
breaks a rule is the author's to fix, not ours to guess). Other lines are ignored, and so is
a timestamp line without a title. Given the video's duration, chapters that start at or after
its end are left out (and then the rest must still be MIN_CHAPTERS).

Computed when the video is read, not stored: the description stays the one source (no copy
to go stale, nothing to backfill for older videos, a rule change applies to every video), the
duration is only known after transcoding, and a description is at most 5000 characters: a few
microseconds of parsing for the one video GET /video/{id} answers (lists carry no chapters).
"""
from __future__ import annotations

import re

MIN_CHAPTERS = 2
MAX_TITLE_CHARS = 100

# ASCII digits only (re.ASCII): int() would take other scripts' digits too.
_LINE = re.compile(
    r"[ \t]*(?:(?P<h>\d{1,2}):(?P<hm>[0-5]\d)|(?P<m>\d{1,2})):(?P<s>[0-5]\d)"
    r"(?:[ \t]+(?:[-\u2013\u2014:|][ \t]+)?(?P<title>\S.*))?[ \t]*$", re.ASCII)


def _seconds(match: re.Match) -> int:
    if match["h"] is not None:
        return int(match["h"]) * 3600 + int(match["hm"]) * 60 + int(match["s"])
    return int(match["m"]) * 60 + int(match["s"])


def parse_chapters(description: str, duration_seconds: float | None = None) -> list[dict]:
    """[{startSeconds, title}] in order, or [] when the description has no valid list."""
    chapters: list[dict] = []
    for line in (description or "").splitlines():
        match = _LINE.match(line)
        if match is None or match["title"] is None:
            continue
        start = _seconds(match)
        if chapters and start <= chapters[-1]["startSeconds"]:
            return []
        if not chapters and start != 0:
            return []
        chapters.append({"startSeconds": start,
                         "title": match["title"].strip()[:MAX_TITLE_CHARS].rstrip()})
    if duration_seconds is not None:
        chapters = [c for c in chapters if c["startSeconds"] < duration_seconds]
    return chapters if len(chapters) >= MIN_CHAPTERS else []
