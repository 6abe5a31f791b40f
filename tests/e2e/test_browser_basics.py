"""The web client in Chromium: layout on a phone, API errors shown in an alert, tokens
refreshed silently (before expiry, and once on a 401 token_expired)."""
from __future__ import annotations

import json
import re
import uuid

import pytest
import requests
from playwright.sync_api import expect

from local.seed import generate_clip
from tests.support.browser_fixtures import PHONE, new_member, publish, wait_status

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "correct horse battery staple"


def register(base_url: str) -> str:
    username = f"web_{uuid.uuid4().hex[:8]}"
    answer = requests.post(f"{base_url}/auth/register", timeout=10,
                           json={"username": username, "email": f"{username}@example.com", "password": PASSWORD})
    assert answer.status_code == 201, answer.text
    return username


def sign_in(ui, username: str) -> None:
    ui.open("#/signin")
    ui.page.get_by_label("Username or email").fill(username)
    ui.page.get_by_label("Password").fill(PASSWORD)
    ui.page.get_by_role("button", name="Sign in").click()
    expect(ui.page.get_by_role("button", name="Sign out")).to_be_visible()


def test_phone_home_has_no_horizontal_overflow(phone_page):
    ui, page = phone_page, phone_page.page
    ui.open("#/")
    expect(page.get_by_role("heading", name="Latest videos")).to_be_visible()
    page.wait_for_load_state("networkidle")
    width = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1], f"page is {width[0]}px wide in a {width[1]}px viewport"
    header = page.locator("header.topbar")
    for control in (header.get_by_role("searchbox", name="Search videos"),
                    header.get_by_role("button", name="Search", exact=True),
                    header.get_by_role("link", name="Upload a video"),
                    header.get_by_role("link", name="Sign in")):
        name = control.get_attribute("aria-label") or control.get_attribute("placeholder")
        box = control.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width[1], f"{name} is off screen"
    ui.shot("phone-home")
    ui.assert_no_console_errors()


def test_phone_sign_in_page_fits(phone_page):
    ui, page = phone_page, phone_page.page
    ui.open("#/signin")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    width = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1]
    ui.shot("phone-sign-in")
    ui.assert_no_console_errors()


def test_api_error_is_shown_in_an_alert(fresh_page, web_base_url):
    ui, page = fresh_page, fresh_page.page
    username = register(web_base_url)
    ui.open("#/signin")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    expect(alert).not_to_be_empty()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    ui.shot("sign-in-error")
    # The browser logs the 401 response itself; nothing else may be in the console.
    assert all("401" in e for e in ui.errors), ui.errors


def test_unknown_video_shows_an_alert(fresh_page):
    ui, page = fresh_page, fresh_page.page
    ui.open("#/watch/0123456789abcdef01234567")
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Something went wrong")
    assert all("404" in e for e in ui.errors), ui.errors


def test_access_token_refreshed_before_expiry(fresh_page, web_base_url):
    ui, page = fresh_page, fresh_page.page
    sign_in(ui, register(web_base_url))
    before = json.loads(page.evaluate("() => localStorage.getItem('tuber.session')"))
    # Pretend the access token is about to expire: the next API call refreshes it first.
    page.evaluate("() => { const s = JSON.parse(localStorage.getItem('tuber.session'));"
                  " s.expiresAt = Date.now() + 1000; localStorage.setItem('tuber.session', JSON.stringify(s)); }")
    ui.requests.clear()
    page.reload()
    page.get_by_role("link", name="My videos").click()
    expect(page.get_by_role("heading", name="My videos")).to_be_visible()
    expect(page.get_by_role("heading", name="No videos yet")).to_be_visible()
    after = json.loads(page.evaluate("() => localStorage.getItem('tuber.session')"))
    assert after["accessToken"] != before["accessToken"]
    assert after["expiresAt"] > before["expiresAt"] - 60_000
    assert sum(url.endswith("/auth/refresh") for url in ui.requests) == 1
    # The refresh token is in an HttpOnly cookie, out of script's reach, never in storage.
    assert "refreshToken" not in before and "refreshToken" not in after
    assert before["refreshIn"] == after["refreshIn"] == "cookie"
    cookie = next(c for c in page.context.cookies() if c["name"] == "tuber_refresh")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/auth/refresh"
    assert "tuber_refresh" not in page.evaluate("() => document.cookie")
    ui.assert_no_console_errors()


def test_request_retried_once_after_token_expired(fresh_page, web_base_url):
    ui, page = fresh_page, fresh_page.page
    sign_in(ui, register(web_base_url))
    before = json.loads(page.evaluate("() => localStorage.getItem('tuber.session')"))
    refused = []

    def expire_once(route):
        # The first call to the user's channel answers as an expired token would.
        if not refused:
            refused.append(route.request.url)
            route.fulfill(status=401, content_type="application/json",
                          body=json.dumps({"error": {"code": "token_expired", "message": "token expired"}}))
        else:
            route.continue_()

    page.route(re.compile(r".*/video/user/[^/?]+(\?.*)?$"), expire_once)
    page.get_by_role("link", name="My videos").click()
    expect(page.get_by_role("heading", name="No videos yet")).to_be_visible()
    assert refused, "the test route was not hit"
    after = json.loads(page.evaluate("() => localStorage.getItem('tuber.session')"))
    assert after["accessToken"] != before["accessToken"]
    expect(page.get_by_role("alert")).to_have_count(0)
    assert all("401" in e for e in ui.errors), ui.errors


def test_home_grid_and_up_next(fresh_page, web_base_url, tmp_path):
    ui, page = fresh_page, fresh_page.page
    owner = new_member(web_base_url)
    clip = generate_clip(tmp_path / "clip.mp4", seconds=2)
    ids = [publish(owner, clip, title)
           for title in ("Sunset over the test pattern", "A second colourful clip")]
    for video_id in ids:
        wait_status(owner, video_id, "PUBLIC")

    ui.open("#/")
    for video_id in ids:
        expect(page.locator(f'.card[data-video-id="{video_id}"] img')).to_be_visible()
    ui.shot("home-grid")

    page.locator(f'.card[data-video-id="{ids[0]}"]').get_by_role("link", name="Sunset over the test pattern").click()
    sidebar = page.get_by_role("complementary", name="Up next")
    expect(sidebar.locator(f'[data-video-id="{ids[1]}"]')).to_be_visible()
    expect(sidebar.locator(f'[data-video-id="{ids[0]}"]')).to_have_count(0)
    ui.shot("watch-up-next")
    page.emulate_media(color_scheme="dark")
    ui.shot("watch-up-next-dark")
    page.emulate_media(color_scheme="light")

    page.set_viewport_size(PHONE)
    ui.open("#/")
    expect(page.locator(f'.card[data-video-id="{ids[0]}"]')).to_be_visible()
    width = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1]
    ui.shot("phone-home-grid")
    ui.assert_no_console_errors()
