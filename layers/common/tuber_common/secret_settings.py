"""Secret settings: the MongoDB URI, the JWT and webhook secrets, the media signing key.

Each comes from its plain environment variable, else from the AWS Secrets Manager secret
its `_ARN` twin names (the secret's SecretString is the value itself):

    JWT_SECRET=...                 the value: the local stack and the tests. Wins when set.
    JWT_SECRET_ARN=arn:aws:...     on AWS: the secret holding it (the template's wiring).

    secret("jwt_secret")           -> the value, wherever it comes from

Read on first use, never at import time: a SnapStart snapshot holds no secret fetched before
restore, and a function that never needs a secret never fetches it (nor the secrets it is not
given: each function's environment names only the ARNs it uses). Values are fetched with
Powertools Parameters and cached per container for SECRETS_MAX_AGE_SECONDS (300 s): one
GetSecretValue per secret per container per 5 minutes, whatever the traffic. boto3 is imported
with the first fetch, so a function given plain values (or none) never loads it.

A failed refresh keeps the value read before (a Secrets Manager hiccup does not take the API
down) and is retried after RETRY_AFTER_FAILURE_SECONDS; a first read that fails answers 503.
Values are never logged: errors and log lines name the setting, never its value.

Rotating the JWT secret (put a new value in the secret; Secrets Manager moves the AWSCURRENT
label to it and AWSPREVIOUS to the old one):
- each container signs with the new value within SECRETS_MAX_AGE_SECONDS of the change;
- tokens signed with the old value keep verifying (AWSPREVIOUS, `previous()`) until they
  expire (ACCESS_TOKEN_TTL_SECONDS, 15 minutes), so nobody is signed out by the rotation;
- for at most SECRETS_MAX_AGE_SECONDS after the change, a container that has not yet read the
  new value refuses a token signed with it (401 invalid_token): the client signs in again or
  retries. Rotate at a quiet time, or wait that long before relying on the new value.
Rotating the MongoDB URI (a new password): the next `get_client()` after the container reads
the new value connects with it (tuber_common.db); keep the old password valid for
SECRETS_MAX_AGE_SECONDS. The webhook secret: senders must switch within the same window.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from .errors import ServiceUnavailable
from .settings import SettingsError, get_settings

CURRENT, PREVIOUS = "AWSCURRENT", "AWSPREVIOUS"
# After a failed refresh, the last value is used this long before Secrets Manager is asked again.
RETRY_AFTER_FAILURE_SECONDS = 30


@dataclass(frozen=True)
class Spec:
    min_length: int
    required: bool  # False: empty means "off" (the webhook without a secret is disabled)


# The secret settings, by Settings field name; `<name>` is the plain value, `<name>_arn` the
# secret. The plain values are validated with the other settings (settings.py).
SPECS = {
    "mongodb_uri": Spec(min_length=1, required=True),
    "jwt_secret": Spec(min_length=32, required=True),
    "webhook_secret": Spec(min_length=32, required=False),
    "media_signing_key": Spec(min_length=1, required=True),
    # CloudFront's X-Origin-Verify header (tuber_common.http.client_ip); empty: no CDN.
    "origin_verify_secret": Spec(min_length=32, required=False),
}


def secret(name: str) -> str:
    """The value of the secret setting `name` (a key of SPECS): its plain environment
    variable, else its secret (cached for SECRETS_MAX_AGE_SECONDS). "" for an optional
    setting that is not configured; SettingsError for a required one."""
    settings = get_settings()
    spec = SPECS[name]
    plain = getattr(settings, name)
    if plain:
        return plain
    arn = getattr(settings, f"{name}_arn")
    if arn:
        value = _read(name, arn, CURRENT, settings.secrets_max_age_seconds)
        assert value is not None  # a missing AWSCURRENT raises
        return value
    if spec.required:
        env = name.upper()
        raise SettingsError(f"invalid or missing settings: {env} (or {env}_ARN)")
    return ""


def previous(name: str) -> str | None:
    """The value before the last rotation (the secret's AWSPREVIOUS version), or None: no
    rotation yet, or a plain value (which has no history). Cached like the current value,
    absence included, so a stream of bad tokens costs one call per SECRETS_MAX_AGE_SECONDS."""
    settings = get_settings()
    if getattr(settings, name):
        return None
    arn = getattr(settings, f"{name}_arn")
    if not arn:
        return None
    return _read(name, arn, PREVIOUS, settings.secrets_max_age_seconds)


def clear_cache() -> None:
    """Forget every fetched value (tests; never needed in a function)."""
    with _lock:
        _providers.clear()
        _last.clear()
        _held.clear()


# --- Secrets Manager, through Powertools Parameters -------------------------------------------

_lock = threading.Lock()
# One provider (and so one Powertools cache) per (region, version stage): Powertools keys its
# cache by secret name only, so AWSCURRENT and AWSPREVIOUS of one ARN need separate caches.
_providers: dict[tuple[str, str], Any] = {}
# The last good value per (arn, stage), kept for a failed refresh.
_last: dict[tuple[str, str], str] = {}
# (value, until): answer with `value` without asking Secrets Manager until `until` (monotonic):
# after a failed refresh, or for a version stage that does not exist (value None).
_held: dict[tuple[str, str], tuple[str | None, float]] = {}


def _read(name: str, arn: str, stage: str, max_age: int) -> str | None:
    key = (arn, stage)
    held = _held.get(key)
    if held is not None and time.monotonic() < held[1]:
        return held[0]
    provider = _provider(_region(arn), stage)
    from aws_lambda_powertools.utilities.parameters import GetParameterError

    options = {} if stage == CURRENT else {"VersionStage": stage}
    try:
        raw = provider.get(arn, max_age=max_age, **options)
    except GetParameterError as exc:
        return _unreadable(name, key, stage, max_age, _reason(exc))
    value = _validated(name, raw)
    _last[key] = value
    _held.pop(key, None)
    return value


def _unreadable(name: str, key: tuple[str, str], stage: str, max_age: int,
                reason: str) -> str | None:
    from .observability import logger

    setting = f"{name.upper()}_ARN"
    if stage != CURRENT and reason == "ResourceNotFoundException":
        _held[key] = (None, time.monotonic() + max_age)  # no such version (yet)
        return None
    last = _last.get(key)
    if last is None:
        logger.error("cannot read a secret", extra={"setting": setting, "reason": reason})
        raise ServiceUnavailable("a secret this service needs cannot be read, try again shortly",
                                 code="secret_unavailable", headers={"Retry-After": "5"})
    logger.warning("refreshing a secret failed, keeping its value",
                   extra={"setting": setting, "reason": reason})
    _held[key] = (last, time.monotonic() + RETRY_AFTER_FAILURE_SECONDS)
    return last


def _validated(name: str, raw: Any) -> str:
    env = name.upper()
    if isinstance(raw, bytes):  # SecretBinary
        try:
            raw = raw.decode()
        except UnicodeDecodeError:
            raise SettingsError(f"invalid settings: {env} (from {env}_ARN is not UTF-8 text)"
                                ) from None
    value = raw.strip() if isinstance(raw, str) else ""
    minimum = SPECS[name].min_length
    if len(value) < minimum:
        raise SettingsError(f"invalid settings: {env} (from {env}_ARN: fewer than {minimum} "
                            "characters)")
    return value


def _reason(exc: Exception) -> str:
    """The AWS error code behind a Powertools GetParameterError (it wraps the original)."""
    cause = exc.__cause__ or exc.__context__
    response = getattr(cause, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code") or type(cause).__name__)
    return type(cause).__name__ if cause is not None else type(exc).__name__


def _region(arn: str) -> str:
    # arn:aws:secretsmanager:<region>:<account>:secret:<name>; a bare name: this region.
    parts = arn.split(":")
    if len(parts) > 3 and parts[0] == "arn" and parts[3]:
        return parts[3]
    return get_settings().aws_region


def _provider(region: str, stage: str) -> Any:
    provider = _providers.get((region, stage))
    if provider is not None:
        return provider
    with _lock:
        provider = _providers.get((region, stage))
        if provider is None:
            provider = _new_provider(region, stage)
            _providers[(region, stage)] = provider
    return provider


def _new_provider(region: str, stage: str) -> Any:
    # The only place a secret ARN brings in boto3 (Powertools' parameters module imports it).
    import boto3
    from aws_lambda_powertools.utilities.parameters import SecretsProvider
    from botocore.config import Config

    _hide_secret_bodies_from_debug_logs()
    client = next((p.client for (r, _s), p in _providers.items() if r == region), None)
    if client is None:
        # Short timeouts: a secret that cannot be read answers 503 within seconds, not minutes.
        config = Config(connect_timeout=2, read_timeout=3,
                        retries={"max_attempts": 3, "mode": "standard"})
        client = boto3.session.Session().client("secretsmanager", region_name=region,
                                                config=config)
    return SecretsProvider(boto3_client=client)


class _NoSecretBodies(logging.Filter):
    """botocore logs every response body at DEBUG; for GetSecretValue that is the secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "SecretString" not in record.getMessage() and \
            "SecretBinary" not in record.getMessage()


_FILTER = _NoSecretBodies()


def _hide_secret_bodies_from_debug_logs() -> None:
    for name in ("botocore.parsers", "botocore.endpoint", "botocore.hooks"):
        log = logging.getLogger(name)
        if _FILTER not in log.filters:
            log.addFilter(_FILTER)
