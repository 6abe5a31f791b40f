"""`make bench`: run every benchmark and record the results in bench/RESULTS.md.

Each figure is a ratio against a baseline measured in the same run (machines here are shared
and noisy), with the absolute values beside it. Sections: python -m bench.run [names...]
"""
from __future__ import annotations

import importlib
import json
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

SECTIONS = {
    "cold_start": "Cold start",
    "warm": "Warm handler overhead",
    "gateway": "Local gateway",
    "transcode": "Transcoding",
    "feeds": "Feeds: cursor against skip/offset",
}
OUT = Path(__file__).resolve().parent


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{platform.node()}: {os.cpu_count()} cores, {cpu}, Python "
            f"{platform.python_version()}, load average {load:.2f} at start")


def main(names: list[str]) -> None:
    names = names or list(SECTIONS)
    date = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = [f"# Benchmark results\n\nRecorded {date} on {machine()}.\n"
             "Regenerate with `make bench`. Each table compares against a baseline measured in "
             "the same run.\n"]
    raw = {}
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        started = time.monotonic()
        print(f"== {SECTIONS[name]} ...", flush=True)
        saved_env = dict(os.environ)
        try:
            text, results = module.measure()
        finally:  # a section's settings (e.g. its database URI) must not leak into the next
            os.environ.clear()
            os.environ.update(saved_env)
        print(text, flush=True)
        parts.append(f"## {SECTIONS[name]}\n\n{(module.__doc__ or '').strip()}\n\n{text}\n\n"
                     f"_({time.monotonic() - started:.0f} s)_\n")
        raw[name] = results
    (OUT / "RESULTS.md").write_text("\n".join(parts))
    (OUT / "results.json").write_text(json.dumps(raw, indent=2, default=str))
    print(f"written {OUT / 'RESULTS.md'}")


if __name__ == "__main__":
    main(sys.argv[1:])
