"""Search terms (tuber_common.search_terms): what is stored on a video and how a query is read.
No I/O."""
from __future__ import annotations

import re

import pytest

from tuber_common.errors import BadRequest
from tuber_common.search_terms import (
    MAX_QUERY_CHARS, MAX_QUERY_WORDS, MAX_TERM_CHARS, MAX_TERMS, prefix_patterns, query_words,
    terms_fields, words)


def test_words_fold_accents_and_case_and_split_on_anything_not_a_letter_or_digit():
    assert words("Café au LAIT: l'été, naïve_coöperation!") == [
        "cafe", "au", "lait", "l", "ete", "naive", "cooperation"]
    assert words("Straße ＺＥＢＲＡ Ǆemal") == ["strasse", "zebra", "dzemal"]
    assert words("zebra Zebra ZEBRA") == ["zebra"]
    assert words("日本語の動画 2024") == ["日本語の動画", "2024"]


def test_a_long_word_is_cut_where_queries_are_cut_too():
    long = "a" * (MAX_TERM_CHARS + 10)
    assert words(long) == ["a" * MAX_TERM_CHARS]
    # A query longer than any stored term still finds it: it is cut the same way.
    assert query_words(long) == ["a" * MAX_TERM_CHARS]


def test_title_terms_and_all_terms():
    fields = terms_fields("Zebra crossing", ["Road Safety", "zebra"], "How to cross a road.")
    assert fields == {"searchTitle": ["zebra", "crossing"],
                      "searchTerms": ["zebra", "crossing", "road", "safety", "how", "to",
                                      "a"]}
    # "cross" is a prefix of "crossing": a query word that is a prefix of one is a prefix of
    # the other.
    assert terms_fields("", None, None) == {"searchTitle": [], "searchTerms": []}


def test_a_term_that_prefixes_another_is_left_out():
    fields = terms_fields("Zeb zebra zebras", [], "z cross crossing")
    assert fields["searchTitle"] == ["zebras"]
    assert fields["searchTerms"] == ["zebras", "crossing"]


def test_all_terms_are_capped_title_first():
    description = " ".join(f"w{i:04d}" for i in range(MAX_TERMS * 2))
    fields = terms_fields("Zebra", [], description)
    assert len(fields["searchTerms"]) == MAX_TERMS
    assert fields["searchTerms"][0] == "zebra"


def test_query_words():
    assert query_words("  ZEBR  Café ") == ["zebr", "cafe"]
    assert query_words("zeb zebra") == ["zebra"]  # the shorter adds nothing


@pytest.mark.parametrize("q, code", [
    ("", "empty_query"),
    (" ?! --- ", "empty_query"),
    ("x" * (MAX_QUERY_CHARS + 1), "query_too_long"),
    (" ".join(f"w{i}" for i in range(MAX_QUERY_WORDS + 1)), "query_too_long"),
])
def test_queries_refused(q, code):
    with pytest.raises(BadRequest) as refused:
        query_words(q)
    assert refused.value.code == code


def test_query_of_the_most_words_allowed():
    assert len(query_words(" ".join(f"w{i}" for i in range(MAX_QUERY_WORDS)))) == MAX_QUERY_WORDS


def test_prefix_patterns_are_anchored_and_escape_metacharacters():
    # Query words hold letters and digits only, yet whatever reaches the regex is escaped.
    patterns = prefix_patterns(["zebr", "a.b*c", "(x|y)", "^$[", "\\d+"])
    assert [p.pattern for p in patterns] == [
        "^zebr", r"^a\.b\*c", r"^\(x\|y\)", r"^\^\$\[", r"^\\d\+"]
    assert all(p.flags == re.UNICODE for p in patterns)  # no i/m/x: an index range scan
    assert patterns[0].match("zebra") and not patterns[0].match("azebra")
    assert patterns[1].match("a.b*cd") and not patterns[1].match("axbbc")
    assert patterns[4].match("\\d+1") and not patterns[4].match("12")
