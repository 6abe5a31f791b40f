"""The video function: its routers, one per sub-domain, and the entry point."""
from __future__ import annotations

from tuber_common.db import get_db
from tuber_common.http import create_app, make_handler

from . import (caption_routes, catalog_routes, editing_routes, oembed_routes, pin_routes,
               processing_routes, quota_routes, thumbnail_routes, trending,
               trending_routes, upload_routes, watching_routes)

app = create_app("video", response_models="tuber_video.response_models")
# Static paths (/video/search, /video/quota, /video/trending...) are tried before dynamic
# ones whatever the order; among dynamic ones, catalog_routes says which comes first.
for routes in (catalog_routes, watching_routes, editing_routes, upload_routes, quota_routes,
               thumbnail_routes, caption_routes, pin_routes, processing_routes,
               trending_routes, oembed_routes):
    app.include_router(routes.router)

# Its schedule (RefreshTrending) updates the trending scores, within a time budget.
lambda_handler = make_handler(app, on_schedule=lambda: trending.refresh(
    get_db(), budget=trending.SCHEDULE_BUDGET))
