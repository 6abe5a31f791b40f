"""The `db` fixture (tests/conftest.py) shares one database between tests: each test still
finds it empty with every index, whatever the test before it left, however it wrote it.
The two tests run in this order (same module, same worker)."""
from __future__ import annotations

import subprocess
import sys

from pymongo import MongoClient


def test_a_test_leaves_documents_a_collection_and_a_dropped_index(db, mongo_uri):
    db.users.insert_one({"usernameLower": "left_behind"})
    db.scratch.insert_one({"made": "by this test"})
    db.views.drop_index("video")
    # From another process: no command of it is seen by this one.
    subprocess.run([sys.executable, "-c", "import sys; from pymongo import MongoClient; "
                    "MongoClient(sys.argv[1])[sys.argv[2]].comments.insert_one({})",
                    mongo_uri, db.name], check=True, timeout=60)
    assert MongoClient(mongo_uri)[db.name].comments.count_documents({}) == 1


def test_the_next_test_finds_it_empty_with_every_index(db):
    from tuber_common.indexes import INDEXES

    assert sorted(db.list_collection_names()) == sorted(INDEXES)
    for collection, models in INDEXES.items():
        assert db[collection].count_documents({}) == 0, collection
        names = set(db[collection].index_information())
        assert {m.document["name"] for m in models} <= names, collection
