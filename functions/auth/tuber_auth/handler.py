"""The auth function: its routers, and the entry point (whose schedule carries account
deletions through: tuber_auth.deletion)."""
from __future__ import annotations

from tuber_common.db import get_db
from tuber_common.http import create_app, make_handler

from . import account_routes, deletion, lifecycle_routes, session_routes

app = create_app("auth", response_models="tuber_auth.response_models")
for routes in (session_routes, account_routes, lifecycle_routes):
    app.include_router(routes.router)

lambda_handler = make_handler(app, on_schedule=lambda: deletion.finish_pending(get_db()))
