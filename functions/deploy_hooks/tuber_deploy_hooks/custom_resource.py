"""The CloudFormation custom resource protocol: one request in, exactly one answer out.

CloudFormation invokes the function with a request (Create, Update or Delete) and then waits
for a JSON answer PUT to the request's pre-signed `ResponseURL`, up to an hour by default.
`run` guarantees that answer: whatever a hook raises becomes FAILED with a reason that names
no secret, and a watchdog answers FAILED shortly before the Lambda timeout if the hook is
still running, so a stack never hangs on this function.

A hook is a function `(Request) -> Result`. Hooks must be idempotent: CloudFormation may
repeat a request, and Lambda retries an invocation that raised (which `run` does only when
the answer itself could not be delivered).
"""
from __future__ import annotations

import json
import re
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import CloudFormationCustomResourceEvent

logger = Logger(service="deploy_hooks", child=True)

SUCCESS = "SUCCESS"
FAILED = "FAILED"
# CloudFormation refuses answers over 4096 bytes: a reason is cut well below that.
MAX_REASON_CHARS = 900
# The watchdog answers this long before the Lambda timeout (the PUT itself needs time).
MIN_MARGIN_S = 1.0
MAX_MARGIN_S = 15.0
PUT_TIMEOUT_S = 10
PUT_ATTEMPTS = 3


class InvalidRequest(ValueError):
    """A property is missing or wrong: the message says which (and holds no secret)."""


@dataclass(frozen=True)
class Request:
    request_type: str  # "Create", "Update" or "Delete"
    resource_type: str  # "Custom::WebClient"...
    logical_id: str
    stack_id: str
    request_id: str
    response_url: str
    properties: dict[str, Any]
    old_properties: dict[str, Any]  # Update only, else {}
    physical_id: str | None  # Update and Delete only

    @classmethod
    def from_event(cls, event: dict) -> "Request":
        missing = [k for k in ("RequestType", "ResponseURL", "StackId", "RequestId",
                               "ResourceType", "LogicalResourceId") if not event.get(k)]
        if missing:
            raise InvalidRequest(f"not a CloudFormation custom resource request "
                                 f"(missing {', '.join(missing)})")
        request = CloudFormationCustomResourceEvent(event)
        return cls(
            request_type=request.request_type,
            resource_type=request.resource_type,
            logical_id=request.logical_resource_id,
            stack_id=request.stack_id,
            request_id=request.request_id,
            response_url=request.response_url,
            properties=dict(request.resource_properties),
            old_properties=dict(request.old_resource_properties),
            physical_id=request.physical_resource_id or None,
        )

    def prop(self, name: str, default: Any = None, *, required: bool = False) -> Any:
        value = self.properties.get(name, default)
        if required and (value is None or value == ""):
            raise InvalidRequest(f"{self.resource_type} needs the property {name}")
        return value


@dataclass(frozen=True)
class Result:
    physical_id: str
    data: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Hook:
    """What a resource type does. `physical_id(request)` names the resource from its
    properties (used for a Create that fails, so the Delete CloudFormation sends next finds
    what was partly made); it may raise InvalidRequest."""
    handle: Callable[[Request], Result]
    physical_id: Callable[[Request], str]


class _Answer:
    """Sends the one answer of a request; a second `send` does nothing."""

    def __init__(self, request_url: str, base: dict):
        self._url = request_url
        self._base = base
        self._lock = threading.Lock()
        self.sent: str | None = None

    def send(self, status: str, physical_id: str, reason: str,
             data: dict[str, str] | None = None) -> bool:
        with self._lock:
            if self.sent is not None:
                return False
            self.sent = status
        body = {**self._base, "Status": status, "PhysicalResourceId": physical_id,
                "Reason": reason[:MAX_REASON_CHARS], "NoEcho": False, "Data": data or {}}
        put_response(self._url, json.dumps(body).encode("utf-8"))
        logger.info("answered CloudFormation", extra={"status": status,
                                                      "physicalResourceId": physical_id})
        return True


def put_response(url: str, body: bytes) -> None:
    """PUT the answer to the pre-signed URL. The URL is signed without a content type, so
    none is sent (urllib would otherwise add one and break the signature)."""
    error: Exception | None = None
    for attempt in range(PUT_ATTEMPTS):
        request = urllib.request.Request(url, data=body, method="PUT",
                                         headers={"Content-Type": "",
                                                  "Content-Length": str(len(body))})
        try:
            with urllib.request.urlopen(request, timeout=PUT_TIMEOUT_S) as answer:  # noqa: S310
                answer.read()
            return
        except Exception as exc:  # noqa: BLE001 - retried, then raised
            error = exc
            time.sleep(0.5 * (attempt + 1))
    # Raise: Lambda retries the invocation (the hooks are idempotent) and so the answer.
    raise RuntimeError(f"could not deliver the answer to CloudFormation: "
                       f"{type(error).__name__}") from None


