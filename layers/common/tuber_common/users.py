"""Users as other services see them, hydrated in one `$in` query per page of results."""
from __future__ import annotations

from typing import Iterable

from bson import ObjectId
from pymongo.database import Database

from .clock import iso

PUBLIC_FIELDS = {"username": 1, "displayName": 1, "createdAt": 1}


def public_user(doc: dict) -> dict:
    return {
        "id": str(doc["_id"]),
        "username": doc["username"],
        "displayName": doc.get("displayName") or doc["username"],
        "createdAt": iso(doc.get("createdAt")),
    }


def private_user(doc: dict) -> dict:
    """The user as they see themself: public fields plus their email."""
    return {**public_user(doc), "email": doc["email"]}


def deleted_user(user_id: str) -> dict:
    return {"id": user_id, "username": "[deleted]", "displayName": "[deleted]", "createdAt": None}


def hydrate_users(db: Database, user_ids: Iterable[ObjectId | str]) -> dict[str, dict]:
    """Public user records by id string, for every id given: one query, whatever the count."""
    ids = {ObjectId(i) if isinstance(i, str) else i for i in user_ids if ObjectId.is_valid(i)}
    if not ids:
        return {}
    found = {str(d["_id"]): public_user(d)
             for d in db.users.find({"_id": {"$in": list(ids)}}, PUBLIC_FIELDS)}
    return {str(i): found.get(str(i)) or deleted_user(str(i)) for i in ids}
