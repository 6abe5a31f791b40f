"""What search matches on: the normalized terms stored on a video when its title, tags or
description are written (docs/API.md "Search"), the query words, and the backfill.

A term is a word folded the way a query word is (NFKD, combining marks dropped, case-folded,
split on anything not a letter or digit), at most MAX_TERM_CHARS long. A video stores two
lists:
- `searchTitle`: its title's terms (a "title match" ranks first);
- `searchTerms`: the terms of title, tags and description together, at most MAX_TERMS.
A term that is a prefix of another term of the same list is left out: any query word that
is a prefix of it is a prefix of the longer one too, so it could only match where that one
does.

A query word matches a term it is a prefix of: `{searchTerms: {$all: [/^zebr/, ...]}}`. An
anchored, case-sensitive prefix regex is an index range scan on a multikey index in MongoDB
(tuber_common.indexes: search_title, search_terms); the words are escaped all the same.

    python -m tuber_common.search_terms backfill    # terms for videos written before them
        # (python -m tuber_common.indexes, and so the deploy, does the first 50,000 of them)
    python -m tuber_common.search_terms atlas-index infra/atlas-search-index.json
        # SEARCH_BACKEND=atlas: create or update the Atlas Search index (docs/atlas-search.md)
"""
from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterable

from pymongo import UpdateOne
from pymongo.collection import Collection

from .errors import BadRequest

TITLE_FIELD, ALL_FIELD = "searchTitle", "searchTerms"
MAX_TERM_CHARS = 32
MAX_TERMS = 256
MAX_QUERY_WORDS = 8
MAX_QUERY_CHARS = 200
BACKFILL_BATCH = 500

