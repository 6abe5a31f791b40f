"""Events that are not HTTP requests, read with Powertools' event source data classes: what an
EventBridge rule delivers (a service's event, or a template `Schedule` event's "Scheduled
Event"). The API functions' resolver loads the data classes anyway; elsewhere they cost a few
tens of milliseconds of init, once."""
from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent

SCHEDULED_EVENT = "Scheduled Event"


def eventbridge_event(event: Any) -> EventBridgeEvent | None:
    """The event as an EventBridge rule delivers it (it names its `detail-type`), else None."""
    if isinstance(event, dict) and isinstance(event.get("detail-type"), str):
        return EventBridgeEvent(event)
    return None


def is_scheduled(event: Any) -> bool:
    """A template `Schedule` event's run (EventBridge's "Scheduled Event")."""
    found = eventbridge_event(event)
    return found is not None and found.detail_type == SCHEDULED_EVENT
