"""The transcode plan (tuber_transcode.plan): chunks, parts, their order and their work."""
from __future__ import annotations

from fractions import Fraction

import pytest

from tuber_transcode import plan
from tuber_transcode.tools import Probe


def probe(width=1280, height=720, fps=24.0, has_audio=True, duration=20.0) -> Probe:
    return Probe(width=width, height=height, fps=fps, has_audio=has_audio,
                 duration_seconds=duration, demuxer="mov")


@pytest.mark.parametrize("chunk, segment, expected", [
    (32, 4, 32), (30, 4, 32), (33, 4, 36), (4, 4, 4), (1, 4, 4), (4, 1, 4), (5, 2, 6),
    (10, 20, 20),
])
def test_chunk_length_holds_whole_segments(chunk, segment, expected):
    length = plan.chunk_length(chunk, segment)
    assert length == expected
    assert length % segment == 0 and length >= chunk or length == segment


@pytest.mark.parametrize("duration, length, expected", [
    (None, 8, [[0.0, None]]),
    (0.5, 8, [[0.0, None]]),
    (8.0, 8, [[0.0, None]]),
    (8.5, 8, [[0.0, 8.0], [8.0, None]]),
    (20.0, 8, [[0.0, 8.0], [8.0, 16.0], [16.0, None]]),
    (24.0, 8, [[0.0, 8.0], [8.0, 16.0], [16.0, None]]),
    # A probe a hair over a boundary does not make a chunk of nothing.
    (16.0000001, 8, [[0.0, 8.0], [8.0, None]]),
])
def test_chunks_cover_the_source_end_to_end(duration, length, expected):
    bounds = plan.chunks(duration, length)
    assert bounds == expected
    assert bounds[0][0] == 0.0 and bounds[-1][1] is None
    for (_, end), (start, _) in zip(bounds, bounds[1:]):
        assert end == start  # no gap, no overlap


def test_make_records_what_every_part_needs():
    transcode = plan.make(probe(fps=120, duration=20.0), chunk_seconds=7, segment_seconds=4,
                          max_short_side=1080)
    assert transcode["chunkSeconds"] == 8
    assert transcode["segmentSeconds"] == 4
    assert transcode["chunks"] == [[0.0, 8.0], [8.0, 16.0], [16.0, None]]
    assert [r["name"] for r in transcode["rungs"]] == ["240p", "360p", "480p", "720p"]
    assert transcode["hasAudio"] is True
    # A 120 fps source keeps every 2nd frame: 60 fps, declared as such.
    assert (Fraction(transcode["frameRate"]), transcode["divisor"]) == (60, 2)
    assert Fraction(transcode["sourceFrameRate"]) == 120
    assert transcode["durationSeconds"] == 20.0
    assert transcode["posterAt"] == 1.0
    assert len(transcode["runId"]) >= 16
    assert transcode["runId"] != plan.make(probe(), chunk_seconds=8, segment_seconds=4,
                                           max_short_side=1080)["runId"]
    ntsc = plan.make(probe(fps=30000 / 1001), chunk_seconds=8, segment_seconds=4,
                     max_short_side=1080)
    assert (Fraction(ntsc["frameRate"]), Fraction(ntsc["sourceFrameRate"]), ntsc["divisor"]) \
        == (Fraction(30000, 1001), Fraction(30000, 1001), 1)


def test_tasks_make_the_video_playable_soonest():
    """The audio (one part: encoded once), then the lowest rung chunk by chunk, then each
    higher rung."""
    transcode = plan.make(probe(width=854, height=480, duration=10.0), chunk_seconds=4,
                          segment_seconds=2, max_short_side=1080)
    tasks = plan.tasks("vid", transcode)
    assert [(t["track"], t["index"]) for t in tasks] == [
        ("audio", 0),
        ("240p", 0), ("240p", 1), ("240p", 2),
        ("360p", 0), ("360p", 1), ("360p", 2),
        ("480p", 0), ("480p", 1), ("480p", 2)]
    assert {(t["videoId"], t["runId"]) for t in tasks} == {("vid", transcode["runId"])}


def test_a_silent_video_has_no_audio_part():
    transcode = plan.make(probe(has_audio=False, duration=10.0), chunk_seconds=8,
                          segment_seconds=4, max_short_side=1080)
    assert plan.tracks(transcode) == ["240p", "360p", "480p", "720p"]
    assert "audio" not in transcode["work"]
    assert plan.tasks("vid", transcode)[0] == {
        "videoId": "vid", "runId": transcode["runId"], "track": "240p", "index": 0}


@pytest.mark.parametrize("duration, has_audio", [
    (20.0, True), (21.3, True), (3.0, False), (None, True), (8.0, True)])
def test_part_work_sums_to_the_total(duration, has_audio):
    transcode = plan.make(probe(has_audio=has_audio, duration=duration), chunk_seconds=8,
                          segment_seconds=4, max_short_side=1080)
    works = [plan.part_work(transcode, t["track"], t["index"])
             for t in plan.tasks("vid", transcode)]
    assert all(w > 0 for w in works)
    assert sum(works) == pytest.approx(transcode["totalWork"])
    # Higher rungs weigh more: progress tracks the real cost.
    rungs = transcode["rungs"]
    assert transcode["work"][rungs[-1]["name"]] > transcode["work"][rungs[0]["name"]]


def test_part_count_is_one_for_the_audio():
    transcode = plan.make(probe(duration=30.0), chunk_seconds=8, segment_seconds=4,
                          max_short_side=1080)
    assert plan.part_count(transcode, "audio") == 1
    assert plan.part_count(transcode, "240p") == 4
