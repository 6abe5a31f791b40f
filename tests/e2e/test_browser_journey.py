"""The web client in Chromium against the local stack: one viewer's journey, in order.

Sign up, upload a generated clip and watch it become PUBLIC, play it (HLS segments loaded,
time advancing), like it, comment and reply, find it by search, sign out. Every step saves
a screenshot under test-output/ and fails on any error in the browser console.
"""
from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.support.browser_fixtures import DESKTOP, PHONE, generated_clip

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PUBLIC_WITHIN_MS = 120_000
STATE: dict = {}
SEGMENT = re.compile(r"\.(ts|m4s)(\?|$)")


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return generated_clip(tmp_path_factory.mktemp("clip") / "browser test clip.mp4", "640x360")


def test_sign_up(browser_session):
    ui, page = browser_session, browser_session.page
    username = f"web_{uuid.uuid4().hex[:8]}"
    STATE.update(username=username, title=f"Browser clip {uuid.uuid4().hex[:6]}")

    ui.open("#/")
    expect(page.get_by_role("heading", name="Latest videos")).to_be_visible()
    page.get_by_role("link", name="Sign in").click()
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Display name (optional)").fill("Browser Tester")
    page.get_by_label("Email").fill(f"{username}@example.com")
    page.get_by_label("Password").fill("correct horse battery staple")
    ui.shot("01-sign-up")
    page.get_by_role("button", name="Create account").click()

    # bcrypt at its production cost: slow on a loaded machine.
    expect(page.get_by_role("button", name="Sign out")).to_be_visible(timeout=20_000)
    expect(page.get_by_role("link", name="Your channel (Browser Tester)")).to_be_visible()
    ui.assert_no_console_errors()


def test_upload_reaches_public(browser_session, clip):
    ui, page = browser_session, browser_session.page
    page.locator("header.topbar").get_by_role("link", name="Upload a video").click()
    expect(page.get_by_role("heading", name="Upload a video")).to_be_visible()
    page.set_input_files("#file", str(clip))
    page.get_by_label("Title").fill(STATE["title"])
    page.get_by_label("Description").fill("Made by ffmpeg for the browser tests.")
    page.get_by_label("Visibility").select_option("public")
    ui.shot("02-upload-form")
    page.get_by_role("button", name="Upload", exact=True).click()

    expect(page.locator("#upload-progress")).to_have_attribute("value", "100")
    status = page.locator(".status-line [data-status]")
    expect(status).to_have_attribute("data-status", re.compile("UPLOADING|PROCESSING|PUBLIC"))
    expect(status).to_have_attribute("data-status", "PUBLIC", timeout=PUBLIC_WITHIN_MS)
    watch = page.get_by_role("link", name="Watch it")
    expect(watch).to_be_visible()
    STATE["watch_href"] = watch.get_attribute("href")
    STATE["video_id"] = STATE["watch_href"].rsplit("/", 1)[-1]
    ui.shot("03-upload-public")
    ui.assert_no_console_errors()


def test_play(browser_session):
    ui, page = browser_session, browser_session.page
    ui.requests.clear()
    page.get_by_role("link", name="Watch it").click()
    expect(page.get_by_role("heading", level=1, name=STATE["title"])).to_be_visible()
    video = page.locator("video")
    expect(video).to_be_visible()
    # Muted: a programmatic play() needs no user gesture then.
    page.evaluate("() => { const v = document.querySelector('video'); v.muted = true; return v.play(); }")
    page.wait_for_function("() => document.querySelector('video').currentTime > 0.5", timeout=30_000)
    assert any(SEGMENT.search(url) for url in ui.requests), "no HLS segment was requested"
    expect(page.get_by_label("Quality")).to_contain_text("Auto")
    expect(page.locator(".watch-channel")).to_have_text("Browser Tester")
    expect(page.locator(".watch-views")).to_have_text(re.compile(r"^1 view$"))
    ui.shot("04-watch-playing")

    # The same page on a phone: nothing wider than the screen.
    page.set_viewport_size(PHONE)
    width = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    # What sticks out, if anything: the message names it.
    wide = page.evaluate("""() => [...document.querySelectorAll("body *")]
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .map(e => `${e.tagName}.${e.className}`).slice(0, 10)""")
    assert width[0] <= width[1], f"watch page is {width[0]}px wide on a {width[1]}px screen: {wide}"
    ui.shot("04b-watch-phone")
    page.set_viewport_size(DESKTOP)
    ui.assert_no_console_errors()


