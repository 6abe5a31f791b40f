"""The local API Gateway: HTTP requests in, HTTP API (payload 2.0) events to the functions
(each in containers of its own: local/containers.py), their answers back out as HTTP. Also
serves the web client, /openapi.json and /docs, which API Gateway would not (they live on
other hosts in production)."""
from __future__ import annotations

import base64
import json
import logging
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

from .apigw import http_api_event
from .functions import FunctionRegistry
from .routes import RouteTable
from .server_thread import ServerThread
from .static import content_type, headers_for, local_origins, page_path, resolve_file
from .template import CorsConfig

log = logging.getLogger("tuber.local")

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit


@dataclass
class HttpAnswer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def json_error(status: int, code: str, message: str) -> HttpAnswer:
    body = json.dumps({"error": {"code": code, "message": message, "details": None}}).encode()
    return HttpAnswer(status, [("Content-Type", "application/json")], body)


def lambda_result_to_http(result: Any) -> HttpAnswer:
    """A Lambda proxy result (payload 2.0) as HTTP, including its shorthand forms."""
    if not (isinstance(result, dict) and "statusCode" in result):
        # Payload 2.0 shorthand: anything else is a 200 JSON body.
        body = result if isinstance(result, str) else json.dumps(result)
        return HttpAnswer(200, [("Content-Type", "application/json")], body.encode())
    headers = [(k, str(v)) for k, v in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers += [(name, str(v)) for v in values]
    headers += [("Set-Cookie", cookie) for cookie in result.get("cookies") or []]
    raw = result.get("body") or ""
    body = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode()
    if not any(k.lower() == "content-type" for k, _ in headers) and body:
        headers.append(("Content-Type", "application/json"))
    return HttpAnswer(int(result["statusCode"]), headers, body)


class Cors:
    """The HttpApi CorsConfiguration: API Gateway answers preflights itself and sets the
    CORS response headers on every answer (over whatever the function set)."""

    def __init__(self, config: CorsConfig | None):
        self.config = config

    def allowed_origin(self, origin: str | None) -> str | None:
        if not (self.config and origin):
            return None
        if "*" in self.config.allow_origins:
            return "*" if not self.config.allow_credentials else origin
        return origin if origin in self.config.allow_origins else None

    def is_preflight(self, method: str, headers: dict[str, str]) -> bool:
        return (self.config is not None and method == "OPTIONS"
                and "origin" in headers and "access-control-request-method" in headers)

    def preflight(self, headers: dict[str, str]) -> HttpAnswer:
        cfg = self.config
        origin = self.allowed_origin(headers.get("origin"))
        if origin is None:
            return HttpAnswer(204, [], b"")
        allow_headers = ", ".join(cfg.allow_headers) or headers.get(
            "access-control-request-headers", "")
        out = [("Access-Control-Allow-Origin", origin),
               ("Access-Control-Allow-Methods", ", ".join(cfg.allow_methods) or "*"),
               ("Access-Control-Allow-Headers", allow_headers)]
        if cfg.max_age is not None:
            out.append(("Access-Control-Max-Age", str(cfg.max_age)))
        if cfg.allow_credentials:
            out.append(("Access-Control-Allow-Credentials", "true"))
        return HttpAnswer(204, out, b"")

    def decorate(self, answer: HttpAnswer, origin: str | None) -> HttpAnswer:
        allowed = self.allowed_origin(origin)
        if allowed is None:
            return answer
        headers = [(k, v) for k, v in answer.headers
                   if not k.lower().startswith("access-control-")]
        headers.append(("Access-Control-Allow-Origin", allowed))
        if self.config.expose_headers:
            headers.append(("Access-Control-Expose-Headers", ", ".join(self.config.expose_headers)))
        if self.config.allow_credentials:
            headers.append(("Access-Control-Allow-Credentials", "true"))
        return HttpAnswer(answer.status, headers, answer.body)


class Gateway:
    """Everything the HTTP server answers, independent of the socket plumbing."""

    def __init__(self, registry: FunctionRegistry, routes: RouteTable, cors: Cors,
                 web_root: Path | None, openapi: Callable[[], dict], docs_page: str,
                 swagger_dir: Path | None = None, media_origin=None, mailbox=None):
        self.registry = registry
        self.routes = routes
        self.cors = cors
        self.web_root = web_root
        self.openapi = openapi
        self.docs_page = docs_page
        self.swagger_dir = swagger_dir
        # /hls/* and /thumbs/*: local/origin.py, as CloudFront serves them on AWS.
        self.media_origin = media_origin
        # /_mail and the SES stand-in the functions send through: local/mail.py.
        self.mailbox = mailbox
        self._api_areas = routes.first_segments()

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes,
               source_ip: str) -> HttpAnswer:
        url = urlsplit(target)
        path = url.path or "/"
        if self.cors.is_preflight(method, headers):
            return self.cors.preflight(headers)
        if self.media_origin is not None:
            media = self.media_origin.serve(method, target, headers, source_ip)
            if media is not None:
                return media
        answer = self._local_extras(method, path)
        if answer is None and self.mailbox is not None:
            answer = self.mailbox.serve(method, target, headers, body)
        if answer is None:
            answer = self._invoke_route(method, path, url.query, headers, body, source_ip)
        return self.cors.decorate(answer, headers.get("origin"))

    def _invoke_route(self, method, path, query, headers, body, source_ip) -> HttpAnswer:
        match = self.routes.match(method, path)
        if match is None:
            static = self._static(method, path, headers)
            return static or json_error(404, "route_not_found", f"no route for {method} {path}")
        if not self.registry.exists(match.route.function):
            return json_error(404, "route_not_found",
                              f"{match.route.function} is not in this checkout yet")
        if len(body) > MAX_BODY_BYTES:
            return json_error(413, "payload_too_large", "request body is over 10 MB")
        event = http_api_event(method, path, route_key=match.route.route_key, headers=headers,
                               query=query, body=body if body else None,
                               path_parameters=match.path_parameters or None,
                               source_ip=source_ip)
        try:
            result = self.registry.invoke(match.route.function, event)
        except Exception as exc:  # an uncaught error in a function: API Gateway answers 500
            if hasattr(exc, "error_type"):  # raised in its container, which logged it
                log.error("%s failed: %s: %s", match.route.function, exc.error_type, exc)
            else:
                log.exception("%s raised", match.route.function)
            return json_error(500, "internal_error", "internal error")
        return lambda_result_to_http(result)

    def _local_extras(self, method: str, path: str) -> HttpAnswer | None:
        if method not in ("GET", "HEAD"):
            return None
        if path == "/openapi.json":
            return HttpAnswer(200, [("Content-Type", "application/json")],
                              json.dumps(self.openapi()).encode())
        if path in ("/docs", "/docs/"):
            return HttpAnswer(200, [("Content-Type", "text/html; charset=utf-8")],
                              self.docs_page.encode())
        if path.startswith("/docs/assets/") and self.swagger_dir:
            return self._file(resolve_file(self.swagger_dir, path.removeprefix("/docs/assets/")))
        return None

    def _static(self, method: str, path: str, headers: dict[str, str]) -> HttpAnswer | None:
        if method not in ("GET", "HEAD") or self.web_root is None:
            return None
        found = resolve_file(self.web_root, page_path(path))
        if found is None and self._is_client_page(path, headers):
            # Client-side routes (/watch/abc) get the app shell, as a static host would.
            found = resolve_file(self.web_root, "/index.html")
        answer = self._file(found)
        if answer is not None:  # CSP and the rest, as CloudFront adds them on AWS
            answer.headers.extend(headers_for(path, local_origins()))
        return answer

    def _is_client_page(self, path: str, headers: dict[str, str]) -> bool:
        first = path.strip("/").split("/")[0]
        last = path.rsplit("/", 1)[-1]
        return (first not in self._api_areas and "." not in last
                and "text/html" in headers.get("accept", ""))

    @staticmethod
    def _file(found: Path | None) -> HttpAnswer | None:
        if found is None:
            return None
        return HttpAnswer(200, [("Content-Type", content_type(found)),
                                ("Cache-Control", "no-cache")], found.read_bytes())


