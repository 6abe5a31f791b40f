"""The watch page's player by keyboard and screen reader (issue 18), in Chromium on the
session's stack: the CC control (captions uploaded through the caption routes, a menu for two
languages, a toggle for one, the choice remembered, `c`), chapters (from the description:
gaps in the seek bar, the name next to the time, the list, timestamps in the description
that seek, `?t=`), and the keyboard shortcuts (announced in a polite live region; not while
typing; the help dialog)."""
from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from local.seed import upload_to_presigned
from tests.support.axe import assert_accessible
from tests.support.browser_fixtures import new_member, wait_status
from tests.support.media import make_clip

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DESCRIPTION = """A tour of the test pattern.
0:00 Intro
0:10 Middle part
0:20 Finale
The best bit is at 0:15, and 9:59 is past the end."""

CAPTIONS = {
    "en": ("English", "WEBVTT\n\n00:00.000 --> 00:10.000\nEnglish one\n\n00:10.000 --> 00:30.000\nEnglish two\n"),
    "fr": ("Français", "WEBVTT\n\n00:00.000 --> 00:10.000\nFrançais un\n\n00:10.000 --> 00:30.000\nFrançais deux\n"),
}


def add_caption(owner, video_id: str, language: str, text: str | None = None) -> dict:
    """Upload and confirm a WebVTT file (CAPTIONS' unless `text`) through the caption routes."""
    label, text = CAPTIONS[language][0], text or CAPTIONS[language][1]
    data = text.encode()
    asked = requests.post(f"{owner.base_url}/video/{video_id}/captions", headers=owner.auth, timeout=30,
                          json={"language": language, "label": label, "sizeBytes": len(data)})
    assert asked.status_code == 201, asked.text
    sent = upload_to_presigned(asked.json()["upload"], data, "text/vtt")
    assert sent.status_code < 300, sent.text
    confirmed = requests.put(f"{owner.base_url}/video/{video_id}/captions/{language}",
                             headers=owner.auth, timeout=30)
    assert confirmed.status_code == 200, confirmed.text
    return confirmed.json()


@pytest.fixture(scope="module")
def player_video(web_base_url, tmp_path_factory):
    """A 30 s PUBLIC video with three chapters in its description."""
    folder = tmp_path_factory.mktemp("player")
    owner = new_member(web_base_url, "Player Keyboard Owner")
    data = Path(make_clip(str(folder / "clip.mp4"), 320, 180, seconds=30)).read_bytes()
    title = f"Keyboard tour {uuid.uuid4().hex[:6]}"
    created = requests.post(f"{web_base_url}/video", headers=owner.auth, timeout=30, json={
        "title": title, "description": DESCRIPTION, "visibility": "public",
        "contentType": "video/mp4", "sizeBytes": len(data)})
    assert created.status_code == 201, created.text
    assert upload_to_presigned(created.json()["upload"], data, "video/mp4").status_code < 300
    video_id = created.json()["video"]["id"]
    wait_status(owner, video_id, "PUBLIC")
    video = requests.get(f"{web_base_url}/video/{video_id}", timeout=30).json()["video"]
    assert [c["startSeconds"] for c in video["chapters"]] == [0, 10, 20], video
    return {"id": video_id, "title": title, "owner": owner}


@pytest.fixture(scope="module")
def captioned_video(player_video, web_base_url):
    """The same video with English and French captions."""
    for language in ("en", "fr"):
        add_caption(player_video["owner"], player_video["id"], language)
    video = requests.get(f"{web_base_url}/video/{player_video['id']}", timeout=30).json()["video"]
    assert sorted(c["language"] for c in video["captions"]) == ["en", "fr"], video
    return player_video


def open_watch(ui, video_id: str, query: str = "") -> None:
    ui.open(f"#/watch/{video_id}{query}")
    # The media is there (slow on a busy machine): its duration is on the seek bar.
    expect(ui.page.get_by_role("slider", name="Seek")).to_have_attribute(
        "aria-valuetext", re.compile(r" of 0:30"), timeout=30_000)


def pause(page) -> None:
    """Stop the watch page's autoplay: once the media has metadata, the page has asked to
    play (it does so as it attaches the source), so a pause now is the last word."""
    video = "document.querySelector('video.player-video')"
    page.wait_for_function(f"() => {video} && {video}.readyState >= 1")
    page.evaluate(f"{video}.pause()")
    page.wait_for_function(f"() => {video}.paused")


def announcer(page):
    return page.locator(".player-announcer")


