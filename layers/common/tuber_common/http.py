"""The HTTP side of every API function: the resolver, the one error mapping, the caller.

    app = create_app("video")
    lambda_handler = make_handler(app)
"""
from __future__ import annotations

import hmac
import json
from typing import Any, Callable

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.logging import correlation_paths
from pymongo.errors import ConnectionFailure, ServerSelectionTimeoutError, WriteConcernError

from . import account_status
from .errors import ApiError, Unauthorized
from .observability import logger, metrics
from .secret_settings import secret
from .tokens import verify_access


def error_response(status: int, code: str, message: str, details: Any = None,
                   headers: dict[str, str] | None = None) -> Response:
    body = {"error": {"code": code, "message": message, "details": details}}
    return Response(status_code=status, content_type="application/json",
                    body=json.dumps(body), headers=headers or {})


def _validation_details(exc: RequestValidationError) -> list[dict]:
    # Location, message and type only: the rejected input may be a password.
    return [{"loc": [str(part) for part in err.get("loc", ())], "msg": err.get("msg"),
             "type": err.get("type")} for err in exc.errors()]


class JsonResolver(APIGatewayHttpResolver):
    """Routes return plain JSON-ready dicts; serialize them once with json.dumps (C) instead
    of Powertools' generic recursive encoder, which costs milliseconds on a feed page.
    (`_to_response` is Powertools' hook that turns a route's return value into a Response.)"""

    def _to_response(self, result):
        status = None
        if isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], (dict, list)):
            result, status = result
        if isinstance(result, (dict, list)):
            return Response(status_code=status or 200, content_type="application/json",
                            body=json.dumps(result, separators=(",", ":")))
        return super()._to_response(result)


def create_app(service: str) -> APIGatewayHttpResolver:
    app = JsonResolver(
        enable_validation=True,
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
        details = _validation_details(exc)
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
        # A bug, not a client error: log it with its stack, tell the client nothing inside.
        logger.exception("unhandled error", extra={"service": service})
        return error_response(500, "internal_error", "internal error")

    return app


def make_handler(app: APIGatewayHttpResolver,
                 on_schedule: Callable[[], dict] | None = None) -> Callable[[dict, Any], dict]:
    """The function's entry point: HTTP API events go to `app`; EventBridge's "Scheduled
    Event" (the template's Schedule events) to `on_schedule`, the function's periodic job."""
    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP,
                                  clear_state=True)
    @metrics.log_metrics(capture_cold_start_metric=True)
    def lambda_handler(event: dict, context: Any) -> dict:
        if on_schedule is not None and event.get("detail-type") == "Scheduled Event":
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


def no_content() -> Response:
    return Response(status_code=204, body="", content_type="application/json")


def json_with_cookies(body: dict, cookies: list) -> Response:
    """200 JSON with Set-Cookie headers (API Gateway payload 2.0 `cookies`)."""
    return Response(status_code=200, content_type="application/json",
                    body=json.dumps(body, separators=(",", ":")), cookies=cookies)


def created(body: dict) -> Response:
    return Response(status_code=201, content_type="application/json", body=json.dumps(body))


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
