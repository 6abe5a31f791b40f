"""The notification function: /notification routes; its schedule restarts stalled fan-outs."""
from tuber_common.db import get_db
from tuber_common.http import create_app, make_handler
from tuber_common.notifications import resume_stalled

from . import notification_routes

app = create_app("notification", response_models="tuber_notification.response_models")
app.include_router(notification_routes.router)

lambda_handler = make_handler(app, on_schedule=lambda: resume_stalled(get_db()))
