"""The channel function: channel pages, subscriptions, the subscription feed."""
from tuber_common.http import create_app, make_handler

from . import channel_routes, feed_routes

app = create_app("channel", response_models="tuber_channel.response_models")
app.include_router(channel_routes.router)
app.include_router(feed_routes.router)

lambda_handler = make_handler(app)
