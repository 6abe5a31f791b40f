"""The channel function: channel pages, subscriptions, the subscription feed; its schedule
repairs the channels' subscriber counts."""
from tuber_common.db import get_db
from tuber_common.http import create_app, make_handler

from . import channel_routes, channels, feed_routes

app = create_app("channel", response_models="tuber_channel.response_models")
app.include_router(channel_routes.router)
app.include_router(feed_routes.router)

lambda_handler = make_handler(app, on_schedule=lambda: channels.reconcile_counts(get_db()))
