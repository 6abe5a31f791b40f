"""The playlist function: its routers, and the entry point."""
from __future__ import annotations

from tuber_common.http import create_app, make_handler

from . import item_routes, playlist_routes

app = create_app("playlist", response_models="tuber_playlist.response_models")
app.include_router(playlist_routes.router)
app.include_router(item_routes.router)

lambda_handler = make_handler(app)
