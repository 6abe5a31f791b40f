"""Users as other services see them, hydrated in one `$in` query per page of results; and the
keys that make names and addresses unique (docs/API.md "Accounts").

Keys. Usernames and emails are compared by `key()`: NFKC (fullwidth and other compatibility
forms become their plain letters), then case folding, then NFKC again (folding can leave a
string that is not NFKC). Stored as `usernameLower` / `emailLower` (the names predate the
folding; for ASCII they are the lower case). Names are also compared by `skeletons()`, which
maps characters that look alike to one of them (Cyrillic and Greek look-alikes, 0/O, 1/l/I,
"rn"/"m", accents) and drops everything that is not a letter or digit: two names with one
skeleton are the same name to a reader; a name with a stroke that reads as l or as capital I
("I", "1", "|") has both readings as skeletons. `usernameSkeleton` and `displayNameSkeleton`
(arrays) are stored on every account (`backfill_keys` adds them to older documents).

Emails. `email` is the address as given (NFKC, trimmed); `emailVerifiedAt` is set when its
owner followed a verification or reset link, and then `verifiedEmail` (its key, unique)
says the address is theirs. Several accounts may claim an address nobody verified; only the
verified one (or, on accounts made before verification existed, which lack the
`emailVerifiedAt` field, the one that holds it) signs in with it and gets its reset links.
"""
from __future__ import annotations

import unicodedata
from typing import Iterable

from bson import ObjectId
from pymongo.database import Database

from .clock import iso

PUBLIC_FIELDS = {"username": 1, "displayName": 1, "createdAt": 1}


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def key(text: str) -> str:
    """The uniqueness key of a username or an email address (NFKC, case folded)."""
    return nfkc(nfkc(text).strip().casefold())


# Look-alikes, mapped to the character they imitate (after NFKC, before case folding; a
# readable subset of Unicode's confusables, those that fool a reader in a channel name).
# _EITHER marks a stroke that reads as a lower-case l or a capital I ("I", "1", "|"...):
# a name holding one has two readings, and both are its skeletons.
_EITHER = "\x00"
_CONFUSABLE = str.maketrans({
    # digits and signs that pass for letters
    "0": "o", "1": _EITHER, "I": _EITHER, "|": _EITHER,
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "һ": "h", "і": "i", "ї": "i", "ј": "j", "к": "k",
    "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s",
    "ԁ": "d", "ԛ": "q", "ԝ": "w", "ɡ": "g", "ӏ": _EITHER, "ь": "b", "г": "r", "п": "n",
    "А": "a", "В": "b", "Е": "e", "К": "k", "М": "m", "Н": "h", "О": "o", "Р": "p", "С": "c",
    "Т": "t", "У": "y", "Х": "x", "Ѕ": "s", "І": _EITHER, "Ј": "j", "Ԁ": "d", "Ԛ": "q",
    "Ԝ": "w",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ω": "w", "γ": "y",
    "Α": "a", "Β": "b", "Ε": "e", "Ζ": "z", "Η": "h", "Ι": _EITHER, "Κ": "k", "Μ": "m",
    "Ν": "n", "Ο": "o", "Ρ": "p", "Τ": "t", "Υ": "y", "Χ": "x",
    # Latin letters that pass for others
    "ı": "i", "ȷ": "j", "ſ": "f", "ß": "b", "ø": "o", "đ": "d", "ħ": "h", "ł": "l",
})
# Letter pairs that read as one letter (applied after the map, so "rn" from "гn" too).
_PAIRS = (("rn", "m"), ("vv", "w"), ("cl", "d"))


