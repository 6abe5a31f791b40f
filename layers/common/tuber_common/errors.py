"""Typed API errors. Raised anywhere; turned into the API's error shape in http.py only."""
from __future__ import annotations

from typing import Any, Iterable


class ApiError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details
        self.headers = headers or {}


class BadRequest(ApiError):
    status, code = 400, "bad_request"


class ValidationFailed(ApiError):
    status, code = 422, "validation_error"


def validation_details(errors: Iterable[dict]) -> list[dict]:
    """The `details` of a 422 validation_error, from pydantic's (or Powertools') errors():
    location, message and type only, never the rejected input (it may be a password)."""
    return [{"loc": [str(part) for part in err.get("loc", ())], "msg": err.get("msg"),
             "type": err.get("type")} for err in errors]


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"


class Forbidden(ApiError):
    status, code = 403, "forbidden"


class NotFound(ApiError):
    status, code = 404, "not_found"


class Conflict(ApiError):
    status, code = 409, "conflict"


class PayloadTooLarge(ApiError):
    status, code = 413, "payload_too_large"


class UnsupportedMediaType(ApiError):
    status, code = 415, "unsupported_media_type"


class Throttled(ApiError):
    status, code = 429, "too_many_requests"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None):
        super().__init__(message, code=code, details={"retryAfterSeconds": retry_after},
                         headers={"Retry-After": str(retry_after)})


class ServiceUnavailable(ApiError):
    status, code = 503, "service_unavailable"
