"""Request bodies of /like (its query strings: tuber_common.request_models), validated by Powertools before a route runs."""
from __future__ import annotations

from typing import Literal

from tuber_common.request_models import Body


class RateBody(Body):
    # YouTube's videos.rate: "none" withdraws the caller's rating.
    rating: Literal["like", "dislike", "none"]

