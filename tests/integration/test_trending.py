"""GET /video/trending (issue 18; docs/API.md, "Trending"): listed PUBLIC videos ranked by
their views of the last 7 days, each worth half as much per 24 hours of age. Counted views go
into hourly buckets; the scores are written by the RefreshTrending schedule alone; who is
listed is decided when reading, so visibility changes and takedowns apply at once."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from local.lambda_context import LambdaContext
from tests.support.video_fixtures import sample_event
from tests.support.views import LONG_AGO, server_clock_moved, watch
from tuber_common import clock
from tuber_common.clock import utcnow
from tuber_common.ids import parse_video_id
from tuber_common.moderation import take_down_video
from tuber_video import trending

HOUR = timedelta(hours=1)


def run_schedule() -> dict:
    """The RefreshTrending schedule's run: EventBridge's event to the video handler."""
    from tuber_video.handler import lambda_handler

    return lambda_handler(sample_event("video_trending_scheduled"), LambdaContext())


def trending_ids(video_api, limit: int = 20, **kw) -> list[str]:
    """Every page of GET /video/trending, in order."""
    seen, cursor = [], None
    while True:
        query = {"limit": str(limit), **({"cursor": cursor} if cursor else {})}
        answer = video_api.get("/video/trending", query=query, **kw)
        assert answer.status == 200, answer.body
        seen += [item["id"] for item in answer.json["items"]]
        cursor = answer.json["nextCursor"]
        if not cursor:
            return seen


def views(db, video_id: str, n: int, at=None) -> None:
    """n counted views, as tuber_video.views records them once a view counts."""
    for _ in range(n):
        trending.count_view(db, parse_video_id(video_id), at)


@pytest.fixture
def clock_at(monkeypatch):
    """Set the injectable clock (tuber_common.clock.utcnow) to a fixed time."""
    def _set(when):
        monkeypatch.setattr(clock, "utcnow", lambda: when)
        return when
    return _set


def test_videos_are_ranked_by_their_views_once_the_schedule_runs(video_api, member,
                                                                  published_video, db):
    owner = member()
    a, b, c = (published_video(owner, title) for title in ("A", "B", "C"))
    published_video(owner, "never watched")
    for video_id, viewers in ((a, 3), (b, 1), (c, 2)):
        for i in range(viewers):
            counted = watch(video_api, video_id, source_ip=f"198.51.100.{i + 1}").json
            assert counted["counted"] is True
    # The same viewer again within the window: not counted, not in the bucket either.
    assert watch(video_api, a, source_ip="198.51.100.1").json["counted"] is False
    assert [d["count"] for d in db.view_hours.find({"videoId": parse_video_id(a)})] == [3]
    # Never computed in a request: nothing is trending before the schedule's first run.
    assert trending_ids(video_api) == []
    assert run_schedule()["trendingVideos"] == 3
    assert trending_ids(video_api) == [a, c, b]
    # The items are the feed's, field for field.
    feed = {item["id"]: item for item in video_api.get("/video").json["items"]}
    items = video_api.get("/video/trending").json["items"]
    assert items and all(item == feed[item["id"]] for item in items)


def test_private_unlisted_unpublished_and_taken_down_videos_are_never_listed(
        video_api, member, published_video, new_video, db):
    owner = member()
    public = published_video(owner, "public")
    private = published_video(owner, "private", visibility="private")
    unlisted = published_video(owner, "unlisted", visibility="unlisted")
    taken = published_video(owner, "taken down")
    processing = new_video(owner, "still uploading")["video"]["id"]
    views(db, public, 1)
    for video_id in (private, unlisted, taken, processing):
        views(db, video_id, 50)
    assert take_down_video(db, parse_video_id(taken), "spam")
    assert run_schedule()["trendingVideos"] == 5
    assert trending_ids(video_api) == [public]
    assert trending_ids(video_api, token=owner.token) == [public]  # its owner's too
    # Visibility is read with the list: a change shows at once, without a refresh.
    assert video_api.patch(f"/video/{unlisted}", {"visibility": "public"},
                           token=owner.token).status == 200
    assert trending_ids(video_api) == [unlisted, public]
    assert video_api.patch(f"/video/{public}", {"visibility": "private"},
                           token=owner.token).status == 200
    assert trending_ids(video_api) == [unlisted]


def test_older_views_count_less(video_api, member, published_video, db, clock_at):
    """Views recorded through the API while the clock says two days, one day ago, now."""
    owner = member()
    two_days, one_day, fresh = (published_video(owner, t) for t in ("2 days", "1 day", "now"))
    now = utcnow()
    for video_id, ago in ((two_days, 48 * HOUR), (one_day, 24 * HOUR)):
        clock_at(now - ago)
        for i in range(3):
            assert watch(video_api, video_id, source_ip=f"192.0.2.{i + 1}").json["counted"]
    clock_at(now)
    assert watch(video_api, fresh, source_ip="192.0.2.1").json["counted"] is True
    run_schedule()
    # 3 views a day ago: 1.5; 1 view now: 1; 3 views two days ago: 0.75.
    assert trending_ids(video_api) == [one_day, fresh, two_days]


def test_views_older_than_the_window_drop_out_at_the_next_refresh(video_api, member,
                                                                  published_video, db):
    owner = member()
    old, recent = published_video(owner, "old"), published_video(owner, "recent")
    now = utcnow()
    views(db, old, 100, now - 6 * 24 * HOUR)
    views(db, recent, 1, now)
    trending.refresh(db, now)
    assert trending_ids(video_api) == [old, recent]
    # A day and a half later old's views are more than 7 days old: it leaves the list.
    later = now + 36 * HOUR
    assert trending.refresh(db, later)["trendingCleared"] == 1
    assert trending_ids(video_api) == [recent]
    assert "trendingScore" not in db.videos.find_one({"_id": parse_video_id(old)})


def test_concurrent_views_lose_no_counts(db, member, published_video):
    """Threads against the database, as concurrent Lambda containers: the first views of an
    hour race to create its bucket."""
    video_id = parse_video_id(published_video(member()))
    at, threads, each = utcnow(), 8, 25
    start = threading.Barrier(threads)

    def viewer(_):
        start.wait(timeout=30)
        for _ in range(each):
            trending.count_view(db, video_id, at)

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(viewer, range(threads)))
    buckets = list(db.view_hours.find({"videoId": video_id}))
    assert [b["count"] for b in buckets] == [threads * each]
    # Kept a day past the window, so that a refresh still sees it leave.
    assert buckets[0]["expiresAt"] == trending.hour_of(at) + trending.WINDOW + trending.KEEP


def test_views_counted_at_once_are_all_in_the_bucket(db, member, published_video):
    """The view path itself from 30 threads (30 networks: each view counts): the hour's
    bucket holds exactly the views the counter got."""
    from tuber_video.views import record_view, start

    video_id = published_video(member())
    viewers = [f"198.51.100.{i}" for i in range(1, 31)]
    with server_clock_moved(-LONG_AGO):
        sessions = [start(db, video_id, None, ip)["viewSession"] for ip in viewers]

    def report(args):
        ip, session = args
        return record_view(db, video_id, session, None, ip, "browser")["counted"]

    with ThreadPoolExecutor(len(viewers)) as pool:
        assert sum(pool.map(report, zip(viewers, sessions))) == len(viewers)
    stored = db.videos.find_one({"_id": parse_video_id(video_id)})["viewCount"]
    buckets = [b["count"] for b in db.view_hours.find({"videoId": parse_video_id(video_id)})]
    # One bucket, or two if the hour turned meanwhile.
    assert stored == sum(buckets) == len(viewers) and len(buckets) in (1, 2)


def test_the_refresh_is_idempotent_and_decay_alone_changes_no_score(video_api, member,
                                                                   published_video, db):
    owner = member()
    ids = [published_video(owner, f"v{i}") for i in range(4)]
    now = utcnow()
    for i, video_id in enumerate(ids):
        views(db, video_id, i + 1, now - i * 5 * HOUR)

    def stored():
        return {str(d["_id"]): (d["trendingScore"], d["trendingAt"])
                for d in db.videos.find({"trendingScore": {"$exists": True}})}

    assert trending.refresh(db, now)["trendingChanged"] == 4
    before = stored()
    assert set(before) == set(ids)
    again = trending.refresh(db, now)
    assert (again["trendingChanged"], again["trendingCleared"]) == (0, 0)
    assert stored() == before
    # Two hours on with no new views: no score changes, so nothing is written; one new view
    # rewrites that video alone.
    assert trending.refresh(db, now + 2 * HOUR)["trendingChanged"] == 0
    assert stored() == before
    views(db, ids[0], 1, now + 2 * HOUR)
    assert trending.refresh(db, now + 2 * HOUR)["trendingChanged"] == 1
    after = stored()
    assert after[ids[0]][0] > before[ids[0]][0] and after[ids[0]][1] == now + 2 * HOUR
    assert {k: v for k, v in after.items() if k != ids[0]} == \
        {k: v for k, v in before.items() if k != ids[0]}


def test_an_older_run_finishing_late_does_not_put_older_scores_back(member, published_video,
                                                                   db):
    """Two runs overlap: the older one read the views before the newer one wrote."""
    video_id, gone = published_video(member()), published_video(member())
    now = trending.hour_of(utcnow()) + timedelta(minutes=30)  # half past
    views(db, video_id, 1, now - HOUR)
    views(db, gone, 1, now - 7 * 24 * HOUR)
    trending.refresh(db, now - timedelta(minutes=30))
    views(db, video_id, 2, now - timedelta(minutes=20))
    # The late run: video_id's score to change, gone's (out of the window by then) to clear.
    late = trending.compute(db, [parse_video_id(v) for v in (video_id, gone)],
                            now - timedelta(minutes=10))
    assert late["scores"][parse_video_id(video_id)] and late["scores"][parse_video_id(gone)] is None
    views(db, video_id, 5, now)
    views(db, gone, 1, now)  # watched again: back in the list
    trending.refresh(db, now)
    newer = {str(d["_id"]): d["trendingScore"] for d in db.videos.find({}, {"trendingScore": 1})}
    assert newer[video_id] > 0 and newer[gone] > 0
    done = trending.apply(db, late)
    assert (done["trendingChanged"], done["trendingCleared"]) == (0, 0)
    after = {str(d["_id"]): d["trendingScore"] for d in db.videos.find({}, {"trendingScore": 1})}
    assert after == newer


def test_pages_continue_where_they_were_across_a_refresh(video_api, member, published_video,
                                                         db):
    owner = member()
    ids = [published_video(owner, f"v{i}") for i in range(7)]
    now = utcnow()
    for i, video_id in enumerate(ids[:5]):
        views(db, video_id, 10 - i, now - 3 * HOUR)
    for video_id in ids[5:]:
        views(db, video_id, 2, now - 3 * HOUR)  # equal scores: _id descending
    trending.refresh(db, now)
    ties = sorted(ids[5:], key=parse_video_id, reverse=True)
    expected = ids[:5] + ties
    assert trending_ids(video_api, limit=3) == expected
    first = video_api.get("/video/trending", query={"limit": "3"}).json
    # A refresh an hour later, one seen video with a new view: the next pages go on below
    # the cursor, in the same order, nothing seen twice.
    views(db, ids[1], 1, now + HOUR)
    trending.refresh(db, now + HOUR)
    rest, cursor = [], first["nextCursor"]
    while cursor:
        answer = video_api.get("/video/trending", query={"limit": "3", "cursor": cursor}).json
        rest += [item["id"] for item in answer["items"]]
        cursor = answer["nextCursor"]
    assert [item["id"] for item in first["items"]] + rest == expected


def test_a_cursor_of_another_list_is_400(video_api, member, published_video):
    owner = member()
    for i in range(2):
        published_video(owner, f"v{i}")
    feed_cursor = video_api.get("/video", query={"limit": "1"}).json["nextCursor"]
    for bad in (feed_cursor, "not-a-cursor"):
        answer = video_api.get("/video/trending", query={"cursor": bad})
        assert (answer.status, answer.error_code) == (400, "invalid_cursor")


def test_a_deleted_video_takes_its_buckets_and_leaves_the_list(video_api, member,
                                                               published_video, db):
    owner = member()
    kept, deleted = published_video(owner, "kept"), published_video(owner, "deleted")
    views(db, kept, 1)
    views(db, deleted, 5)
    run_schedule()
    assert trending_ids(video_api) == [deleted, kept]
    assert video_api.delete(f"/video/{deleted}", token=owner.token).status == 204
    assert trending_ids(video_api) == [kept]
    assert db.view_hours.count_documents({"videoId": parse_video_id(deleted)}) == 0
    assert run_schedule()["trendingVideos"] == 1


# --- the incremental refresh ------------------------------------------------------------------

def stored_scores(db) -> dict:
    return {d["_id"]: d["trendingScore"]
            for d in db.videos.find({"trendingScore": {"$exists": True}}, {"trendingScore": 1})}


def exact_scores(db, now) -> dict:
    """What a full recompute at `now` gives, from every video's buckets."""
    ids = [d["_id"] for d in db.videos.find({}, {"_id": 1})]
    return {v: key for v, key in trending.compute(db, ids, now)["scores"].items()
            if key is not None}


