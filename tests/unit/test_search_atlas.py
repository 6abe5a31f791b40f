"""SEARCH_BACKEND=atlas (tuber_video.search): the $search pipeline, its paging, and its
agreement with the index definition in infra/atlas-search-index.json. No Atlas here: what is
checked is what is sent and how the answer is read."""
from __future__ import annotations

import json
import types
from pathlib import Path

import pytest

from tuber_common.errors import BadRequest
from tuber_video import search as video_search

ROOT = Path(__file__).resolve().parents[2]
SPEC = json.loads((ROOT / "infra" / "atlas-search-index.json").read_text())
FIELDS = SPEC["definition"]["mappings"]["fields"]


def _types(field: str) -> list[dict]:
    mapping = FIELDS[field]
    return mapping if isinstance(mapping, list) else [mapping]


def test_every_word_must_match_a_prefix_in_some_field_and_title_matches_score_higher():
    [stage, token, match, limit] = video_search.atlas_pipeline(
        ["zebr", "cross"], 20, None, "video_search")
    search = stage["$search"]
    assert search["index"] == "video_search" and "searchAfter" not in search
    compound = search["compound"]
    anywhere = [c for c in compound["filter"] if "compound" in c]
    assert [[(a["autocomplete"]["path"], a["autocomplete"]["query"])
             for a in c["compound"]["should"]] for c in anywhere] == [
        [("title", "zebr"), ("tags", "zebr"), ("description", "zebr")],
        [("title", "cross"), ("tags", "cross"), ("description", "cross")]]
    assert all(c["compound"]["minimumShouldMatch"] == 1 for c in anywhere)
    assert {"equals": {"path": "status", "value": "PUBLIC"}} in compound["filter"]
    assert {"equals": {"path": "visibility", "value": "public"}} in compound["filter"]
    # Filter clauses do not score: the one score is the title tier's constant.
    [title] = compound["should"]
    assert [m["autocomplete"] for m in title["compound"]["must"]] == [
        {"query": "zebr", "path": "title"}, {"query": "cross", "path": "title"}]
    assert title["compound"]["score"] == {"constant": {"value": 1}}
    assert compound["minimumShouldMatch"] == 0
    assert list(search["sort"].items()) == [
        ("score", {"$meta": "searchScore"}), ("publishedAt", -1), ("_id", -1)]
    assert token == {"$addFields": {"_searchToken": {"$meta": "searchSequenceToken"}}}
    # Takedowns hidden, as in every list (tuber_common.moderation.LISTABLE).
    assert match == {"$match": {"status": "PUBLIC", "visibility": "public",
                                "moderation": None}}
    assert limit == {"$limit": 21}


def test_a_next_page_searches_after_the_token_and_long_words_are_cut_to_the_grams():
    [stage, *_] = video_search.atlas_pipeline(["a" * 30], 5, "TOKEN==", "idx")
    assert stage["$search"]["searchAfter"] == "TOKEN=="
    queries = {a["autocomplete"]["query"] for a in
               stage["$search"]["compound"]["filter"][0]["compound"]["should"]}
    assert queries == {"a" * video_search.ATLAS_MAX_GRAMS}


def test_the_index_definition_maps_what_the_pipeline_uses():
    assert SPEC["collectionName"] == "videos"
    for path in ("title", "tags", "description"):
        [mapping] = _types(path)
        assert mapping["type"] == "autocomplete" and mapping["tokenization"] == "edgeGram"
        assert mapping["foldDiacritics"] is True and mapping["minGrams"] == 1
        assert mapping["maxGrams"] == video_search.ATLAS_MAX_GRAMS
    for path in ("status", "visibility"):  # equals on strings needs token
        assert {"type": "token"} in _types(path)
    assert {"type": "date"} in _types("publishedAt")  # sortable
    # _id is a string on new videos, an ObjectId on older ones: both sortable.
    assert {m["type"] for m in _types("_id")} == {"token", "objectId"}


def test_the_index_name_is_the_default_setting():
    from tuber_common.settings import Settings

    assert Settings().atlas_search_index == SPEC["name"]


class FakeVideos:
    def __init__(self, docs):
        self.docs, self.pipelines = docs, []

    def aggregate(self, pipeline):
        self.pipelines.append(pipeline)
        limit = pipeline[-1]["$limit"]
        return iter(self.docs[:limit])


def _db(docs):
    return types.SimpleNamespace(videos=FakeVideos(docs))


@pytest.fixture
def atlas(monkeypatch):
    monkeypatch.setattr(video_search, "get_settings", lambda: types.SimpleNamespace(
        search_backend="atlas", atlas_search_index="video_search"))


def test_pages_follow_the_search_sequence_token(atlas):
    docs = [{"_id": f"v{i}", "_searchToken": f"tok{i}"} for i in range(5)]
    db = _db(docs)
    page, nxt = video_search.atlas_search(db, ["zebra"], 3, None)
    assert [d["_id"] for d in page] == ["v0", "v1", "v2"] and nxt == "a.tok2"
    page, nxt = video_search.atlas_search(_db(docs[3:]), ["zebra"], 3, "tok2")
    assert [d["_id"] for d in page] == ["v3", "v4"] and nxt is None


def test_a_search_cursor_is_read_for_its_backend(atlas, monkeypatch):
    db = _db([])
    monkeypatch.setattr(video_search, "_shape_page",
                        lambda _db, docs, nxt: {"items": docs, "nextCursor": nxt})
    assert video_search.search(db, "zebra", 10, "a.tok2==") == {"items": [],
                                                                 "nextCursor": None}
    assert db.videos.pipelines[0][0]["$search"]["searchAfter"] == "tok2=="
    for cursor in ("1.eyJ4IjoxfQ", "2.", "a.", "a.not a token!", "a." + "x" * 401):
        with pytest.raises(BadRequest) as refused:
            video_search.search(db, "zebra", 10, cursor)
        assert refused.value.code == "invalid_cursor"
