"""What an operator sees in CloudWatch: each function writes its metrics to its log in the
embedded metric format at the end of an invocation (namespace, the service dimension, the
values), and only for what really happened."""
from __future__ import annotations

import json
import os

import pytest

from tests.support import media
from tests.support.video_fixtures import s3_event
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
def test_a_transcode_reports_its_seconds_and_the_publication(tmp_path, member, new_video,
                                                             run_transcode,
                                                             run_on_transcoded, capsys):
    clip = media.make_clip(str(tmp_path / "clip.mp4"), 426, 240, seconds=2)
    video = new_video(member(), "clip", size=os.path.getsize(clip))["video"]
    emitted(capsys)
    assert run_transcode(video["id"], clip)["results"] == ["transcoded"]
    transcoded = emitted(capsys)
    assert transcoded["TranscodedMediaSeconds"] == [pytest.approx(2.0, abs=0.2)]
    assert len(transcoded["TranscodeSeconds"]) == 1 and transcoded["TranscodeSeconds"][0] > 0

    run_on_transcoded(s3_event("s3_hls_master", f"hls/{video['id']}/master.m3u8"))
    assert emitted(capsys).get("VideosPublished") == [1]
    # S3 delivers at least once: the repeated event publishes nothing more.
    run_on_transcoded(s3_event("s3_hls_master", f"hls/{video['id']}/master.m3u8"))
    assert "VideosPublished" not in emitted(capsys)


def test_a_corrupt_upload_counts_as_a_failed_video(tmp_path, member, new_video, run_transcode,
                                                   db, capsys):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(4000))
    video = new_video(member(), "broken", size=broken.stat().st_size)["video"]
    emitted(capsys)
    assert run_transcode(video["id"], str(broken))["results"] == ["failed"]
    assert emitted(capsys).get("VideosFailed") == [1]
    assert db.videos.find_one({"_id": parse_video_id(video["id"])})["status"] == "FAILED"
