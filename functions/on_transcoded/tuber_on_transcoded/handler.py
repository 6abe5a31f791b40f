"""A transcode ends elsewhere: a MediaConvert job state change, a transcode part that failed
for good (on-failure destination), or the scheduled sweep of what is stuck."""
from __future__ import annotations

from typing import Any

from tuber_common.db import get_db
from tuber_common.events import SCHEDULED_EVENT, eventbridge_event
from tuber_common.observability import logger, metrics
from tuber_common.publishing import MEDIACONVERT_DETAIL_TYPE

from . import completion


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict, context: Any) -> dict:
    db = get_db()
    if completion.is_failed_invocation(event):
        return {"results": [completion.on_failed_part(db, event)]}
    rule_event = eventbridge_event(event)
    detail_type = rule_event.detail_type if rule_event is not None else None
    if detail_type == MEDIACONVERT_DETAIL_TYPE:
        return {"results": [completion.on_job_state(db, rule_event)]}
    if detail_type == SCHEDULED_EVENT:
        return {"swept": completion.sweep(db)}
    logger.warning("ignoring an event of an unknown kind", extra={"detailType": detail_type})
    return {"results": [completion.IGNORED]}
