"""Search: the first page of GET /video/search (tuber_video.search.search, the built-in
backend: stored terms, one prefix-regex query per tier, hydration and shaping) with 10,000
and 100,000 videos, against a baseline measured on the same database in the same run: the
first page of the public feed (GET /video, the same shaping). Videos have titles of 3-7
words, 0-3 tags and descriptions of 5-15 words drawn from a 3,000-word vocabulary with
Zipf-like frequencies; one in ten is private. Queries: a short prefix of the commonest word
(most videos match), a rare word, two words (a common prefix and a mid-frequency word), and a
word that matches nothing (the answers' sizes are under the table).

The indexes are built after the videos are inserted (faster than inserting into them; the
build time per video is shown: it is what the multikey term indexes cost to write).
SecantusDB answers these queries with a collection scan and an in-memory sort whether the
term indexes exist or not (the plan is shown), so a search page costs the same order as a
feed page (its regexes are matched on every listed video; a second scan when the title tier
does not fill the page). At 10,000
videos the search is timed both with and without the term indexes, at 100,000 without
(building them there takes longer than this run may). Each query is timed `repeat` times (3
at 10,000, once at 100,000), the first call included. The machine is shared (see the load
average): compare ratios within a row, not times across rows.

On MongoDB (not measured: no mongod is reachable here) each tier is one find with a limit of
21 and the planner races two plans: the term index (search_title / search_terms: equality on
status and visibility, the first word's prefix as one key range, the other words filtered,
then a top-21 sort of what matched) and the feed index (already newest first, filtered until
21 match). The first wins for rare words (it reads only their keys), the second for common
prefixes (it stops after a page's worth); a mid-frequency word is the worst case of both."""
from __future__ import annotations

import os
import random
import string
from datetime import datetime, timedelta, timezone

from bson import ObjectId

from bench.common import configure, median_ms, mongo, table, timed
from tuber_common.ids import new_video_id

SIZES = (10_000, 100_000)
PAGE = 20
VOCABULARY = 3000
BATCH = 2000


def _vocabulary(rng: random.Random) -> list[str]:
    words: list[str] = []
    seen: set[str] = set()
    while len(words) < VOCABULARY:
        word = "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(4, 10)))
        if word not in seen and not any(word.startswith(w) or w.startswith(word)
                                        for w in words[-50:]):
            seen.add(word)
            words.append(word)
    return words


def _videos(rng: random.Random, vocabulary: list[str], weights: list[float], start: int,
            n: int, owner: ObjectId) -> list[dict]:
    from tuber_common.search_terms import terms_fields

    base = datetime(2026, 1, 1, tzinfo=timezone.utc)

    def some(k_min: int, k_max: int) -> list[str]:
        return rng.choices(vocabulary, weights, k=rng.randint(k_min, k_max))

    docs = []
    for i in range(start, start + n):
        hidden = i % 10 == 0
        title = " ".join(some(3, 7)).capitalize()
        tags = list(dict.fromkeys(some(0, 3)))
        description = " ".join(some(5, 15))
        at = base + timedelta(seconds=i)
        docs.append({
            "_id": new_video_id(), "ownerId": owner, "title": title, "tags": tags,
            "description": description, "visibility": "private" if hidden else "public",
            "status": "PUBLIC", "viewCount": 0, "likeCount": 0, "dislikeCount": 0,
            "commentCount": 0, "renditions": [], "createdAt": at, "updatedAt": at,
            "publishedAt": at, **terms_fields(title, tags, description)})
    return docs


REPEAT = {10_000: 3, 100_000: 1}
TERM_INDEXES = ("search_title", "search_terms")
# (videos, whether the term indexes are built)
RUNS = ((10_000, True), (10_000, False), (100_000, False))


def measure() -> tuple[str, dict]:
    from tuber_common.db import get_db
    from tuber_common.indexes import INDEXES
    from tuber_common.search_terms import query_words
    from tuber_common.settings import get_settings
    from tuber_video import catalog
    from tuber_video import search as video_search

    rows, results = [], {}
    # SecantusDB scans and sorts in memory: pages at 100,000 videos take seconds there.
    os.environ["MONGODB_TIMEOUT_MS"] = "600000"
    os.environ["SEARCH_BACKEND"] = "builtin"
    get_settings.cache_clear()
    vocabulary = _vocabulary(random.Random(18))
    weights = [1 / (rank + 1) for rank in range(VOCABULARY)]  # Zipf: rank 1 commonest
    queries = {
        "common prefix": vocabulary[0][:2],
        "rare word": vocabulary[2000],
        "two words": f"{vocabulary[1][:3]} {vocabulary[150]}",
        "no match": "zzzzzz",
    }
    with mongo() as uri:
        for n, with_terms in RUNS:
            if n not in SIZES:
                continue
            configure(uri, f"tuber_bench_search_{n}")
            get_settings.cache_clear()
            db = get_db()
            db.videos.drop()
            owner = db.users.insert_one({"username": "bench", "usernameLower": "bench",
                                         "displayName": "Bench"}).inserted_id
            rng = random.Random(n)  # the same videos with and without the term indexes
            for chunk in range(0, n, BATCH):
                db.videos.insert_many(_videos(rng, vocabulary, weights, chunk,
                                              min(BATCH, n - chunk), owner))
            built = timed(lambda: db.videos.create_indexes(
                [m for m in INDEXES["videos"]
                 if with_terms or m.document["name"] not in TERM_INDEXES]), 1)[0]
            title_query = video_search.tier_queries(query_words(queries["rare word"]))[0]
            plan = db.videos.find(title_query).sort(
                [("publishedAt", -1), ("_id", -1)]).limit(PAGE + 1).explain()
            plan = _stages(plan.get("queryPlanner", {}).get("winningPlan", {}))
            repeat = REPEAT[n]
            baseline = median_ms(timed(lambda: catalog.feed(db, PAGE, None), repeat))
            r: dict = {"feed_first_ms": baseline, "index_build_ms_per_video": built * 1000 / n,
                       "term_indexes": with_terms, "plan": plan}
            row = [f"{n:,}", "yes" if with_terms else "no", f"{built * 1000 / n:.1f}", plan,
                   f"{baseline:.1f}"]
            for label, q in queries.items():
                answers = []
                ms = median_ms(timed(
                    lambda q=q: answers.append(video_search.search(db, q, PAGE, None)), repeat))
                r[label] = {"q": q, "ms": ms, "items": len(answers[0]["items"]),
                            "more": answers[0]["nextCursor"] is not None}
                row.append(f"{ms:.1f} ({ms / baseline:.2f}x)")
            results[f"{n}{'' if with_terms else '_no_term_indexes'}"] = r
            rows.append(row)
            db.client.drop_database(db.name)
    text = table(["videos", "term indexes", "index build ms per video", "plan",
                  "baseline: feed first page ms",
                  *(f"{label} `{q}` ms (x baseline)" for label, q in queries.items())], rows)
    return text, results


def _stages(plan: dict) -> str:
    """A winning plan as its stages, outermost first (SORT < COLLSCAN)."""
    stages = []
    while plan:
        stages.append(plan.get("stage", "?"))
        plan = plan.get("inputStage") or {}
    return " < ".join(stages)


if __name__ == "__main__":
    print(measure()[0])