def test_captions_menu_by_keyboard_remembered_and_toggled(fresh_page, captioned_video):
    ui, page = fresh_page, fresh_page.page
    open_watch(ui, captioned_video["id"])
    pause(page)
    captions = page.locator(".player-captions")
    cc = page.get_by_role("button", name="Captions: Off")
    expect(cc).to_have_attribute("aria-haspopup", "menu")
    expect(cc).to_have_attribute("aria-expanded", "false")
    expect(captions).to_be_hidden()

    # The menu by keyboard: Off is checked and focused; Down, Enter picks English.
    cc.focus()
    page.keyboard.press("Enter")
    menu = page.get_by_role("menu", name="Captions")
    expect(menu).to_be_visible()
    expect(cc).to_have_attribute("aria-expanded", "true")
    expect(menu.get_by_role("menuitemradio")).to_have_text(["Off", "English", "Français"])
    expect(menu.get_by_role("menuitemradio", name="Off")).to_be_focused()
    expect(menu.get_by_role("menuitemradio", name="Off")).to_have_attribute("aria-checked", "true")
    assert_accessible(page, "watch page, captions menu open")
    page.keyboard.press("ArrowDown")
    expect(menu.get_by_role("menuitemradio", name="English")).to_be_focused()
    page.keyboard.press("Enter")
    expect(menu).to_be_hidden()
    cc = page.get_by_role("button", name="Captions: English")
    expect(cc).to_be_focused()
    expect(announcer(page)).to_have_text("Captions on: English")
    page.evaluate("document.querySelector('video.player-video').currentTime = 1")
    expect(captions).to_have_text("English one", timeout=20_000)
    # The master playlist's SUBTITLES group: hls.js plays the captions from it.
    # (cues parsed by hls.js: no <track> of the file was needed)
    assert page.evaluate("document.querySelector('video.player-video').hls.subtitleTracks.length") == 2
    assert page.evaluate("document.querySelectorAll('video.player-video track').length") == 0
    ui.shot("player-captions-english")

    # Escape closes the menu without a change; focus back on the button.
    page.keyboard.press("ArrowDown")
    expect(menu).to_be_visible()
    page.keyboard.press("End")
    expect(menu.get_by_role("menuitemradio", name="Français")).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(cc).to_be_focused()

    # Remembered for the next page load.
    page.reload()
    expect(page.get_by_role("button", name="Captions: English")).to_be_visible(timeout=30_000)
    pause(page)
    page.evaluate("document.querySelector('video.player-video').currentTime = 12")
    expect(captions).to_have_text("English two", timeout=20_000)

    # `c` toggles, from anywhere on the page but a text field.
    page.get_by_role("heading", level=1).focus()
    page.keyboard.press("c")
    expect(page.get_by_role("button", name="Captions: Off")).to_be_visible()
    expect(captions).to_be_hidden()
    expect(announcer(page)).to_have_text("Captions off")
    page.keyboard.press("c")
    expect(page.get_by_role("button", name="Captions: English")).to_be_visible()
    expect(captions).to_have_text("English two")

    # The other language by mouse.
    page.get_by_role("button", name="Captions: English").click()
    page.get_by_role("menuitemradio", name="Français").click()
    expect(page.get_by_role("button", name="Captions: Français")).to_be_visible()
    expect(captions).to_have_text("Français deux", timeout=20_000)
    ui.assert_no_console_errors()


def test_one_caption_language_is_a_toggle(fresh_page, web_base_url, tmp_path_factory):
    ui, page = fresh_page, fresh_page.page
    owner = new_member(web_base_url, "Player Toggle Owner")
    folder = tmp_path_factory.mktemp("toggle")
    data = Path(make_clip(str(folder / "clip.mp4"), 320, 180, seconds=4)).read_bytes()
    created = requests.post(f"{web_base_url}/video", headers=owner.auth, timeout=30, json={
        "title": f"One language {uuid.uuid4().hex[:6]}", "visibility": "public",
        "contentType": "video/mp4", "sizeBytes": len(data)})
    assert created.status_code == 201, created.text
    assert upload_to_presigned(created.json()["upload"], data, "video/mp4").status_code < 300
    video_id = created.json()["video"]["id"]
    wait_status(owner, video_id, "PUBLIC")
    add_caption(owner, video_id, "en", "WEBVTT\n\n00:00.000 --> 00:03.500\nEnglish one\n")

    # A master playlist without the SUBTITLES group (Safari's native HLS reads the file as a
    # track; so does a copy of the manifest from before the caption): the WebVTT file itself.
    def without_subtitles(route):
        answer = route.fetch()
        text = answer.text()
        if "#EXT-X-STREAM-INF" in text:
            text = "\n".join(line for line in text.splitlines() if "TYPE=SUBTITLES" not in line)
            text = re.sub(r',SUBTITLES="[^"]*"', "", text)
        route.fulfill(response=answer, body=text)
    page.route(re.compile(r"/hls/.*\.m3u8"), without_subtitles)

    ui.open(f"#/watch/{video_id}")
    cc = page.get_by_role("button", name="Captions", exact=True)
    expect(cc).to_have_attribute("aria-pressed", "false", timeout=30_000)
    expect(cc).not_to_have_attribute("aria-haspopup", "menu")
    pause(page)
    page.evaluate("document.querySelector('video.player-video').currentTime = 1")  # 4 s: it may have played through
    cc.click()
    expect(cc).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".player-captions")).to_have_text("English one", timeout=20_000)
    assert page.evaluate("document.querySelector('video.player-video').hls.subtitleTracks.length") == 0
    expect(page.locator("video.player-video track[kind=captions][srclang=en]")).to_have_count(1)
    cc.press("Space")  # a focused button: Space presses it (not play / pause)
    expect(cc).to_have_attribute("aria-pressed", "false")
    expect(page.locator(".player-captions")).to_be_hidden()
    ui.assert_no_console_errors()


