"""Community pages in Chromium (issue 17): `#/@username` channels with subscribe and the
subscriber count (channel and watch pages), the Subscriptions page, the notification bell,
history with resume, Watch later and playlists, reports (a video, a channel, a comment) and
the moderation queue.

Each test has a page of its own (`fresh_page`) and its own viewer, so none depends on another
having run: the channel, its videos and the moderator are shared, read-only, and the test that
takes a video down takes down one of its own."""
from __future__ import annotations

import re
import uuid

import pytest
import requests
from playwright.sync_api import expect

from tests.support.browser_fixtures import new_member, publish, sign_in, wait_status

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def switch_to(ui, member) -> None:
    """Sign in as `member`, signing out whoever the page was signed in as first (a sign-in over
    a session navigates when it is done, racing the test's next page)."""
    ui.open("#/")
    sign_out = ui.page.get_by_role("button", name="Sign out")
    if sign_out.is_visible():
        sign_out.click()
        expect(ui.page.locator("header.topbar").get_by_role("link", name="Sign in")).to_be_visible()
    sign_in(ui, member.username)
    expect(ui.page).not_to_have_url(re.compile(r"#/signin"))


def own_member(ui, name: str):
    """A member of the test's own; the suffix keeps a rerun's name from being a look-alike."""
    return new_member(ui.base_url, f"{name} {uuid.uuid4().hex[:4]}")


def assert_no_console_errors(ui, *expected: str) -> None:
    """Chromium logs every 4xx answer: leave out the `expected` ones."""
    ui.errors[:] = [e for e in ui.errors if not any(x in e for x in expected)]
    ui.assert_no_console_errors()


def test_subscribe_on_channel_and_watch_pages_and_subscriptions_feed(fresh_page, community,
                                                                   community_long_video):
    ui, page = fresh_page, fresh_page.page
    owner, videos = community["owner"], community["videos"]
    # The channel's only subscriber: nobody else subscribes to it.
    viewer = own_member(ui, "Subscribing Person")
    switch_to(ui, viewer)

    # The channel by its handle, any case.
    ui.open(f"#/@{owner.username.upper()}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Channel Person")
    expect(page.locator(".subscriber-count")).to_have_text("0 subscribers")
    expect(page.locator(".channel-header")).to_contain_text("3 videos")
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
    expect(feed.locator(".card-title")).to_have_text(
        [community_long_video["title"], videos[1]["title"], videos[0]["title"]])
    ui.shot("subscriptions-page")
    assert_no_console_errors(ui)


def test_notification_bell_counts_lists_and_marks_read(fresh_page, community):
    """The viewer's own inbox: the channel owner replies to the viewer's comment (the owner's
    inbox also gets what other tests' comments say)."""
    ui, page = fresh_page, fresh_page.page
    owner, video = community["owner"], community["videos"][0]
    viewer = own_member(ui, "Bell Ringer")
    answer = requests.post(f"{ui.base_url}/comment/{video['id']}", json={"text": "A question for the owner"},
                           headers=viewer.auth, timeout=30)
    assert answer.status_code == 201, answer.text
    question = answer.json()["comment"]["id"]

    def reply(text: str) -> None:
        answer = requests.post(f"{ui.base_url}/comment/{video['id']}", headers=owner.auth, timeout=30,
                               json={"text": text, "parentId": question})
        assert answer.status_code == 201, answer.text

    for text in ("First reply for the viewer", "Second reply for the viewer"):
        reply(text)
    switch_to(ui, viewer)
    bell = page.locator("header.topbar").get_by_role("link", name=re.compile("^Notifications"))
    expect(bell).to_have_accessible_name("Notifications (2 unread)")
    expect(page.locator(".bell-badge")).to_have_text("2")

    bell.click()
    expect(page).to_have_url(re.compile(r"#/notifications$"))
    items = page.get_by_role("list", name="Notifications").get_by_role("listitem")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("Channel Person replied to your comment on")
    expect(items.first).to_contain_text("Second reply for the viewer")
    ui.shot("notifications-page")

    items.nth(1).get_by_role("button", name=re.compile("^Mark as read")).click()
    expect(bell).to_have_accessible_name("Notifications (1 unread)")
    page.get_by_role("button", name="Mark all as read").click()
    expect(bell).to_have_accessible_name("Notifications")
    expect(page.locator(".bell-badge")).to_be_hidden()
    expect(page.locator(".notification.unread")).to_have_count(0)

    # A new one shows on the next navigation, without a reload.
    reply("Third")
    page.locator("a.brand").click()
    expect(bell).to_have_accessible_name("Notifications (1 unread)")
    assert_no_console_errors(ui)


