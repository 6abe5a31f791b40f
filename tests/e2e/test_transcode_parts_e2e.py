"""Transcoding in parts through the local stack as it runs on AWS: the transcode function
probes the upload and invokes one part per rung per chunk (and the audio) through the Lambda
Invoke API; the pump's workers run them, each reading the upload through its own presigned
URL (byte ranges through the S3 gate); the video plays as soon as its lowest rung and audio
are in, and gains the higher rungs after."""
from __future__ import annotations

import re
import time
from urllib.parse import urljoin

import pytest
import requests

from local.seed import generate_clip, upload_to_presigned
from tests.support.stack_fixtures import StackProcess, sign_up

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
CHUNK_SECONDS, CLIP_SECONDS = 4, 13


@pytest.fixture(scope="module")
def parts_stack(tmp_path_factory):
    # Chunks of 4 s (1 s segments): a 13 s clip is 4 chunks, so 4 parts per rung.
    stack = StackProcess(tmp_path_factory.mktemp("parts-stack"), extra_env={
        "TRANSCODE_CHUNK_SECONDS": str(CHUNK_SECONDS), "TRANSCODE_SEGMENT_SECONDS": "1",
        "TRANSCODE_PRESET": "ultrafast"})
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


def _get(api, video_id, token):
    answer = requests.get(f"{api}/video/{video_id}", timeout=30,
                          headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    return answer.json()["video"]


def test_an_upload_is_encoded_in_parallel_parts_and_plays_before_it_is_complete(
        parts_stack, tmp_path):
    api = parts_stack.url
    token = sign_up(api)["accessToken"]
    clip = generate_clip(tmp_path / "clip.mp4", seconds=CLIP_SECONDS, size="854x480")
    data = clip.read_bytes()
    created = requests.post(f"{api}/video", timeout=30,
                            headers={"Authorization": f"Bearer {token}"},
                            json={"title": "parts", "visibility": "public",
                                  "sizeBytes": len(data), "contentType": "video/mp4"}).json()
    video_id = created["video"]["id"]
    assert upload_to_presigned(created["upload"], data, "video/mp4").status_code in (200, 204)

    seen = []  # (status, renditions, pending) as a viewer polling the API sees them
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        video = _get(api, video_id, token)
        assert video["status"] != "FAILED", video
        seen.append((video["status"], [r["name"] for r in video["renditions"]],
                     list(video.get("pendingRenditions") or [])))
        if video["status"] == "PUBLIC" and not video.get("pendingRenditions"):
            break
        time.sleep(0.3)
    assert [r["name"] for r in video["renditions"]] == ["240p", "360p", "480p"]
    assert video["progressPercent"] == 100

    # Playable first, complete later: it was PUBLIC while higher rungs were still pending.
    assert any(status == "PUBLIC" and pending for status, _, pending in seen), seen
    first_public = next(names for status, names, _ in seen if status == "PUBLIC")
    assert first_public[0] == "240p"

    # The parts went through the Lambda Invoke API and the pump, not through this process.
    output = parts_stack.output()
    assert output.count("invoke TranscodePartFunction (Event) accepted") >= 4 * 3 + 1
    assert re.search(r"-> TranscodePartFunction ok", output)

    # What a player reads: the master names every rung and the audio group; a rung's
    # playlist joins its parts' segments (1 s each).
    browser = requests.Session()
    hls_url = browser.get(f"{api}/video/{video_id}", timeout=30,
                          headers={"Authorization": f"Bearer {token}"}).json()["video"]["hlsUrl"]
    master = browser.get(hls_url, timeout=30).text
    assert 'TYPE=AUDIO,GROUP-ID="audio"' in master
    assert len(re.findall(r"#EXT-X-STREAM-INF:.*RESOLUTION=", master)) == 3
    assert master.count("#EXT-X-I-FRAME-STREAM-INF:") == 3
    rung = browser.get(urljoin(hls_url, "480p/index.m3u8"), timeout=30).text
    durations = [float(x) for x in re.findall(r"#EXTINF:([\d.]+),", rung)]
    assert len(durations) == CLIP_SECONDS
    assert sum(durations) == pytest.approx(CLIP_SECONDS, abs=0.1)
    storyboard = browser.get(urljoin(hls_url, "storyboard.vtt"), timeout=30)
    assert storyboard.status_code == 200 and storyboard.text.startswith("WEBVTT")
