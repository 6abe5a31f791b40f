"""Fixtures for resumable uploads and retries: S3 events captured the way AWS delivers them
(a bucket notification to a queue, on moto), a small part size, and clips padded to a size."""
from __future__ import annotations

import json
import struct

import pytest

MIB = 1024 * 1024


def pad_mp4(path: str, total_bytes: int) -> str:
    """Grow an MP4 to `total_bytes` with a trailing `free` box: still the same playable
    video (demuxers skip free boxes), but large enough to need several parts."""
    with open(path, "ab") as fh:
        size = total_bytes - fh.tell()
        assert size >= 8, "the clip is already larger than asked"
        fh.write(struct.pack(">I", size) + b"free" + b"\0" * (size - 8))
    return path


@pytest.fixture
def small_parts(monkeypatch, settings_env):
    """Parts of 5 MiB, S3's (and moto's) smallest for every part but the last."""
    from tuber_common.settings import get_settings

    monkeypatch.setenv("MULTIPART_PART_BYTES", str(5 * MIB))
    get_settings.cache_clear()
    yield 5 * MIB
    get_settings.cache_clear()


@pytest.fixture
def raw_events(s3):
    """S3 ObjectCreated events for raw/, delivered by moto to a queue as S3 would deliver
    them to the transcode function. Call it to take the events that arrived since."""
    import boto3

    from tuber_common.settings import get_settings

    sqs = boto3.client("sqs", region_name="us-east-1")
    queue_url = sqs.create_queue(QueueName="raw-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"]
                                   )["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(
        Bucket=get_settings().media_bucket,
        NotificationConfiguration={"QueueConfigurations": [{
            "QueueArn": arn, "Events": ["s3:ObjectCreated:*"],
            "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "raw/"}]}}}]})

    def _take() -> list[dict]:
        events = []
        while True:
            got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
            messages = got.get("Messages") or []
            if not messages:
                return events
            for message in messages:
                body = json.loads(message["Body"])
                if "Records" in body:  # not the s3:TestEvent sent on configuration
                    events.append(body)
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    _take()  # drop the test event
    return _take


@pytest.fixture
def transcode_event(db, s3, fast_transcode):
    """Invoke the real transcode handler with an S3 event."""
    from local.lambda_context import LambdaContext
    from tuber_transcode.handler import lambda_handler

    def _run(event: dict) -> dict:
        return lambda_handler(event, LambdaContext(function_name="transcode",
                                                   timeout_ms=300_000))
    return _run
