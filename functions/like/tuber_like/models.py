"""Request bodies and query strings of /like, validated by Powertools before a route runs."""
from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, ConfigDict

from tuber_common.pagination import DEFAULT_LIMIT, MAX_LIMIT


class RateBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    # YouTube's videos.rate: "none" withdraws the caller's rating.
    rating: Literal["like", "dislike", "none"]


Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=512)]
DEFAULT = DEFAULT_LIMIT