def test_history_resume_remove_pause_and_clear(fresh_page, community, community_long_video):
    ui, page = fresh_page, fresh_page.page
    short, long_video = community["videos"][0], community_long_video
    viewer = own_member(ui, "Rewind Fan")
    switch_to(ui, viewer)
    # Watched elsewhere (another device): the short one to the end, the long one to 0:12.
    for video_id, at in ((short["id"], 2), (long_video["id"], 12)):
        answer = requests.put(f"{ui.base_url}/history/{video_id}", json={"positionSeconds": at},
                              headers=viewer.auth, timeout=30)
        assert answer.json()["recorded"] is True, answer.text

    # The watch page starts where the viewer stopped.
    ui.open(f"#/watch/{long_video['id']}")
    seek = page.get_by_role("slider", name="Seek")
    # (the media loads first: slow on a busy machine)
    expect(seek).to_have_attribute("aria-valuetext", re.compile(r"^0:(1[2-9]|2\d) of 0:3"), timeout=30_000)
    # Leaving the page reports the position, as this player's playback.
    reports = []
    page.on("request", lambda r: reports.append(r.post_data_json)
            if r.method == "PUT" and f"/history/{long_video['id']}" in r.url else None)
    page.locator("a.brand").click()
    expect(page.get_by_role("list", name=re.compile("video", re.I)).first).to_be_visible()
    page.wait_for_function("() => true")
    assert reports, "no history report when the watch page was left"
    assert reports[-1]["positionSeconds"] >= 12 and reports[-1]["playbackId"]
    assert [r["sequence"] for r in reports] == list(range(len(reports)))

    page.locator("header.topbar").get_by_role("link", name="History").click()
    entries = page.get_by_role("list", name="Watch history").get_by_role("listitem")
    expect(entries.locator(".history-title")).to_have_text([long_video["title"], short["title"]])
    expect(entries.first.locator(".history-progress-text")).to_have_text(re.compile(r"^Resume at 0:(1[2-9]|2\d)$"))
    expect(entries.nth(1).locator(".history-progress-text")).to_have_text("Watched")
    ui.shot("history-page")

    page.get_by_role("button", name=f"Remove {short['title']} from history").click()
    expect(entries).to_have_count(1)

    page.get_by_role("button", name="Pause watch history").click()
    expect(page.get_by_role("button", name="Turn on watch history")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".history-status")).to_have_text(re.compile("Watch history is paused"))
    page.reload()
    expect(page.get_by_role("button", name="Turn on watch history")).to_be_visible()
    page.get_by_role("button", name="Turn on watch history").click()
    expect(page.get_by_role("button", name="Pause watch history")).to_have_attribute("aria-pressed", "false")

    page.get_by_role("button", name="Clear all watch history").click()
    page.get_by_role("dialog").get_by_role("button", name="Clear history").click()
    expect(page.get_by_role("heading", name="No watch history")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="No watch history")).to_be_visible()
    assert_no_console_errors(ui)


def playlist_titles(page):
    return page.locator(".playlist-item .playlist-item-title")


