"""Request bodies of the view routes (tuber_video.views), validated by Powertools before a
route runs."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ViewReportBody(BaseModel):
    # Ignores other fields: `watchedSeconds`, which players sent before view sessions, no
    # longer counts for anything.
    model_config = ConfigDict(extra="ignore")

    # The token POST /video/{videoId}/view/start answered.
    viewSession: str = Field(min_length=1, max_length=512)