# Letters and digits; "_" is a word character to \w but a separator to a reader.
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """`text`'s folded words in order, each once: NFKD with combining marks dropped
    ("Café" -> "cafe"), case-folded ("Straße" -> "strasse"), cut to MAX_TERM_CHARS."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return list(dict.fromkeys(w[:MAX_TERM_CHARS] for w in _WORD.findall(folded)))


def _without_prefixes(terms: list[str]) -> list[str]:
    """`terms` in order, less every term that is a prefix of another one."""
    ordered = sorted(terms)
    covered = {t for t, after in zip(ordered, ordered[1:]) if after.startswith(t)}
    return [t for t in terms if t not in covered]


def terms_fields(title: str, tags: Iterable[str] | None = None,
                 description: str | None = None) -> dict[str, list[str]]:
    """The fields to store on a video for its title, tags and description: title terms
    first in `searchTerms`, so a cap cuts the end of the description, never the title."""
    title_terms = words(title or "")
    every = list(dict.fromkeys(
        title_terms + words(" ".join(tags or ())) + words(description or "")))
    return {TITLE_FIELD: _without_prefixes(title_terms),
            ALL_FIELD: _without_prefixes(every)[:MAX_TERMS]}


def video_terms(doc: dict) -> dict[str, list[str]]:
    return terms_fields(doc.get("title", ""), doc.get("tags"), doc.get("description"))


def refresh(videos: Collection, doc: dict) -> dict:
    """After a write to a video (`doc`: the document after it), store its terms if they no
    longer follow its title, tags and description. Conditional on those three being what
    `doc` says: of two edits at once, the terms of the one that lost the race are not
    written, and the winner's own refresh writes its own. Returns the document with its
    terms. Changes nothing (and costs no write) when the terms are current."""
    fields = video_terms(doc)
    if all(doc.get(name) == value for name, value in fields.items()):
        return doc
    videos.update_one(_unchanged(doc), {"$set": fields})
    return {**doc, **fields}


def _unchanged(doc: dict) -> dict:
    # A field the document lacks must still be missing: {name: None} matches that.
    return {"_id": doc["_id"], **{name: doc.get(name)
                                  for name in ("title", "tags", "description")}}


def query_words(q: str) -> list[str]:
    """The words of a search query, folded as terms are; 400 when there are none or too
    many (`query_too_long`: more than MAX_QUERY_CHARS characters or MAX_QUERY_WORDS
    words). A word that is a prefix of another one is left out (it adds nothing)."""
    too_long = BadRequest(
        f"a search is at most {MAX_QUERY_WORDS} words and {MAX_QUERY_CHARS} characters",
        code="query_too_long",
        details={"maxWords": MAX_QUERY_WORDS, "maxChars": MAX_QUERY_CHARS})
    if len(q) > MAX_QUERY_CHARS:
        raise too_long
    found = words(q)
    if not found:
        raise BadRequest("give at least one word to search for", code="empty_query")
    if len(found) > MAX_QUERY_WORDS:
        raise too_long
    return _without_prefixes(found)


def prefix_patterns(query: list[str]) -> list[re.Pattern]:
    """One anchored prefix regex per query word, metacharacters escaped. Case-sensitive and
    without flags: only that shape is an index range scan (terms are folded already)."""
    return [re.compile("^" + re.escape(word)) for word in query]


def backfill(videos: Collection, batch: int = BACKFILL_BATCH, log=print) -> int:
    """Store the terms of every video whose terms are missing or stale; returns how many
    were written. Walks `_id` in batches (string ids, then ObjectIds: a range compares one
    BSON type only), one bulk write per batch, each update conditional on the text it was
    computed from. Idempotent: a second run writes nothing."""
    projection = {"title": 1, "tags": 1, "description": 1, TITLE_FIELD: 1, ALL_FIELD: 1}
    written = 0
    for id_type in ("string", "objectId"):
        last = None
        while True:
            query: dict = {"_id": {"$type": id_type}}
            if last is not None:
                query = {"_id": {"$type": id_type, "$gt": last}}
            docs = list(videos.find(query, projection).sort("_id", 1).limit(batch))
            if not docs:
                break
            last = docs[-1]["_id"]
            updates = []
            for doc in docs:
                fields = video_terms(doc)
                if any(doc.get(name) != value for name, value in fields.items()):
                    updates.append(UpdateOne(_unchanged(doc), {"$set": fields}))
            if updates:
                written += videos.bulk_write(updates, ordered=False).modified_count
            log(f"search terms: {written} written, up to _id {last}")
    return written


def backfill_missing(videos: Collection, most: int = 50_000, batch: int = BACKFILL_BATCH
                     ) -> int:
    """Terms for up to `most` videos that have none (written before search terms existed):
    one pass of one cursor, a bulk write per `batch`. Run by tuber_common.indexes (so by the
    deploy's index hook too, within its time limit); `backfill` does every video, stale
    ones too."""
    projection = {"title": 1, "tags": 1, "description": 1}
    written, updates = 0, []
    cursor = videos.find({ALL_FIELD: {"$exists": False}}, projection, batch_size=batch)
    for doc in cursor.limit(most):
        updates.append(UpdateOne({**_unchanged(doc), ALL_FIELD: {"$exists": False}},
                                 {"$set": video_terms(doc)}))
        if len(updates) == batch:
            written += videos.bulk_write(updates, ordered=False).modified_count
            updates = []
    if updates:
        written += videos.bulk_write(updates, ordered=False).modified_count
    return written


def ensure_atlas_index(videos: Collection, spec: dict) -> str:
    """Create the Atlas Search index `spec` names (infra/atlas-search-index.json), or update
    its definition if it exists: idempotent. Atlas builds it in the background."""
    from pymongo.operations import SearchIndexModel

    name, definition = spec["name"], spec["definition"]
    if any(True for _ in videos.list_search_indexes(name)):
        videos.update_search_index(name, definition)
        return f"search index {name!r} updated"
    videos.create_search_index(SearchIndexModel(definition=definition, name=name,
                                                type=spec.get("type", "search")))
    return f"search index {name!r} created"


def main(argv: list[str]) -> int:
    usage = ("usage: python -m tuber_common.search_terms backfill\n"
             "       python -m tuber_common.search_terms atlas-index <definition.json>")
    if argv[:1] == ["backfill"] and len(argv) == 1:
        from .db import get_db

        db = get_db()
        written = backfill(db.videos)
        print(f"search terms backfilled on database {db.name!r}: {written} videos written")
        return 0
    if argv[:1] == ["atlas-index"] and len(argv) == 2:
        import json

        from .db import get_db

        with open(argv[1], encoding="utf-8") as file:
            spec = json.load(file)
        print(ensure_atlas_index(get_db()[spec["collectionName"]], spec))
        return 0
    print(usage, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
