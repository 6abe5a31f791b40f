"""Request bodies of /history (its query strings: tuber_common.request_models), validated by
Powertools before a route runs."""
from __future__ import annotations

from typing import Optional

from pydantic import Field, model_validator

from tuber_common.request_models import Body

# A position beyond any video's length is a client's bug, not a clamp (a week).
MAX_POSITION_SECONDS = 7 * 24 * 3600
# Safe in a JavaScript number (a player may send Date.now() or a counter).
MAX_SEQUENCE = 2 ** 53 - 1


class PositionReportBody(Body):
    # Where the player is, in seconds (clamped to the video's length).
    positionSeconds: float = Field(ge=0, le=MAX_POSITION_SECONDS, strict=True,
                                   allow_inf_nan=False)
    # One playback (a page's player) and its reports in order: an older report that
    # arrives after a newer one changes nothing. Both or neither.
    playbackId: Optional[str] = Field(default=None, min_length=1, max_length=64,
                                      pattern=r"^[A-Za-z0-9_-]+$")
    sequence: Optional[int] = Field(default=None, ge=0, le=MAX_SEQUENCE, strict=True)

    @model_validator(mode="after")
    def _both_or_neither(self) -> "PositionReportBody":
        if (self.playbackId is None) != (self.sequence is None):
            raise ValueError("playbackId and sequence go together")
        return self


class HistorySettingsBody(Body):
    paused: bool = Field(strict=True)
