"""GET /video/search: listed public videos matching every word of the query as a word prefix
of their title, tags or description; title matches first, then the rest, each newest first
(docs/API.md "Search").

Two backends answer the same contract (SEARCH_BACKEND):
- builtin: the terms stored on each video (tuber_common.search_terms) and two tiers, each one
  bounded query with an anchored prefix regex per word on a multikey index
  (tuber_common.indexes: search_title, search_terms), paged by (publishedAt, _id). Works on
  any MongoDB and on SecantusDB.
- atlas: `$search` on the Atlas Search index infra/atlas-search-index.json (autocomplete on
  title, tags and description; docs/atlas-search.md), a constant score for title matches,
  sorted by (score, publishedAt, _id), paged by searchSequenceToken.

A cursor names its tier ("1." / "2." then the (publishedAt, _id) cursor of that tier; "a."
then Atlas' token), so a page that ends in the title tier goes on in it, and one that ends
there exactly starts the second tier next: no video twice, none left out.
"""
from __future__ import annotations

import re

from pymongo.database import Database

from tuber_common.errors import BadRequest
from tuber_common.pagination import MAX_LIMIT, page
from tuber_common.search_terms import ALL_FIELD, TITLE_FIELD, prefix_patterns, query_words
from tuber_common.settings import get_settings

from .catalog import LISTED, _shape_page

TITLE, REST, ATLAS = "1", "2", "a"
# Atlas indexes edge grams of at most this many characters (infra/atlas-search-index.json):
# a longer query word is cut to it, or it would match nothing.
ATLAS_MAX_GRAMS = 15
ATLAS_TITLE_SCORE = 1
# Atlas' searchSequenceToken is base64.
_ATLAS_TOKEN = re.compile(r"[A-Za-z0-9+/=_-]{1,400}")


def search(db: Database, q: str, limit: int, cursor: str | None) -> dict:
    words = query_words(q)  # 400 before anything is read
    limit = max(1, min(int(limit), MAX_LIMIT))
    tier, inner = _split_cursor(cursor)
    if get_settings().search_backend == "atlas":
        if tier not in (None, ATLAS):
            raise _bad_cursor()
        docs, nxt = atlas_search(db, words, limit, inner)
    else:
        if tier == ATLAS:
            raise _bad_cursor()
        docs, nxt = builtin_search(db, words, limit, tier or TITLE, inner)
    return _shape_page(db, docs, nxt)


def tier_queries(words: list[str]) -> tuple[dict, dict]:
    """(title tier, the rest): listed videos whose title terms hold a prefix match for
    every word; those whose terms (title, tags, description) do and whose title does not."""
    patterns = prefix_patterns(words)
    in_title = {TITLE_FIELD: {"$all": patterns}}
    return ({**LISTED, **in_title},
            {**LISTED, ALL_FIELD: {"$all": patterns}, "$nor": [in_title]})


def builtin_search(db: Database, words: list[str], limit: int, tier: str,
                   inner: str | None) -> tuple[list[dict], str | None]:
    title_query, rest_query = tier_queries(words)
    docs: list[dict] = []
    if tier == TITLE:
        docs, nxt = page(db.videos, title_query, sort_field="publishedAt", limit=limit,
                         cursor=inner)
        if nxt:
            return docs, f"{TITLE}.{nxt}"
        inner = None  # the title tier is done: the rest from its start
    room = limit - len(docs)
    if room == 0:
        # A full page of the title tier's last videos: a cursor only if the rest has any.
        more = db.videos.find_one(rest_query, {"_id": 1}) is not None
        return docs, f"{REST}." if more else None
    rest, nxt = page(db.videos, rest_query, sort_field="publishedAt", limit=room, cursor=inner)
    return docs + rest, f"{REST}.{nxt}" if nxt else None


def atlas_pipeline(words: list[str], limit: int, after: str | None,
                   index: str) -> list[dict]:
    """The aggregation for one page on Atlas Search. Every word must match a word prefix in
    title, tags or description (filter clauses: they do not score); a title that matches
    every word adds a constant score, so the sort (score, publishedAt, _id) puts title
    matches first and each tier newest first. Status and visibility are indexed and
    filtered in $search; the full listing rule (takedowns too) is the $match after it."""
    cut = [w[:ATLAS_MAX_GRAMS] for w in words]

    def anywhere(word: str) -> dict:
        return {"compound": {"should": [
            {"autocomplete": {"query": word, "path": path}}
            for path in ("title", "tags", "description")], "minimumShouldMatch": 1}}

    search: dict = {
        "index": index,
        "compound": {
            "filter": [
                *(anywhere(w) for w in cut),
                {"equals": {"path": "status", "value": LISTED["status"]}},
                {"equals": {"path": "visibility", "value": LISTED["visibility"]}},
            ],
            "should": [{"compound": {
                "must": [{"autocomplete": {"query": w, "path": "title"}} for w in cut],
                "score": {"constant": {"value": ATLAS_TITLE_SCORE}}}}],
            "minimumShouldMatch": 0,
        },
        # A unique last key: Atlas orders equal keys arbitrarily, and searchAfter needs one
        # order.
        "sort": {"score": {"$meta": "searchScore"}, "publishedAt": -1, "_id": -1},
    }
    if after:
        search["searchAfter"] = after
    return [
        {"$search": search},
        {"$addFields": {"_searchToken": {"$meta": "searchSequenceToken"}}},
        {"$match": LISTED},
        {"$limit": limit + 1},
    ]


def atlas_search(db: Database, words: list[str], limit: int,
                 after: str | None) -> tuple[list[dict], str | None]:
    docs = list(db.videos.aggregate(
        atlas_pipeline(words, limit, after, get_settings().atlas_search_index)))
    more = len(docs) > limit
    docs = docs[:limit]
    token = docs[-1]["_searchToken"] if more else None
    return docs, f"{ATLAS}.{token}" if token else None


def _bad_cursor() -> BadRequest:
    return BadRequest("cursor is invalid", code="invalid_cursor")


def _split_cursor(cursor: str | None) -> tuple[str | None, str | None]:
    """(tier, the cursor within it) from a search cursor; 400 invalid_cursor otherwise (the
    inner (publishedAt, _id) cursor is checked by tuber_common.pagination)."""
    if not cursor:
        return None, None
    tier, dot, inner = cursor.partition(".")
    if not dot or tier not in (TITLE, REST, ATLAS) or (tier == TITLE and not inner):
        raise _bad_cursor()
    if tier == ATLAS and not _ATLAS_TOKEN.fullmatch(inner):
        raise _bad_cursor()
    return tier, inner or None
