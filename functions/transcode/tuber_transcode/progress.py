"""Transcoding progress: ffmpeg's `-progress` output turned into a percentage of the probed
duration, written onto the video (`progressPercent`) at most every
PROGRESS_INTERVAL_SECONDS, and only ever upwards (Mongo's `$max`, so even a late or
concurrent write cannot lower it). MediaConvert reports no percentage in its events: videos
transcoded there show 0 until they are published."""
from __future__ import annotations

import time
from typing import Callable, Iterable

from aws_lambda_powertools import Logger
from pymongo.database import Database

from tuber_common.ids import VideoId
from tuber_common.videos import PROCESSING

logger = Logger(child=True)
# Encoding done is not yet published: the last percent is written when ffmpeg has finished.
ENCODING_CEILING = 99


def parse_out_time(line: str) -> float | None:
    """Seconds encoded so far from one `-progress` line (`out_time_us=` or, despite its
    name also in microseconds, `out_time_ms=`); None for any other line or "N/A"."""
    key, _, value = line.strip().partition("=")
    if key not in ("out_time_us", "out_time_ms"):
        return None
    try:
        micros = int(value)
    except ValueError:
        return None
    return max(0.0, micros / 1_000_000)


class Reporter:
    """Turns encoded seconds into throttled, monotonic percent writes."""

    def __init__(self, write: Callable[[int], None], duration_seconds: float | None,
                 interval_seconds: float, clock: Callable[[], float] = time.monotonic):
        self._write = write
        self._duration = duration_seconds if duration_seconds and duration_seconds > 0 else None
        self._interval = interval_seconds
        self._clock = clock
        self._last_percent = -1
        self._last_at: float | None = None

    def encoded(self, seconds: float) -> None:
        if self._duration is None:
            return  # no duration, no percentage: only the final 100
        percent = min(ENCODING_CEILING, int(seconds * 100 / self._duration))
        self._offer(percent, force=False)

    def finished(self) -> None:
        self._offer(100, force=True)

    def _offer(self, percent: int, force: bool) -> None:
        if percent <= self._last_percent:
            return
        now = self._clock()
        if not force and self._last_at is not None and now - self._last_at < self._interval:
            return
        try:
            self._write(percent)
        except Exception:  # progress is a courtesy: it never breaks a transcode
            logger.warning("could not record transcode progress", exc_info=True)
            return
        self._last_percent, self._last_at = percent, now


def feed(lines: Iterable[str], reporter: Reporter) -> None:
    """Read ffmpeg's progress stream to its end (ffmpeg blocks if nobody reads it)."""
    for line in lines:
        seconds = parse_out_time(line)
        if seconds is not None:
            reporter.encoded(seconds)


def database_writer(db: Database, video_id: VideoId) -> Callable[[int], None]:
    def write(percent: int) -> None:
        db.videos.update_one({"_id": video_id, "status": PROCESSING},
                             {"$max": {"progressPercent": percent}})
    return write