def test_save_to_playlists_reorder_and_play_through(fresh_page, community, community_long_video):
    ui, page = fresh_page, fresh_page.page
    viewer = own_member(ui, "Playlist Maker")
    a, b, long = community["videos"][0], community["videos"][1], community_long_video
    switch_to(ui, viewer)

    # Save: a new playlist from the first video, then the others into it; Watch later.
    ui.open(f"#/watch/{a['id']}")
    page.get_by_role("button", name="Save", exact=True).click()
    dialog = page.get_by_role("dialog", name="Save video")
    dialog.get_by_label("Playlist title").fill("Road trip")
    dialog.get_by_role("button", name="Create and save").click()
    # The first request to a function of the local stack may wait for it to start.
    expect(dialog.get_by_role("status")).to_have_text("Saved to Road trip.", timeout=30_000)
    dialog.get_by_role("button", name="Done").click()
    for video in (b, long):
        ui.open(f"#/watch/{video['id']}")
        page.get_by_role("button", name="Save", exact=True).click()
        dialog.get_by_role("button", name="Road trip").click()
        expect(dialog.get_by_role("status")).to_have_text("Saved to Road trip.")
        dialog.get_by_role("button", name="Done").click()
    page.get_by_role("button", name="Save", exact=True).click()
    dialog.get_by_role("button", name="Watch later").click()
    expect(dialog.get_by_role("status")).to_have_text("Saved to Watch later.")
    dialog.get_by_role("button", name="Done").click()

    page.locator("header.topbar").get_by_role("link", name="Watch later").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Watch later")
    expect(playlist_titles(page)).to_have_text([long["title"]])

    # The playlist from the viewer's channel page.
    page.locator("header.topbar").get_by_role("link", name=re.compile("^Your channel")).click()
    page.get_by_role("list", name="Playlists").get_by_role("link", name="Road trip (3)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Road trip")
    expect(playlist_titles(page)).to_have_text([a["title"], b["title"], long["title"]])

    # Keyboard: Alt+Up on the focused last item, announced; then a Move down button.
    item = page.locator(f'.playlist-item[data-video-id="{long["id"]}"]')
    item.focus()
    page.keyboard.press("Alt+ArrowUp")
    expect(playlist_titles(page)).to_have_text([a["title"], long["title"], b["title"]])
    expect(page.get_by_role("status").filter(has_text="Moved")).to_have_text(f"Moved {long['title']} to position 2 of 3.")
    expect(item).to_be_focused()
    page.get_by_role("button", name=f"Move {a['title']} down").click()
    expect(playlist_titles(page)).to_have_text([long["title"], a["title"], b["title"]])
    expect(page.get_by_role("status").filter(has_text="Moved")).to_have_text(f"Moved {a['title']} to position 2 of 3.")
    # Drag and drop: the last onto the first.
    page.locator(f'.playlist-item[data-video-id="{b["id"]}"]').drag_to(item)
    expect(playlist_titles(page)).to_have_text([b["title"], long["title"], a["title"]])
    expect(page.get_by_role("status").filter(has_text="Moved")).to_have_text(f"Moved {b['title']} to position 1 of 3.")
    page.reload()
    expect(playlist_titles(page)).to_have_text([b["title"], long["title"], a["title"]])
    ui.shot("playlist-page")

    # Play all: the first, and at its end the next one.
    page.get_by_role("link", name="Play all").click()
    expect(page).to_have_url(re.compile(rf"#/watch/{b['id']}\?list="))
    expect(page.get_by_role("region", name="Road trip")).to_contain_text(f"Next: {long['title']}")
    if page.evaluate("document.querySelector('video').paused"):
        page.get_by_role("button", name="Play", exact=True).click()
    expect(page).to_have_url(re.compile(rf"#/watch/{long['id']}\?list="), timeout=30_000)
    expect(page.get_by_role("heading", level=1)).to_have_text(long["title"])
    assert_no_console_errors(ui)


def test_report_and_moderation_queue(fresh_page, community, community_moderator):
    """A channel and video of the test's own (the video is taken down); the queue is shared
    with every other test of the run, so only this test's cases are counted."""
    ui, page = fresh_page, fresh_page.page
    owner = own_member(ui, "Reported Creator")
    title = f"Reported clip {uuid.uuid4().hex[:6]}"
    video = {"id": publish(owner, community["folder"] / "clip.mp4", title), "title": title}
    wait_status(owner, video["id"], "PUBLIC")
    viewer = own_member(ui, "Reporting Person")
    switch_to(ui, viewer)
    expect(page.locator("header.topbar").get_by_role("link", name="Moderation")).to_be_hidden()

    ui.open(f"#/watch/{video['id']}")
    page.get_by_role("button", name="Report", exact=True).click()
    dialog = page.get_by_role("dialog", name="Report video")
    dialog.get_by_label("Harassment or bullying").check()
    dialog.get_by_label("Details (optional)").fill("Mean words at 0:01")
    dialog.get_by_role("button", name="Send report").click()
    # The first request to a function of the local stack may wait for it to start.
    expect(dialog.get_by_role("status")).to_have_text("Thanks: your report was sent to the moderators.", timeout=30_000)
    dialog.get_by_role("button", name="Close").click()
    page.get_by_role("button", name="Report", exact=True).click()
    dialog.get_by_label("Spam or misleading").check()
    dialog.get_by_role("button", name="Send report").click()
    expect(dialog.get_by_role("status")).to_have_text("You already reported this; a moderator will look at it.")
    dialog.get_by_role("button", name="Close").click()

    ui.open(f"#/@{owner.username}")
    page.get_by_role("button", name="Report channel").click()
    dialog = page.get_by_role("dialog", name="Report channel")
    dialog.get_by_label("Spam or misleading").check()
    dialog.get_by_role("button", name="Send report").click()
    expect(dialog.get_by_role("status")).to_have_text("Thanks: your report was sent to the moderators.")
    dialog.get_by_role("button", name="Close").click()

    # The moderator's queue.
    switch_to(ui, community_moderator)
    # The first time by its URL (GET /auth/me does not say the role), then from the top bar.
    ui.open("#/moderation")
    expect(page.get_by_role("heading", level=1)).to_have_text("Moderation queue")
    page.locator("a.brand").click()
    page.locator("header.topbar").get_by_role("link", name="Moderation").click()
    expect(page).to_have_url(re.compile(r"#/moderation$"))
    queue = page.get_by_role("list", name="Open reports").get_by_role("listitem")
    cases = queue.filter(has_text=re.compile(f"{re.escape(video['title'])}|{owner.username}"))
    expect(cases).to_have_count(2)
    case = cases.filter(has_text=video["title"])
    expect(case).to_contain_text("1 report: Harassment or bullying (1)")
    expect(case).to_contain_text("“Mean words at 0:01”")
    ui.shot("moderation-queue")
    case.get_by_role("button", name=f"Take down: {video['title']}").click()
    page.get_by_role("dialog").get_by_role("button", name="Take down").click()
    expect(cases).to_have_count(1)
    channel_case = cases.filter(has_text=owner.username)
    expect(channel_case.get_by_role("button", name=re.compile("^Take down"))).to_have_count(0)
    channel_case.get_by_role("button", name=re.compile("^Dismiss")).click()
    page.get_by_role("dialog").get_by_role("button", name="Dismiss").click()
    expect(cases).to_have_count(0)
    # Chromium logs every 4xx: the expected ones are the viewer's second report (409) and the
    # moderator check (GET /report answers 403 to a non-moderator: /auth/me has no role).
    assert_no_console_errors(ui, "status of 409 (Conflict) {'url': '" + ui.base_url + "/report'")

    # Taken down: the viewer no longer finds the video.
    switch_to(ui, viewer)
    ui.open(f"#/watch/{video['id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Something went wrong")
    assert_no_console_errors(ui, "status of 404 (Not Found) {'url': '" + ui.base_url + f"/video/{video['id']}'")


