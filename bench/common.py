"""Shared helpers for the benchmarks: a throwaway SecantusDB, timing, the results table."""
from __future__ import annotations

import contextlib
import os
import statistics
import time
from pathlib import Path
from typing import Callable, Iterator

ROOT = Path(__file__).resolve().parents[1]
BENCH_SETTINGS = {
    "JWT_SECRET": "bench-secret-" + "x" * 40,
    "WEBHOOK_SECRET": "bench-webhook-" + "y" * 40,
    "BCRYPT_ROUNDS": "4",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "POWERTOOLS_TRACE_DISABLED": "true",
    # hlsUrl is a media URL (tuber_common.media_signing); bench videos have no thumbnails to sign.
    "MEDIA_BASE_URL": "https://media.bench.example",
}


@contextlib.contextmanager
def mongo(db_name: str = "tuber_bench") -> Iterator[str]:
    """A MongoDB URI: MONGODB_URI when set, else an in-memory SecantusDB for this run."""
    from local import services

    if os.environ.get("MONGODB_URI"):
        yield os.environ["MONGODB_URI"]
        return
    port = services.free_port()
    proc = services.start_secantus(port, ":memory:")
    try:
        yield f"mongodb://127.0.0.1:{port}/"
    finally:
        services.stop(proc)


def configure(uri: str, db_name: str) -> None:
    os.environ.update(BENCH_SETTINGS)
    os.environ["MONGODB_URI"] = uri
    os.environ["MONGODB_DB"] = db_name
    from tuber_common.db import reset_clients
    reset_clients()


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Wall-clock seconds of `repeat` calls."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def percentile_ms(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def table(headers: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
