"""`sam build` of template.yaml, once per test process (auto-loaded by tests/conftest.py).

    def test_something(sam_build):      # the build directory; template.yaml in it
        assert (sam_build / "CommonLayer" / "python").is_dir()

Shared by the tests of the build itself, of the packaged deploy and of the ffmpeg layer: a
build costs tens of seconds, and none of them changes what it reads.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import deploy


@pytest.fixture(scope="session")
def sam_build(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("sam")
    return deploy.sam_build(work / "build", work / "cache").parent
