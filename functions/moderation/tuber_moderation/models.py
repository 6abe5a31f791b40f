"""Request bodies of /report and /admin (query strings: tuber_common.request_models),
validated by Powertools before a route runs."""
from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field

from tuber_common.request_models import Body

# The reasons a viewer may pick (docs/API.md "Moderation"), as most platforms list them.
Reason = Literal["spam", "harassment", "hate", "violence", "sexual", "copyright",
                 "misinformation", "other"]
MAX_NOTE = 1000


class ReportBody(Body):
    targetType: Literal["video", "comment", "user"]
    targetId: str = Field(min_length=1, max_length=64)
    reason: Reason
    note: Optional[str] = Field(default=None, max_length=MAX_NOTE)


class ResolveBody(Body):
    action: Literal["dismiss", "takedown", "suspend"]
    # What the owner is told (takedown, suspend); the reporters' most given reason if left out.
    reason: Optional[Reason] = None
    note: Optional[str] = Field(default=None, max_length=MAX_NOTE)


class RoleBody(Body):
    role: Literal["user", "moderator", "admin"]
