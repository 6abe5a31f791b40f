"""/auth routes: parse, call one domain function, shape the answer."""
from __future__ import annotations

from tuber_common.db import get_db
from tuber_common.http import create_app, created, make_handler, no_content, require_user
from tuber_common.users import private_user

from . import account_routes, accounts, deletion, sessions
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
    user = accounts.login(db, body.identifier, body.password)
    return {**sessions.start_session(db, user["_id"]), "user": private_user(user)}


@app.post("/auth/refresh")
def refresh(body: RefreshBody):
    db = get_db()
    user_id, pair = sessions.rotate(db, body.refreshToken)
    return {**pair, "user": accounts.get_private(db, str(user_id))}


@app.post("/auth/logout")
def logout(body: RefreshBody):
    sessions.end_session(get_db(), body.refreshToken, require_user(app))
    return no_content()


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
