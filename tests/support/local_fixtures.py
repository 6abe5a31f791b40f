"""For tests of the local stack's parts (local/) against a real moto server: `moto_url`, a
moto server of the test module's own, a function package written into a test's project
folder, and waiting for what the pump's workers do."""
from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest

from local import services


@pytest.fixture(scope="module")
def moto_url():
    port = services.free_port()
    proc = services.start_moto(port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        services.stop(proc)


def write_function(root: Path, folder: str, package: str, code: str) -> None:
    """functions/<folder>/<package>/handler.py holding `code` (dedented), as CodeUri
    functions/<folder> with Handler <package>.handler.lambda_handler expects."""
    package_dir = root / "functions" / folder / package
    package_dir.mkdir(parents=True)
    (package_dir / "__init__.py").write_text("")
    (package_dir / "handler.py").write_text(textwrap.dedent(code))


def wait_for(condition, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")
