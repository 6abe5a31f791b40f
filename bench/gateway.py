"""The local gateway under concurrent clients: requests per second and p50/p99 latency for
GET /video/{id}, against the gateway's own floor (a route-less 404 answered by the gateway
without invoking any function) measured the same way in the same run."""
from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

import requests

from bench.common import percentile_ms, table

CLIENTS = 16
SECONDS = 8


def _load(url: str, clients: int, seconds: float, headers: dict | None = None) -> dict:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client():
        session = requests.Session()
        mine, failed = [], 0
        while time.monotonic() < deadline:
            start = time.perf_counter()
            status = session.get(url, headers=headers, timeout=30).status_code
            mine.append(time.perf_counter() - start)
            failed += status >= 500
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    return {"rps": len(latencies) / elapsed, "p50_ms": percentile_ms(latencies, 0.50),
            "p99_ms": percentile_ms(latencies, 0.99), "requests": len(latencies),
            "errors_5xx": errors[0]}


def measure(clients: int = CLIENTS, seconds: float = SECONDS) -> tuple[str, dict]:
    from tests.support.stack_fixtures import StackProcess, sign_up

    with tempfile.TemporaryDirectory() as data_dir:
        stack = StackProcess(Path(data_dir)).start()
        try:
            base = stack.url
            token = sign_up(base, "bench")["accessToken"]
            video = requests.post(f"{base}/video", headers={"authorization": f"Bearer {token}"},
                                  json={"title": "bench clip", "contentType": "video/mp4",
                                        "sizeBytes": 1000}).json()["video"]
            # Not yet published, so only its owner may see it: the load reads it as the owner
            # (the token check is part of every measured request).
            target = f"{base}/video/{video['id']}"
            auth = {"authorization": f"Bearer {token}"}
            assert requests.get(target, headers=auth).status_code == 200
            floor_url = f"{base}/no-such-route"
            _load(target, 2, 1, auth)  # warm up
            results = {"floor": _load(floor_url, clients, seconds, auth),
                       "get_video": _load(target, clients, seconds, auth)}
        finally:
            stack.stop()
    f, g = results["floor"], results["get_video"]
    rows = [["gateway floor (404, no function)", f"{f['rps']:.0f}", f"{f['p50_ms']:.1f}",
             f"{f['p99_ms']:.1f}", f["errors_5xx"], "1.00x"],
            ["GET /video/{id}", f"{g['rps']:.0f}", f"{g['p50_ms']:.1f}", f"{g['p99_ms']:.1f}",
             g["errors_5xx"], f"{g['rps'] / f['rps']:.2f}x"]]
    text = (f"{clients} concurrent clients (Python threads, keep-alive), {seconds:.0f} s each.\n\n"
            + table(["request", "req/s", "p50 ms", "p99 ms", "5xx", "req/s vs floor"], rows))
    return text, results


if __name__ == "__main__":
    print(measure()[0])
