"""Order keys of playlist items: strings that sort the items, so that inserting or moving
one item writes that item alone (a position is never stored, it is counted).

A key is INT_WIDTH base-62 digits (an "integer part", fixed width) and an optional fraction
(more digits, never ending in the zero digit). The digits are ASCII-ordered, so MongoDB's
binary string order and Python's agree with the numeric order.

- appending takes the last key's integer part + 1, prepending the first one's - 1 (or its
  integer part alone when it has a fraction): the common cases keep keys INT_WIDTH long;
- inserting between two keys takes a key between them: the integers' midpoint when there is
  room, else a fraction between theirs (fractional indexing: a digit halfway, one more digit
  when the two are adjacent).

Repeated inserts into one gap lengthen keys by one digit per ~6 inserts. Past MAX_CHARS the
caller renumbers the playlist (`renumbered`): every key becomes a plain integer again, above
all current keys, so that rewriting them last to first keeps the order at every step.
"""
from __future__ import annotations

DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BASE = len(DIGITS)
INT_WIDTH = 7                    # 62**7 = 3.5e12 integers: never exhausted
MIDDLE = BASE ** INT_WIDTH // 2  # the first key: room on both sides
# Longer keys than this trigger a renumbering (a fraction of 25 digits: ~150 halvings of one
# gap, ~140 inserts into the same spot, before it is needed).
MAX_CHARS = 32


def _int_key(value: int) -> str:
    if not 0 <= value < BASE ** INT_WIDTH:
        raise OverflowError("rank space exhausted")
    out = []
    for _ in range(INT_WIDTH):
        value, digit = divmod(value, BASE)
        out.append(DIGITS[digit])
    return "".join(reversed(out))


def _int_of(key: str) -> int:
    value = 0
    for char in key[:INT_WIDTH]:
        value = value * BASE + DIGITS.index(char)
    return value


def _midpoint(a: str, b: str | None) -> str:
    """A fraction strictly between fractions a < b (b None: no upper bound); neither ends
    with the zero digit, nor does the answer."""
    if b is not None:
        n = 0
        while n < len(b) and (a[n] if n < len(a) else DIGITS[0]) == b[n]:
            n += 1
        if n:
            return b[:n] + _midpoint(a[n:], b[n:])
    low = DIGITS.index(a[0]) if a else 0
    high = DIGITS.index(b[0]) if b is not None else BASE
    if high - low > 1:
        return DIGITS[(low + high) // 2]
    if b is not None and len(b) > 1:
        return b[0]  # b's first digit alone: above a, below b (its proper prefix)
    return DIGITS[low] + _midpoint(a[1:], None)


def first() -> str:
    return _int_key(MIDDLE)


def between(before: str | None, after: str | None) -> str:
    """A key strictly between two neighbours (None: the playlist's start or end)."""
    if before is None and after is None:
        return first()
    if after is None:
        return _int_key(_int_of(before) + 1)
    if before is None:
        whole = after[:INT_WIDTH]
        return whole if len(after) > INT_WIDTH else _int_key(_int_of(after) - 1)
    low, high = _int_of(before), _int_of(after)
    if high - low > 1:
        return _int_key((low + high) // 2)
    if low == high:
        return before[:INT_WIDTH] + _midpoint(before[INT_WIDTH:], after[INT_WIDTH:])
    return before[:INT_WIDTH] + _midpoint(before[INT_WIDTH:], None)


def renumbered(keys: list[str]) -> list[str]:
    """New keys for `keys` (sorted): consecutive integers above the greatest. Written from
    the last to the first, each new key lies above every old one and below the new keys
    already written, so the order holds at every step and no key collides."""
    start = max(_int_of(k) for k in keys) + 1
    return [_int_key(start + i) for i in range(len(keys))]
