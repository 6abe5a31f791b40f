"""Reports of videos, comments and users, and the moderators' queue.

Documents:
- `reports`: one per (reporter, target) while open: `_id, targetKey ("video:<id>"...),
  targetType, targetId, ownerId (whose content or account it is), reporterId, reason, note, status ("open" | "resolved"), createdAt`,
  `openKey` ("<reporter>|<targetKey>", unique sparse: one open report per reporter and
  target; removed when the report is resolved, so the same person may report again later),
  `resolution` once resolved.
- `report_cases`: one per target (`targetKey`, unique): what the queue lists. `status`,
  `openCount` and `reasons` (counts per reason) of its open reports, `ownerId` (the account
  the target belongs to), `lastReportId`, `lastNote`, `firstReportedAt`, `lastReportedAt`,
  `round` (one per resolution) and the last `resolution`/`resolvedAt`.
- `report_quota`: reports per reporter per hour (`_id` "<reporter>:<hour>", TTL).
"""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

from bson import ObjectId
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from tuber_common import moderation
from tuber_common.clock import iso, utcnow
from tuber_common.errors import Conflict, NotFound, Throttled
from tuber_common.ids import try_parse_id, try_parse_video_id, user_oid
from tuber_common.pagination import page
from tuber_common.users import hydrate_users
from tuber_common.videos import find_visible_video

# Reports one account may file per hour (a fixed window from the hour's start).
REPORTS_PER_HOUR = 20
OPEN, RESOLVED = "open", "resolved"
SUMMARY_CHARS = 200
# Each extra read means a report or a resolution changed the case in between.
SETTLE_ATTEMPTS = 8
_VIDEO_FIELDS = {"ownerId": 1, "visibility": 1, "status": 1}


def target_key(target_type: str, target_id) -> str:
    return f"{target_type}:{target_id}"


def _not_found(target_type: str) -> NotFound:
    return NotFound(f"{target_type} not found", code=f"{target_type}_not_found")


def find_target(db: Database, target_type: str, target_id: str,
                viewer_id: str) -> tuple[object, ObjectId]:
    """(the target's stored id, its owner's id) if `viewer_id` may see it; 404 otherwise."""
    if target_type == "video":
        doc = find_visible_video(db, target_id, viewer_id, _VIDEO_FIELDS)
        return doc["_id"], doc["ownerId"]
    if target_type == "comment":
        oid = try_parse_id(target_id)
        doc = db.comments.find_one({"_id": oid, "deleted": False},
                                   {"videoId": 1, "authorId": 1, "moderation": 1}) if oid else None
        if doc is None or (moderation.hidden(doc) and str(doc["authorId"]) != viewer_id):
            raise _not_found("comment")
        try:
            find_visible_video(db, str(doc["videoId"]), viewer_id, _VIDEO_FIELDS)
        except NotFound:
            raise _not_found("comment") from None
        return doc["_id"], doc["authorId"]
    oid = try_parse_id(target_id)
    doc = db.users.find_one({"_id": oid, "deletedAt": None, "suspendedAt": None},
                            {"_id": 1}) if oid else None
    if doc is None:
        raise _not_found("user")
    return doc["_id"], doc["_id"]


def stored_id(target_type: str, target_id: str):
    """A report's target id as the target's collection stores it."""
    return try_parse_video_id(target_id) if target_type == "video" else ObjectId(target_id)


def _take_quota(db: Database, reporter: ObjectId) -> str:
    """Count one report in the reporter's hour, atomically (429 report_throttled over the
    limit); the quota document's id, to give the report back if it is not filed."""
    now = utcnow()
    hour = now.replace(minute=0, second=0, microsecond=0)
    key = f"{reporter}:{hour:%Y%m%d%H}"
    try:
        # The upsert inserts a second document with the same _id when the count is at the
        # limit: the unique _id refuses it, whatever the number of concurrent reports.
        db.report_quota.update_one(
            {"_id": key, "count": {"$lt": REPORTS_PER_HOUR}},
            {"$inc": {"count": 1}, "$setOnInsert": {"expiresAt": hour + timedelta(hours=2)}},
            upsert=True)
    except DuplicateKeyError:
        wait = int((hour + timedelta(hours=1) - now).total_seconds()) + 1
        raise Throttled(f"at most {REPORTS_PER_HOUR} reports an hour",
                        retry_after=wait, code="report_throttled") from None
    return key