def run(event: dict, context: Any, hooks: dict[str, Hook],
        secrets: Callable[[], Iterable[str]] = lambda: ()) -> dict:
    """Handle one request with the hook for its resource type and answer it, always."""
    request = Request.from_event(event)
    answer = _Answer(request.response_url, {"StackId": request.stack_id,
                                            "RequestId": request.request_id,
                                            "LogicalResourceId": request.logical_id})
    fallback_id = request.physical_id or _physical_id_for_failure(request, hooks)
    watchdog = _watchdog(context, answer, fallback_id)
    try:
        hook = hooks.get(request.resource_type)
        if hook is None:
            raise InvalidRequest(f"this function serves no resource type "
                                 f"{request.resource_type} (only {', '.join(sorted(hooks))})")
        if request.request_type not in ("Create", "Update", "Delete"):
            raise InvalidRequest(f"unknown request type {request.request_type}")
        logger.info("custom resource request", extra={
            "requestType": request.request_type, "resourceType": request.resource_type,
            "logicalResourceId": request.logical_id, "physicalResourceId": request.physical_id})
        result = hook.handle(request)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a FAILED answer
        reason = safe_reason(exc, secrets)
        logger.error("custom resource failed", extra={"reason": reason})
        answer.send(FAILED, fallback_id, reason)
        return {"Status": answer.sent or FAILED, "Reason": reason}
    finally:
        if watchdog is not None:
            watchdog.cancel()
    if not answer.send(SUCCESS, result.physical_id, "OK", result.data):
        logger.warning("the hook finished after the watchdog had answered FAILED")
    return {"Status": answer.sent, "PhysicalResourceId": result.physical_id}


def _physical_id_for_failure(request: Request, hooks: dict[str, Hook]) -> str:
    """A failed Create still needs a physical id: the hook's own when the properties name
    one (the Delete that follows cleans up what was made), else one that names nothing."""
    hook = hooks.get(request.resource_type)
    if hook is not None:
        try:
            return hook.physical_id(request)
        except Exception:  # noqa: BLE001 - invalid properties: nothing was made
            pass
    return f"{request.logical_id}-not-created-{request.request_id[:8]}"


def _watchdog(context: Any, answer: _Answer, physical_id: str) -> threading.Timer | None:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    remaining_s = remaining() / 1000.0
    margin = max(MIN_MARGIN_S, min(MAX_MARGIN_S, remaining_s * 0.1))
    delay = max(0.0, remaining_s - margin)

    def expire() -> None:
        reason = (f"timed out: no result {delay:.0f} s into the request, answered before the "
                  f"function's timeout (see the function's log)")
        try:
            if answer.send(FAILED, physical_id, reason):
                logger.error("custom resource timed out", extra={"reason": reason})
        except Exception:  # noqa: BLE001 - nothing more can be done from this thread
            logger.exception("could not answer a timed-out request")

    timer = threading.Timer(delay, expire)
    timer.daemon = True
    timer.start()
    return timer


# --- reasons that name no secret ----------------------------------------------------------

_PEM = re.compile(r"-----BEGIN [A-Z0-9 ]+-----.*?(-----END [A-Z0-9 ]+-----|$)", re.S)
# user:password@ in any URI (mongodb://, mongodb+srv://, https://...)
_URI_CREDENTIALS = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*://)[^\s/@]+@")
# a pre-signed URL's signature, should one ever appear in an error
_SIGNATURE = re.compile(r"((?:X-Amz-Signature|Signature|X-Amz-Credential|X-Amz-Security-Token)=)"
                        r"[^&\s]+")
REDACTED = "***"


def safe_reason(exc: BaseException, secrets: Callable[[], Iterable[str]] = lambda: ()) -> str:
    """`ExceptionType: message`, with every known secret value, PEM block, URI credential and
    URL signature replaced by ***, cut to fit CloudFormation's answer."""
    message = str(exc) or "no message"
    if not isinstance(exc, InvalidRequest):
        message = f"{type(exc).__name__}: {message}"
    return redact(message, secrets)[:MAX_REASON_CHARS]


def redact(text: str, secrets: Callable[[], Iterable[str]] = lambda: ()) -> str:
    try:
        known = sorted({s for s in secrets() if s and len(s) >= 4}, key=len, reverse=True)
    except Exception:  # noqa: BLE001 - redaction must never fail the answer
        known = []
    for secret in known:
        text = text.replace(secret, REDACTED)
    text = _PEM.sub("[PEM redacted]", text)
    text = _URI_CREDENTIALS.sub(rf"\1{REDACTED}@", text)
    return _SIGNATURE.sub(rf"\1{REDACTED}", text)
