"""Pure rules of the like function: counter moves and request models."""

import pytest
from pydantic import ValidationError

from tuber_like.models import RateBody
from tuber_like.ratings import counter_delta


@pytest.mark.parametrize("before,after,inc", [
    (None, "like", {"likeCount": 1}),
    (None, "dislike", {"dislikeCount": 1}),
    ("like", "dislike", {"likeCount": -1, "dislikeCount": 1}),
    ("dislike", "like", {"dislikeCount": -1, "likeCount": 1}),
    ("like", None, {"likeCount": -1}),
    ("dislike", None, {"dislikeCount": -1}),
    ("like", "like", {}),
    (None, None, {}),
])
def test_counter_delta_is_the_before_after_difference(before, after, inc):
    assert counter_delta(before, after) == inc


@pytest.mark.parametrize("rating", ["like", "dislike", "none"])
def test_rate_body_accepts_the_three_ratings(rating):
    assert RateBody(rating=rating).rating == rating


@pytest.mark.parametrize("rating", ["Like", "love", "", None, 1])
def test_rate_body_refuses_anything_else(rating):
    with pytest.raises(ValidationError):
        RateBody(rating=rating)

