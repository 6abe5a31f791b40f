"""The HTTP side of every API function: the resolver, the one error mapping, the caller.

    app = create_app("video", response_models="tuber_video.response_models")
    app.include_router(catalog_routes.router)   # routes declared with openapi.operation()
    lambda_handler = make_handler(app)
"""
from __future__ import annotations

import hmac
import json
import math
import sys
from typing import Any, Callable

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.logging import correlation_paths
from pymongo.errors import ConnectionFailure, ServerSelectionTimeoutError, WriteConcernError

from . import account_status, events
from .errors import (ApiError, BadRequest, PayloadTooLarge, Unauthorized, ValidationFailed,
                     validation_details)
from .observability import logger, metrics
from .secret_settings import secret
from .tokens import verify_access


def error_response(status: int, code: str, message: str, details: Any = None,
                   headers: dict[str, str] | None = None) -> Response:
    body = {"error": {"code": code, "message": message, "details": details}}
    return Response(status_code=status, content_type="application/json",
                    body=json.dumps(body), headers=headers or {})


# --- request bodies: the one JSON parser every route's body goes through --------------------
# Hostile JSON is the client's fault, whatever it breaks: a body too large (413), nested too
# deep (400 json_too_deep: Python's parser hits its recursion limit near 1000 levels, and
# MongoDB refuses documents nested beyond 100), numbers beyond what the API stores (422
# number_out_of_range: integers outside 64 bits, which BSON cannot hold, 5000-digit ones that
# Python refuses to convert, floats that overflow to infinity) and NaN / Infinity, which are
# not JSON (400 invalid_json). The largest legitimate body (completing a 10,000-part upload)
# is well under MAX_BODY_BYTES; no body of this API nests deeper than 3.
MAX_BODY_BYTES = 4 * 1024 * 1024
MAX_JSON_DEPTH = 20
_INT64 = 2 ** 63


def _json_int(text: str) -> int:
    # 20 characters hold every 64-bit integer with its sign: longer is out of range, and is
    # refused before int() spends time on (or refuses) thousands of digits.
    if len(text) > 20 or not -_INT64 <= (value := int(text)) < _INT64:
        raise ValidationFailed("a number in the body is out of range (64-bit integers only)",
                               code="number_out_of_range")
    return value


def _json_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValidationFailed("a number in the body is out of range",
                               code="number_out_of_range")
    return value


def _json_constant(name: str) -> Any:
    raise BadRequest(f"{name} is not JSON", code="invalid_json")


def _too_deep() -> BadRequest:
    return BadRequest(f"the body nests deeper than {MAX_JSON_DEPTH} levels",
                      code="json_too_deep", details={"maxDepth": MAX_JSON_DEPTH})


