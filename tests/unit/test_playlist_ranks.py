"""Rank keys of playlist items (tuber_playlist.ranks): always strictly between their
neighbours, in the same order for Python and MongoDB (byte order), short in the common cases."""
from __future__ import annotations

import random

import pytest

from tuber_playlist import ranks


def test_random_inserts_stay_ordered_and_unique():
    keys = [ranks.first()]
    rng = random.Random(3)
    for _ in range(3000):
        at = rng.randint(0, len(keys))
        before = keys[at - 1] if at else None
        after = keys[at] if at < len(keys) else None
        key = ranks.between(before, after)
        assert (before is None or before < key) and (after is None or key < after)
        assert not key[ranks.INT_WIDTH:].endswith(ranks.DIGITS[0])
        keys.insert(at, key)
    assert keys == sorted(keys) == sorted(keys, key=lambda k: k.encode())
    assert len(set(keys)) == len(keys)


def test_appending_and_prepending_keep_keys_short():
    keys = [ranks.first()]
    for _ in range(5000):
        keys.append(ranks.between(keys[-1], None))
        keys.insert(0, ranks.between(None, keys[0]))
    assert {len(k) for k in keys} == {ranks.INT_WIDTH}
    assert keys == sorted(keys)


def test_one_gap_grows_a_digit_every_few_inserts():
    low, high = ranks.first(), ranks.between(ranks.first(), None)
    inserted = 0
    while len(key := ranks.between(low, high)) <= ranks.MAX_CHARS:
        high = key
        inserted += 1
    # ~6 halvings per base-62 digit: the renumbering is rare even in the worst case.
    assert inserted >= 100


def test_prepending_before_a_fraction_takes_its_integer_part():
    whole = ranks.first()
    fraction = ranks.between(whole, ranks.between(whole, None))
    assert ranks.between(None, fraction) == whole


@pytest.mark.parametrize("count", [1, 2, 500])
def test_renumbering_keeps_the_order_at_every_step(count):
    keys = sorted(ranks.between(ranks.first(), None) + ranks.DIGITS[i % 61 + 1] * (i // 61 + 1)
                  for i in range(count))
    new = ranks.renumbered(keys)
    assert new == sorted(new) and len(set(new)) == count
    assert all(len(k) == ranks.INT_WIDTH for k in new)
    # Written last to first: at each step the keys, old and new, are still in order.
    current = list(keys)
    for i in reversed(range(count)):
        current[i] = new[i]
        assert current == sorted(current) and len(set(current)) == count
