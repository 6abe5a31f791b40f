"""A private video in Chromium against the local stack: its owner plays it (hls.js, with
the signed cookies the API sets for that video's folder, renewed while the page stays open),
and a stranger, signed in or not, can neither open its page nor fetch its playlist, segments
or thumbnail, even holding valid cookies for a video of his own."""
from __future__ import annotations

import re
from urllib.parse import urljoin

import pytest
import requests
from playwright.sync_api import expect

from tests.support.browser_fixtures import (generated_clip, new_member, new_session, publish,
                                            sign_in, wait_status)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SEGMENT = re.compile(r"/hls/[^/]+/[^/]+/[^/]+\.(ts|m4s)$")


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return generated_clip(tmp_path_factory.mktemp("clip") / "private clip.mp4", "320x180")


@pytest.fixture(scope="module")
def videos(web_base_url, clip):
    owner, stranger = new_member(web_base_url), new_member(web_base_url)
    private = publish(owner, clip, "Owner's private clip", visibility="private")
    own = publish(stranger, clip, "Stranger's own clip", visibility="public")
    video = wait_status(owner, private, "PUBLIC")
    wait_status(stranger, own, "PUBLIC")
    return {"owner": owner, "stranger": stranger, "private": private, "own": own,
            "hlsUrl": video["hlsUrl"], "thumbnailUrl": video["thumbnailUrl"],
            "media": media_urls(web_base_url, owner, private)}


def media_urls(base_url, owner, video_id) -> list[str]:
    """The master playlist, a rung's playlist, a segment and the thumbnail (unsigned), found
    as the owner's player finds them."""
    player = requests.Session()
    video = player.get(f"{base_url}/video/{video_id}", headers=owner.auth,
                       timeout=30).json()["video"]
    master = player.get(video["hlsUrl"], timeout=30)
    rung = urljoin(video["hlsUrl"], next(line for line in master.text.splitlines()
                                         if line and not line.startswith("#")))
    playlist = player.get(rung, timeout=30)
    segment = urljoin(rung, next(line for line in playlist.text.splitlines()
                                 if line and not line.startswith("#")))
    assert player.get(segment, timeout=30).status_code == 200
    return [video["hlsUrl"], rung, segment, video["thumbnailUrl"].split("?")[0]]


def page_fetch(page, url: str) -> int:
    """The status of a same-origin GET from the page, cookies sent as a media element would."""
    return page.evaluate("async (url) => (await fetch(url)).status", url)


def test_the_owner_plays_a_private_video(chromium, web_base_url, videos):
    ui = new_session(chromium, web_base_url)
    page = ui.page
    try:
        page.clock.install()  # real time, until the test moves it
        statuses: dict[str, int] = {}
        page.on("response", lambda r: statuses.__setitem__(r.url, r.status)
                if "/hls/" in r.url else None)
        sign_in(ui, videos["owner"].username)
        ui.open(f"#/watch/{videos['private']}")
        expect(page.get_by_role("heading", level=1, name="Owner's private clip")).to_be_visible()
        expect(page.locator(".description-meta .badge")).to_have_text("private")
        # The player appears once the playback cookies are set (after the heading).
        expect(page.locator("video")).to_be_attached()
        page.evaluate("() => { const v = document.querySelector('video'); v.muted = true; "
                      "return v.play(); }")
        page.wait_for_function("() => document.querySelector('video').currentTime > 0.5",
                               timeout=30_000)
        assert any(SEGMENT.search(url) for url in statuses), statuses
        assert set(statuses.values()) == {200}, statuses

        # The cookies: this video's folder only, out of JavaScript's reach, same site only.
        cookies = [c for c in page.context.cookies() if c["name"].startswith("CloudFront-")]
        assert {c["name"] for c in cookies} == {"CloudFront-Policy", "CloudFront-Signature",
                                                "CloudFront-Key-Pair-Id"}
        for cookie in cookies:
            assert cookie["path"] == f"/hls/{videos['private']}/"
            assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        assert page.evaluate("() => document.cookie").find("CloudFront") == -1
        # The poster is the signed thumbnail.
        poster = page.locator("video").get_attribute("poster")
        assert poster and "Signature=" in poster and page_fetch(page, poster) == 200

        # Left open, the page renews the cookies before they expire.
        with page.expect_response(lambda r: r.url.endswith(
                f"/video/{videos['private']}/playback") and r.status == 200):
            page.clock.fast_forward("03:05")
        for url in videos["media"][:3]:
            assert page_fetch(page, url) == 200, url
        ui.shot("private-owner-playing")
        ui.assert_no_console_errors()
    finally:
        page.context.close()


def test_a_stranger_cannot_play_it(chromium, web_base_url, videos):
    ui = new_session(chromium, web_base_url)
    page = ui.page
    try:
        sign_in(ui, videos["stranger"].username)
        # His own public video gives him valid cookies (for its folder).
        ui.open(f"#/watch/{videos['own']}")
        expect(page.get_by_role("heading", level=1, name="Stranger's own clip")).to_be_visible()
        assert any(c["name"] == "CloudFront-Signature" for c in page.context.cookies())
        assert page_fetch(page, videos["hlsUrl"].replace(videos["private"], videos["own"])) \
            == 200

        ui.open(f"#/watch/{videos['private']}")
        expect(page.get_by_role("alert")).to_contain_text("Video not found")
        expect(page.locator("video")).to_have_count(0)
        for url in videos["media"]:
            assert page_fetch(page, url) == 403, url
        refused = page.evaluate(
            "async (id) => (await fetch(`/video/${id}/playback`, {method: 'POST'})).status",
            videos["private"])
        assert refused == 404
        ui.shot("private-stranger-refused")
    finally:
        page.context.close()
    # Nor anyone without a browser or an account.
    for url in videos["media"]:
        assert requests.get(url, timeout=30).status_code == 403, url
