"""The template deploys: `sam validate --lint` and `sam build` pass, and the build holds what
Lambda will import."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# SAM CLI lives in a venv of its own (Makefile: .venv/tools/sam), since it pins boto3 exactly.
SAM = str(ROOT / ".venv" / "tools" / "sam" / "bin" / "sam")
# `sam build` looks for python3.13 on PATH: the project venv has it, whatever pyenv says.
ENV = {**os.environ, "SAM_CLI_TELEMETRY": "0",
       "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}


def run_sam(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([SAM, *args], cwd=cwd, env=ENV, capture_output=True, text=True,
                          timeout=900)


def test_sam_validate_lint():
    result = run_sam("validate", "--lint")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


@pytest.mark.slow
def test_sam_build_packages_every_function_and_the_layer(tmp_path):
    build_dir = tmp_path / "build"
    result = run_sam("build", "--build-dir", str(build_dir), "--cache-dir",
                     str(tmp_path / "cache"))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    layer = build_dir / "CommonLayer" / "python"
    assert (layer / "tuber_common" / "http.py").exists()
    for package in ("aws_lambda_powertools", "pymongo", "jwt", "bcrypt", "pydantic"):
        assert (layer / package).exists(), package
    functions = {"AuthFunction": "tuber_auth", "VideoFunction": "tuber_video",
                 "LikeFunction": "tuber_like", "CommentFunction": "tuber_comment",
                 "TranscodeFunction": "tuber_transcode",
                 "OnTranscodedFunction": "tuber_on_transcoded"}
    for function, package in functions.items():
        handler = build_dir / function / package / "handler.py"
        assert handler.exists(), f"{function}: {handler} missing"
        # Narrow CodeUri: no tests, no other functions, no repository root in the zip.
        assert not (build_dir / function / "tests").exists()
        assert not (build_dir / function / "template.yaml").exists()