def test_chapters_seek_bar_list_description_timestamps_and_start_time(fresh_page, player_video):
    ui, page = fresh_page, fresh_page.page
    open_watch(ui, player_video["id"])
    pause(page)
    seek = page.get_by_role("slider", name="Seek")

    # Gaps in the seek bar between the three chapters; the one playing next to the time.
    expect(page.locator(".seek-gap")).to_have_count(2)
    chapters = page.get_by_role("region", name="Chapters")
    buttons = chapters.get_by_role("button")
    expect(buttons).to_have_count(3)
    expect(buttons.nth(0)).to_have_accessible_name("Intro, 0:00")

    chapters.get_by_role("button", name="Finale, 0:20").click()
    expect(seek).to_have_attribute("aria-valuetext", re.compile(r"^0:2\d of 0:30, Finale$"))
    expect(page.get_by_role("button", name="Chapter: Finale")).to_be_visible()
    expect(chapters.get_by_role("button", name="Finale, 0:20")).to_have_attribute("aria-current", "true")
    ui.shot("player-chapters")
    assert_accessible(page, "watch page with chapters")

    # A timestamp in the description seeks in place (its link says the time for a new tab);
    # one past the end is plain text.
    link = page.locator(".description").get_by_role("link", name="Jump to 0:15")
    expect(link).to_have_attribute("href", re.compile(rf"#/watch/{player_video['id']}\?t=15$"))
    link.focus()
    page.keyboard.press("Enter")
    expect(seek).to_have_attribute("aria-valuetext", re.compile(r"^0:1[5-9] of 0:30, Middle part$"))
    expect(chapters.get_by_role("button", name="Middle part, 0:10")).to_have_attribute("aria-current", "true")
    expect(page).to_have_url(re.compile(rf"#/watch/{player_video['id']}$"))
    expect(page.locator(".description").get_by_role("link", name="Jump to 9:59")).to_have_count(0)
    expect(page.locator(".description")).to_contain_text("9:59 is past the end")

    # The chapter name in the controls takes focus to the list, on the chapter playing.
    page.get_by_role("button", name="Chapter: Middle part").click()
    expect(chapters.get_by_role("button", name="Middle part, 0:10")).to_be_focused()

    # A link at a time (?t=): playback starts there.
    open_watch(ui, player_video["id"], "?t=22")
    expect(seek).to_have_attribute("aria-valuetext", re.compile(r"^0:2[2-9] of 0:30, Finale$"), timeout=30_000)
    ui.assert_no_console_errors()


