"""Embeds and sharing in Chromium (issue 18): the embed page inside another site's iframe
plays a public video with the query-string signature alone (no playback cookie), shows a
private video's message without asking for its media, is framable while the rest of the
client is not; the watch page's Share link carries the current time and its Embed code
points at /embed/{id}; GET /oembed answers for the watch URL."""
from __future__ import annotations

import html
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from playwright.sync_api import expect

from tests.support.browser_fixtures import DESKTOP, OUTPUT, new_member, publish, wait_all_renditions, wait_status
from tests.support.axe import assert_accessible
from tests.support.media import make_clip

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


class OtherSite:
    """Another site's page that embeds one URL: served from 127.0.0.1 but opened as
    http://localhost:{port}, another site than the stack's http://127.0.0.1:{port}, so the
    embed is in a cross-site iframe (its SameSite cookies are not sent, as on any real
    third-party page). A real server, not a Playwright route: Chromium's local network access
    checks refuse a loopback iframe in a page that does not come from a loopback address."""

    def __init__(self):
        self.html = b""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(site.html)))
                self.end_headers()
                self.wfile.write(site.html)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://localhost:{self.server.server_address[1]}"

    def embedding(self, src: str) -> str:
        self.html = (f'<!doctype html><html lang="en"><head><title>A blog</title></head><body>'
                     f'<h1>My post</h1><iframe src="{html.escape(src)}" width="640" height="400" '
                     f'title="Embedded video" allow="autoplay; fullscreen"></iframe>'
                     f'</body></html>').encode()
        return f"{self.url}/post"


@pytest.fixture(scope="module")
def other_site():
    site = OtherSite()
    yield site
    site.server.shutdown()


@pytest.fixture(scope="module")
def embeds(web_base_url, tmp_path_factory):
    """A channel with a 6 s PUBLIC video and a PRIVATE one."""
    folder = tmp_path_factory.mktemp("embeds")
    owner = new_member(web_base_url, "Oembed Maker")
    clip = make_clip(str(folder / "clip.mp4"), 320, 180, seconds=6)
    public = {"title": f"Embeddable clip {uuid.uuid4().hex[:6]}"}
    public["id"] = publish(owner, clip, public["title"])
    private = {"title": f"Private clip {uuid.uuid4().hex[:6]}"}
    private["id"] = publish(owner, clip, private["title"], visibility="private")
    for video in (public, private):
        wait_status(owner, video["id"], "PUBLIC")
        # Every rung done: a rung arriving mid-test reloads the player (its time reads 0 meanwhile).
        wait_all_renditions(owner, video["id"])
    return {"owner": owner, "public": public, "private": private}


@pytest.fixture
def third_party(chromium, web_base_url, other_site):
    """A page of another site that embeds what `show(src)` says; records media requests."""
    context = chromium.new_context(viewport=DESKTOP)
    context.set_default_timeout(20_000)
    page = context.new_page()
    media: list = []  # the requests for /hls/ (headers read later, outside the callback)
    page.on("request", lambda r: media.append(r) if "/hls/" in r.url else None)

    def show(src: str):
        page.goto(other_site.embedding(src))
        return page.frame_locator("iframe[title='Embedded video']")

    yield page, show, media
    context.close()


def test_the_embed_page_is_framable_and_the_rest_of_the_client_is_not(web_base_url, embeds):
    embed = requests.get(f"{web_base_url}/embed/{embeds['public']['id']}?t=1",
                         headers={"Accept": "text/html"}, timeout=30)
    assert embed.status_code == 200 and 'src="../js/embed.js"' in embed.text
    assert "X-Frame-Options" not in embed.headers
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    for path in ("/", f"/watch/{embeds['public']['id']}", "/embed.html"):
        page = requests.get(f"{web_base_url}{path}", headers={"Accept": "text/html"}, timeout=30)
        assert page.headers["X-Frame-Options"] == "DENY", path
        assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"], path


def test_a_cross_site_iframe_plays_a_public_video_from_t_muted(third_party, web_base_url, embeds):
    page, show, media = third_party
    video = embeds["public"]
    frame = show(f"{web_base_url}/embed/{video['id']}?t=2&autoplay=1")
    link = frame.get_by_role("link", name=f"Watch on Tuber: {video['title']}")
    expect(link).to_be_visible()
    player = frame.locator("video")
    expect(player).to_have_attribute("aria-label", f"Video: {video['title']}")
    # Autoplay (muted, as browsers allow), from t=2: what it played starts there.
    embed = page.frame(url=re.compile(r"/embed/"))
    embed.wait_for_function("""() => { const v = document.querySelector('video');
        return v && !v.paused && v.muted && v.currentTime > 2.5; }""")
    assert embed.evaluate("document.querySelector('video').played.start(0)") >= 1.9
    # Every playlist and segment was signed in its URL, none by a cookie.
    assert media, "no media requested"
    for request in media:
        assert video["id"] in request.url
        assert re.search(r"[?&]Signature=[^&]+", request.url), request.url
        assert "CloudFront-" not in request.all_headers().get("cookie", ""), request.url
    # The link opens the watch page where the viewer is.
    expect(link).to_have_attribute("href", re.compile(
        rf"/#/watch/{video['id']}\?t=\d+$"))
    expect(link).to_have_attribute("target", "_blank")
    # Keyboard: the player's controls are reachable by Tab inside the frame.
    frame.locator("body").press("Tab")
    expect(frame.locator(":focus")).to_be_visible()
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "embed-third-party.png"))