def test_a_refresh_after_new_views_reads_only_the_videos_watched_since(member, published_video,
                                                                       db, monkeypatch):
    owner = member()
    ids = [parse_video_id(published_video(owner, f"v{i}")) for i in range(8)]
    now = trending.hour_of(utcnow()) + timedelta(minutes=10)
    for i, video_id in enumerate(ids):
        views(db, video_id, i + 1, now - (i + 2) * HOUR)
    read = []
    compute = trending.compute
    monkeypatch.setattr(trending, "compute", lambda db_, video_ids, at: (
        read.append(set(video_ids)), compute(db_, video_ids, at))[1])
    first = trending.refresh(db, now)
    assert (first["trendingFull"], first["trendingChanged"]) == (True, 8)
    assert set().union(*read) == set(ids)
    # Two videos watched since, one of them in the hour of the last run, after it.
    read.clear()
    trending.count_view(db, ids[2], now + timedelta(minutes=5))
    trending.count_view(db, ids[5], now + HOUR)
    later = now + HOUR + timedelta(minutes=5)
    done = trending.refresh(db, later)
    assert set().union(*read) == {ids[2], ids[5]}
    assert (done["trendingFull"], done["trendingChanged"], done["trendingCleared"]) == \
        (False, 2, 0)
    assert stored_scores(db) == exact_scores(db, later)
    # Nothing new: the next run reads only the videos of the current hour and writes nothing.
    read.clear()
    idle = trending.refresh(db, later + timedelta(minutes=15))
    assert set().union(*read) <= {ids[5]} and idle["trendingChanged"] == 0


