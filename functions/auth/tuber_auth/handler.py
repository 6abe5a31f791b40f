"""/auth routes: parse, call one domain function, shape the answer."""
from __future__ import annotations

from tuber_common import account_status
from tuber_common.db import get_db
from tuber_common.errors import BadRequest, Unauthorized
from tuber_common.http import (bearer_token, client_ip, create_app, created, make_handler,
                               require_user, user_agent)
from tuber_common.tokens import verify_access
from tuber_common.users import private_user

from . import account_routes, accounts, cookies, deletion, sessions, throttle
from .models import LoginBody, PopulateBody, RefreshBody, RegisterBody, UpdateMeBody

app = create_app("auth")
# Email verification, password reset and change, account deletion and export (issue 16).
app.include_router(account_routes.router)


@app.post("/auth/register")
def register(body: RegisterBody):
    user = accounts.register(get_db(), body.username, body.email, body.password,
                             body.displayName)
    return created({"user": user})


@app.post("/auth/login")
def login(body: LoginBody):
    db = get_db()
    # The browser's device id (a new one if it has none): known once this sign-in succeeds.
    device = cookies.device_id(app) or cookies.new_device_id()
    user = accounts.login(db, body.identifier, body.password,
                          throttle.Client(client_ip(app), device))
    pair = sessions.start_session(db, user["_id"], account_status.token_version(user))
    return cookies.token_answer(app, {**pair, "user": private_user(user)},
                                in_cookie=cookies.wants_cookie(app),
                                extra=[cookies.device_cookie(app, device)])


@app.post("/auth/refresh")
def refresh(body: RefreshBody):
    db = get_db()
    token = body.refreshToken or cookies.refresh_token(app)
    if not token:
        raise Unauthorized("no refresh token in the body or its cookie",
                           code="invalid_refresh_token")
    user, pair = sessions.rotate(db, token, sessions.client_key(client_ip(app), user_agent(app)))
    # The answer keeps the refresh token where it came from (or where the client asks).
    return cookies.token_answer(app, {**pair, "user": private_user(user)},
                                in_cookie=not body.refreshToken or cookies.wants_cookie(app))


@app.post("/auth/logout")
def logout(body: RefreshBody):
    user_id = require_user(app)
    if body.refreshToken:
        sessions.end_session(get_db(), body.refreshToken, user_id)
    else:  # the session the access token belongs to
        family = verify_access(bearer_token(app) or "").get("fam")
        if not family:
            raise BadRequest("give the refreshToken of the session to end",
                             code="refresh_token_required")
        sessions.end_family(get_db(), family, user_id)
    return cookies.no_content(app, clear_refresh=True)


@app.get("/auth/me")
def me():
    return {"user": accounts.get_private(get_db(), require_user(app))}


@app.patch("/auth/me")
def update_me(body: UpdateMeBody):
    return {"user": accounts.update_profile(get_db(), require_user(app), body.displayName)}


@app.post("/auth/populate")
def populate(body: PopulateBody):
    return {"users": accounts.populate(get_db(), body.ids)}


# The schedule carries account deletions through (tuber_auth.deletion).
lambda_handler = make_handler(app, on_schedule=lambda: deletion.finish_pending(get_db()))
