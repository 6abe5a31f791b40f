"""NotificationFanoutFunction: one fan-out job ({"job": id}, tuber_common.notifications)
for as long as this invocation's time lasts, then the rest through Lambda's async queue.

Steps run while more than RESERVE_MS of the invocation remain (a step is one read and one
insert_many of 1,000 subscribers: bench/RESULTS.md "Subscription feed"); the job's place is recorded after
each step, so an invocation that dies (timeout, crash) is retried by Lambda from there, and
a copy of an invocation that runs twice stops at its first step the other already took."""
from __future__ import annotations

from typing import Any

from tuber_common.db import get_db
from tuber_common.notifications import RUNNING, invoke_fanout, run_job
from tuber_common.observability import logger, metrics

RESERVE_MS = 15_000


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: Any) -> dict:
    job = str(event["job"])
    db = get_db()
    state = run_job(db, job,
                    keep_going=lambda: context.get_remaining_time_in_millis() > RESERVE_MS)
    if state == RUNNING:
        # The rest in a new invocation of this function (its alias: the same retries and
        # on-failure destination). An Invoke that fails raises: Lambda retries this event,
        # which goes on from the recorded place.
        invoke_fanout(context.invoked_function_arn, job)
    logger.info("fan-out step", extra={"job": job, "state": state})
    return {"job": job, "state": state}
