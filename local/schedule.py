"""Scheduled events (the template's `Schedule` events): EventBridge's "Scheduled Event" sent
to the function every `rate(...)`, as in AWS, from one thread. `cron(...)` schedules are not
emulated; the banner says so."""
from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Callable

from .template import Schedule

log = logging.getLogger("tuber.local")

_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def rate_seconds(expression: str) -> float | None:
    """Seconds between runs for `rate(N unit)`, None for what is not a rate."""
    match = _RATE.match((expression or "").strip())
    if not match:
        return None
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2).rstrip("s")]


def scheduled_event(schedule: Schedule, account: str, region: str) -> dict:
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event",
        "source": "aws.events", "account": account, "region": region,
        "time": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "resources": [f"arn:aws:events:{region}:{account}:rule/{schedule.function}-"
                      f"{schedule.name}"],
        "detail": {},
    }


class Scheduler:
    def __init__(self, schedules: list[Schedule], invoke: Callable[[str, dict], Any], *,
                 account: str, region: str,
                 interval_for: Callable[[Schedule], float | None] = lambda s: rate_seconds(
                     s.expression)):
        self.invoke = invoke
        self.account, self.region = account, region
        self.runnable = [(s, interval_for(s)) for s in schedules if s.enabled]
        self.runnable = [(s, every) for s, every in self.runnable if every]
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="scheduler", daemon=True)

    def start(self) -> None:
        if self.runnable:
            self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        # Like a new EventBridge rule: the first run comes one interval after start.
        due = {s: time.monotonic() + every for s, every in self.runnable}
        while not self._stopping.is_set():
            schedule = min(due, key=due.get)
            if self._stopping.wait(max(0.0, due[schedule] - time.monotonic())):
                return
            self._fire(schedule)
            due[schedule] = time.monotonic() + dict(self.runnable)[schedule]

    def _fire(self, schedule: Schedule) -> None:
        started = time.perf_counter()
        try:
            self.invoke(schedule.function, scheduled_event(schedule, self.account, self.region))
            outcome = "ok"
        except Exception as exc:  # EventBridge would retry; the next run comes soon enough
            outcome = f"failed: {type(exc).__name__}"
            log.exception("schedule %s -> %s failed", schedule.name, schedule.function)
        log.info("schedule %s -> %s %s %.0fms", schedule.name, schedule.function, outcome,
                 (time.perf_counter() - started) * 1000)
