"""scripts/smoke, the operator's check after a deploy, passes against the local stack: every
step runs over real HTTP (sign up, presigned upload to S3, transcoding, playback, like,
comment, delete) and prints its name and time."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.support.scripts import SCRIPTS

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

STEPS = ["sign up", "upload", "wait for PUBLIC", "playback", "like", "comment", "delete"]


@pytest.mark.parametrize("how", [[], ["--multipart"]], ids=["presigned-post", "multipart"])
def test_smoke_passes_against_the_local_stack(local_stack, how):
    done = subprocess.run([sys.executable, str(SCRIPTS / "smoke"), local_stack.url,
                           "--timeout", "180", "--gone-timeout", "10", *how],
                          capture_output=True, text=True, timeout=400)
    out = done.stdout
    assert done.returncode == 0, out + done.stderr + local_stack.output()[-3000:]
    for step in STEPS:
        assert re.search(rf"^  {re.escape(step)} \.+ ok +\d+\.\d\d s", out, re.M), (step, out)
    assert re.search(r"^PASSED: 7 steps in \d+\.\d s$", out, re.M), out
    assert "cleanup" not in out  # the delete step already removed the video
