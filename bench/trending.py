"""Trending: the RefreshTrending job for 500 and 2,000 videos with views (12 hourly buckets
each, spread over the 7-day window). Baseline: reading the same buckets alone (what any
design must at least do). Three refreshes: the first (every score written: what a design
whose stored scores decay would pay on every run), an idle one 15 minutes later (no new
views: nothing to write), and one where a tenth of the videos got a view. Then the first page
of GET /video/trending against the feed's first page, and one counted view's bucket upsert
against the `$inc` of viewCount that every counted view already makes (what trending adds
per view). On SecantusDB every document write costs tens of milliseconds on this machine,
so the write counts dominate; on MongoDB the same counts cost far less each. SecantusDB
sorts the trending page in memory (it never walks a partial index): hence its ratio to the
feed page; MongoDB walks the partial `trending` index for it."""
from __future__ import annotations

import os
import random
from datetime import datetime, timedelta, timezone

from bson import ObjectId

from bench.common import configure, median_ms, mongo, table, timed
from tuber_common.ids import new_video_id

SIZES = (500, 2_000)
BUCKETS_PER_VIDEO = 12
PAGE = 20
NOW = datetime(2026, 11, 28, 12, tzinfo=timezone.utc)


def _videos(n: int) -> list[dict]:
    owner = ObjectId()
    start = NOW - timedelta(days=30)
    return [{"_id": new_video_id(), "ownerId": owner, "title": f"video {i}",
             "visibility": "private" if i % 10 == 0 else "public", "status": "PUBLIC",
             "viewCount": 0, "createdAt": start + timedelta(seconds=i),
             "publishedAt": start + timedelta(seconds=i)} for i in range(n)]


def _buckets(video_ids: list, rng: random.Random) -> list[dict]:
    from tuber_video.trending import WINDOW, bucket_id

    docs = []
    for video_id in video_ids:
        for hours_ago in rng.sample(range(0, 7 * 24), BUCKETS_PER_VIDEO):
            hour = NOW - timedelta(hours=hours_ago)
            docs.append({"_id": bucket_id(video_id, hour), "videoId": video_id, "hour": hour,
                         "count": rng.randint(1, 200), "expiresAt": hour + WINDOW})
    return docs


def measure(repeat: int = 3) -> tuple[str, dict]:
    from tuber_common.db import get_db
    from tuber_common.indexes import ensure_indexes
    from tuber_video import catalog, trending

    rows, results = [], {}
    os.environ["MONGODB_TIMEOUT_MS"] = "60000"
    rng = random.Random(18)
    with mongo() as uri:
        for n in SIZES:
            configure(uri, f"tuber_bench_trending_{n}")
            db = get_db()
            db.client.drop_database(db.name)
            ensure_indexes(db)
            videos = _videos(n)
            for chunk in range(0, n, 5000):
                db.videos.insert_many(videos[chunk:chunk + 5000])
            buckets = _buckets([v["_id"] for v in videos], rng)
            for chunk in range(0, len(buckets), 5000):
                db.view_hours.insert_many(buckets[chunk:chunk + 5000])

            def scan():
                list(db.view_hours.find({"hour": {"$gte": NOW - trending.WINDOW}},
                                        {"videoId": 1, "hour": 1, "count": 1}))

            baseline = timed(scan, repeat)
            done = []
            full = timed(lambda: done.append(trending.refresh(db, NOW)), 1)
            assert done[-1]["trendingChanged"] == n
            idle_at = NOW + timedelta(minutes=15)
            idle = timed(lambda: done.append(trending.refresh(db, idle_at)), repeat)
            assert done[-1]["trendingChanged"] == 0
            active = []
            for round_ in range(1, repeat + 1):
                at = idle_at + timedelta(minutes=15 * round_)
                for video in rng.sample(videos, n // 10):
                    trending.count_view(db, video["_id"], at)
                active += timed(lambda: done.append(trending.refresh(db, at)), 1)
                assert done[-1]["trendingChanged"] == n // 10
            page_trending = timed(lambda: trending.trending(db, PAGE, None), repeat)
            page_feed = timed(lambda: catalog.feed(db, PAGE, None), repeat)
            r = {"buckets": len(buckets), "scan_ms": median_ms(baseline),
                 "full_ms": median_ms(full), "idle_ms": median_ms(idle),
                 "active_ms": median_ms(active), "trending_page_ms": median_ms(page_trending),
                 "feed_page_ms": median_ms(page_feed)}
            results[n] = r
            rows.append([f"{n:,}", f"{len(buckets):,}", f"{r['scan_ms']:.0f}",
                         *(f"{r[k]:.0f} ({r[k] / r['scan_ms']:.1f}x)"
                           for k in ("full_ms", "idle_ms", "active_ms")),
                         f"{r['trending_page_ms']:.1f}", f"{r['feed_page_ms']:.1f}",
                         f"{r['trending_page_ms'] / r['feed_page_ms']:.1f}x"])
            db.client.drop_database(db.name)

        # Per counted view: the bucket upsert against the viewCount $inc.
        configure(uri, "tuber_bench_trending_views")
        db = get_db()
        db.client.drop_database(db.name)
        ensure_indexes(db)
        video_id = new_video_id()
        db.videos.insert_one({"_id": video_id, "viewCount": 0})
        views = 200
        inc = timed(lambda: db.videos.update_one({"_id": video_id}, {"$inc": {"viewCount": 1}}),
                    views)
        bucket = timed(lambda: trending.count_view(db, video_id, NOW), views)
        assert db.view_hours.find_one({"videoId": video_id})["count"] == views
        results["per_view"] = {"inc_ms": median_ms(inc), "bucket_ms": median_ms(bucket)}
        db.client.drop_database(db.name)
    per_view = results["per_view"]
    text = table(["videos with views", "buckets", "bucket scan ms (baseline)",
                  "first refresh ms (/ scan)", "idle refresh ms (/ scan)",
                  "10% active refresh ms (/ scan)", "trending page ms", "feed page ms",
                  "trending / feed"], rows)
    text += ("\n\nPer counted view: bucket upsert "
             f"{per_view['bucket_ms']:.2f} ms against the viewCount `$inc` "
             f"{per_view['inc_ms']:.2f} ms ({per_view['bucket_ms'] / per_view['inc_ms']:.1f}x), "
             f"medians of {views}.")
    return text, results


if __name__ == "__main__":
    print(measure()[0])