def test_buckets_leaving_the_window_lower_or_clear_scores_in_the_next_runs(
        video_api, member, published_video, db):
    owner = member()
    only_old, old_and_new, fresh = (published_video(owner, t) for t in ("old", "both", "fresh"))
    start = trending.hour_of(utcnow()) + timedelta(minutes=10)
    edge = start - trending.WINDOW + HOUR  # its bucket leaves the window at start + 1 h
    views(db, only_old, 50, edge)
    views(db, old_and_new, 50, edge)
    views(db, old_and_new, 1, start - 2 * HOUR)
    views(db, fresh, 1, start - 3 * HOUR)
    trending.refresh(db, start)
    # 50 views of almost 7 days ago are worth 50 / 2 ** 7 (0.4), 1 view of 3 hours ago 0.9.
    assert trending_ids(video_api) == [old_and_new, fresh, only_old]
    before = stored_scores(db)
    quiet = trending.refresh(db, start + timedelta(minutes=30))
    assert (quiet["trendingChanged"], quiet["trendingCleared"]) == (0, 0)
    after_hour = start + HOUR + timedelta(minutes=5)
    done = trending.refresh(db, after_hour)
    assert (done["trendingFull"], done["trendingChanged"], done["trendingCleared"]) == \
        (False, 1, 1)
    assert trending_ids(video_api) == [old_and_new, fresh]
    now_stored = stored_scores(db)
    assert now_stored[parse_video_id(old_and_new)] < before[parse_video_id(old_and_new)]
    assert now_stored[parse_video_id(fresh)] == before[parse_video_id(fresh)]
    assert now_stored == exact_scores(db, after_hour)


