"""The bodies of the /report and /admin answers (docs/API.md "Moderation"): documentation
only, named by the routes' decorators (tuber_common.openapi.operation) and never imported by
the function (cold start)."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from tuber_common.response_models import Answer, Count, Id, Page, User
from tuber_common.response_models import ModerationReason as ReportReason
TargetType = Literal["video", "comment", "user"]
ModerationAction = Literal["dismiss", "takedown", "suspend"]


class FiledReport(Answer):
    id: Id
    targetType: TargetType
    targetId: str
    reason: ReportReason
    note: str | None
    status: Literal["open", "resolved"]
    createdAt: datetime


class ReportResponse(Answer):
    report: FiledReport


class Resolution(Answer):
    action: ModerationAction
    reason: ReportReason | None = Field(description="what the owner is told (null: dismiss "
                                                    "without one)")
    note: str | None = Field(description="the moderator's note (moderators only)")
    moderatorId: Id | None
    resolvedAt: datetime
    reportCount: Count | None = Field(description="open reports the decision closed")


class ResolutionResponse(Answer):
    resolution: Resolution


class ReportCase(Answer):
    id: Id = Field(description="a report on the target: resolve it to resolve them all")
    targetType: TargetType
    targetId: str
    targetSummary: str | None = Field(description="a video's title, a comment's text (200 "
                                                  "characters) or a username; null if gone")
    owner: User | None = Field(description="whose content (or account) it is")
    status: Literal["open", "resolved"]
    reportCount: Count = Field(description="open reports on the target (resolved: how many "
                                           "the decision closed)")
    reasons: dict[ReportReason, Count] = Field(description="open reports per reason")
    lastNote: str | None = Field(description="the newest reporter's note")
    firstReportedAt: datetime | None
    lastReportedAt: datetime | None
    resolution: Resolution | None


class ReportCasePage(Page[ReportCase]):
    """A page of the moderators' queue."""


class AuditEntry(Answer):
    id: Id
    at: datetime
    actor: User | None = Field(description="null: the command line")
    action: Literal["dismiss", "takedown", "suspend", "role"]
    targetType: TargetType
    targetId: str
    reason: ReportReason | None
    note: str | None = Field(description="the moderator's note; for `role`, the new role")
    reportCount: Count | None


class AuditPage(Page[AuditEntry]):
    """A page of the moderation log, newest first."""


class RoleUser(User):
    role: Literal["user", "moderator", "admin"]


class RoleResponse(Answer):
    user: RoleUser
