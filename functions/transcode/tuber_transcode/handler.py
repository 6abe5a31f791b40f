"""S3 ObjectCreated under raw/: start transcoding each upload (pipeline.py). The part function
(TranscodePartFunction, same code) encodes one part of one transcode (parts.py)."""
from __future__ import annotations

import time
from typing import Any, Iterator
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.data_classes import S3Event, event_source

from tuber_common.db import get_db
from tuber_common.observability import logger, metrics, seconds
from tuber_common.settings import get_settings

from . import parts, pipeline


def uploaded_objects(event: S3Event) -> Iterator[tuple[str, str] | None]:
    """(bucket, key) of each record of an S3 event notification, None for a record that names
    no object. S3 URL-encodes keys in events (form style: '+' is a space), and a record's
    `object.key` is the key as sent (only S3Event.object_key, the first record's, decodes)."""
    records = event.get("Records")
    if not isinstance(records, list):
        logger.warning("ignoring an event that is not an S3 event notification",
                       extra={"eventKeys": sorted(event)[:8]})
        return
    for record in event.records:
        try:
            bucket, key = record.s3.bucket.name, record.s3.get_object.key
        except (KeyError, TypeError):  # not an object's record
            yield None
            continue
        yield (bucket, unquote_plus(key)) if bucket and key else None


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@event_source(data_class=S3Event)
def lambda_handler(event: S3Event, context: Any) -> dict:
    results = []
    for found in uploaded_objects(event):
        if found is None:
            logger.warning("ignoring a record that is not an S3 object event")
            results.append(pipeline.IGNORED)
            continue
        bucket, key = found
        remaining = context.get_remaining_time_in_millis() / 1000
        results.append(pipeline.handle_upload(get_db(), bucket, key, remaining))
    return {"results": results}


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
def part_handler(event: dict, context: Any) -> dict:
    """{"part": {videoId, runId, track, index}}. Raises on faults of ours or of a dependency,
    so Lambda retries and then calls the on-failure destination."""
    task = event.get("part") if isinstance(event, dict) else None
    if not isinstance(task, dict):
        logger.warning("ignoring an event that is not a transcode part")
        return {"result": parts.IGNORED}
    remaining = context.get_remaining_time_in_millis() / 1000
    logger.append_keys(videoId=task.get("videoId"), track=task.get("track"),
                       index=task.get("index"))
    started = time.monotonic()
    result = parts.run(get_db(), get_settings().media_bucket, task,
                       timeout_seconds=remaining - pipeline.safety_margin(remaining))
    # Per part, for sizing chunks and the part function (bench/RESULTS.md projects from it).
    seconds("TranscodePartSeconds", time.monotonic() - started)
    return {"result": result}
