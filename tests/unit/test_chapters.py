"""Chapters from a description (tuber_common.chapters): the lines a creator writes the way
YouTube reads them, and every way such a list can be wrong giving no chapters at all."""
from __future__ import annotations

import pytest

from tuber_common.chapters import MAX_TITLE_CHARS, parse_chapters


def test_timestamp_lines_become_chapters_and_other_lines_are_ignored():
    description = "\n".join([
        "My trip to the mountains.",
        "",
        "0:00 Intro",
        "1:02 The climb",
        "Some words in between 2:00 not at a line start",
        "12:30 - Summit",
        "1:02:03 | Going down",
        "10:02:03 : The end",
        "Thanks for watching!",
    ])
    assert parse_chapters(description) == [
        {"startSeconds": 0, "title": "Intro"},
        {"startSeconds": 62, "title": "The climb"},
        {"startSeconds": 750, "title": "Summit"},
        {"startSeconds": 3723, "title": "Going down"},
        {"startSeconds": 36123, "title": "The end"},
    ]


@pytest.mark.parametrize("first", ["0:00", "00:00", "0:00:00", "00:00:00"])
def test_zero_may_be_written_any_way(first):
    assert parse_chapters(f"{first} Start\n0:10 Next")[0] == {"startSeconds": 0,
                                                             "title": "Start"}


def test_titles_are_trimmed_and_cut_and_lines_may_be_indented_and_crlf():
    long = "x" * (MAX_TITLE_CHARS + 50)
    chapters = parse_chapters(f"  0:00   Intro  \r\n\t0:30\t{long}\r\n")
    assert chapters == [{"startSeconds": 0, "title": "Intro"},
                        {"startSeconds": 30, "title": "x" * MAX_TITLE_CHARS}]


@pytest.mark.parametrize("description", [
    "",
    "no timestamps at all",
    "0:00 Only one chapter",
    "0:05 Intro\n1:00 Not starting at zero",
    "0:00 Intro\n2:00 Two\n1:00 Back in time",
    "0:00 Intro\n1:00 Same\n1:00 Same time",
    "0:00 Intro\n1:00:00 An hour\n59:00 Less than an hour",
])
def test_a_list_that_breaks_a_rule_gives_no_chapters(description):
    assert parse_chapters(description) == []


@pytest.mark.parametrize("line", [
    "1:00",  # no title
    "1:00    ",
    "1:00Intro",  # no space after the time
    "1:60 Bad seconds",
    "1:75:00 Bad minutes",
    "123:00 Three-digit minutes",
    "1:2 Short seconds",
    "(1:00) In parentheses",
    "- 1:00 A bullet first",
    "\u0661:\u0660\u0660 Arabic-Indic digits",
])
def test_lines_that_are_not_chapter_lines_are_ignored(line):
    assert parse_chapters(f"0:00 Intro\n{line}\n2:00 Outro") == [
        {"startSeconds": 0, "title": "Intro"}, {"startSeconds": 120, "title": "Outro"}]


def test_chapters_at_or_after_the_end_of_the_video_are_left_out():
    description = "0:00 Intro\n0:30 Middle\n1:00 At the end\n5:00 Long after"
    assert [c["startSeconds"] for c in parse_chapters(description, 60.0)] == [0, 30]
    assert [c["startSeconds"] for c in parse_chapters(description, 60.5)] == [0, 30, 60]
    # What is left must still be a list of two.
    assert parse_chapters(description, 10.0) == []
    # Before transcoding the length is unknown: every chapter stays.
    assert len(parse_chapters(description, None)) == 4


def test_the_longest_description_parses():
    description = "\n".join(f"{i // 60}:{i % 60:02d} Part {i}" for i in range(0, 3000, 5))
    chapters = parse_chapters(description[:5000])
    assert chapters[0] == {"startSeconds": 0, "title": "Part 0"}
    assert all(a["startSeconds"] < b["startSeconds"] for a, b in zip(chapters, chapters[1:]))
