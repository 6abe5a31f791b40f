"""The template's Schedule events, run locally as EventBridge would run them."""
from __future__ import annotations

import threading
import time
from pathlib import Path

from local.schedule import Scheduler, rate_seconds, scheduled_event
from local.template import Schedule, read_template

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


def test_rate_expressions():
    assert rate_seconds("rate(15 minutes)") == 900
    assert rate_seconds("rate(1 minute)") == 60
    assert rate_seconds("rate(2 hours)") == 7200
    assert rate_seconds("rate(1 day)") == 86400
    assert rate_seconds("cron(0 12 * * ? *)") is None
    assert rate_seconds("rate(soon)") is None


def test_the_sweep_schedule_is_read_from_the_template():
    schedules = read_template(TEMPLATE).schedules
    assert Schedule("OnTranscodedFunction", "SweepStuckVideos", "rate(15 minutes)") in schedules
    assert Schedule("LikeFunction", "RecountRatings", "rate(5 minutes)") in schedules
    assert Schedule("CommentFunction", "RecountComments", "rate(5 minutes)") in schedules


def test_scheduled_event_has_eventbridge_shape():
    event = scheduled_event(Schedule("F", "Sweep", "rate(1 minute)"), "123456789012", "us-east-1")
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/F-Sweep"]
    assert event["detail"] == {}


def test_scheduler_invokes_enabled_schedules_repeatedly_and_stops():
    calls: list[tuple[str, str]] = []
    three_calls = threading.Event()

    def invoke(function: str, event: dict) -> None:
        calls.append((function, event["detail-type"]))
        if len(calls) >= 3:
            three_calls.set()

    schedules = [Schedule("Sweeper", "Sweep", "rate(1 minute)"),
                 Schedule("Off", "Never", "rate(1 minute)", enabled=False)]
    scheduler = Scheduler(schedules, invoke, account="1", region="r", interval_for=lambda s: 0.05)
    scheduler.start()
    try:
        assert three_calls.wait(5)
    finally:
        scheduler.stop()
    count = len(calls)
    assert set(calls) == {("Sweeper", "Scheduled Event")}
    time.sleep(0.2)
    assert len(calls) == count  # nothing after stop
