"""The tag and category lists are index-friendly on MongoDB: each page's query is equalities
on a prefix of one index of tuber_common.indexes, sorted by the rest of it in its own order,
so the planner reads one bounded range in order (no in-memory sort, no scan of other
videos). SecantusDB's explain always answers COLLSCAN + SORT, so this is checked from the
queries the lists send and the index definitions."""
from __future__ import annotations

import pytest

from tuber_common.indexes import INDEXES
from tuber_video import catalog

# Left to the fetch stage: a takedown is rare, and every list filters it the same way
# (tuber_common.moderation.LISTABLE: the feed's own index leaves it out too).
RESIDUAL = {"moderation"}


class _Found(list):
    def __init__(self, recorder, query):
        super().__init__()
        recorder.update(query=query)
        self.recorder = recorder

    def sort(self, keys):
        self.recorder["sort"] = keys
        return self

    def limit(self, _n):
        return self


class _Videos:
    def __init__(self):
        self.sent: dict = {}

    def find(self, query, _projection=None):
        return _Found(self.sent, query)


class _Db:
    def __init__(self):
        self.videos = _Videos()


def _sent(call) -> dict:
    db = _Db()
    call(db)
    return db.videos.sent


@pytest.mark.parametrize("name, call", [
    ("tag", lambda db: catalog.by_tag(db, "#Jazz", 20, None)),
    ("category", lambda db: catalog.feed(db, 20, None, "music")),
])
def test_each_list_is_one_range_of_its_index_in_order(name, call):
    sent = _sent(call)
    equalities = {field for field, value in sent["query"].items()
                  if not isinstance(value, dict)} - RESIDUAL
    index, = (m.document["key"] for m in INDEXES["videos"] if m.document["name"] == name)
    keys = list(index.items())
    prefix, rest = keys[:len(equalities)], keys[len(equalities):]
    assert {field for field, _ in prefix} == equalities
    assert rest == sent["sort"]


def test_the_tag_page_asks_for_the_stored_form():
    assert _sent(lambda db: catalog.by_tag(db, "#Jazz", 20, None))["query"]["tags"] == "jazz"
