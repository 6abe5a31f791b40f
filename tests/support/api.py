"""Call a function's real lambda_handler with API Gateway HTTP API v2 events."""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlencode

from local.apigw import http_api_event
from local.lambda_context import LambdaContext


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str
    cookies: list[str] = field(default_factory=list)  # Set-Cookie values (payload 2.0)

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def error_code(self) -> str | None:
        data = self.json
        return data["error"]["code"] if isinstance(data, dict) and "error" in data else None


class Api:
    def __init__(self, handler: Callable[[dict, Any], dict], source_ip: str = "203.0.113.7"):
        self.handler = handler
        self.source_ip = source_ip

    def call(self, method: str, path: str, *, json_body: Any = None, raw_body: str | None = None,
             token: str | None = None, query: dict | None = None,
             headers: dict | None = None, source_ip: str | None = None) -> Answer:
        sent = {"content-type": "application/json", "user-agent": "pytest"} | (headers or {})
        if token:
            sent["authorization"] = f"Bearer {token}"
        body = raw_body if raw_body is not None else (
            json.dumps(json_body) if json_body is not None else None)
        event = http_api_event(method, path, headers=sent, query=urlencode(query or {}),
                               body=body, source_ip=source_ip or self.source_ip)
        result = self.handler(event, LambdaContext())
        text = result.get("body") or ""
        if result.get("isBase64Encoded"):
            text = base64.b64decode(text).decode()
        headers_out = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
        return Answer(result["statusCode"], headers_out, text, list(result.get("cookies") or []))

    def get(self, path: str, **kw) -> Answer:
        return self.call("GET", path, **kw)

    def post(self, path: str, json_body: Any = None, **kw) -> Answer:
        return self.call("POST", path, json_body=json_body, **kw)

    def put(self, path: str, json_body: Any = None, **kw) -> Answer:
        return self.call("PUT", path, json_body=json_body, **kw)

    def patch(self, path: str, json_body: Any = None, **kw) -> Answer:
        return self.call("PATCH", path, json_body=json_body, **kw)

    def delete(self, path: str, **kw) -> Answer:
        return self.call("DELETE", path, **kw)


# --- accounts (docs/API.md "Accounts") -----------------------------------------------------
# An account is usable as soon as POST /auth/register answers 201: sign in with its username
# at once. Its address is verified by following the mail's link (needed to sign in with the
# email, and to reset the password); `register_user(..., mailbox=...)` does that too.
DEFAULT_PASSWORD = "correct horse battery"


def register_user(api: Api, username: str, *, email: str | None = None,
                  password: str = DEFAULT_PASSWORD, display_name: str | None = None,
                  mailbox=None) -> dict:
    """Register and sign in (by username); with `mailbox` (tests/support/mail_fixtures.py)
    also verify the address. The sign-in answer: {accessToken, refreshToken, user, ...}."""
    email = email or f"{username}@example.com"
    body = {"username": username, "email": email, "password": password}
    if display_name:
        body["displayName"] = display_name
    registered = api.post("/auth/register", body)
    assert registered.status == 201, registered.body
    if mailbox is not None:
        verified = api.post("/auth/verify", {"token": mailbox.token(email, "verify")})
        assert verified.status == 200, verified.body
    login = api.post("/auth/login", {"username": username, "password": password})
    assert login.status == 200, login.body
    return login.json