def test_runs_stopped_by_their_budget_go_on_and_end_as_one_full_run(member, published_video, db):
    owner = member()
    ids = [parse_video_id(published_video(owner, f"v{i}")) for i in range(11)]
    now = trending.hour_of(utcnow()) + timedelta(minutes=10)
    for i, video_id in enumerate(ids):
        views(db, video_id, 1 + i % 4, now - (3 + 7 * i) * HOUR)
    # A score left by a video whose buckets are gone (a run ever stalled): the full pass
    # clears it.
    db.videos.update_one({"_id": ids[0]}, {"$set": {"trendingScore": 9000.0}})
    db.view_hours.delete_many({"videoId": ids[0]})
    runs, at = [], now
    while not runs or runs[-1]["trendingPending"]:
        # Budget 0: one batch of 4 videos per run; a new view meanwhile, after the first.
        runs.append(trending.refresh(db, at, budget=0, batch=4))
        if len(runs) == 1:
            trending.count_view(db, ids[1], at + timedelta(minutes=1))
        at += timedelta(minutes=15)
        assert len(runs) < 10
    assert len(runs) >= 3 and all(r["trendingBatches"] <= 1 for r in runs)
    assert runs[0]["trendingThrough"] is None and runs[-1]["trendingThrough"] is not None
    # Caught up: the scores a single unbudgeted run at the same time would leave.
    assert stored_scores(db) == exact_scores(db, at - timedelta(minutes=15))
    assert ids[0] not in stored_scores(db)
    done = trending.refresh(db, at)
    assert (done["trendingChanged"], done["trendingCleared"]) == (0, 0)