def skeletons(text: str) -> list[str]:
    """What a name looks like: names that share a skeleton read as the same name (see the
    module doc). One skeleton, or two when the name holds a stroke that reads as l or I."""
    mapped = nfkc(text).translate(_CONFUSABLE)
    # Accents and other marks off (é -> e), then case folded.
    bare = "".join(c for c in unicodedata.normalize("NFD", mapped)
                   if not unicodedata.combining(c))
    folded = nfkc(bare.casefold()).translate(_CONFUSABLE)
    letters = "".join(c for c in folded if c.isalnum() or c == _EITHER)
    readings = {letters.replace(_EITHER, "l"), letters.replace(_EITHER, "i")}
    out = set()
    for reading in readings:
        for pair, single in _PAIRS:
            reading = reading.replace(pair, single)
        out.add(reading)
    return sorted(out)


def email_owner_query(email_key: str) -> dict:
    """The account that owns an address: the one that verified it, or an account made before
    verification existed that holds it (see the module doc)."""
    return {"$or": [{"verifiedEmail": email_key},
                    {"emailLower": email_key, "emailVerifiedAt": {"$exists": False}}]}


def identity_keys(username: str, display_name: str) -> dict:
    """The derived fields of an account's names (stored with them, kept in step)."""
    return {"usernameLower": key(username), "usernameSkeleton": skeletons(username),
            "displayNameSkeleton": skeletons(display_name)}


def look_alike(db: Database, name_skeletons: list[str],
               exclude: ObjectId | None = None) -> dict | None:
    """Another account whose username or display name shares a skeleton with these, else
    None. (The skeleton fields are arrays: a match of any element.)"""
    wanted = [s for s in name_skeletons if s]
    if not wanted:
        return None
    query: dict = {"$or": [{"usernameSkeleton": {"$in": wanted}},
                           {"displayNameSkeleton": {"$in": wanted}}]}
    if exclude is not None:
        query["_id"] = {"$ne": exclude}
    return db.users.find_one(query, {"username": 1})


# Skeletons missing, or stored as a single string by the first version of this module.
_STALE = {"$or": [{"usernameSkeleton": {"$exists": False}},
                  {"usernameSkeleton": {"$type": "string"}}]}


def backfill_keys(db: Database, batch: int = 500) -> int:
    """Give older accounts (and retired usernames) their skeletons (run by
    tuber_common.indexes); how many changed."""
    changed = 0
    for doc in db.users.find(_STALE, {"username": 1, "displayName": 1}).limit(batch * 100):
        name = doc.get("username") or ""
        db.users.update_one({"_id": doc["_id"]},
                            {"$set": {"usernameSkeleton": skeletons(name),
                                      "displayNameSkeleton": skeletons(
                                          doc.get("displayName") or name)}})
        changed += 1
    for doc in db.retired_usernames.find({"skeleton": {"$type": "string"}}).limit(batch * 100):
        db.retired_usernames.update_one({"_id": doc["_id"]},
                                        {"$set": {"skeleton": skeletons(doc["_id"])}})
        changed += 1
    return changed


def public_user(doc: dict) -> dict:
    return {
        "id": str(doc["_id"]),
        "username": doc["username"],
        "displayName": doc.get("displayName") or doc["username"],
        "createdAt": iso(doc.get("createdAt")),
    }


def private_user(doc: dict) -> dict:
    """The user as they see themself: public fields plus their email, whether they
    verified it, and their role (tuber_common.moderation: absent is "user")."""
    return {**public_user(doc), "email": doc["email"],
            "emailVerified": bool(doc.get("emailVerifiedAt")), "role": doc.get("role") or "user"}


def deleted_user(user_id: str) -> dict:
    return {"id": user_id, "username": "[deleted]", "displayName": "[deleted]", "createdAt": None}


def hydrate_users(db: Database, user_ids: Iterable[ObjectId | str]) -> dict[str, dict]:
    """Public user records by id string, for every id given: one query, whatever the count."""
    ids = {ObjectId(i) if isinstance(i, str) else i for i in user_ids if ObjectId.is_valid(i)}
    if not ids:
        return {}
    found = {str(d["_id"]): public_user(d)
             for d in db.users.find({"_id": {"$in": list(ids)}, "deletedAt": None},
                                    PUBLIC_FIELDS)}
    return {str(i): found.get(str(i)) or deleted_user(str(i)) for i in ids}
