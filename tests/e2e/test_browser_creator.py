"""Creator controls in Chromium, as the video's owner: pin and unpin a comment, turn comments
and ratings off and on (My videos' edit dialog; the watch page says so), and a custom
thumbnail (My videos: change it, the cards show the new image; back to the generated one).
"""
from __future__ import annotations

import re
import subprocess
import uuid

import pytest
import requests
from playwright.sync_api import expect

from tests.support.browser_fixtures import new_member, publish, sign_in, wait_status
from tests.support.media import make_clip

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

STATE: dict = {}


@pytest.fixture(scope="module")
def creator(web_base_url, tmp_path_factory):
    """A member with one PUBLIC video and two comments on it (the older by a viewer)."""
    folder = tmp_path_factory.mktemp("creator")
    owner = new_member(web_base_url, "Creator Person")
    viewer = new_member(web_base_url, "Creator Viewer")
    title = f"Creator clip {uuid.uuid4().hex[:6]}"
    video_id = publish(owner, make_clip(str(folder / "clip.mp4"), 640, 360, seconds=2), title)
    wait_status(owner, video_id, "PUBLIC")
    for member, text in ((viewer, "Older comment by the viewer"), (owner, "Newer comment by the owner")):
        answer = requests.post(f"{web_base_url}/comment/{video_id}", json={"text": text},
                               headers=member.auth, timeout=30)
        assert answer.status_code == 201, answer.text
    return {"owner": owner, "video_id": video_id, "title": title, "folder": folder}


def top_comment(page):
    return page.locator(".comments > .comment-list > .comment").first


def test_owner_pins_and_unpins_a_comment(browser_session, creator):
    ui, page = browser_session, browser_session.page
    sign_in(ui, creator["owner"].username)
    ui.open(f"#/watch/{creator['video_id']}")
    expect(top_comment(page).locator(".comment-text")).to_have_text("Newer comment by the owner")

    with page.expect_response(lambda r: r.request.method == "PUT" and r.url.endswith("/pin")) as pinned:
        page.get_by_role("button", name="Pin comment by Creator Viewer").click()
    assert pinned.value.status == 200
    expect(top_comment(page).locator(".comment-text")).to_have_text("Older comment by the viewer")
    expect(top_comment(page).locator(".comment-pinned")).to_have_text("Pinned")
    expect(page.locator(".comment-pinned")).to_have_count(1)
    expect(page.locator(".comments > .comment-list > .comment")).to_have_count(2)
    ui.shot("watch-pinned-comment")

    # The pin is the server's: still first after a reload, then unpinned.
    page.reload()
    expect(top_comment(page).locator(".comment-pinned")).to_have_text("Pinned")
    expect(top_comment(page).locator(".comment-text")).to_have_text("Older comment by the viewer")
    page.get_by_role("button", name="Unpin comment").click()
    expect(page.locator(".comment-pinned")).to_have_count(0)
    expect(top_comment(page).locator(".comment-text")).to_have_text("Newer comment by the owner")
    ui.assert_no_console_errors()


def set_controls(page, title: str, *, comments: bool, ratings: bool) -> None:
    page.locator("header.topbar").get_by_role("link", name="My videos").click()
    page.get_by_role("button", name=f"Edit {title}").click()
    dialog = page.get_by_role("dialog", name="Edit video")
    dialog.get_by_label("Allow comments").set_checked(comments)
    dialog.get_by_label("Allow likes and dislikes").set_checked(ratings)
    with page.expect_response(lambda r: r.request.method == "PATCH") as patched:
        dialog.get_by_role("button", name="Save").click()
    assert patched.value.status == 200, patched.value.text()
    sent = patched.value.request.post_data_json
    assert sent["commentsEnabled"] is comments and sent["ratingsEnabled"] is ratings
    expect(dialog).to_be_hidden()


def test_comments_and_ratings_turned_off_and_on(browser_session, creator):
    ui, page = browser_session, browser_session.page
    title = creator["title"]
    set_controls(page, title, comments=False, ratings=False)
    row = page.locator(f'.manage-row[data-video-id="{creator["video_id"]}"]')
    expect(row.locator(".controls-off")).to_have_text("comments off, ratings off")
    ui.shot("my-videos-controls-off")

    ui.open(f"#/watch/{creator['video_id']}")
    expect(page.locator(".comments")).to_contain_text("Comments are turned off for this video.")
    expect(page.get_by_label("Add a comment")).to_have_count(0)
    expect(page.get_by_role("button", name="Reply to Creator Viewer")).to_have_count(0)
    expect(page.locator(".comment-text").first).to_be_visible()  # existing comments stay
    expect(page.locator(".ratings-off")).to_have_text("Ratings are turned off")
    expect(page.locator(".rating-like")).to_be_disabled()
    ui.shot("watch-controls-off")

    set_controls(page, title, comments=True, ratings=True)
    ui.open(f"#/watch/{creator['video_id']}")
    expect(page.get_by_label("Add a comment")).to_be_visible()
    expect(page.locator(".ratings-off")).to_have_count(0)
    expect(page.locator(".rating-like")).to_be_enabled()
    ui.assert_no_console_errors()


def test_custom_thumbnail_and_back(browser_session, creator):
    ui, page = browser_session, browser_session.page
    title, video_id = creator["title"], creator["video_id"]
    image = creator["folder"] / "thumb.png"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "color=c=orange:size=320x180",
                    "-frames:v", "1", str(image)], check=True)
    page.locator("header.topbar").get_by_role("link", name="My videos").click()
    row = page.locator(f'.manage-row[data-video-id="{video_id}"]')
    generated = row.locator("img").get_attribute("src")
    assert generated and "/custom-" not in generated

    with page.expect_response(lambda r: r.request.method == "PUT" and r.url.endswith("/thumbnail")) as confirmed:
        row.get_by_label(f"Thumbnail image for {title}").set_input_files(str(image))
    assert confirmed.value.status == 200
    # Thumbnails are signed URLs (docs/API.md, "Media"): the key, then the signature.
    custom = re.compile(rf"/thumbs/{video_id}/custom-[0-9a-f]{{16}}\.png\?Expires=\d+&Signature=")
    expect(row.locator("img")).to_have_attribute("src", custom)
    expect(row.get_by_role("button", name=f"Use generated thumbnail for {title}")).to_be_visible()
    ui.shot("my-videos-custom-thumbnail")

    # Everyone's cards show it: the home grid.
    ui.open("#/")
    card_img = page.locator(f'.card[data-video-id="{video_id}"] img')
    expect(card_img).to_have_attribute("src", custom)
    page.wait_for_function("(img) => img.complete && img.naturalWidth === 320", arg=card_img.element_handle())
    ui.shot("home-custom-thumbnail")

    page.locator("header.topbar").get_by_role("link", name="My videos").click()
    row.get_by_role("button", name=f"Use generated thumbnail for {title}").click()
    # The same image; its signature may be from a newer window.
    expect(row.locator("img")).to_have_attribute(
        "src", re.compile("^" + re.escape(generated.split("?")[0]) + r"\?Expires="))
    expect(row.get_by_role("button", name=f"Use generated thumbnail for {title}")).to_have_count(0)
    ui.assert_no_console_errors()