def test_a_private_video_shows_a_message_and_no_media(third_party, web_base_url, embeds):
    page, show, media = third_party
    frame = show(f"{web_base_url}/embed/{embeds['private']['id']}?autoplay=1")
    expect(frame.get_by_role("alert")).to_have_text(
        "This video is unavailable. It may be private or removed.")
    expect(frame.locator("video")).to_have_count(0)
    assert media == []
    frame = show(f"{web_base_url}/embed/{'x' * 22}")
    expect(frame.get_by_role("alert")).to_contain_text("unavailable")


def test_share_link_carries_the_time_and_embed_code_the_iframe(chromium, web_base_url, embeds):
    video = embeds["public"]
    context = chromium.new_context(viewport=DESKTOP, base_url=web_base_url,
                                   permissions=["clipboard-read", "clipboard-write"])
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        page.goto(f"{web_base_url}/#/watch/{video['id']}?t=3")
        share = page.get_by_role("button", name="Share", exact=True)
        expect(share).to_be_visible()
        # The watch page honours t: it starts at 3 s.
        page.wait_for_function("() => { const v = document.querySelector('video.player-video');"
                               " return v && v.currentTime >= 3; }")
        assert page.evaluate("(() => { const p = document.querySelector('video.player-video')"
                             ".played; return p.length ? p.start(0) : 3; })()") >= 2.9
        page.evaluate("document.querySelector('video.player-video').pause()")
        at = int(page.evaluate("document.querySelector('video.player-video').currentTime"))
        share.click()
        dialog = page.get_by_role("dialog", name="Share")
        expect(dialog).to_be_visible()
        link = dialog.get_by_label("Link", exact=True)
        expect(link).to_have_value(f"{web_base_url}/#/watch/{video['id']}")
        dialog.get_by_label(re.compile(r"Start at \d+:\d\d")).check()
        expect(link).to_have_value(f"{web_base_url}/#/watch/{video['id']}?t={at}")
        assert_accessible(page, "share dialog")
        dialog.get_by_role("button", name="Copy").click()
        expect(dialog.get_by_role("status")).to_have_text("Link copied to the clipboard.")
        assert page.evaluate("navigator.clipboard.readText()") == \
            f"{web_base_url}/#/watch/{video['id']}?t={at}"
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        expect(share).to_be_focused()  # focus back on the opener

        page.get_by_role("button", name="Embed", exact=True).click()
        dialog = page.get_by_role("dialog", name="Embed video")
        code = dialog.get_by_label("Embed code")
        expect(code).to_have_value(re.compile(
            rf'^<iframe src="{re.escape(web_base_url)}/embed/{video["id"]}" width="640" '
            rf'height="360" title="{re.escape(video["title"])}"'))
        dialog.get_by_role("button", name="Close").click()
        expect(page.get_by_role("button", name="Embed", exact=True)).to_be_focused()

        # The shared link opens the watch page at that time.
        page.goto(f"{web_base_url}/#/watch/{video['id']}?t={at}")
        page.wait_for_function("t => { const v = document.querySelector('video.player-video');"
                               " return v && v.currentTime >= t; }", arg=at)
    finally:
        context.close()


def test_the_embed_page_is_accessible(fresh_page, web_base_url, embeds):
    page = fresh_page.page
    page.goto(f"{web_base_url}/embed/{embeds['public']['id']}")
    expect(page.locator("video.player-video")).to_be_attached()
    expect(page).to_have_title(f"{embeds['public']['title']} - Tuber")
    assert_accessible(page, "embed page")
    page.goto(f"{web_base_url}/embed/{embeds['private']['id']}")
    expect(page.get_by_role("alert")).to_contain_text("unavailable")
    assert_accessible(page, "embed page, private video")


def test_oembed_answers_for_the_watch_url(web_base_url, embeds):
    video = embeds["public"]
    answer = requests.get(f"{web_base_url}/oembed", timeout=30, params={
        "url": f"{web_base_url}/#/watch/{video['id']}", "format": "json", "maxwidth": 480})
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["type"] == "video" and data["title"] == video["title"]
    assert data["author_name"] == "Oembed Maker" and data["width"] == 480
    assert f'src="{web_base_url}/embed/{video["id"]}"' in data["html"]
    private = requests.get(f"{web_base_url}/oembed", timeout=30, params={
        "url": f"{web_base_url}/#/watch/{embeds['private']['id']}"})
    assert private.status_code == 404