def test_overlapping_runs_end_with_every_score_right(member, published_video, db):
    """Threads as overlapping schedule runs (budget 0, small batches: they interleave), while
    views come in; then runs again once the views stopped: every stored score is exact."""
    owner = member()
    ids = [parse_video_id(published_video(owner, f"v{i}")) for i in range(16)]
    now = utcnow()
    for i, video_id in enumerate(ids):
        views(db, video_id, 1 + i % 3, now - (1 + 9 * i) * HOUR)
    trending.refresh(db)
    runners = 4

    def run_until_caught_up(barrier, since=None):
        # Until a pass begun after `since` (or any pass begun in this call) has ended.
        barrier.wait(timeout=30)
        since = clock.iso(since or utcnow())
        for _ in range(30):
            if trending.refresh(db, budget=0, batch=3)["trendingThrough"] >= since:
                return
        raise AssertionError("never caught up")

    def viewer(barrier):
        barrier.wait(timeout=30)
        for i in range(40):
            trending.count_view(db, ids[(i * 5) % len(ids)])

    barrier = threading.Barrier(runners + 1)
    with ThreadPoolExecutor(runners + 1) as pool:
        jobs = [pool.submit(run_until_caught_up, barrier) for _ in range(runners)]
        jobs.append(pool.submit(viewer, barrier))
        for job in jobs:
            job.result()
    barrier, views_done = threading.Barrier(runners), utcnow()
    with ThreadPoolExecutor(runners) as pool:
        for job in [pool.submit(run_until_caught_up, barrier, views_done)
                    for _ in range(runners)]:
            job.result()
    assert stored_scores(db) == exact_scores(db, utcnow())