def _request_handler(gateway: Gateway) -> type[BaseHTTPRequestHandler]:
    class RequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "tuber-local"

        def _serve(self) -> None:
            started = time.perf_counter()
            body = self._read_body()
            headers = {k.lower(): v for k, v in self.headers.items()}
            answer = gateway.handle(self.command, self.path, headers, body,
                                    self.client_address[0])
            self.send_response(answer.status)
            for name, value in answer.headers:
                if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(answer.body)
            elapsed = (time.perf_counter() - started) * 1000
            log.info("%s %s %d %.0fms", self.command, self.path.split("?")[0], answer.status,
                     elapsed)

        def _read_body(self) -> bytes:
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                return self._read_chunked()  # curl -T, streaming clients
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _read_chunked(self) -> bytes:
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()  # the CRLF after each chunk

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass  # one line per request is logged by _serve

    return RequestHandler


class _Server(ThreadingHTTPServer):
    # socketserver's default listen backlog is 5: a burst of new connections (a page's
    # parallel requests, a load test) overflows it and clients see resets. API Gateway never
    # refuses a connection.
    request_queue_size = 256


class GatewayServer(ServerThread):
    def __init__(self, gateway: Gateway, host: str, port: int):
        super().__init__(_Server((host, port), _request_handler(gateway)), "gateway")

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]
