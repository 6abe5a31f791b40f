"""Custom::MongoIndexes: every index of tuber_common/indexes.py, created by the deploy.

Create and Update run `ensure_indexes` against the database the settings name (MONGODB_URI,
or on AWS the secret MONGODB_URI_ARN names, and MONGODB_DB). Creating an index that exists
with the same definition changes nothing, so repeating a request is harmless.

CloudFormation sends an Update only when a property changes: the template's `Version`
property is `indexes_version()`, a digest of every index definition, so a deploy that
changes indexes.py re-runs the hook (tests/unit/test_index_version.py keeps the two equal;
`python -m tuber_deploy_hooks.mongo_indexes` prints the value).

Delete does nothing: indexes go with their data, and the deploy never drops data. An index
removed from indexes.py stays in the database until dropped by hand; one whose definition
changes under the same name fails the request (MongoDB refuses it): give it a new name.
"""
from __future__ import annotations

import hashlib
import json

from .custom_resource import Request, Result, logger

# Connection strings read by this container (for secret_values).
_seen: set[str] = set()


def indexes_version() -> str:
    """A digest of every index definition (collection, key order, options), 16 hex chars."""
    from tuber_common.indexes import INDEXES

    spec = []
    for collection in sorted(INDEXES):
        for model in INDEXES[collection]:
            document = dict(model.document)
            # Key order matters (compound indexes): keep it as a list of pairs.
            document["key"] = [[name, direction] for name, direction in document["key"].items()]
            spec.append([collection, document])
    spec.sort(key=lambda item: (item[0], item[1].get("name", "")))
    blob = json.dumps(spec, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def physical_id(request: Request) -> str:
    """The name of a Create that failed (its Delete does nothing either way): no settings
    are loaded for it, as they may be what failed."""
    return "mongodb-indexes"


def handle(request: Request) -> Result:
    if request.request_type == "Delete":
        # Never drop anything: indexes live and die with their collections.
        return Result(request.physical_id or "mongodb-indexes")

    from tuber_common import secret_settings
    from tuber_common.db import get_db
    from tuber_common.indexes import INDEXES, ensure_indexes

    version = indexes_version()
    declared = str(request.prop("Version", ""))
    if declared and declared != version:
        logger.warning("the template's Version is not this code's indexes_version(): "
                       "a later change to indexes.py may not re-run this hook",
                       extra={"declared": declared, "computed": version})
    # Read the connection string first (cached: get_db reads the same value), so that a
    # failure's reason can be cleaned of it whatever quotes it.
    _seen.add(secret_settings.secret("mongodb_uri"))
    db = get_db()
    ensure_indexes(db)
    count = sum(len(models) for models in INDEXES.values())
    logger.info("indexes ensured", extra={"database": db.name, "indexes": count,
                                          "version": version})
    return Result(f"mongodb-indexes:{db.name}",
                  {"Database": db.name, "IndexCount": str(count), "Version": version})


def secret_values() -> list[str]:
    """The connection strings this container has read, and their passwords: a failure
    reason must never quote them (custom_resource.redact)."""
    import os
    import urllib.parse

    values = []
    for uri in filter(None, {os.environ.get("MONGODB_URI", ""), *_seen}):
        values.append(uri)
        try:
            password = urllib.parse.urlsplit(uri).password
        except ValueError:
            password = None
        if password:
            values += [password, urllib.parse.unquote(password)]
    return values


if __name__ == "__main__":
    print(indexes_version())
