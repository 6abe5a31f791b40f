"""A local stack killed without a word (SIGKILL: no stop step runs, nothing is saved at
stop), started again on the same data folder: what a user finds.

1. A video that FAILED (the transcoder's limits were lower) can be retried after the
   restart (its upload was kept) and becomes PUBLIC; a resumable upload moto forgot is
   answered `upload_not_found`, and a new one starts.
2. A video killed while its higher rungs were encoding, and one uploaded just before the
   kill, end PUBLIC with every rung without anyone doing anything, and the video published
   before the kill still plays.
"""
from __future__ import annotations

import os
import signal
import time

import pytest
import requests

from tests.e2e.test_stack_e2e import assert_all_gone, fetch_playback
from tests.support import media
from tests.support.stack_fixtures import StackProcess, sign_up

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
# Chunks of 4 s (1 s segments): an 8 s 480p clip is 2 chunks, 2 parts a rung (240p, 360p,
# 480p), plus the audio; it plays once 240p and the audio are in.
FAST = {"TRANSCODE_PRESET": "ultrafast", "TRANSCODE_SEGMENT_SECONDS": "1",
        "TRANSCODE_CHUNK_SECONDS": "4"}
WAIT_S = 240


def crash(stack: StackProcess) -> None:
    """SIGKILL to the stack's process group, as a crash or `kill -9` would; the servers it
    started go with it."""
    children = stack.children()
    os.killpg(stack.proc.pid, signal.SIGKILL)
    stack.proc.wait()
    assert_all_gone(children)


def call(method: str, url: str, token: str, **kwargs) -> requests.Response:
    return requests.request(method, url, timeout=30,
                            headers={"Authorization": f"Bearer {token}"}, **kwargs)


def video(api: str, video_id: str, token: str) -> dict:
    answer = call("GET", f"{api}/video/{video_id}", token)
    assert answer.status_code == 200, answer.text
    return answer.json()["video"]


def wait_until(api: str, video_id: str, token: str, done) -> dict:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        found = video(api, video_id, token)
        if done(found):
            return found
        time.sleep(0.3)
    raise AssertionError(f"not reached in {WAIT_S}s: {found}")


def upload(api: str, token: str, path: str, title: str) -> str:
    data = open(path, "rb").read()
    created = call("POST", f"{api}/video", token, json={
        "title": title, "visibility": "public", "sizeBytes": len(data),
        "contentType": "video/mp4"})
    assert created.status_code == 201, created.text
    form = created.json()["upload"]
    sent = requests.post(form["url"], data=form["fields"], timeout=60,
                         files={"file": ("source.mp4", data, "video/mp4")})
    assert sent.status_code in (200, 204), sent.text
    return created.json()["video"]["id"]


def complete(found: dict) -> bool:
    assert found["status"] != "FAILED", found
    return found["status"] == "PUBLIC" and not found.get("pendingRenditions")


def test_a_killed_stack_loses_no_upload_and_leaves_nothing_stuck(tmp_path):
    data = tmp_path / "data"
    short = media.make_clip(str(tmp_path / "short.mp4"), 320, 180, seconds=2)
    longer = media.make_clip(str(tmp_path / "longer.mp4"), 854, 480, seconds=8)

    # Run 1: the transcoder takes nothing over a second; a resumable upload is begun.
    stack = StackProcess(data, extra_env={**FAST, "TRANSCODE_MAX_DURATION_SECONDS": "1"})
    stack.start()
    try:
        api = stack.url
        token = sign_up(api)["accessToken"]
        failed_id = upload(api, token, short, "too long for run 1")
        failed = wait_until(api, failed_id, token, lambda v: v["status"] == "FAILED")
        assert "too long" in failed["failureReason"]
        resumable = call("POST", f"{api}/video", token, json={
            "title": "resumable", "visibility": "public", "sizeBytes": 1000,
            "contentType": "video/mp4"}).json()["video"]["id"]
        started = call("POST", f"{api}/video/{resumable}/upload/multipart", token)
        assert started.status_code == 201, started.text
    finally:
        crash(stack)

    # Run 2: the upload was kept, so the retry works; the forgotten resumable upload says so.
    stack = StackProcess(data, port=stack.port, extra_env=FAST)
    stack.start()
    try:
        assert video(api, failed_id, token)["status"] == "FAILED"
        retried = call("POST", f"{api}/video/{failed_id}/retry", token)
        assert retried.status_code == 200, retried.text
        wait_until(api, failed_id, token, complete)
        _master, segment = fetch_playback(api, failed_id, token)
        assert segment

        gone = call("GET", f"{api}/video/{resumable}/upload/multipart", token)
        assert (gone.status_code, gone.json()["error"]["code"]) == (404, "upload_not_found")
        again = call("POST", f"{api}/video/{resumable}/upload/multipart", token)
        assert again.status_code == 201, again.text
        assert again.json()["multipart"]["uploadId"] != started.json()["multipart"]["uploadId"]

        # Killed while one video is still encoding and the next one waits for a worker.
        encoding = upload(api, token, longer, "killed mid-transcode")
        wait_until(api, encoding, token, lambda v: v["status"] == "PUBLIC")
        waiting = upload(api, token, short, "uploaded just before the kill")
        # Once its event was read, the upload is on disk (what the user was told is kept).
        journal = data / "s3" / "journal.jsonl"
        deadline = time.monotonic() + 30
        while f'"raw/{waiting}/source"' not in (journal.read_text() if journal.exists()
                                               else ""):
            assert time.monotonic() < deadline, "the upload was not kept"
            time.sleep(0.1)
        before_kill = video(api, encoding, token)
    finally:
        crash(stack)

    # Run 3: both finish by themselves, and what was published before the kill plays.
    stack = StackProcess(data, port=stack.port, extra_env=FAST)
    stack.start()
    try:
        # What was carried on (rungs to finish, or a transcode started again), for failures.
        carried = (before_kill["pendingRenditions"],
                   next((line for line in stack.output().splitlines() if "restart " in line),
                        ""))
        finished = wait_until(api, encoding, token, complete)
        assert [r["name"] for r in finished["renditions"]] == ["240p", "360p", "480p"], carried
        assert finished["progressPercent"] == 100
        master, segment = fetch_playback(api, encoding, token)
        assert all(f"{rung}/index.m3u8" in master for rung in ("240p", "360p", "480p"))
        assert segment
        wait_until(api, waiting, token, complete)
        for video_id in (failed_id, waiting):
            assert fetch_playback(api, video_id, token)[1]
    finally:
        assert stack.stop() == 0
