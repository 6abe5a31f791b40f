"""The media bucket on moto, set up like the template's MediaBucket: CORS for browser
uploads, and ObjectCreated notifications to an SQS queue (S3 -> Lambda is S3 -> queue ->
event pump locally).

moto keeps objects in memory; `MediaSnapshot` copies the playable media (everything but
raw/ uploads) to the data folder at stop and puts it back at start, before the notification
exists, so a restart neither loses published videos nor re-triggers transcoding.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

from .template import S3Subscription

log = logging.getLogger("tuber.local")

QUEUE_NAME = "tuber-media-events"


def s3_cors_rules(cfn_cors: dict | None) -> list[dict]:
    """The template's CorsConfiguration (CloudFormation names) in S3 API names."""
    rules = []
    for rule in (cfn_cors or {}).get("CorsRules", []):
        out = {"AllowedOrigins": rule["AllowedOrigins"], "AllowedMethods": rule["AllowedMethods"]}
        if "AllowedHeaders" in rule:
            out["AllowedHeaders"] = rule["AllowedHeaders"]
        if "ExposedHeaders" in rule:
            out["ExposeHeaders"] = rule["ExposedHeaders"]
        if "MaxAge" in rule:
            out["MaxAgeSeconds"] = int(rule["MaxAge"])
        rules.append(out)
    return rules


def create_bucket(s3, bucket: str, region: str, cfn_cors: dict | None,
                  policy: dict | None = None) -> None:
    kwargs = {} if region == "us-east-1" else {
        "CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=bucket, **kwargs)
    rules = s3_cors_rules(cfn_cors)
    if rules:
        s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": rules})
    if policy:
        # moto enforces it for unsigned requests.
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17",
                                                               **policy}))


def connect_notifications(s3, sqs, bucket: str, subscriptions: list[S3Subscription]) -> str:
    """One queue gets every event type the template's S3 events ask for; the pump filters
    per function (each S3 event's prefix/suffix), as S3 does per notification."""
    queue_url = sqs.create_queue(QueueName=QUEUE_NAME)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    events = sorted({event for sub in subscriptions for event in sub.events})
    if events:
        s3.put_bucket_notification_configuration(
            Bucket=bucket,
            NotificationConfiguration={"QueueConfigurations": [
                {"Id": "local-event-pump", "QueueArn": queue_arn, "Events": events}]})
    return queue_url


class MediaSnapshot:
    """Playable media copied to `folder` (one file per key + an index of ETags and types)."""

    SKIPPED_PREFIXES = ("raw/",)

    def __init__(self, s3, bucket: str, folder: Path):
        self.s3 = s3
        self.bucket = bucket
        self.folder = folder
        self.index_path = folder / "index.json"

    def _index(self) -> dict:
        return json.loads(self.index_path.read_text()) if self.index_path.exists() else {}

    def restore(self) -> int:
        index = self._index()
        for key, meta in index.items():
            path = self.folder / "objects" / key
            if path.is_file():
                self.s3.put_object(Bucket=self.bucket, Key=key, Body=path.read_bytes(),
                                   ContentType=meta.get("contentType", "binary/octet-stream"))
        return len(index)

    def save(self) -> int:
        """Download new or changed objects, forget deleted ones; returns the object count."""
        old, new = self._index(), {}
        paginator = self.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket):
            for obj in page.get("Contents", []):
                key = obj["Key"]
                if key.startswith(self.SKIPPED_PREFIXES) or ".." in key.split("/"):
                    continue
                path = self.folder / "objects" / key
                if old.get(key, {}).get("etag") == obj["ETag"] and path.is_file():
                    new[key] = old[key]
                    continue
                answer = self.s3.get_object(Bucket=self.bucket, Key=key)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(answer["Body"].read())
                new[key] = {"etag": obj["ETag"], "contentType": answer.get("ContentType")}
        for key in set(old) - set(new):
            (self.folder / "objects" / key).unlink(missing_ok=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.index_path.write_text(json.dumps(new, indent=1))
        return len(new)
