"""/auth sessions: sign in, refresh the token pair, sign out (API.md "Sessions", "Sign-in
limits")."""
from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from tuber_common import account_status
from tuber_common.db import get_db
from tuber_common.errors import BadRequest, Unauthorized
from tuber_common.http import bearer_token, client_ip, require_user, user_agent
from tuber_common.openapi import NONE, REQUIRED, operation
from tuber_common.tokens import verify_access
from tuber_common.users import private_user

from . import accounts, cookies, sessions, throttle
from .models import LoginBody, RefreshBody

router = Router()
TAGS = ["sessions"]


@router.post("/auth/login", **operation(200, "SessionResponse", auth=NONE, tags=TAGS,
                                        summary="Sign in: a token pair"))
def login(body: LoginBody):
    db = get_db()
    # The browser's device id (a new one if it has none): known once this sign-in succeeds.
    device = cookies.device_id(router) or cookies.new_device_id()
    user = accounts.login(db, body.identifier, body.password,
                          throttle.Client(client_ip(router), device))
    pair = sessions.start_session(db, user["_id"], account_status.token_version(user))
    return cookies.token_answer(router, {**pair, "user": private_user(user)},
                                in_cookie=cookies.wants_cookie(router),
                                extra=[cookies.device_cookie(router, device)])


@router.post("/auth/refresh", **operation(
    200, "SessionResponse", auth=NONE, tags=TAGS,
    summary="A new token pair for a refresh token (spent by it)"))
def refresh(body: RefreshBody):
    db = get_db()
    token = body.refreshToken or cookies.refresh_token(router)
    if not token:
        raise Unauthorized("no refresh token in the body or its cookie",
                           code="invalid_refresh_token")
    user, pair = sessions.rotate(db, token,
                                 sessions.client_key(client_ip(router), user_agent(router)))
    # The answer keeps the refresh token where it came from (or where the client asks).
    return cookies.token_answer(router, {**pair, "user": private_user(user)},
                                in_cookie=not body.refreshToken or cookies.wants_cookie(router))


@router.post("/auth/logout", **operation(204, None, auth=REQUIRED, tags=TAGS,
                                         summary="End a session"))
def logout(body: RefreshBody):
    user_id = require_user(router)
    if body.refreshToken:
        sessions.end_session(get_db(), body.refreshToken, user_id)
    else:  # the session the access token belongs to
        family = verify_access(bearer_token(router) or "").get("fam")
        if not family:
            raise BadRequest("give the refreshToken of the session to end",
                             code="refresh_token_required")
        sessions.end_family(get_db(), family, user_id)
    return cookies.no_content(router, clear_refresh=True)
