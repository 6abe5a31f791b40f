"""A transcode ends elsewhere: a MediaConvert job state change, a transcode part that failed
for good (on-failure destination), or the scheduled sweep of what is stuck."""
from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from tuber_common.db import get_db
from tuber_common.observability import metrics
from tuber_common.publishing import MEDIACONVERT_DETAIL_TYPE

from . import completion

logger = Logger(service="on_transcoded")


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict, context: Any) -> dict:
    db = get_db()
    if completion.is_failed_invocation(event):
        return {"results": [completion.on_failed_part(db, event)]}
    detail_type = event.get("detail-type")
    if detail_type == MEDIACONVERT_DETAIL_TYPE:
        return {"results": [completion.on_job_state(db, event)]}
    if detail_type == "Scheduled Event":
        return {"swept": completion.sweep(db)}
    logger.warning("ignoring an event of an unknown kind", extra={"detailType": detail_type})
    return {"results": [completion.IGNORED]}
