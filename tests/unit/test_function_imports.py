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


@pytest.mark.parametrize("function", ["auth", "video", "like", "comment"])
def test_handler_does_not_import_boto3(function):
    code = (f"import sys; import tuber_{function}.handler; "
            "sys.exit(1 if 'boto3' in sys.modules else 0)")
    paths = [str(ROOT / "layers/common"), str(ROOT / "functions" / function)]
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            env={"PYTHONPATH": ":".join(paths)}, timeout=60)
    assert result.returncode == 0, result.stderr.decode()


@pytest.mark.parametrize("function", ["auth", "video", "like", "comment", "transcode",
                                      "on_transcoded"])
def test_handler_does_not_import_cryptography(function):
    """Signing media (tuber_common.media_signing) loads `cryptography` with the first
    signature: a container that never signs never pays for its import."""
    code = (f"import sys; import tuber_{function}.handler; "
            "sys.exit(1 if 'cryptography' in sys.modules else 0)")
    paths = [str(ROOT / "layers/common"), str(ROOT / "functions" / function)]
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            env={"PYTHONPATH": ":".join(paths)}, timeout=60)
    assert result.returncode == 0, result.stderr.decode()
