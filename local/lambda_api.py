"""The Lambda Invoke API for the local functions, asynchronous invocations only
(`InvocationType: Event`), so `scripts/redrive` talks to the local stack as it talks to AWS:

    POST /2015-03-31/functions/{FunctionName}/invocations    X-Amz-Invocation-Type: Event

`FunctionName` is the template's logical id (`TranscodeFunction`), or an ARN or
`name:qualifier` ending in it, as in the dead-letter records the event pump writes. The event
runs on the pump's workers (retried, then dead-lettered, as any asynchronous event); the
answer is 202 at once. Errors carry the `X-Amzn-ErrorType` botocore reads.
"""
from __future__ import annotations

import json
import logging
import re
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import unquote

from .server_thread import ServerThread

log = logging.getLogger("tuber.local")

INVOKE_PATH = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations$")


def function_name(raw: str) -> str:
    name = unquote(raw)
    if name.startswith("arn:"):
        parts = name.split(":")
        return parts[6] if len(parts) > 6 else ""
    return name.split(":")[0]


class LambdaApi:
    """Answers one request: (status, error type or None, message)."""

    def __init__(self, exists: Callable[[str], bool], invoke_async: Callable[[str, dict], None]):
        self.exists = exists
        self.invoke_async = invoke_async

    def handle(self, method: str, path: str, headers: dict[str, str],
               body: bytes) -> tuple[int, str | None, str]:
        match = INVOKE_PATH.match(path.split("?")[0])
        if method != "POST" or match is None:
            return 404, "UnknownOperationException", f"only Invoke is served here, not {path}"
        name = function_name(match["name"])
        if not name or not self.exists(name):
            return 404, "ResourceNotFoundException", f"Function not found: {name}"
        kind = headers.get("x-amz-invocation-type", "RequestResponse")
        if kind != "Event":
            return 400, "InvalidParameterValueException", (
                f"the local stack accepts asynchronous invocations only (Event), not {kind}")
        try:
            event = json.loads(body or b"{}")
        except ValueError:
            return 400, "InvalidRequestContentException", "the payload is not JSON"
        self.invoke_async(name, event)
        log.info("invoke %s (Event) accepted", name)
        return 202, None, ""


class LambdaApiServer(ServerThread):
    def __init__(self, api: LambdaApi, host: str = "127.0.0.1", port: int = 0):
        super().__init__(ThreadingHTTPServer((host, port), _handler(api)), "lambda-api")

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"


def _handler(api: LambdaApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, error, message = api.handle(self.command, self.path, headers, body)
            data = json.dumps({"Type": "User", "message": message}).encode() if error else b""
            self.send_response(status)
            if error:
                self.send_header("X-Amzn-ErrorType", error)
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, *args) -> None:
            pass

    return Handler
