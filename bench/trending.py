"""Trending: the RefreshTrending job, incremental, for 500 and 2,000 videos with views (12
hourly buckets each, spread over the 7-day window), scores and watermark already up to date.
Each hour of bench time, a share of the videos (1%, then 10%) gets a view, and a refresh
runs: the incremental one (it reads the videos with buckets of this hour: those) against a
full recompute of the same kind of change (the first run's pass: every video with a bucket in
the window is read; the watermark removed to force it), both writing only what changed.
Also the run just after the hour turns (it rereads the last hour's videos and those whose
bucket of a week ago left the window, about 12/168 of them here: real traffic a week ago
decides that share). Then the first page of GET /video/trending against the feed's first
page, and one counted view's bucket upsert against the `$inc` of viewCount that every counted
view already makes. On SecantusDB every document write costs tens of milliseconds on this
machine and reads are slow too; on MongoDB each costs far less, the ratios are the point.
SecantusDB sorts the trending page in memory (it never walks a partial index): hence its
ratio to the feed page; MongoDB walks the partial `trending` index for it."""
from __future__ import annotations

import os
import random
from datetime import datetime, timedelta, timezone

from bson import ObjectId

from bench.common import configure, median_ms, mongo, table, timed
from tuber_common.ids import new_video_id

SIZES = (500, 2_000)
ACTIVE = (0.01, 0.10)
BUCKETS_PER_VIDEO = 12
PAGE = 20
NOW = datetime(2026, 11, 28, 12, tzinfo=timezone.utc)
MINUTE = timedelta(minutes=1)


def _videos(n: int) -> list[dict]:
    owner = ObjectId()
    start = NOW - timedelta(days=30)
    return [{"_id": new_video_id(), "ownerId": owner, "title": f"video {i}",
             "visibility": "private" if i % 10 == 0 else "public", "status": "PUBLIC",
             "viewCount": 0, "createdAt": start + timedelta(seconds=i),
             "publishedAt": start + timedelta(seconds=i)} for i in range(n)]


def _buckets(video_ids: list, rng: random.Random) -> list[dict]:
    from tuber_video.trending import KEEP, WINDOW, bucket_id

    docs = []
    for video_id in video_ids:
        for hours_ago in rng.sample(range(0, 7 * 24), BUCKETS_PER_VIDEO):
            hour = NOW - timedelta(hours=hours_ago)
            docs.append({"_id": bucket_id(video_id, hour), "videoId": video_id, "hour": hour,
                         "count": rng.randint(1, 200), "expiresAt": hour + WINDOW + KEEP})
    return docs


def _settled(db, videos: list[dict], buckets: list[dict]) -> None:
    """The state a finished refresh at NOW leaves: every score and the watermark (inserted,
    not refreshed: SecantusDB would take minutes to write them one by one)."""
    from tuber_video import trending

    per_video: dict = {}
    for b in buckets:
        per_video.setdefault(b["videoId"], []).append((b["hour"], b["count"]))
    for video in videos:
        video[trending.SCORE] = trending.rank_key(per_video[video["_id"]])
        video[trending.STAMP] = NOW
    db.jobs.insert_one({"_id": trending.JOB, "through": NOW})


def measure(repeat: int = 3) -> tuple[str, dict]:
    from tuber_common.db import get_db
    from tuber_common.indexes import ensure_indexes
    from tuber_video import catalog, trending

    rows, pages, results = [], [], {}
    os.environ["MONGODB_TIMEOUT_MS"] = "60000"
    rng = random.Random(18)
    with mongo() as uri:
        for n in SIZES:
            configure(uri, f"tuber_bench_trending_{n}")
            db = get_db()
            db.client.drop_database(db.name)
            ensure_indexes(db)
            videos = _videos(n)
            buckets = _buckets([v["_id"] for v in videos], rng)
            _settled(db, videos, buckets)
            for chunk in range(0, n, 5000):
                db.videos.insert_many(videos[chunk:chunk + 5000])
            for chunk in range(0, len(buckets), 5000):
                db.view_hours.insert_many(buckets[chunk:chunk + 5000])
            hour, r = NOW, {"buckets": len(buckets)}

            def hour_of_views(share: float, full: bool) -> tuple[float, float, dict, dict]:
                """The next hour: the run as it turns (3 min past), views of `share` of the
                videos (5 min past), the measured run (10 min past)."""
                nonlocal hour
                hour += timedelta(hours=1)
                turn = []
                turn_s = timed(lambda: turn.append(trending.refresh(db, hour + 3 * MINUTE)), 1)
                active = rng.sample(videos, max(1, round(n * share)))
                for video in active:
                    trending.count_view(db, video["_id"], hour + 5 * MINUTE)
                if full:
                    db.jobs.update_one({"_id": trending.JOB}, {"$unset": {"through": ""}})
                run = []
                run_s = timed(lambda: run.append(trending.refresh(db, hour + 10 * MINUTE)), 1)
                assert run[-1]["trendingFull"] is full and not run[-1]["trendingPending"]
                assert run[-1]["trendingChanged"] == len(active), run[-1]
                return turn_s[0], run_s[0], turn[-1], run[-1]

            for share in ACTIVE:
                turn_s, incr_s, turn, incr = hour_of_views(share, False)
                _, full_s, _, full = hour_of_views(share, True)
                pct = f"{share:.0%}"
                r[pct] = {"incremental_ms": incr_s * 1000, "full_ms": full_s * 1000,
                          "incremental_videos": incr["trendingVideos"],
                          "full_videos": full["trendingVideos"],
                          "turn_ms": turn_s * 1000, "turn_videos": turn["trendingVideos"],
                          "turn_changed": turn["trendingChanged"] + turn["trendingCleared"]}
                c = r[pct]
                rows.append([f"{n:,}", f"{len(buckets):,}", pct,
                             f"{c['full_ms']:.0f} ({c['full_videos']:,})",
                             f"{c['incremental_ms']:.0f} ({c['incremental_videos']:,})",
                             f"{c['full_ms'] / c['incremental_ms']:.1f}x",
                             f"{c['turn_ms']:.0f} ({c['turn_videos']:,}, "
                             f"{c['turn_changed']:,} written)"])
            page_trending = timed(lambda: trending.trending(db, PAGE, None), repeat)
            page_feed = timed(lambda: catalog.feed(db, PAGE, None), repeat)
            r.update(trending_page_ms=median_ms(page_trending), feed_page_ms=median_ms(page_feed))
            results[n] = r
            pages.append([f"{n:,}", f"{r['trending_page_ms']:.1f}", f"{r['feed_page_ms']:.1f}",
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
    text = table(["videos with views", "buckets", "videos with a view this hour",
                  "full recompute ms (videos read)", "incremental ms (videos read)",
                  "full / incremental", "run as the hour turns ms (videos read)"], rows)
    text += "\n\n" + table(["videos", "trending page ms", "feed page ms", "trending / feed"],
                            pages)
    text += ("\n\nPer counted view: bucket upsert "
             f"{per_view['bucket_ms']:.2f} ms against the viewCount `$inc` "
             f"{per_view['inc_ms']:.2f} ms ({per_view['bucket_ms'] / per_view['inc_ms']:.1f}x), "
             f"medians of {views}.")
    return text, results


if __name__ == "__main__":
    print(measure()[0])
