"""Users as other services see them, hydrated in one `$in` query per page of results; and the
keys that make names and addresses unique (docs/API.md "Accounts").

Keys. Usernames and emails are compared by `key()`: NFKC (fullwidth and other compatibility
forms become their plain letters), then case folding, then NFKC again (folding can leave a
string that is not NFKC). Stored as `usernameLower` / `emailLower` (the names predate the
folding; for ASCII they are the lower case). Names are also compared by `skeleton()`, which
maps characters that look alike to one of them (Cyrillic and Greek look-alikes, 0/O, 1/l/I,
"rn"/"m", accents) and drops everything that is not a letter or digit: two names with one
skeleton are the same name to a reader. `usernameSkeleton` and `displayNameSkeleton` are
stored on every account that has them (`backfill_keys` adds them to older documents).

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
_CONFUSABLE = str.maketrans({
    # digits and signs that pass for letters
    "0": "o", "1": "l", "I": "l", "|": "l",
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "һ": "h", "і": "l", "ї": "l", "ј": "j", "к": "k",
    "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s",
    "ԁ": "d", "ԛ": "q", "ԝ": "w", "ɡ": "g", "ӏ": "l", "ь": "b", "г": "r", "п": "n",
    "А": "a", "В": "b", "Е": "e", "К": "k", "М": "m", "Н": "h", "О": "o", "Р": "p", "С": "c",
    "Т": "t", "У": "y", "Х": "x", "Ѕ": "s", "І": "l", "Ј": "j", "Ԁ": "d", "Ԛ": "q", "Ԝ": "w",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "l", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ω": "w", "γ": "y",
    "Α": "a", "Β": "b", "Ε": "e", "Ζ": "z", "Η": "h", "Ι": "l", "Κ": "k", "Μ": "m", "Ν": "n",
    "Ο": "o", "Ρ": "p", "Τ": "t", "Υ": "y", "Χ": "x",
    # Latin letters that pass for others
    "ı": "l", "ȷ": "j", "ſ": "f", "ß": "b", "ø": "o", "đ": "d", "ħ": "h", "ł": "l",
})
# Letter pairs that read as one letter (applied after the map, so "rn" from "гn" too).
_PAIRS = (("rn", "m"), ("vv", "w"), ("cl", "d"))


def skeleton(text: str) -> str:
    """What a name looks like: equal skeletons read as the same name (see the module doc)."""
    mapped = nfkc(text).translate(_CONFUSABLE)
    # Accents and other marks off (é -> e), then case folded ("i" stays "i": capital I was
    # mapped to "l" above, as it reads in most fonts).
    bare = "".join(c for c in unicodedata.normalize("NFD", mapped)
                   if not unicodedata.combining(c))
    folded = nfkc(bare.casefold()).translate(_CONFUSABLE)
    letters = "".join(c for c in folded if c.isalnum())
    for pair, single in _PAIRS:
        letters = letters.replace(pair, single)
    return letters


def email_owner_query(email_key: str) -> dict:
    """The account that owns an address: the one that verified it, or an account made before
    verification existed that holds it (see the module doc)."""
    return {"$or": [{"verifiedEmail": email_key},
                    {"emailLower": email_key, "emailVerifiedAt": {"$exists": False}}]}


def identity_keys(username: str, display_name: str) -> dict:
    """The derived fields of an account's names (stored with them, kept in step)."""
    return {"usernameLower": key(username), "usernameSkeleton": skeleton(username),
            "displayNameSkeleton": skeleton(display_name)}


def look_alike(db: Database, name_skeleton: str, exclude: ObjectId | None = None) -> dict | None:
    """Another account whose username or display name has this skeleton, else None."""
    if not name_skeleton:
        return None
    query: dict = {"$or": [{"usernameSkeleton": name_skeleton},
                           {"displayNameSkeleton": name_skeleton}]}
    if exclude is not None:
        query["_id"] = {"$ne": exclude}
    return db.users.find_one(query, {"username": 1})


def backfill_keys(db: Database, batch: int = 500) -> int:
    """Give older accounts their skeletons (run by tuber_common.indexes); how many changed."""
    changed = 0
    for doc in db.users.find({"usernameSkeleton": {"$exists": False}},
                             {"username": 1, "displayName": 1}).limit(batch * 100):
        name = doc.get("username") or ""
        db.users.update_one({"_id": doc["_id"], "usernameSkeleton": {"$exists": False}},
                            {"$set": {"usernameSkeleton": skeleton(name),
                                      "displayNameSkeleton": skeleton(
                                          doc.get("displayName") or name)}})
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
    """The user as they see themself: public fields plus their email and whether they
    verified it."""
    return {**public_user(doc), "email": doc["email"],
            "emailVerified": bool(doc.get("emailVerifiedAt"))}


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
