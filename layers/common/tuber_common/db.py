"""One MongoClient per container, created lazily on first use (never at import time).

An acknowledged write is never lost:
- `w="majority"`: on a replica set (MongoDB Atlas), the answer waits until a majority of the
  members have the write, so it survives a failover;
- `journal=True` (j): it also waits until the write is in the on-disk journal, so it survives
  the database process (or machine) dying right after answering. mongod implies it for
  majority writes, but a single-node server may not: SecantusDB (the local and test database)
  fsyncs its journal only for j writes, and loses acknowledged non-j writes to a SIGKILL
  (tests/integration/test_durability.py);
- retryable writes and reads: a write or read cut off by a failover or a dropped connection
  is retried once by the driver, after selecting a server again. On mongod the retry of a write
  that had in fact been applied answers the first outcome (exactly once); SecantusDB forgets
  that record when it restarts, so there a retried insert can meet its own first attempt
  (`insert_new` turns that into success).
A write whose majority does not confirm within `wTimeoutMS` raises WriteConcernError; like a
database that cannot be reached, the API answers it 503 (tuber_common.http).

The URI is a secret (tuber_common.secret_settings): when it changes (a rotated password),
the next `get_client()` connects with the new one and closes the old client.
"""
from __future__ import annotations

import threading
from typing import Any

from bson import ObjectId
from pymongo import MongoClient
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from . import secret_settings
from .settings import get_settings

# Every write: confirmed by a majority of the members, in their on-disk journals.
WRITE_CONCERN = {"w": "majority", "journal": True}

_lock = threading.Lock()
# (uri, client): one tuple, so a reader never pairs one URI with another's client.
_current: tuple[str, MongoClient] | None = None


def _new_client(uri: str) -> MongoClient:
    timeout = get_settings().mongodb_timeout_ms
    return MongoClient(
        uri,
        tz_aware=True,
        serverSelectionTimeoutMS=timeout,
        connectTimeoutMS=timeout,
        socketTimeoutMS=max(timeout * 3, 10_000),
        maxPoolSize=10,
        appname="tuber",
        **WRITE_CONCERN,
        wTimeoutMS=timeout * 2,
        retryWrites=True,
        retryReads=True,
    )


def get_client() -> MongoClient:
    global _current
    uri = secret_settings.secret("mongodb_uri")
    current = _current
    if current is not None and current[0] == uri:
        return current[1]
    with _lock:
        if _current is None or _current[0] != uri:
            old, _current = _current, (uri, _new_client(uri))
            if old is not None:
                old[1].close()
        return _current[1]


def get_db() -> Database:
    return get_client()[get_settings().mongodb_db]


def insert_new(collection: Collection, doc: dict) -> Any:
    """Insert a new document and return its `_id`: a fresh ObjectId unless `doc` has one (the
    caller then vouches it is just as new: random, made for this document).

    A retried insert that meets a document with that very id met its own first attempt (the
    id was made for this document a moment ago): the write is done, not a conflict. This
    happens only where the server forgets its retryable-write records over a restart
    (SecantusDB); any other duplicate key still raises DuplicateKeyError."""
    doc.setdefault("_id", ObjectId())
    try:
        collection.insert_one(doc)
    except DuplicateKeyError:
        if collection.find_one({"_id": doc["_id"]}, {"_id": 1}) is None:
            raise
    return doc["_id"]


def reset_clients() -> None:
    """Forget the cached client, settings and secrets (tests switch databases between cases)."""
    global _current
    with _lock:
        if _current is not None:
            _current[1].close()
        _current = None
    get_settings.cache_clear()
    secret_settings.clear_cache()
