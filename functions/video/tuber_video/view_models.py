"""Request bodies of the view routes (tuber_video.views), validated by Powertools before a
route runs."""
from __future__ import annotations

from pydantic import Field

from tuber_common.request_models import Body


class ViewReportBody(Body):
    # Ignores other fields (Body): `watchedSeconds`, which players sent before view
    # sessions, no longer counts for anything.

    # The token POST /video/{videoId}/view/start answered.
    viewSession: str = Field(min_length=1, max_length=512)
