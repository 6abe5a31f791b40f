"""Cold start: a function imports only what it uses. The functions that never call AWS do
not import boto3, and the video function loads it with its first S3 client, so a container
that starts on a feed or watch request never pays for it (boto3 only: Powertools itself
imports botocore when installed, to tag its user agent, which the Lambda runtime has loaded
anyway)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
API_FUNCTIONS = ["auth", "video", "like", "comment", "channel", "notification", "playlist",
                 "history", "moderation"]


def _handler_alone(function: str, code: str) -> None:
    """Runs `code` in a fresh interpreter with the function's package and the layer only."""
    paths = [str(ROOT / "layers/common"), str(ROOT / "functions" / function)]
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            env={"PYTHONPATH": ":".join(paths)}, timeout=60)
    assert result.returncode == 0, result.stderr.decode()


@pytest.mark.parametrize("function", API_FUNCTIONS)
def test_handler_does_not_import_boto3(function):
    code = (f"import sys; import tuber_{function}.handler; "
            "sys.exit(1 if 'boto3' in sys.modules else 0)")
    _handler_alone(function, code)


@pytest.mark.parametrize("function", [*API_FUNCTIONS, "transcode", "on_transcoded"])
def test_handler_does_not_import_cryptography(function):
    """Signing media (tuber_common.media_signing) loads `cryptography` with the first
    signature: a container that never signs never pays for its import."""
    code = (f"import sys; import tuber_{function}.handler; "
            "sys.exit(1 if 'cryptography' in sys.modules else 0)")
    _handler_alone(function, code)


@pytest.mark.parametrize("function", API_FUNCTIONS)
def test_handler_does_not_import_its_answer_models(function):
    """The answer models (response_models) are the API document's, named on the routes'
    decorators: defining those pydantic classes would cost every cold start."""
    code = (f"import sys; import tuber_{function}.handler; "
            "sys.exit(1 if [m for m in sys.modules if m.endswith('response_models')] else 0)")
    _handler_alone(function, code)
