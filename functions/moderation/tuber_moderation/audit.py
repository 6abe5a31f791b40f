"""The moderation audit log (`moderation_audit`): one entry per decision, append-only (no
route or module updates or deletes an entry). Fields: `at, actorId (null: the command
line), action (dismiss | takedown | suspend | role), targetType, targetId, reason, note,
reportCount`, and `key` (unique, sparse) for entries that more than one request may try to
write (a resolution carried out by its winner and by a retry): the first one stays."""
from __future__ import annotations

from datetime import datetime

from bson import ObjectId
from pymongo.database import Database

from tuber_common import moderation
from tuber_common.clock import iso
from tuber_common.pagination import page
from tuber_common.users import hydrate_users


def record(db: Database, *, actor: ObjectId | None, action: str, target_type: str,
           target_id: str, at: datetime, reason: str | None = None, note: str | None = None,
           report_count: int | None = None, key: str | None = None) -> None:
    """Append an entry (DuplicateKeyError when `key` was recorded already)."""
    db.moderation_audit.insert_one({
        "at": at, "actorId": actor, "action": action, "targetType": target_type,
        "targetId": target_id, "reason": reason, "note": note, "reportCount": report_count,
        **({"key": key} if key else {})})


def entries(db: Database, moderator_id: str, limit: int, cursor: str | None) -> dict:
    """GET /report/audit: the log, newest first (moderators)."""
    moderation.require_role(db, moderator_id, moderation.MODERATOR)
    docs, nxt = page(db.moderation_audit, {}, sort_field="at", limit=limit, cursor=cursor)
    actors = hydrate_users(db, [d["actorId"] for d in docs if d.get("actorId")])
    return {"items": [entry_out(d, actors.get(str(d["actorId"])) if d.get("actorId") else None)
                      for d in docs], "nextCursor": nxt}


def entry_out(doc: dict, actor: dict | None) -> dict:
    return {"id": str(doc["_id"]), "at": iso(doc["at"]), "actor": actor,
            "action": doc["action"], "targetType": doc["targetType"],
            "targetId": doc["targetId"], "reason": doc.get("reason"), "note": doc.get("note"),
            "reportCount": doc.get("reportCount")}