def report(db: Database, reporter_id: str, target_type: str, target_id: str, reason: str,
           note: str | None) -> dict:
    """POST /report: file a report on something the reporter can see (404 otherwise)."""
    reporter = user_oid(reporter_id)
    target, owner = find_target(db, target_type, target_id, reporter_id)
    if owner == reporter:
        raise Conflict("you cannot report your own " + target_type, code="cannot_report_own")
    key = target_key(target_type, target)
    quota = _take_quota(db, reporter)
    now = utcnow()
    note = (note or "").strip() or None
    doc = {"_id": ObjectId(), "targetKey": key, "targetType": target_type,
           "targetId": str(target), "ownerId": owner, "reporterId": reporter,
           "reason": reason,
           "note": note, "status": OPEN, "createdAt": now, "openKey": f"{reporter}|{key}"}
    try:
        db.reports.insert_one(doc)
    except DuplicateKeyError:
        db.report_quota.update_one({"_id": quota}, {"$inc": {"count": -1}})
        raise Conflict("you already reported this; a moderator will look at it",
                       code="already_reported") from None
    case = {"$set": {"status": OPEN, "targetType": target_type, "targetId": str(target),
                     "ownerId": owner, "lastReportId": doc["_id"], "lastReportedAt": now,
                     **({"lastNote": note} if note else {})},
            "$inc": {"openCount": 1, f"reasons.{reason}": 1},
            "$setOnInsert": {"firstReportedAt": now, "round": 0}}
    try:
        db.report_cases.update_one({"targetKey": key}, case, upsert=True)
    except DuplicateKeyError:  # the first report of a target raced another: it exists now
        db.report_cases.update_one({"targetKey": key}, case)
    # A resolution may have closed this report, or recounted the case, between its insert
    # and its count (the case then counts it wrongly): settle, a no-op when the count agrees.
    settle(db, key)
    return report_out(doc)


def settle(db: Database, key: str) -> None:
    """Make an open case count exactly its open reports (closed if none is left). A report
    is counted on its case after it is filed, so a resolution can close it, or recount the
    case, between the two: the resolution (after closing the reports) and every report
    (after counting itself) settle the case; each recount applies only if the case did not
    change since it was read, else it is read again, so whichever runs last leaves the
    truth."""
    for _ in range(SETTLE_ATTEMPTS):
        case = db.report_cases.find_one({"targetKey": key})
        if case is None or case["status"] != OPEN:
            return
        reasons = Counter(r["reason"] for r in db.reports.find(
            {"targetKey": key, "status": OPEN}, {"reason": 1}))
        total = sum(reasons.values())
        if total == case.get("openCount") and reasons == Counter(
                {k: v for k, v in case.get("reasons", {}).items() if v}):
            return
        if db.report_cases.update_one(
                {"_id": case["_id"], "status": OPEN, "round": case["round"],
                 "openCount": case.get("openCount")},
                {"$set": {"openCount": total, "reasons": dict(reasons),
                          **({"status": RESOLVED} if total == 0 else {})}}).modified_count:
            return


def report_out(doc: dict) -> dict:
    return {"id": str(doc["_id"]), "targetType": doc["targetType"], "targetId": doc["targetId"],
            "reason": doc["reason"], "note": doc.get("note"), "status": doc["status"],
            "createdAt": iso(doc["createdAt"])}


def queue(db: Database, moderator_id: str, status: str, limit: int,
          cursor: str | None) -> dict:
    """GET /report: open targets, the most reported first (resolved ones: newest first).
    Counts move while a moderator pages, so a target may show twice or not at all across
    pages; the first page is always exact."""
    moderation.require_role(db, moderator_id, moderation.MODERATOR)
    if status == OPEN:
        cases, nxt = page(db.report_cases, {"status": OPEN}, sort_field="openCount",
                          limit=limit, cursor=cursor, sort_type=int)
    else:
        cases, nxt = page(db.report_cases, {"status": RESOLVED}, sort_field="resolvedAt",
                          limit=limit, cursor=cursor)
    summaries = _summaries(db, cases)
    owners = hydrate_users(db, [c["ownerId"] for c in cases])
    return {"items": [case_out(c, summaries.get(c["targetKey"]),
                               owners.get(str(c["ownerId"])))
                      for c in cases], "nextCursor": nxt}


def _summaries(db: Database, cases: list[dict]) -> dict[str, str | None]:
    """What each target says (a video's title, a comment's text, a username), by target
    key: one query per kind of target on the page."""
    out: dict[str, str | None] = {}
    sources = (("video", db.videos, "title", try_parse_video_id),
               ("comment", db.comments, "text", ObjectId),
               ("user", db.users, "username", ObjectId))
    for kind, collection, field, parse in sources:
        ids = [parse(c["targetId"]) for c in cases if c["targetType"] == kind]
        if not ids:
            continue
        for found in collection.find({"_id": {"$in": ids}}, {field: 1}):
            text = found.get(field)
            out[target_key(kind, found["_id"])] = (text[:SUMMARY_CHARS]
                                                   if isinstance(text, str) else None)
    return out


def case_out(case: dict, summary: str | None, owner: dict | None) -> dict:
    resolution = case.get("resolution") if case["status"] == RESOLVED else None
    return {
        "id": str(case["lastReportId"]),
        "targetType": case["targetType"], "targetId": case["targetId"],
        "targetSummary": summary,
        "owner": owner,
        "status": case["status"],
        "reportCount": int(case.get("openCount", 0)) if resolution is None
        else int(resolution.get("reportCount") or 0),
        "reasons": {k: int(v) for k, v in (case.get("reasons") or {}).items() if v},
        "lastNote": case.get("lastNote"),
        "firstReportedAt": iso(case.get("firstReportedAt")),
        "lastReportedAt": iso(case.get("lastReportedAt")),
        "resolution": resolution_out(resolution) if resolution else None,
    }


def resolution_out(resolution: dict) -> dict:
    return {"action": resolution["action"], "reason": resolution.get("reason"),
            "note": resolution.get("note"),
            "moderatorId": str(resolution["moderatorId"]) if resolution.get("moderatorId")
            else None,
            "resolvedAt": iso(resolution["at"]), "reportCount": resolution.get("reportCount")}