def test_keyboard_shortcuts_announced_not_while_typing_and_help(fresh_page, player_video):
    ui, page = fresh_page, fresh_page.page
    open_watch(ui, player_video["id"])
    pause(page)
    video = "document.querySelector('video.player-video')"
    seek = page.get_by_role("slider", name="Seek")
    page.get_by_role("heading", level=1).focus()  # where the page put it (app.js)

    page.keyboard.press("5")
    expect(seek).to_have_attribute("aria-valuetext", re.compile(r"^0:15 of 0:30"))
    expect(announcer(page)).to_have_text(re.compile(r"^0:15 of 0:30"))
    page.keyboard.press("l")
    expect(seek).to_have_attribute("aria-valuetext", re.compile(r"^0:25 of 0:30"))
    expect(announcer(page)).to_have_text(re.compile(r"^Forward 10 seconds, 0:25 of 0:30"))
    page.keyboard.press("j")
    page.keyboard.press("ArrowLeft")
    expect(seek).to_have_attribute("aria-valuetext", re.compile(r"^0:10 of 0:30"))
    expect(announcer(page)).to_have_text(re.compile(r"^Back 5 seconds, 0:10 of 0:30"))
    page.keyboard.press("ArrowRight")
    expect(seek).to_have_attribute("aria-valuetext", re.compile(r"^0:15 of 0:30"))

    page.keyboard.press("m")
    expect(announcer(page)).to_have_text("Muted")
    assert page.evaluate(f"{video}.muted") is True
    page.keyboard.press("m")
    assert page.evaluate(f"{video}.muted") is False

    page.keyboard.press("k")
    expect(announcer(page)).to_have_text("Play")
    page.wait_for_function(f"() => !{video}.paused")
    page.keyboard.press("k")
    expect(announcer(page)).to_have_text("Pause")
    page.wait_for_function(f"() => {video}.paused")

    # Up / Down / Home / End while focus is in the player (they scroll the page elsewhere).
    page.locator(".player-frame.player-custom").focus()
    page.evaluate(f"{video}.volume = 0.5")
    page.keyboard.press("ArrowDown")
    expect(announcer(page)).to_have_text("Volume 45%")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(announcer(page)).to_have_text("Volume 55%")
    page.keyboard.press("Home")
    expect(seek).to_have_attribute("aria-valuetext", re.compile(r"^0:00 of 0:30"))

    # Not while typing, nor with a modifier held.
    search = page.get_by_role("searchbox", name="Search videos")
    search.click()
    page.keyboard.type("kjl5")
    expect(search).to_have_value("kjl5")
    assert page.evaluate(f"{video}.paused") is True
    expect(seek).to_have_attribute("aria-valuetext", re.compile(r"^0:00 of 0:30"))
    seek.focus()
    page.keyboard.press("Shift+L")
    page.keyboard.press("Alt+l")
    expect(seek).to_have_attribute("aria-valuetext", re.compile(r"^0:00 of 0:30"))

    # The help: `?` or the button; Escape closes it, focus goes back.
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Close")).to_be_focused()
    expect(dialog.get_by_role("row")).to_have_count(15)
    expect(dialog).to_contain_text("Captions on or off")
    assert_accessible(page, "keyboard shortcuts dialog")
    page.keyboard.press("k")  # inside the dialog: nothing
    assert page.evaluate(f"{video}.paused") is True
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(seek).to_be_focused()
    button = page.get_by_role("button", name="Keyboard shortcuts")
    button.click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(button).to_be_focused()

    # f: the player full screen (the help then opens inside it, where it can be seen), f again leaves.
    page.keyboard.press("f")
    expect(announcer(page)).to_have_text("Full screen")
    page.wait_for_function("() => document.fullscreenElement?.classList.contains('player-frame')")
    page.keyboard.press("?")
    expect(page.locator(".player-frame dialog.shortcuts-dialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.keyboard.press("f")
    page.wait_for_function("() => !document.fullscreenElement")
    ui.assert_no_console_errors()


def test_timestamps_read_from_text(fresh_page):
    """What counts as a time: `?t=` forms, and the timestamps of a description that become
    links (standing alone, minutes and seconds under 60, not past the video's end)."""
    ui, page = fresh_page, fresh_page.page
    ui.open("#/")
    parsed = page.evaluate("""() => import('./js/chapters.js').then(({ parseTime }) =>
        ['90', '90s', '1m30s', '1h2m3s', '1:30', '1:02:03', '0:05', '', 'abc', '1:75', '-5', '1:2:3']
          .map(parseTime))""")
    assert parsed == [90, 90, 90, 3723, 90, 3723, 5, None, None, None, None, None]
    linked = page.evaluate("""() => import('./js/chapters.js').then(({ descriptionNodes }) =>
        descriptionNodes('0:00 Intro\\nAt 1:02:03, at 12:34; not 10:30am, 1:2:3, v1:20 or 3:99. Past: 2:00:00',
                         { length: 7000 })
          .filter((node) => node.nodeName === 'A').map((a) => [a.textContent, a.dataset.seconds]))""")
    assert linked == [["0:00", "0"], ["1:02:03", "3723"], ["12:34", "754"]]
    ui.assert_no_console_errors()


def test_controls_fit_a_phone(phone_page, captioned_video):
    """On a 390 px screen the controls (CC, the chapter's name) stay inside the player."""
    ui, page = phone_page, phone_page.page
    open_watch(ui, captioned_video["id"])
    pause(page)
    expect(page.get_by_role("button", name=re.compile("^Captions"))).to_be_visible()
    expect(page.get_by_role("button", name="Chapter: Intro")).to_be_visible()
    overflow = page.evaluate("""() => [...document.querySelectorAll('.control-row, .player-bar')]
        .filter((el) => el.scrollWidth > el.clientWidth + 1).map((el) => el.className)""")
    assert overflow == [], overflow
    ui.shot("player-phone")
    ui.assert_no_console_errors()
