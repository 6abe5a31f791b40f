"""`make bench`: run every benchmark and record the results in bench/RESULTS.md.

Each figure is a ratio against a baseline measured in the same run (machines here are shared
and noisy), with the absolute values beside it. Sections: python -m bench.run [names...];
running some sections keeps the others' recorded results, each with its own date and machine.
"""
from __future__ import annotations

import importlib
import json
import os
import platform
import re
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

SECTIONS = {
    "cold_start": "Cold start",
    "warm": "Warm handler overhead",
    "gateway": "Local gateway",
    "transcode_parts": "Transcoding in parts",
    "feeds": "Feeds: cursor against skip/offset",
    "subscription_feed": "Subscription feed and notification fan-out",
    "search": "Search: first page at 10,000 and 100,000 videos",
    "trending": "Trending refresh",
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


HEADER = ("# Benchmark results\n\nRegenerate with `make bench` (some sections: "
          "`python -m bench.run cold_start ...`). Each table compares against a baseline measured "
          "in the same run; each section says when and on what machine it was recorded.\n")


def recorded_sections(text: str) -> dict[str, str]:
    """Title -> section text (from its "## " line) of an existing RESULTS.md. Sections from
    before per-section dates get the file's old "Recorded ... on ..." line."""
    old_date = re.search(r"^Recorded (.+?)\.$", text.split("\n## ", 1)[0], re.M)
    sections = {}
    for chunk in re.split(r"^(?=## )", text, flags=re.M)[1:]:
        title, _, body = chunk.partition("\n")
        if old_date and not body.lstrip().startswith("_Recorded"):
            body = f"\n_Recorded {old_date.group(1)}._\n" + body
        sections[title[3:].strip()] = f"{title}\n{body.rstrip()}\n"
    return sections


def main(names: list[str]) -> None:
    names = names or list(SECTIONS)
    results_md, results_json = OUT / "RESULTS.md", OUT / "results.json"
    sections = recorded_sections(results_md.read_text()) if results_md.exists() else {}
    raw = json.loads(results_json.read_text()) if results_json.exists() else {}
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        date = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        recorded_on = machine()
        started = time.monotonic()
        print(f"== {SECTIONS[name]} ...", flush=True)
        saved_env = dict(os.environ)
        try:
            text, results = module.measure()
        finally:  # a section's settings (e.g. its database URI) must not leak into the next
            os.environ.clear()
            os.environ.update(saved_env)
        print(text, flush=True)
        sections[SECTIONS[name]] = (
            f"## {SECTIONS[name]}\n\n_Recorded {date} on {recorded_on}._\n\n"
            f"{(module.__doc__ or '').strip()}\n\n{text}\n\n"
            f"_({time.monotonic() - started:.0f} s)_\n")
        raw[name] = results
        # Written after each section: a later one that fails loses nothing already measured.
        ordered = [sections[t] for t in SECTIONS.values() if t in sections]
        results_md.write_text("\n".join([HEADER, *ordered]))
        results_json.write_text(json.dumps(raw, indent=2, default=str))
    print(f"written {results_md}")


if __name__ == "__main__":
    main(sys.argv[1:])
