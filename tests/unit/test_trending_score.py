"""The trending formula (docs/API.md, "Trending"): score(t) = sum of views * 0.5 ** (age /
24 h) over the hourly buckets of the last 7 days, stored as a key in a fixed time frame."""
from __future__ import annotations

import math
import random
from datetime import datetime, timedelta, timezone

import pytest

from tuber_video.trending import (HALF_LIFE, ORIGIN, WINDOW, bucket_id, hour_of, rank_key,
                                  score)

NOW = datetime(2026, 11, 28, 12, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)


def test_a_view_counts_half_as_much_every_half_life():
    assert HALF_LIFE == timedelta(hours=24) and WINDOW == timedelta(days=7)
    assert score([(NOW, 1)], NOW) == 1.0
    assert score([(NOW - 24 * HOUR, 1)], NOW) == 0.5
    assert score([(NOW - 48 * HOUR, 4)], NOW) == 1.0
    assert score([(NOW, 2), (NOW - 24 * HOUR, 2)], NOW) == 3.0


def test_views_older_than_the_window_count_nothing():
    assert score([(NOW - WINDOW, 128)], NOW) == 1.0
    assert score([(NOW - WINDOW - HOUR, 1000)], NOW) == 0.0
    assert score([], NOW) == 0.0


def test_the_stored_key_is_the_score_in_a_fixed_time_frame():
    buckets = [(NOW - 3 * HOUR, 5), (NOW - 30 * HOUR, 2), (NOW - 100 * HOUR, 40)]
    for now in (NOW, NOW + 5 * HOUR, NOW + 40 * HOUR):
        expected = math.log2(score(buckets, now)) + (now - ORIGIN) / HALF_LIFE
        assert rank_key(buckets) == pytest.approx(expected, abs=1e-9)
    assert rank_key([]) is None and rank_key([(NOW, 0)]) is None
    assert rank_key([(ORIGIN + HOUR, 1)]) > 0  # positive: the index holds trendingScore > 0


def test_the_key_sorts_as_the_score_does_at_any_time():
    rng = random.Random(18)
    videos = [[(NOW - rng.randrange(0, 168) * HOUR, rng.randrange(1, 50))
               for _ in range(rng.randrange(1, 6))] for _ in range(40)]
    by_key = sorted(range(len(videos)), key=lambda i: rank_key(videos[i]))
    by_score = sorted(range(len(videos)), key=lambda i: score(videos[i], NOW))
    assert by_key == by_score


def test_the_same_buckets_give_bit_for_bit_the_same_key_in_any_order():
    buckets = [(NOW - h * HOUR, 1 + h % 7) for h in range(0, 168, 5)]
    shuffled = buckets[:]
    random.Random(3).shuffle(shuffled)
    assert rank_key(buckets) == rank_key(shuffled)


def test_fresh_views_outrank_more_older_ones():
    # 3 views two days ago (0.75 now) against 1 view this hour; 3 views a day ago (1.5).
    assert rank_key([(NOW, 1)]) > rank_key([(NOW - 48 * HOUR, 3)])
    assert rank_key([(NOW - 24 * HOUR, 3)]) > rank_key([(NOW, 1)])


def test_buckets_are_per_video_and_hour():
    at = datetime(2026, 11, 28, 9, 59, 59, 999000, tzinfo=timezone.utc)
    assert hour_of(at) == datetime(2026, 11, 28, 9, tzinfo=timezone.utc)
    assert bucket_id("AbCdEfGhIjKlMnOpQrStUv", hour_of(at)) == "AbCdEfGhIjKlMnOpQrStUv|2026112809"
