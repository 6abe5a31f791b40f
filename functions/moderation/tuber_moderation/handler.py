"""/report routes (reports, the moderators' queue, resolutions, the audit log) and the
admins' /admin/users/{userId}/role, declared on the app; the entry point."""
from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query

from tuber_common.db import get_db
from tuber_common.http import create_app, make_handler, require_user
from tuber_common.openapi import REQUIRED, operation
from tuber_common.request_models import DEFAULT, Cursor, Limit

from . import audit, reports, resolutions, roles
from .models import ReportBody, ResolveBody, RoleBody

app = create_app("moderation", response_models="tuber_moderation.response_models")
TAGS = ["moderation"]


@app.post("/report", **operation(201, "ReportResponse", auth=REQUIRED, tags=TAGS,
                                 summary="Report a video, comment or user"))
def report(body: ReportBody):
    return {"report": reports.report(get_db(), require_user(app), body.targetType,
                                     body.targetId, body.reason, body.note)}


@app.get("/report", **operation(200, "ReportCasePage", auth=REQUIRED, tags=TAGS,
                                summary="Moderators: reported targets, most reported first"))
def queue(status: Annotated[Literal["open", "resolved"], Query()] = "open",
          limit: Limit = DEFAULT, cursor: Cursor = None):
    return reports.queue(get_db(), require_user(app), status, limit, cursor)


# Static routes win over dynamic ones in Powertools (as in API Gateway): "audit" is no id.
@app.get("/report/audit", **operation(200, "AuditPage", auth=REQUIRED, tags=TAGS,
                                      summary="Moderators: the moderation log, newest first"))
def audit_log(limit: Limit = DEFAULT, cursor: Cursor = None):
    return audit.entries(get_db(), require_user(app), limit, cursor)


@app.post("/report/<reportId>/resolve", **operation(
    200, "ResolutionResponse", auth=REQUIRED, tags=TAGS,
    summary="Moderators: dismiss, take down or suspend (every open report on the target)"))
def resolve(reportId: str, body: ResolveBody):
    return {"resolution": resolutions.resolve(get_db(), require_user(app), reportId,
                                              body.action, body.reason, body.note)}


@app.put("/admin/users/<userId>/role", **operation(200, "RoleResponse", auth=REQUIRED,
                                                   tags=TAGS, summary="Admins: set a role"))
def set_role(userId: str, body: RoleBody):
    return roles.set_role(get_db(), require_user(app), userId, body.role)


lambda_handler = make_handler(app)