def test_report_a_comment_and_take_it_down(fresh_page, community, community_moderator):
    """Another user's comment has a Report action (one's own has none); the report reaches the
    moderator's queue, and once taken down the reporter no longer sees the comment."""
    ui, page = fresh_page, fresh_page.page
    owner, video = community["owner"], community["videos"][0]
    viewer = own_member(ui, "Comment Flagger")
    reported_text = f"Cheap followers at spam.example {uuid.uuid4().hex[:6]}"
    own_text = f"The viewer's own comment {uuid.uuid4().hex[:6]}"
    for member, text in ((owner, reported_text), (viewer, own_text)):
        answer = requests.post(f"{ui.base_url}/comment/{video['id']}", json={"text": text},
                               headers=member.auth, timeout=30)
        assert answer.status_code == 201, answer.text
    switch_to(ui, viewer)

    ui.open(f"#/watch/{video['id']}")
    own = page.get_by_role("listitem").filter(has_text=own_text)
    reported = page.get_by_role("listitem").filter(has_text=reported_text)
    expect(own).to_be_visible()
    expect(own.get_by_role("button", name=re.compile("^Report"))).to_have_count(0)
    report = reported.get_by_role("button", name="Report comment by Channel Person")
    expect(report).to_have_text("Report")
    report.click()
    dialog = page.get_by_role("dialog", name="Report comment")
    dialog.get_by_label("Spam or misleading").check()
    dialog.get_by_label("Details (optional)").fill("Selling followers")
    dialog.get_by_role("button", name="Send report").click()
    # The first request to a function of the local stack may wait for it to start.
    expect(dialog.get_by_role("status")).to_have_text("Thanks: your report was sent to the moderators.", timeout=30_000)
    ui.shot("comment-report-dialog")
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_have_count(0)
    expect(report).to_be_focused()

    # The moderator's queue lists the comment's report; taking it down closes the case.
    switch_to(ui, community_moderator)
    ui.open("#/moderation")
    expect(page.get_by_role("heading", level=1)).to_have_text("Moderation queue")
    case = page.get_by_role("list", name="Open reports").get_by_role("listitem").filter(has_text=reported_text)
    expect(case).to_contain_text("comment")
    expect(case).to_contain_text("1 report: Spam or misleading (1)")
    expect(case).to_contain_text("“Selling followers”")
    expect(case).to_contain_text("Owner: Channel Person")
    case.get_by_role("button", name=f"Take down: {reported_text}").click()
    page.get_by_role("dialog").get_by_role("button", name="Take down").click()
    expect(case).to_have_count(0)
    expect(page.get_by_role("status").filter(has_text="Take down:")).to_have_text(f"Take down: {reported_text}. Done.")

    # The reporter no longer sees the comment (their own is still there).
    switch_to(ui, viewer)
    ui.open(f"#/watch/{video['id']}")
    expect(own).to_be_visible()
    expect(reported).to_have_count(0)
    assert_no_console_errors(ui)