def _check_depth(value: Any) -> None:
    """Iterative (no recursion of our own): containers only, each visited once."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise _too_deep()
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children
                     if isinstance(child, (dict, list)))


def parse_json(text: str | bytes) -> Any:
    """A request body as JSON, within the limits above (ApiError otherwise); invalid JSON
    raises json.JSONDecodeError, which callers answer as 400 invalid_json."""
    size = len(text) if isinstance(text, bytes) else len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the body is larger than {MAX_BODY_BYTES} bytes",
                              code="body_too_large", details={"maxBytes": MAX_BODY_BYTES})
    try:
        value = json.loads(text, parse_int=_json_int, parse_float=_json_float,
                           parse_constant=_json_constant)
    except RecursionError:
        raise _too_deep() from None
    if isinstance(value, (dict, list)):
        _check_depth(value)
    return value


class JsonResolver(APIGatewayHttpResolver):
    """Routes return plain JSON-ready dicts (or None for a 204), sent with the status their
    decorator declares (tuber_common.openapi.operation), serialized once with
    json.dumps (C) instead of Powertools' generic recursive encoder, which costs milliseconds
    on a feed page. (`_to_response` is Powertools' hook that turns a route's return value
    into a Response; `_generate_schemas` the one that makes components/schemas.)"""

    def __init__(self, *, response_models: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.response_models = response_models

    def _to_response(self, result):
        # The declared status is set by the route's own middleware (openapi.operation).
        if result is None:
            return Response(status_code=204, body="", content_type="application/json")
        if isinstance(result, (dict, list)):
            return Response(status_code=200, content_type="application/json",
                            body=json.dumps(result, separators=(",", ":")))
        return super()._to_response(result)

    def get_openapi_schema(self, *, security_schemes=None, **kwargs: Any):
        from .openapi import SECURITY_SCHEMES
        return super().get_openapi_schema(security_schemes=security_schemes or SECURITY_SCHEMES,
                                          **kwargs)

    def _generate_schemas(self, definitions: dict[str, dict[str, Any]]) -> dict[str, dict]:
        from .openapi import component_schemas
        routes = self._static_routes + self._dynamic_routes
        return component_schemas(definitions, (route.responses for route in routes),
                                 self.response_models)


def create_app(service: str, response_models: str | None = None) -> APIGatewayHttpResolver:
    """The function's resolver. `response_models`: the module holding the answer models its
    routes name (imported only to build the API document)."""
    app = JsonResolver(
        response_models=response_models,
        enable_validation=True,
        json_body_deserializer=parse_json,
        cors=CORSConfig(allow_origin="*", allow_headers=["Authorization", "Content-Type"],
                        max_age=600),
    )

    @app.exception_handler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        if exc.status >= 500:
            logger.warning("dependency failure", extra={"code": exc.code})
        return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)

    @app.exception_handler(RequestValidationError)
    def _invalid_request(exc: RequestValidationError) -> Response:
        details = validation_details(exc.errors())
        if any(d["type"] == "json_invalid" for d in details):
            return error_response(400, "invalid_json", "request body is not valid JSON")
        return error_response(422, "validation_error", "request is invalid", details)

    @app.exception_handler(UnicodeDecodeError)
    def _not_utf8(_exc: UnicodeDecodeError) -> Response:
        # A body that is not UTF-8 reaches us base64-encoded (as API Gateway sends binary);
        # Powertools' decoding of it for validation raises this. The client's fault: 400.
        return error_response(400, "invalid_json", "request body is not UTF-8 JSON")

    # WriteConcernError: the majority did not confirm the write in time (tuber_common.db).
    @app.exception_handler([ConnectionFailure, WriteConcernError])
    def _database_down(exc: ConnectionFailure | WriteConcernError) -> Response:
        kind = "timeout" if isinstance(exc, ServerSelectionTimeoutError) else type(exc).__name__
        logger.error("database unavailable", extra={"reason": kind})
        return error_response(503, "database_unavailable",
                              "the database is unavailable, try again shortly",
                              headers={"Retry-After": "5"})

    @app.not_found
    def _no_route(_exc: Exception) -> Response:
        return error_response(404, "route_not_found", "no such route")

    @app.exception_handler(Exception)
    def _bug(exc: Exception) -> Response:
        outage = aws_outage(exc)
        if outage:
            # S3 (or another AWS service) down, timing out or failing: not our bug, not the
            # client's mistake; the same request may work in a few seconds.
            logger.error("dependency unavailable", extra={"reason": outage})
            return error_response(503, "service_unavailable",
                                  "a service this request needs is unavailable, try again "
                                  "shortly", headers={"Retry-After": "5"})
        # A bug, not a client error: log it with its stack, tell the client nothing inside.
        logger.exception("unhandled error", extra={"service": service})
        return error_response(500, "internal_error", "internal error")

    return app


# AWS error codes that say "the service is in trouble, try again", whatever the status.
_AWS_TRANSIENT_CODES = frozenset({
    "SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "Throttling",
    "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException",
    "RequestThrottled", "ProvisionedThroughputExceededException"})


def aws_outage(exc: BaseException) -> str | None:
    """Why `exc` (or the exception it was raised from) is an AWS outage, or None: botocore
    could not connect or timed out, or the service answered 5xx or a throttling code. A 4xx
    such as AccessDenied is a misconfiguration (a bug: 500), never an outage.
    botocore is looked up, never imported: a function that has not loaded it (auth, like,
    comment) cannot be holding one of its exceptions."""
    exceptions = sys.modules.get("botocore.exceptions")
    if exceptions is None:
        return None
    for candidate in (exc, exc.__cause__):
        if isinstance(candidate, (exceptions.ConnectionError, exceptions.HTTPClientError)):
            return type(candidate).__name__  # EndpointConnectionError, ReadTimeoutError...
        if isinstance(candidate, exceptions.ClientError):
            response = candidate.response or {}
            status = int((response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 0)
            code = str((response.get("Error") or {}).get("Code") or "")
            if status >= 500 or code in _AWS_TRANSIENT_CODES:
                return code or str(status)
    return None


def make_handler(app: APIGatewayHttpResolver,
                 on_schedule: Callable[[], dict] | None = None) -> Callable[[dict, Any], dict]:
    """The function's entry point: HTTP API events go to `app`; EventBridge's "Scheduled
    Event" (the template's Schedule events) to `on_schedule`, the function's periodic job."""
    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP,
                                  clear_state=True)
    @metrics.log_metrics(capture_cold_start_metric=True)
    def lambda_handler(event: dict, context: Any) -> dict:
        if on_schedule is not None and events.is_scheduled(event):
            done = on_schedule()
            logger.info("scheduled job done", extra=done)
            return done
        return app.resolve(event, context)

    return lambda_handler


