"""Community pages in Chromium (issue 17): `#/@username` channels with subscribe and the
subscriber count (channel and watch pages), the Subscriptions page, the notification bell,
history with resume, Watch later and playlists, reports and the moderation queue."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.browser_fixtures import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_subscribe_on_channel_and_watch_pages_and_subscriptions_feed(browser_session, community):
    ui, page = browser_session, browser_session.page
    owner, viewer, videos = community["owner"], community["viewer"], community["videos"]
    sign_in(ui, viewer.username)

    # The channel by its handle, any case.
    ui.open(f"#/@{owner.username.upper()}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Channel Person")
    expect(page.locator(".subscriber-count")).to_have_text("0 subscribers")
    expect(page.locator(".channel-header")).to_contain_text("2 videos")
    page.get_by_role("button", name="Subscribe to Channel Person").click()
    expect(page.locator(".subscriber-count")).to_have_text("1 subscriber")
    button = page.get_by_role("button", name="Unsubscribe from Channel Person")
    expect(button).to_have_text("Subscribed")
    expect(button).to_have_attribute("aria-pressed", "true")
    ui.shot("channel-subscribed")

    # The watch page says the same, and unsubscribing there counts.
    ui.open(f"#/watch/{videos[0]['id']}")
    expect(page.locator(".watch-subscribe .subscriber-count")).to_have_text("1 subscriber")
    page.get_by_role("button", name="Unsubscribe from Channel Person").click()
    expect(page.locator(".watch-subscribe .subscriber-count")).to_have_text("0 subscribers")
    page.get_by_role("button", name="Subscribe to Channel Person").click()
    expect(page.locator(".watch-subscribe .subscriber-count")).to_have_text("1 subscriber")

    # The channel link on the watch page is the @handle URL.
    page.locator(".watch-channel").click()
    expect(page).to_have_url(re.compile(rf"#/@{owner.username}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Channel Person")

    # Subscriptions: the channel and its videos, newest first.
    page.locator("header.topbar").get_by_role("link", name="Subscriptions").click()
    expect(page).to_have_url(re.compile(r"#/subscriptions$"))
    expect(page.get_by_role("list", name="Channels you follow")).to_contain_text("Channel Person")
    feed = page.get_by_role("list", name="Videos from your subscriptions")
    expect(feed.locator(".card-title")).to_have_text([videos[1]["title"], videos[0]["title"]])
    ui.shot("subscriptions-page")
    ui.assert_no_console_errors()
