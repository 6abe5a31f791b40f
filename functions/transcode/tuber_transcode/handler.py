"""S3 ObjectCreated under raw/: transcode each upload (see pipeline.py)."""
from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from tuber_common.db import get_db
from tuber_common.observability import metrics

from . import pipeline

logger = Logger(service="transcode")


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict, context: Any) -> dict:
    results = []
    for record in event.get("Records") or []:
        found = pipeline.s3_object(record)
        if found is None:
            logger.warning("ignoring a record that is not an S3 object event")
            results.append(pipeline.IGNORED)
            continue
        bucket, key, _size = found
        remaining = context.get_remaining_time_in_millis() / 1000
        results.append(pipeline.handle_upload(get_db(), bucket, key, remaining))
    return {"results": results}
