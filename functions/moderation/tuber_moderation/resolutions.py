"""Resolving reports: one decision per target, taken once however many moderators press.

A resolution claims the target's case (`report_cases`) with one conditional update
(status open -> resolved): of moderators resolving at once, exactly one wins. The winner's
decision is then carried out, each step idempotent, by whoever gets there: the action
(tuber_common.moderation), the audit entry (unique `key` per case round, so it is written
once), and every open report of the target marked resolved. A moderator who repeats the
same decision (a retry, a second moderator agreeing) gets 200 and finishes any step a crash
left undone; a different decision on a resolved target is 409 `report_already_resolved`.
"""
from __future__ import annotations

from collections import Counter

from bson import ObjectId
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from tuber_common import moderation
from tuber_common.clock import utcnow
from tuber_common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tuber_common.ids import try_parse_id, user_oid
from tuber_common.observability import count

from . import audit
from .reports import OPEN, RESOLVED, resolution_out, settle, stored_id

DISMISS, TAKEDOWN, SUSPEND = "dismiss", "takedown", "suspend"
# Each extra round means another report or moderator changed the case in between.
MAX_ATTEMPTS = 8


def _report(db: Database, report_id: str) -> dict:
    oid = try_parse_id(report_id)
    doc = db.reports.find_one({"_id": oid}) if oid else None
    if doc is None:
        raise NotFound("report not found", code="report_not_found")
    return doc


def _check(db: Database, actor_role: str, actor: ObjectId, report: dict, action: str) -> None:
    if action == TAKEDOWN and report["targetType"] == "user":
        raise ValidationFailed("an account is suspended, not taken down",
                               code="action_not_applicable")
    if action == DISMISS:
        return
    owner = report["ownerId"]
    # A moderator acts on users only; an admin on moderators too; nobody on an admin (or on
    # themself): demote first.
    if owner == actor or moderation.rank(moderation.role_of(db, owner)) >= moderation.rank(
            actor_role):
        raise Forbidden("you may not act on this account's content",
                        code="target_protected")


def _claim(db: Database, case: dict, resolution: dict) -> bool:
    """Resolve the case if it is still as read (open, same count): one winner."""
    return db.report_cases.update_one(
        {"_id": case["_id"], "status": OPEN, "round": case["round"],
         "openCount": case.get("openCount", 0)},
        {"$set": {"status": RESOLVED, "resolution": resolution, "resolvedAt": resolution["at"],
                  "openCount": 0, "reasons": {}},
         "$unset": {"lastNote": ""}, "$inc": {"round": 1}}).modified_count == 1


def _top_reason(case: dict, fallback: str) -> str:
    reasons = Counter({k: v for k, v in (case.get("reasons") or {}).items() if v > 0})
    return reasons.most_common(1)[0][0] if reasons else fallback


def _busy() -> Conflict:
    return Conflict("this target's reports are changing, try again", code="report_busy")


def resolve(db: Database, moderator_id: str, report_id: str, action: str,
            reason: str | None, note: str | None) -> dict:
    """POST /report/{reportId}/resolve: the resolution of the report's target."""
    role = moderation.require_role(db, moderator_id, moderation.MODERATOR)
    actor = user_oid(moderator_id)
    report = _report(db, report_id)
    if report["status"] == RESOLVED:
        return _same_or_conflict(report["resolution"], action)
    _check(db, role, actor, report, action)
    note = (note or "").strip() or None
    for _ in range(MAX_ATTEMPTS):
        case = db.report_cases.find_one({"targetKey": report["targetKey"]})
        # Filed, but its case not written (or reopened) yet: a moment later it is.
        if case is None or (case["status"] == RESOLVED
                            and report["createdAt"] > case["resolvedAt"]):
            raise _busy()
        if case["status"] == RESOLVED:  # someone just decided: agree (finish it) or 409
            resolution = _same_or_conflict(case["resolution"], action, raw=True)
            break
        resolution = {"action": action, "reason": reason or _top_reason(case, report["reason"]),
                      "note": note, "moderatorId": actor, "at": utcnow(),
                      "reportCount": int(case.get("openCount", 0)),
                      "round": case["round"] + 1}
        if _claim(db, case, resolution):
            break
        # A report arrived (or a resolution) between the read and the claim: read again.
    else:
        raise _busy()
    _carry_out(db, report, resolution, f"{report['targetKey']}#{resolution['round']}")
    return resolution_out(resolution)


def _same_or_conflict(resolution: dict, action: str, raw: bool = False) -> dict:
    if resolution["action"] != action:
        raise Conflict(f"already resolved: {resolution['action']}",
                       code="report_already_resolved",
                       details={"action": resolution["action"]})
    return resolution if raw else resolution_out(resolution)


def _carry_out(db: Database, report: dict, resolution: dict, audit_key: str) -> None:
    action, reason = resolution["action"], resolution.get("reason") or report["reason"]
    kind = report["targetType"]
    # Content deleted since it was reported: nothing to take down (the owner may still be
    # suspended).
    if kind == "video" and action != DISMISS:
        moderation.take_down_video(db, stored_id(kind, report["targetId"]), reason)
    elif kind == "comment" and action != DISMISS:
        moderation.take_down_comment(db, stored_id(kind, report["targetId"]), reason)
    if action == SUSPEND:
        moderation.suspend(db, report["ownerId"], reason)
    try:
        audit.record(db, key=audit_key, actor=resolution["moderatorId"], action=action,
                     target_type=kind, target_id=report["targetId"], reason=reason,
                     note=resolution.get("note"), report_count=resolution.get("reportCount"),
                     at=resolution["at"])
        count(f"Reports{action.capitalize()}")
    except DuplicateKeyError:
        pass  # recorded by the first to carry it out
    db.reports.update_many({"targetKey": report["targetKey"], "status": OPEN},
                           {"$set": {"status": RESOLVED, "resolution": resolution},
                            "$unset": {"openKey": ""}})
    settle(db, report["targetKey"])

