"""POST /video/webhook: an external transcoder reports a result.

Signing (documented for senders): with the shared secret (WEBHOOK_SECRET, or on AWS the
Secrets Manager secret WEBHOOK_SECRET_ARN names; after a rotation the previous value is
accepted too until the next one, so senders can switch at their pace),
    X-Tuber-Timestamp: <unix seconds>
    X-Tuber-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + raw body bytes)>
A timestamp more than WEBHOOK_MAX_SKEW_SECONDS away from now is stale (401), a wrong
signature is 401, and a delivery already accepted (same signature) is a replay (409): to retry,
sign again with a fresh timestamp. The body is either the seed's
`{videoId, status: PUBLIC|FAILED, hlsKey?, thumbnailKey?, durationSeconds?, renditions?,
failureReason?}` or an EventBridge "MediaConvert Job State Change" event; both have exactly
the effect on_transcoded has.
"""
from __future__ import annotations

import hashlib
import hmac
import time
from datetime import datetime, timezone

from pydantic import ValidationError
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from tuber_common import hls_master, media_keys, publishing, secret_settings
from tuber_common.errors import (BadRequest, Conflict, Unauthorized, ValidationFailed,
                                 validation_details)
from tuber_common.http import parse_json
from tuber_common.ids import try_parse_video_id
from tuber_common.settings import get_settings

from .models import WebhookResult

TIMESTAMP_HEADER, SIGNATURE_HEADER = "x-tuber-timestamp", "x-tuber-signature"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(headers: dict[str, str], body: bytes, now: float | None = None) -> tuple[str, int]:
    """(signature, timestamp) of an authentic, fresh delivery; Unauthorized otherwise."""
    settings = get_settings()
    secret = secret_settings.secret("webhook_secret")
    if not secret:
        raise Unauthorized("the webhook is not configured", code="webhook_disabled")
    timestamp = headers.get(TIMESTAMP_HEADER, "")
    signature = headers.get(SIGNATURE_HEADER, "")
    if not timestamp.isdigit() or not signature:
        raise Unauthorized("missing or malformed webhook signature headers",
                           code="invalid_signature")
    given = signature.strip().lower().encode()
    expected = sign(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), given):
        # Signed with the secret before its rotation (Secrets Manager's AWSPREVIOUS)?
        older = secret_settings.previous("webhook_secret")
        expected = sign(older, timestamp, body) if older else ""
        if not older or not hmac.compare_digest(expected.encode(), given):
            raise Unauthorized("webhook signature does not match", code="invalid_signature")
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > settings.webhook_max_skew_seconds:
        raise Unauthorized("webhook timestamp is too old or in the future",
                           code="stale_signature")
    return expected, int(timestamp)


def _remember(db: Database, signature: str, timestamp: int) -> None:
    # Kept past the skew window, after which the timestamp alone rejects a replay.
    expires = datetime.fromtimestamp(timestamp + 2 * get_settings().webhook_max_skew_seconds,
                                     tz=timezone.utc)
    try:
        db.webhook_deliveries.insert_one({"_id": signature, "expiresAt": expires})
    except DuplicateKeyError:
        raise Conflict("this delivery was already accepted", code="webhook_replayed") from None


def _apply(db: Database, payload: dict) -> dict:
    if payload.get("detail-type") == publishing.MEDIACONVERT_DETAIL_TYPE:
        outcome = publishing.apply_mediaconvert_event(db, payload)
        metadata = (payload.get("detail") or {}).get("userMetadata") or {}
        _list_captions(db, outcome, try_parse_video_id(metadata.get("videoId")))
        return {"result": outcome}
    try:
        result = WebhookResult.model_validate(payload)
    except ValidationError as exc:
        raise ValidationFailed("webhook body is invalid",
                               details=validation_details(exc.errors())) from None
    video_id = try_parse_video_id(result.videoId)
    if video_id is None:
        return {"result": publishing.UNKNOWN_VIDEO}
    prefix = media_keys.hls_prefix(video_id)
    if result.hlsKey and not result.hlsKey.startswith(prefix):
        raise BadRequest(f"hlsKey must start with {prefix}", code="invalid_media_key")
    outcome = publishing.apply_result(
        db, video_id, status=result.status, hls_key=result.hlsKey,
        renditions=[r.model_dump(exclude_none=True) for r in result.renditions],
        thumbnail_key=result.thumbnailKey, duration_seconds=result.durationSeconds,
        failure_reason=result.failureReason)
    _list_captions(db, outcome, video_id)
    return {"result": outcome}


def _list_captions(db: Database, outcome: str, video_id) -> None:
    """An external transcoder wrote the master: captions confirmed meanwhile join it."""
    if outcome == publishing.PUBLISHED:
        hls_master.list_captions_once_published(db, get_settings().media_bucket, video_id)


def handle(db: Database, headers: dict[str, str], body: bytes) -> dict:
    signature, timestamp = verify(headers, body)
    try:
        # The API's one body parser: hostile JSON (too deep, huge numbers) is a 4xx.
        payload = parse_json(body or b"null")
    except ValueError:
        raise BadRequest("request body is not valid JSON", code="invalid_json") from None
    if not isinstance(payload, dict):
        raise BadRequest("request body must be a JSON object", code="invalid_json")
    _remember(db, signature, timestamp)
    try:
        return _apply(db, payload)
    except Exception:
        # Not applied: let the sender's re-delivery of this very signature through.
        db.webhook_deliveries.delete_one({"_id": signature})
        raise
