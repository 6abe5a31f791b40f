"""The bodies of the /like answers (docs/API.md "Likes"): documentation only, named by the
routes' decorators (tuber_common.openapi.operation) and never imported by the function
(cold start). GET /like/me answers a VideoPage (tuber_common.response_models)."""
from __future__ import annotations

from pydantic import Field

from tuber_common.response_models import Answer, Count, Rating


class RatingSummary(Answer):
    likeCount: Count
    dislikeCount: Count
    myRating: Rating = Field(description="none when anonymous")
