"""Pure rules of the like function: counter moves, request models, no boto3 at cold start."""
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from tuber_like.models import RateBody
from tuber_like.ratings import counter_delta

ROOT = Path(__file__).resolve().parents[2]


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


def test_handler_does_not_import_boto3():
    # boto3 only: Powertools itself imports botocore when it is installed (to tag its user
    # agent), which the Lambda runtime has loaded anyway.
    code = ("import sys; import tuber_like.handler; "
            "sys.exit(1 if 'boto3' in sys.modules else 0)")
    paths = [str(ROOT / "layers/common"), str(ROOT / "functions/like")]
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            env={"PYTHONPATH": ":".join(paths)}, timeout=60)
    assert result.returncode == 0, result.stderr.decode()
