"""The cookies of /auth: where a browser keeps its refresh token and its device id.

- `tuber_refresh`: the refresh token, for clients that ask for it with the request header
  `X-Tuber-Session: cookie` on /auth/login or /auth/refresh. HttpOnly (script, injected or
  not, cannot read it), SameSite=Strict, Secure (except on a loopback host: the local stack
  serves plain http), Path=/auth/refresh (sent nowhere else). The answer then leaves
  `refreshToken` out of its body. It is read only from requests that carry the header too:
  a form or an image on another site cannot make a browser refresh.
- `tuber_device`: a random device id set by every successful sign-in (HttpOnly, SameSite=Strict,
  Path=/auth/login, KNOWN_CLIENT_DAYS): a device that signed in before is not stopped by
  the per-account sign-in limit (tuber_auth.throttle).
Clients that send no header (scripts, apps) get and send the refresh token in JSON bodies.
"""
from __future__ import annotations

import json
import re
import secrets
from urllib.parse import urlsplit

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.shared.cookies import Cookie, SameSite

from tuber_common.settings import get_settings

REFRESH_COOKIE = "tuber_refresh"
REFRESH_PATH = "/auth/refresh"
DEVICE_COOKIE = "tuber_device"
DEVICE_PATH = "/auth/login"
MODE_HEADER = "x-tuber-session"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,200}$")
_LOOPBACK = {"localhost", "::1"}


def wants_cookie(app: APIGatewayHttpResolver) -> bool:
    return (app.current_event.headers.get(MODE_HEADER) or "").strip().lower() == "cookie"


def read(app: APIGatewayHttpResolver, name: str) -> str | None:
    """A well-formed value of cookie `name` the request carries, or None."""
    for pair in app.current_event.cookies:
        key, _, value = pair.partition("=")
        if key.strip() == name and _TOKEN.match(value.strip()):
            return value.strip()
    return None


def refresh_token(app: APIGatewayHttpResolver) -> str | None:
    """The refresh token cookie, only on requests that say they use it (see above)."""
    return read(app, REFRESH_COOKIE) if wants_cookie(app) else None


def device_id(app: APIGatewayHttpResolver) -> str | None:
    return read(app, DEVICE_COOKIE)


def new_device_id() -> str:
    return secrets.token_urlsafe(16)


def _secure(app: APIGatewayHttpResolver) -> bool:
    try:
        host = urlsplit("//" + (app.current_event.request_context.domain_name or "")).hostname
    except ValueError:
        host = None
    return not host or (host not in _LOOPBACK and not host.startswith("127."))


def refresh_cookie(app: APIGatewayHttpResolver, token: str) -> Cookie:
    return Cookie(REFRESH_COOKIE, token, path=REFRESH_PATH, secure=_secure(app),
                  http_only=True, max_age=get_settings().refresh_token_ttl_seconds,
                  same_site=SameSite.STRICT_MODE)


def clear_refresh_cookie(app: APIGatewayHttpResolver) -> Cookie:
    return Cookie(REFRESH_COOKIE, "", path=REFRESH_PATH, secure=_secure(app), http_only=True,
                  max_age=0, same_site=SameSite.STRICT_MODE)


def device_cookie(app: APIGatewayHttpResolver, value: str) -> Cookie:
    return Cookie(DEVICE_COOKIE, value, path=DEVICE_PATH, secure=_secure(app), http_only=True,
                  max_age=get_settings().known_client_days * 86400,
                  same_site=SameSite.STRICT_MODE)


def token_answer(app: APIGatewayHttpResolver, answer: dict, *, in_cookie: bool,
                 extra: list[Cookie] | None = None) -> Response:
    """200 with a token pair: the refresh token in the body, or (in_cookie) in its cookie."""
    cookies = list(extra or [])
    if in_cookie:
        answer = dict(answer)
        cookies.append(refresh_cookie(app, answer.pop("refreshToken")))
        answer["refreshTokenIn"] = "cookie"
    return Response(status_code=200, content_type="application/json",
                    body=json.dumps(answer, separators=(",", ":")), cookies=cookies)


def no_content(app: APIGatewayHttpResolver, clear_refresh: bool = False) -> Response:
    return Response(status_code=204, content_type="application/json", body="",
                    cookies=[clear_refresh_cookie(app)] if clear_refresh else [])
