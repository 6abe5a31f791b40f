"""Tag normalization and the category list (tuber_common.tags): what a creator types becomes
the tag viewers find, and what cannot be a tag is refused with a code a client can act on."""
from __future__ import annotations

import pytest

from tuber_common.errors import BadRequest
from tuber_common.tags import (CATEGORIES, CATEGORY_IDS, MAX_TAG_CHARS, MAX_TAGS,
                               categories_out, check_category, normalize_tag, normalize_tags)


@pytest.mark.parametrize("raw, tag", [
    ("Cats", "cats"),
    ("#Cats", "cats"),
    ("##cats", "cats"),
    ("  # Lo   Fi\t Beats ", "lo fi beats"),
    ("\uff23\uff41\uff54\uff53", "cats"),  # full-width letters (NFKC)
    ("\uff03cats", "cats"),  # a full-width '#' is a '#' too
    ("Stra\u00dfe", "strasse"),  # case-folded, not just lower-cased
    ("Cafe\u0301", "caf\u00e9"),  # composed (NFKC)
    ("\u2460", "1"),  # circled digit one
    ("rock & roll", "rock & roll"),
    ("c++", "c++"),
    ("don't", "don't"),
    ("v1.2_beta-3", "v1.2_beta-3"),
    ("\u6771\u4eac", "\u6771\u4eac"),  # Tokyo: letters of any script
    ("x" * MAX_TAG_CHARS, "x" * MAX_TAG_CHARS),
    ("#" + "x" * MAX_TAG_CHARS, "x" * MAX_TAG_CHARS),  # the '#' is not counted
])
def test_a_tag_is_normalized(raw, tag):
    assert normalize_tag(raw) == tag


@pytest.mark.parametrize("raw", [
    "", "   ", "#", "# ", "x" * (MAX_TAG_CHARS + 1), "x" * 10_000,
    "a/b", "a?b", "100%", "c#", "..", "-", "'&'", "a\u0000b", "emoji \U0001f600",
    "a,b",
])
def test_what_cannot_be_a_tag_is_invalid_tag(raw):
    with pytest.raises(BadRequest) as refused:
        normalize_tag(raw)
    assert refused.value.code == "invalid_tag"
    assert refused.value.details["maxLength"] == MAX_TAG_CHARS


def test_a_list_drops_duplicates_after_normalizing_and_keeps_the_order():
    assert normalize_tags(["Music", "#jazz", "music", " JAZZ ", "live"]) == \
        ["music", "jazz", "live"]
    assert normalize_tags([]) == []


def test_fifteen_distinct_tags_fit_and_duplicates_do_not_count():
    fifteen = [f"tag{i}" for i in range(MAX_TAGS)]
    assert normalize_tags(fifteen + ["TAG0", "#tag1"]) == fifteen


@pytest.mark.parametrize("count", [MAX_TAGS + 1, 1000])
def test_more_than_fifteen_distinct_tags_is_too_many_tags(count):
    with pytest.raises(BadRequest) as refused:
        normalize_tags([f"tag{i}" for i in range(count)])
    assert refused.value.code == "too_many_tags"
    assert refused.value.details == {"maxTags": MAX_TAGS}


def test_invalid_tag_says_which_one():
    with pytest.raises(BadRequest) as refused:
        normalize_tags(["fine", "also fine", "not/fine"])
    assert refused.value.code == "invalid_tag"
    assert refused.value.details["index"] == 2


def test_categories_are_a_fixed_list_with_labels():
    assert len(CATEGORY_IDS) == len(set(CATEGORY_IDS)) == 15
    assert categories_out()[0] == {"id": "film-animation", "label": "Film & Animation"}
    assert [c["id"] for c in categories_out()] == [cid for cid, _ in CATEGORIES]
    assert {"music", "gaming", "education", "science-technology"} <= set(CATEGORY_IDS)


@pytest.mark.parametrize("raw, category", [
    ("music", "music"), (" Music ", "music"), ("SCIENCE-TECHNOLOGY", "science-technology"),
    (None, None),
])
def test_a_category_is_one_of_the_list_or_none(raw, category):
    assert check_category(raw) == category


@pytest.mark.parametrize("raw", ["", "musik", "Science & Technology", "music,gaming"])
def test_anything_else_is_unknown_category(raw):
    with pytest.raises(BadRequest) as refused:
        check_category(raw)
    assert refused.value.code == "unknown_category"
    assert refused.value.details["categories"] == list(CATEGORY_IDS)