def test_like(browser_session):
    ui, page = browser_session, browser_session.page
    like = page.locator(".rating-like")
    expect(like).to_have_attribute("aria-pressed", "false")
    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like).to_have_text("1")
    expect(page.get_by_role("button", name="Like (1 like)")).to_be_visible()
    # The count shows at once (optimistic); the buttons come back when the server answered.
    expect(like).to_be_enabled()

    # The rating is the server's: it survives a reload.
    page.reload()
    expect(page.locator(".rating-like")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".rating-like")).to_have_text("1")
    ui.shot("05-liked")
    ui.assert_no_console_errors()


def test_comment_and_reply(browser_session):
    ui, page = browser_session, browser_session.page
    page.get_by_label("Add a comment").fill("First! What a lovely test pattern.")
    page.get_by_role("button", name="Comment", exact=True).click()
    comment = page.locator(".comment-list > .comment").first
    expect(comment.locator(".comment-text")).to_have_text("First! What a lovely test pattern.")
    expect(page.locator("#comments-title")).to_have_text("1 comment")

    comment.get_by_role("button", name="Reply to Browser Tester").click()
    page.get_by_role("textbox", name="Reply to Browser Tester").fill("Replying to myself.")
    page.get_by_role("button", name="Reply", exact=True).click()
    reply = comment.locator(".reply-list .comment")
    expect(reply.locator(".comment-text")).to_have_text("Replying to myself.")
    expect(comment.locator(".replies-toggle")).to_have_text("Hide 1 reply")
    expect(page.locator("#comments-title")).to_have_text("2 comments")

    # Edit the reply.
    reply.get_by_role("button", name="Edit your comment").click()
    page.get_by_role("textbox", name="Edit your comment").fill("Replying to myself, edited.")
    reply.get_by_role("button", name="Save").click()
    expect(reply.locator(".comment-text")).to_have_text("Replying to myself, edited.")
    expect(reply.locator(".comment-edited")).to_be_visible()

    # After a reload the thread comes from the API: the reply behind its toggle.
    page.reload()
    comment = page.locator(".comment-list > .comment").first
    toggle = comment.locator(".replies-toggle")
    expect(toggle).to_have_text("View 1 reply")
    toggle.click()
    expect(comment.locator(".reply-list .comment-text")).to_have_text("Replying to myself, edited.")
    ui.shot("06-comments")
    ui.assert_no_console_errors()


def test_search(browser_session):
    ui, page = browser_session, browser_session.page
    search = page.get_by_role("searchbox", name="Search videos")
    search.fill(STATE["title"].split()[-1])
    search.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Results for")
    card = page.locator(f'.card[data-video-id="{STATE["video_id"]}"]')
    expect(card).to_be_visible()
    expect(card.get_by_role("link", name=STATE["title"])).to_be_visible()
    ui.shot("07-search")

    page.get_by_role("link", name="Tuber home").click()
    expect(page.locator(f'.card[data-video-id="{STATE["video_id"]}"]')).to_be_visible()
    expect(page.locator(f'.card[data-video-id="{STATE["video_id"]}"] img')).to_be_visible()
    ui.shot("08-home")
    ui.assert_no_console_errors()


def test_my_videos_and_channel(browser_session):
    ui, page = browser_session, browser_session.page
    page.locator("header.topbar").get_by_role("link", name="My videos").click()
    row = page.locator(f'.manage-row[data-video-id="{STATE["video_id"]}"]')
    expect(row.locator("[data-status]")).to_have_attribute("data-status", "PUBLIC")
    row.get_by_role("button", name=f"Edit {STATE['title']}").click()
    dialog = page.get_by_role("dialog", name="Edit video")
    dialog.get_by_label("Description").fill("New description from the edit dialog.")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    ui.shot("09-my-videos")

    page.get_by_role("link", name="Your channel (Browser Tester)").click()
    expect(page.get_by_role("heading", level=1, name="Browser Tester")).to_be_visible()
    expect(page.locator(f'.card[data-video-id="{STATE["video_id"]}"]')).to_be_visible()
    ui.shot("10-channel")
    ui.assert_no_console_errors()


def test_sign_out(browser_session):
    ui, page = browser_session, browser_session.page
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    assert page.evaluate("() => localStorage.getItem('tuber.session')") is None
    # Signed out, the video still plays for anyone, and commenting asks to sign in.
    page.goto(f"{ui.base_url}/{STATE['watch_href']}")
    expect(page.get_by_role("link", name="Sign in").last).to_be_visible()
    expect(page.locator(".comment-signin")).to_contain_text("to comment")
    ui.shot("11-signed-out")
    ui.assert_no_console_errors()
