"""What an operator sees in CloudWatch: each function writes its metrics to its log in the
embedded metric format at the end of an invocation (namespace, the service dimension, the
values), and only for what really happened."""
from __future__ import annotations

import json
import os

import pytest

from tests.support import media
from tests.support.views import watch
from tuber_common.ids import parse_video_id


@pytest.fixture(autouse=True)
def no_metrics_pending():
    """Start clean: earlier tests call domain functions with no handler around them to
    flush what they recorded (one process holds one metric set, as one Lambda container)."""
    from tuber_common.observability import metrics

    metrics.clear_metrics()


def emitted(capsys) -> dict[str, list[float]]:
    """Metric name -> values, from the EMF lines written since the last call."""
    from tuber_common.observability import metrics

    values: dict[str, list[float]] = {}
    for line in capsys.readouterr().out.splitlines():
        try:
            blob = json.loads(line)
        except ValueError:
            continue
        if not isinstance(blob, dict) or "_aws" not in blob:
            continue
        directive = blob["_aws"]["CloudWatchMetrics"][0]
        assert directive["Namespace"] == metrics.namespace
        for metric in directive["Metrics"]:
            value = blob[metric["Name"]]
            values.setdefault(metric["Name"], []).extend(
                value if isinstance(value, list) else [value])
    return values


def test_uploads_and_views_are_counted_once_each(video_api, member, new_video,
                                                 published_video, capsys):
    owner, fan = member(), member()
    emitted(capsys)
    new_video(owner)
    assert emitted(capsys).get("VideosCreated") == [1]

    video_id = published_video(owner)
    emitted(capsys)
    assert watch(video_api, video_id, token=fan.token).json["counted"]
    assert emitted(capsys).get("ViewsCounted") == [1]
    # The same viewer again within the window: no view, so no metric.
    assert not watch(video_api, video_id, token=fan.token).json["counted"]
    assert "ViewsCounted" not in emitted(capsys)


@pytest.mark.slow
def test_each_transcode_part_reports_its_seconds_and_the_video_is_published_once(
        tmp_path, db, member, new_video, run_transcode, part_invocations, capsys):
    clip = media.make_clip(str(tmp_path / "clip.mp4"), 426, 240, seconds=2)
    video = new_video(member(), "clip", size=os.path.getsize(clip))["video"]
    emitted(capsys)
    # The planner only plans and sends the parts (the audio, one chunk of 240p)
    assert run_transcode(video["id"], clip)["results"] == ["dispatched"]
    planned = emitted(capsys)
    assert "TranscodePartSeconds" not in planned and "VideosPublished" not in planned
    assert [(c["function"], c["type"]) for c in part_invocations.sent] == [
        ("TranscodePartFunction", "Event")] * 2

    # Each part reports how long it took (for sizing chunks); the part completing the
    # video publishes it, once.
    for event in part_invocations.events:
        part_invocations.run(event)
    parts = emitted(capsys)
    assert len(parts["TranscodePartSeconds"]) == 2 and min(parts["TranscodePartSeconds"]) > 0
    assert parts.get("VideosPublished") == [1]
    published = db.videos.find_one({"_id": parse_video_id(video["id"])})
    assert published["status"] == "PUBLIC" and published["progressPercent"] == 100
    # Lambda delivers an event at least once: a part run again encodes and publishes nothing.
    assert part_invocations.run(part_invocations.events[-1])["result"] == "ignored"
    assert "VideosPublished" not in emitted(capsys)
    assert db.transcode_parts.count_documents({}) == 0
    again = db.videos.find_one({"_id": parse_video_id(video["id"])})
    assert (again["status"], again["renditions"], again["progressPercent"]) == (
        "PUBLIC", published["renditions"], 100)


def test_a_corrupt_upload_counts_as_a_failed_video(tmp_path, member, new_video, run_transcode,
                                                   db, capsys):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(4000))
    video = new_video(member(), "broken", size=broken.stat().st_size)["video"]
    emitted(capsys)
    assert run_transcode(video["id"], str(broken))["results"] == ["failed"]
    assert emitted(capsys).get("VideosFailed") == [1]
    assert db.videos.find_one({"_id": parse_video_id(video["id"])})["status"] == "FAILED"
