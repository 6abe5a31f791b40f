"""The whole platform from `python -m local.stack`, driven over real HTTP only: an account,
an upload to the presigned URL, transcoding in the background, playback, views, likes,
comments, the feed; then a restart that finds the same data, and no process left behind."""
from __future__ import annotations

import time
import uuid
from urllib.parse import urljoin

import pytest
import requests

from local.seed import generate_clip, upload_to_presigned
from tests.support.stack_fixtures import StackProcess, process_alive

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "correct horse battery staple"
PUBLISH_TIMEOUT_S = 120


def call(method: str, url: str, token: str | None = None, **kw) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(method, url, headers=headers, timeout=30, **kw)


def wait_until_public(api: str, video_id: str, token: str) -> dict:
    deadline = time.monotonic() + PUBLISH_TIMEOUT_S
    while time.monotonic() < deadline:
        video = call("GET", f"{api}/video/{video_id}", token).json()["video"]
        assert video["status"] != "FAILED", video
        if video["status"] == "PUBLIC":
            return video
        time.sleep(1)
    raise AssertionError(f"video not PUBLIC within {PUBLISH_TIMEOUT_S}s (last: {video['status']})")


def fetch_playback(api: str, video_id: str, token: str | None) -> tuple[str, bytes]:
    """Master playlist -> first rung's playlist -> its first segment, as a player would: with
    the signed cookies GET /video/{id} sets (a browser keeps them the same way). Without
    them, the media origin refuses."""
    browser = requests.Session()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    hls_url = browser.get(f"{api}/video/{video_id}", headers=headers,
                          timeout=30).json()["video"]["hlsUrl"]
    assert requests.get(hls_url, timeout=30).status_code == 403  # no cookies
    master = browser.get(hls_url, timeout=30)
    assert master.status_code == 200 and master.text.startswith("#EXTM3U")
    rung_uri = next(line for line in master.text.splitlines() if line and line[0] != "#")
    rung_url = urljoin(hls_url, rung_uri)
    rung = browser.get(rung_url, timeout=30)
    assert rung.status_code == 200 and "#EXTINF" in rung.text
    segment_uri = next(line for line in rung.text.splitlines() if line and line[0] != "#")
    segment = browser.get(urljoin(rung_url, segment_uri), timeout=30)
    assert segment.status_code == 200
    return master.text, segment.content


def assert_all_gone(pids: list[int]) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(process_alive(p) for p in pids):
        time.sleep(0.2)
    assert [p for p in pids if process_alive(p)] == []


def test_whole_platform_over_http_survives_a_restart(tmp_path):
    stack = StackProcess(tmp_path / "data")
    stack.start()
    try:
        api = stack.url
        name = f"e2e_{uuid.uuid4().hex[:8]}"

        # An account: register, sign in, who am I
        reg = call("POST", f"{api}/auth/register",
                   json={"username": name, "email": f"{name}@example.com", "password": PASSWORD})
        assert reg.status_code == 201, reg.text
        login = call("POST", f"{api}/auth/login", json={"username": name, "password": PASSWORD})
        assert login.status_code == 200, login.text
        token, user_id = login.json()["accessToken"], login.json()["user"]["id"]
        assert call("GET", f"{api}/auth/me", token).json()["user"]["username"] == name

        # An upload straight to the presigned URL, then transcoding in the background
        clip = generate_clip(tmp_path / "clip.mp4", seconds=3, size="320x240").read_bytes()
        created = call("POST", f"{api}/video", token, json={
            "title": "E2E clip", "description": "made by ffmpeg", "visibility": "public",
            "contentType": "video/mp4", "sizeBytes": len(clip)})
        assert created.status_code == 201, created.text
        video_id = created.json()["video"]["id"]
        assert created.json()["video"]["status"] == "UPLOADING"
        uploaded = upload_to_presigned(created.json()["upload"], clip, "video/mp4")
        assert uploaded.status_code in (200, 201, 204), uploaded.text
        video = wait_until_public(api, video_id, token)

        # Playback: the master playlist, a rung and a segment, with the signed cookies
        assert video["hlsUrl"]
        _, segment = fetch_playback(api, video_id, None)  # a public video: anyone
        assert len(segment) > 1000
        if video.get("thumbnailUrl"):  # a signed URL; the bare URL is refused
            assert requests.get(video["thumbnailUrl"], timeout=30).status_code == 200
            assert requests.get(video["thumbnailUrl"].split("?")[0], timeout=30) \
                .status_code == 403
        # The local S3 answers no anonymous request
        assert requests.get(f"{stack.s3_url}/", timeout=30).status_code == 403

        # A view, a like, a comment, the feed
        # A view session by the server's clock: reported at once it does not count (and says
        # how long is left); reported after that, it does.
        started = call("POST", f"{api}/video/{video_id}/view/start", token)
        assert started.status_code == 201, started.text
        session = {"viewSession": started.json()["viewSession"]}
        glance = call("POST", f"{api}/video/{video_id}/view", token, json=session)
        assert glance.status_code == 200 and glance.json()["viewCount"] == 0, glance.text
        assert 0 < glance.json()["countsInSeconds"] <= started.json()["countsAfterSeconds"]
        time.sleep(glance.json()["countsInSeconds"] + 0.1)
        view = call("POST", f"{api}/video/{video_id}/view", token, json=session)
        assert view.status_code == 200 and view.json()["viewCount"] == 1, view.text
        like = call("PUT", f"{api}/like/{video_id}", token, json={"rating": "like"})
        assert like.status_code == 200 and like.json()["likeCount"] == 1
        comment = call("POST", f"{api}/comment/{video_id}", token, json={"text": "first!"})
        assert comment.status_code == 201, comment.text
        comments = call("GET", f"{api}/comment/{video_id}").json()["items"]
        assert [c["text"] for c in comments] == ["first!"]
        feed = call("GET", f"{api}/video").json()["items"]
        assert video_id in [v["id"] for v in feed]

        # Stopping leaves nothing behind
        children = stack.children()
        assert len(children) >= 2  # SecantusDB and moto
    finally:
        returncode = stack.stop()
    assert returncode == 0, stack.output()[-3000:]
    assert_all_gone(children)

    # The same data after a restart: users, tokens (same secrets), videos, counters, media
    stack.start()
    try:
        me = call("GET", f"{api}/auth/me", token)
        assert me.status_code == 200 and me.json()["user"]["id"] == user_id
        login = call("POST", f"{api}/auth/login", json={"username": name, "password": PASSWORD})
        assert login.status_code == 200
        again = call("GET", f"{api}/video/{video_id}", token).json()["video"]
        assert again["status"] == "PUBLIC"
        assert (again["likeCount"], again["commentCount"], again["viewCount"]) == (1, 1, 1)
        assert again["title"] == "E2E clip"
        fetch_playback(api, video_id, token)  # media snapshot put back; same key pair
        children = stack.children()
    finally:
        assert stack.stop() == 0
    assert_all_gone(children)
