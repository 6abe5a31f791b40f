"""GET /auth/me/export: everything Tuber keeps about the caller, as JSON (docs/API.md
"Exporting your data").

One answer holds at most about EXPORT_PAGE_BYTES (Lambda answers at most 6 MB); a larger
export continues with `?cursor=<nextCursor>` and the client concatenates the lists. The
first page carries the account and its sessions; every page carries the lists it reached,
in order: videos (oldest first), comments (oldest first), ratings (oldest first), watch
history (least recently watched first).
"""
from __future__ import annotations

import base64
import json

from pymongo.database import Database

from tuber_common.clock import iso, utcnow
from tuber_common.errors import BadRequest
from tuber_common.pagination import page
from tuber_common.settings import get_settings
from tuber_common.users import private_user
from tuber_common.watch_history import export_entry

from . import lifecycle

FORMAT = "tuber-export/1"
PAGE_ITEMS = 100
VIDEO_FIELDS = ("title", "description", "visibility", "status", "failureReason",
                "durationSeconds", "sizeBytes", "contentType", "viewCount", "likeCount",
                "dislikeCount", "commentCount", "commentsEnabled", "ratingsEnabled")


def _video(doc: dict) -> dict:
    return {"id": str(doc["_id"]), **{k: doc.get(k) for k in VIDEO_FIELDS},
            "createdAt": iso(doc.get("createdAt")), "publishedAt": iso(doc.get("publishedAt"))}


def _comment(doc: dict) -> dict:
    return {"id": str(doc["_id"]), "videoId": str(doc["videoId"]),
            "parentId": str(doc["parentId"]) if doc.get("parentId") else None,
            "text": doc.get("text", ""), "edited": bool(doc.get("edited")),
            "editedAt": iso(doc.get("editedAt")), "createdAt": iso(doc.get("createdAt"))}


def _rating(doc: dict) -> dict:
    return {"videoId": str(doc["videoId"]), "rating": doc.get("rating"),
            "ratedAt": iso(doc.get("ratedAt"))}


# (list name, collection, owner field, sort field, shape), in export order.
SECTIONS = (
    ("videos", "videos", "ownerId", "createdAt", _video),
    ("comments", "comments", "authorId", "createdAt", _comment),
    ("ratings", "ratings", "userId", "ratedAt", _rating),
    ("history", "watch_history", "userId", "lastWatchedAt", export_entry),
)


def _encode(section: int, cursor: str | None) -> str:
    raw = json.dumps([section, cursor], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[int, str | None]:
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode())
        section, inner = json.loads(raw)
        if (not isinstance(section, int) or isinstance(section, bool)
                or not 0 <= section < len(SECTIONS)
                or not (inner is None or isinstance(inner, str))):
            raise ValueError("not an export cursor")
        return section, inner
    except Exception:
        raise BadRequest("cursor is invalid", code="invalid_cursor") from None


def _size(value) -> int:
    return len(json.dumps(value, separators=(",", ":")))


def export(db: Database, user_id: str, cursor: str | None = None) -> dict:
    user = lifecycle.current_user(db, user_id)
    section, inner = _decode(cursor) if cursor else (0, None)
    budget = get_settings().export_page_bytes
    out: dict = {"format": FORMAT, "exportedAt": iso(utcnow())}
    if cursor is None:
        out["account"] = {**private_user(user),
                          "emailVerifiedAt": iso(user.get("emailVerifiedAt")),
                          "passwordChangedAt": iso(user.get("passwordChangedAt")),
                          "updatedAt": iso(user.get("updatedAt"))}
        out["sessions"] = [
            {"startedAt": iso(f.get("createdAt")), "expiresAt": iso(f.get("expiresAt")),
             "endedAt": iso(f.get("revokedAt")), "endedBecause": f.get("revokedReason")}
            for f in db.token_families.find({"userId": user["_id"]}).sort("createdAt", 1)
            .limit(1000)]
    size = _size(out)
    while section < len(SECTIONS):
        name, collection, owner_field, sort_field, shape = SECTIONS[section]
        items = out.setdefault(name, [])
        docs, inner = page(db[collection], {owner_field: user["_id"]}, sort_field=sort_field,
                           descending=False, limit=PAGE_ITEMS, cursor=inner)
        for doc in docs:
            item = shape(doc)
            items.append(item)
            size += _size(item) + 1
        if inner is None:
            section, inner = section + 1, None
        if size >= budget and section < len(SECTIONS):
            out["nextCursor"] = _encode(section, inner)
            return out
    out["nextCursor"] = None
    return out
