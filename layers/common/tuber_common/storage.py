"""S3 for the functions that handle media (video, transcode, on_transcoded).

Only those functions import this module: auth, like and comment never call AWS and must not
pay for importing boto3 at cold start. boto3 itself is imported with the first client, so the
video function's read routes (feed, watch, search), which never touch S3, do not pay its
~300 ms import either: only a container's first upload-side request does.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Iterable

from .settings import get_settings

# delete_objects takes at most this many keys per call.
_DELETE_BATCH = 1000


@lru_cache(maxsize=4)
def _client(endpoint_url: str | None, region: str):
    import boto3
    from botocore.config import Config

    config = Config(
        signature_version="s3v4",
        # A custom endpoint (moto, MinIO) serves buckets by path, not by virtual host.
        s3={"addressing_style": "path" if endpoint_url else "auto"},
        retries={"max_attempts": 3, "mode": "standard"},
        connect_timeout=5,
        read_timeout=60,
    )
    return boto3.client("s3", region_name=region, endpoint_url=endpoint_url or None,
                        config=config)


def get_s3():
    """The container's S3 client for the current settings (created once, then reused)."""
    settings = get_settings()
    return _client(settings.s3_endpoint_url or None, settings.aws_region)


def reset_s3() -> None:
    """Forget cached clients (tests start a fresh moto mock per case)."""
    _client.cache_clear()


def presign_upload(key: str, content_type: str, max_bytes: int, expires_in: int, *,
                   min_bytes: int = 1, metadata: dict[str, str] | None = None) -> dict:
    """A presigned POST that can create exactly `key`, with exactly `content_type`, and at
    least `min_bytes` and at most `max_bytes` bytes: S3 enforces the policy, so the size
    bound holds even if the client lies about it. `metadata` (ASCII): x-amz-meta-* fields the
    policy fixes too. Answer shape: {url, method, fields, expiresIn} (send `fields` as
    multipart form fields, then the file as the last field, named `file`)."""
    fields = {"Content-Type": content_type,
              **{f"x-amz-meta-{name}": value for name, value in (metadata or {}).items()}}
    post = get_s3().generate_presigned_post(
        Bucket=get_settings().media_bucket,
        Key=key,
        Fields=fields,
        Conditions=[{name: value} for name, value in fields.items()]
        + [["content-length-range", min_bytes, max_bytes]],
        ExpiresIn=expires_in,
    )
    return {"url": post["url"], "method": "POST", "fields": post["fields"],
            "expiresIn": expires_in}


def delete_prefixes(prefixes: Iterable[str], bucket: str | None = None) -> int:
    """Delete every object under each prefix; returns how many were deleted."""
    s3 = get_s3()
    bucket = bucket or get_settings().media_bucket
    deleted = 0
    for prefix in prefixes:
        if not prefix.endswith("/"):
            raise ValueError("prefix must end with '/' so that it names one folder")
        batch: list[dict] = []
        for listing in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket,
                                                                    Prefix=prefix):
            for obj in listing.get("Contents", []):
                batch.append({"Key": obj["Key"]})
                if len(batch) == _DELETE_BATCH:
                    deleted += _delete(s3, bucket, batch)
                    batch = []
        if batch:
            deleted += _delete(s3, bucket, batch)
    return deleted


def _delete(s3, bucket: str, batch: list[dict]) -> int:
    answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
    if answer.get("Errors"):
        raise RuntimeError(f"S3 refused to delete {len(answer['Errors'])} object(s)")
    return len(batch)


# What S3 answers for a key that holds nothing: HEAD a bare 404 (it has no body to name a
# code), GET NoSuchKey. Only to a caller allowed s3:ListBucket: otherwise 403 AccessDenied.
_MISSING_OBJECT = frozenset({"404", "NoSuchKey", "NotFound"})
# For a multipart upload that is not (or no longer) there.
_MISSING_UPLOAD = frozenset({"404", "NoSuchUpload"})


def _error_code(exc: Exception) -> str | None:
    response = getattr(exc, "response", None) or {}
    return (response.get("Error") or {}).get("Code")


def object_missing(exc: Exception) -> bool:
    """Whether a botocore ClientError says the object is not there (the one check: catch
    ClientError, re-raise unless object_missing(exc))."""
    return _error_code(exc) in _MISSING_OBJECT


def upload_missing(exc: Exception) -> bool:
    """Whether a botocore ClientError says the multipart upload is not there."""
    return _error_code(exc) in _MISSING_UPLOAD


@lru_cache(maxsize=2)
def _cloudfront(region: str):
    import boto3

    return boto3.client("cloudfront", region_name=region)


def invalidate_cdn(paths: list[str]) -> str | None:
    """Drop `paths` (CloudFront path patterns, `*` allowed) from the media distribution's
    edge caches; the invalidation id, or None where there is no distribution (locally).
    A failure raises: the caller's work is then retried whole (deleting a video is)."""
    from time import time_ns

    from .media_signing import media_distribution_id

    distribution = media_distribution_id()
    if not distribution or not paths:
        return None
    answer = _cloudfront(get_settings().aws_region).create_invalidation(
        DistributionId=distribution,
        InvalidationBatch={"Paths": {"Quantity": len(paths), "Items": list(paths)},
                           "CallerReference": f"tuber-{time_ns()}"})
    return answer["Invalidation"]["Id"]
