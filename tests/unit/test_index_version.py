"""CloudFormation re-runs Custom::MongoIndexes only when one of its properties changes, so a
change to tuber_common/indexes.py must change one: either `Version` is the digest of the
index definitions (kept equal here), or a property references CommonLayer (the layer that
holds indexes.py gets a new version whenever its content changes)."""
from __future__ import annotations

from pathlib import Path

import pytest

from local.template import Tagged, load_template

ROOT = Path(__file__).resolve().parents[2]


def test_template_index_version_follows_indexes_py():
    from tuber_deploy_hooks.mongo_indexes import indexes_version

    resources = load_template(ROOT / "template.yaml").get("Resources", {})
    hooks = {name: r for name, r in resources.items() if r.get("Type") == "Custom::MongoIndexes"}
    if not hooks:
        pytest.skip("template.yaml has no Custom::MongoIndexes yet")
    for name, resource in hooks.items():
        properties = resource["Properties"]
        if Tagged("Ref", "CommonLayer") in properties.values() and "Version" not in properties:
            continue  # a new layer version re-runs it
        assert str(properties.get("Version")) == indexes_version(), (
            f"indexes.py changed: set {name}.Properties.Version to {indexes_version()!r} in "
            "template.yaml (python -m tuber_deploy_hooks.mongo_indexes prints it)")


def test_index_version_changes_with_any_definition(monkeypatch):
    from pymongo import ASCENDING, DESCENDING, IndexModel

    from tuber_common import indexes
    from tuber_deploy_hooks.mongo_indexes import indexes_version

    base = indexes_version()
    assert len(base) == 16 and base == indexes_version()
    changed = {**indexes.INDEXES, "views": [
        IndexModel([("videoId", ASCENDING)], name="video"),
        IndexModel([("expiresAt", ASCENDING)], expireAfterSeconds=60, name="expiry_ttl")]}
    monkeypatch.setattr(indexes, "INDEXES", changed)
    assert indexes_version() != base  # an option
    reordered = {**indexes.INDEXES, "comments": [IndexModel(
        [("parentId", ASCENDING), ("videoId", ASCENDING), ("createdAt", DESCENDING),
         ("_id", DESCENDING)], name="thread")]}
    monkeypatch.setattr(indexes, "INDEXES", reordered)
    assert indexes_version() != base  # the order of a compound key