def bearer_token(app: APIGatewayHttpResolver) -> str | None:
    header = app.current_event.headers.get("authorization") or ""
    scheme, _, token = header.partition(" ")
    if not header:
        return None
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("expected 'Authorization: Bearer <token>'", code="invalid_token")
    return token.strip()


# Methods that change nothing: their account check may use a copy a few seconds old.
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def optional_user(app: APIGatewayHttpResolver) -> str | None:
    """The caller's user id, or None when anonymous. A token that is sent must be valid, and
    its account must still accept it (tuber_common.account_status: not deleted, suspended or
    signed out everywhere), on every route alike."""
    token = bearer_token(app)
    if not token:
        return None
    claims = verify_access(token)
    method = (app.current_event.request_context.http.method or "").upper()
    account_status.check(claims["sub"], claims["ver"], fresh=method not in _READ_METHODS)
    return claims["sub"]


def require_user(app: APIGatewayHttpResolver) -> str:
    user_id = optional_user(app)
    if user_id is None:
        raise Unauthorized("sign in first", code="authentication_required")
    return user_id


def json_with_cookies(body: dict, cookies: list) -> Response:
    """JSON with Set-Cookie headers (API Gateway payload 2.0 `cookies`), sent with the route's
    declared status (openapi.operation)."""
    return Response(status_code=200, content_type="application/json",
                    body=json.dumps(body, separators=(",", ":")), cookies=cookies)


def client_ip(app: APIGatewayHttpResolver) -> str:
    """The viewer's address. Behind CloudFront the API sees CloudFront's own address, so the
    viewer's comes from CloudFront-Viewer-Address, trusted only on requests that carry the
    distribution's secret X-Origin-Verify header (anyone can send the first header directly
    to the API's own URL)."""
    event = app.current_event
    viewer = viewer_address(event.headers.get("cloudfront-viewer-address"))
    if viewer and _from_our_distribution(event.headers.get("x-origin-verify")):
        return viewer
    return event.request_context.http.source_ip or ""


def viewer_address(header: str | None) -> str:
    """The address in CloudFront-Viewer-Address ("ip:port", IPv6 unbracketed), or ""."""
    address, _, port = (header or "").rpartition(":")
    return address if address and port.isdigit() else ""


def _from_our_distribution(sent: str | None) -> bool:
    if not sent:
        return False
    expected = secret("origin_verify_secret")
    return bool(expected) and hmac.compare_digest(sent.encode(), expected.encode())


def user_agent(app: APIGatewayHttpResolver) -> str:
    return app.current_event.request_context.http.user_agent or ""
