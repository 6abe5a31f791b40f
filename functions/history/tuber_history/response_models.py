"""The bodies of the /history answers (docs/API.md "Watch history"): documentation only,
named by the routes' decorators (tuber_common.openapi.operation) and never imported by the
function (cold start)."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from tuber_common.response_models import Absent, Answer, Page, Video

Seconds = Annotated[float, Field(ge=0)]


class HistoryEntry(Answer):
    video: Video
    positionSeconds: Seconds = Field(description="where the player was last reported")
    watched: bool = Field(description="watched to the end (10 s or the last 5% left)")
    resumeAtSeconds: Seconds = Field(description="where to resume: positionSeconds, or 0 "
                                                 "once watched")
    lastWatchedAt: datetime


class HistoryPage(Page[HistoryEntry]):
    """A page of the caller's history, last watched first."""
    paused: bool = Field(description="whether recording is paused (PUT /history/settings)")


class HistoryReport(Answer):
    recorded: bool = Field(description="false: paused, or an older report of the playback")
    paused: bool
    reason: Literal["history_paused", "stale_report"] | Absent = Field(
        default=None, description="why nothing was recorded (only when recorded is false)")
    positionSeconds: Seconds | Absent = Field(default=None,
                                              description="as stored (clamped to the length)")
    watched: bool | Absent = None
    resumeAtSeconds: Seconds | Absent = None
    lastWatchedAt: datetime | Absent = None


class HistorySettings(Answer):
    paused: bool
