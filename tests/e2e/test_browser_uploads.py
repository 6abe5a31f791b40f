"""The web client's uploads in Chromium: a resumable upload in parts that survives a reload
(the user picks the same file again, only the missing parts are sent, the video then plays),
the remaining quota on the upload page, and Retry on a video whose processing FAILED
(upload page, My videos and the watch page).

The resumable test runs a local stack of its own with MULTIPART_PART_BYTES = 5 MiB (S3's
minimum part size), so a 12 MiB clip is three parts: 5 + 5 + 2 MiB.
"""
from __future__ import annotations

import re
import shutil
import struct
import uuid

import pytest
from playwright.sync_api import expect

from tests.support.browser_fixtures import (DESKTOP, ensure_web_built, new_member, new_session,
                                            publish, sign_in, wait_status)
from tests.support.media import make_clip, make_corrupt
from tests.support.stack_fixtures import StackProcess

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

MIB = 1024 * 1024
PART_BYTES = 5 * MIB
PUBLIC_WITHIN_MS = 180_000
PART = re.compile(r"[?&]partNumber=(\d+)")


def padded_clip(path, size: int):
    """A real 4 s H.264 clip followed by a top-level MP4 `free` box up to `size` bytes: every
    player and ffmpeg skip it, so the file is a valid video of exactly that size."""
    make_clip(str(path), 640, 360, seconds=4)
    data = path.read_bytes()
    pad = size - len(data)
    assert pad > 8
    path.write_bytes(data + struct.pack(">I", pad) + b"free" + bytes(pad - 8))
    return path


@pytest.fixture(scope="module")
def small_parts_stack(tmp_path_factory):
    if not shutil.which("ffmpeg"):
        pytest.fail("ffmpeg is needed: run scripts/install-system-deps.sh")
    ensure_web_built()
    stack = StackProcess(tmp_path_factory.mktemp("stack-5mib-parts"),
                         extra_env={"MULTIPART_PART_BYTES": str(PART_BYTES)})
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


def test_resumable_upload_survives_a_reload(chromium, small_parts_stack, tmp_path):
    ui = new_session(chromium, small_parts_stack.url, DESKTOP)
    page = ui.page
    try:
        clip = padded_clip(tmp_path / "big clip.mp4", 12 * MIB)
        member = new_member(small_parts_stack.url, "Resumer")
        sign_in(ui, member.username)

        # Given part 1 goes through and parts 2 and 3 hang (a connection that stalls)...
        held = []

        def hold_later_parts(route):
            match = PART.search(route.request.url)
            if route.request.method == "PUT" and match and match.group(1) != "1":
                held.append(route)  # never answered: the reload cancels it
            else:
                route.continue_()

        page.route(lambda url: "partNumber=" in url, hold_later_parts)
        ui.open("#/upload")
        expect(page.locator("#upload-quota")).to_contain_text("storage left")
        expect(page.locator("#upload-quota")).to_contain_text("uploads left today")
        page.set_input_files("#file", str(clip))
        page.get_by_label("Title").fill("Resumed upload")
        with page.expect_response(lambda r: r.request.method == "PUT" and PART.search(r.url)
                                  and PART.search(r.url).group(1) == "1", timeout=60_000) as first:
            page.get_by_role("button", name="Upload", exact=True).click()
        assert first.value.ok
        expect(page.locator("#upload-parts")).to_contain_text("1 of 3 parts sent")
        expect(page.locator("#upload-progress")).to_have_attribute("value", re.compile(r"^[1-9]\d?$"))
        expect(page.get_by_role("button", name="Cancel upload")).to_be_visible()
        ui.shot("upload-resumable-in-progress")
        # Route callbacks run while Playwright waits: give the held requests a moment to land.
        for _ in range(150):
            if held:
                break
            page.wait_for_timeout(100)
        assert held, "parts 2 and 3 were not started in parallel"
        pending = page.evaluate("() => JSON.parse(localStorage.getItem('tuber.pendingUpload'))")
        assert pending["name"] == "big clip.mp4" and pending["size"] == clip.stat().st_size

        # When the page is reloaded mid-upload...
        page.reload()
        page.unroute_all(behavior="ignoreErrors")
        sent = []
        page.on("request", lambda r: sent.append(int(PART.search(r.url).group(1)))
                if r.method == "PUT" and PART.search(r.url) else None)

        # ...it offers to resume, once the same file is chosen again.
        expect(page.get_by_role("heading", name="Resume upload of big clip.mp4")).to_be_visible()
        resume = page.get_by_role("button", name="Resume upload")
        expect(resume).to_be_disabled()
        other = tmp_path / "other.mp4"
        make_clip(str(other), 160, 90, seconds=1, audio=False)
        page.set_input_files("#resume-file", str(other))
        expect(page.locator(".resume-panel .form-error")).to_contain_text("not the same file")
        expect(resume).to_be_disabled()
        page.set_input_files("#resume-file", str(clip))
        expect(resume).to_be_enabled()
        ui.shot("upload-resume-offer")
        resume.click()

        # Then only the missing parts are sent, and the video is processed and published.
        status = page.locator(".status-line [data-status]")
        expect(status).to_have_attribute("data-status", "PUBLIC", timeout=PUBLIC_WITHIN_MS)
        expect(page.locator("#upload-progress")).to_have_attribute("value", "100")
        expect(page.locator("#processing-progress")).to_have_attribute("value", "100")
        assert sorted(sent) == [2, 3], f"parts sent after the reload: {sent}"
        assert page.evaluate("() => localStorage.getItem('tuber.pendingUpload')") is None
        ui.shot("upload-resumed-public")

        page.get_by_role("link", name="Watch it").click()
        expect(page.get_by_role("heading", level=1, name="Resumed upload")).to_be_visible()
        expect(page.locator("video")).to_be_visible()
        page.evaluate("() => { const v = document.querySelector('video'); v.muted = true; return v.play(); }")
        page.wait_for_function("() => document.querySelector('video').currentTime > 0.5", timeout=30_000)
        ui.shot("upload-resumed-playing")
        ui.assert_no_console_errors()
    finally:
        page.context.close()


def test_cancel_aborts_the_resumable_upload(chromium, small_parts_stack, tmp_path):
    ui = new_session(chromium, small_parts_stack.url, DESKTOP)
    page = ui.page
    try:
        clip = padded_clip(tmp_path / "cancel me.mp4", 11 * MIB)
        member = new_member(small_parts_stack.url)
        sign_in(ui, member.username)
        page.route(lambda url: "partNumber=" in url,
                   lambda route: None if route.request.method == "PUT" else route.continue_())
        ui.open("#/upload")
        page.set_input_files("#file", str(clip))
        with page.expect_request(lambda r: r.method == "PUT" and "partNumber=" in r.url):
            page.get_by_role("button", name="Upload", exact=True).click()
        page.get_by_role("button", name="Cancel upload").click()
        with page.expect_response(lambda r: r.request.method == "DELETE"
                                  and r.url.endswith("/upload/multipart")) as aborted:
            page.get_by_role("dialog").get_by_role("button", name="Cancel upload").click()
        assert aborted.value.status == 204
        expect(page.get_by_role("heading", name="Upload a video")).to_be_visible()
        expect(page.locator("#file")).to_be_attached()
        assert page.evaluate("() => localStorage.getItem('tuber.pendingUpload')") is None
        page.unroute_all(behavior="ignoreErrors")
        ui.assert_no_console_errors()
    finally:
        page.context.close()


def test_failed_video_offers_retry(fresh_page, web_base_url, tmp_path):
    ui, page = fresh_page, fresh_page.page
    member = new_member(web_base_url)
    sign_in(ui, member.username)
    broken = make_corrupt(str(tmp_path / "broken.mp4"))
    title = f"Broken {uuid.uuid4().hex[:6]}"

    ui.open("#/upload")
    page.set_input_files("#file", broken)
    page.get_by_label("Title").fill(title)
    page.get_by_role("button", name="Upload", exact=True).click()
    status = page.locator(".status-line [data-status]")
    expect(status).to_have_attribute("data-status", "FAILED", timeout=PUBLIC_WITHIN_MS)
    expect(page.locator(".status-line")).to_contain_text("Processing failed")
    expect(page.get_by_role("button", name="Retry")).to_be_visible()
    ui.shot("upload-failed-retry")

    page.locator("header.topbar").get_by_role("link", name="My videos").click()
    row = page.locator(".manage-row", has_text=title)
    expect(row.locator(".card-meta [data-status]")).to_have_attribute("data-status", "FAILED")
    reason = row.locator(".failure-reason")
    expect(reason).to_be_visible()
    expect(reason).not_to_be_empty()
    ui.shot("my-videos-failed")
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/retry")) as retried:
        row.get_by_role("button", name=f"Retry {title}").click()
    assert retried.value.status == 200
    assert retried.value.json()["video"]["status"] == "PROCESSING"
    # The same corrupt upload fails again: the reason and the button come back.
    expect(row.locator(".card-meta [data-status]")).to_have_attribute("data-status", "FAILED", timeout=PUBLIC_WITHIN_MS)
    expect(row.get_by_role("button", name=f"Retry {title}")).to_be_visible()

    # The watch page says why it failed and offers Retry too, then follows the new attempt.
    row.get_by_role("link", name=title).click()
    panel = page.locator(".player-pending")
    expect(panel).to_contain_text("Processing failed")
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/retry")) as retried:
        panel.get_by_role("button", name="Retry").click()
    assert retried.value.status == 200
    badge = panel.locator("[data-status]")
    expect(badge).to_have_attribute("data-status", "PROCESSING")
    expect(badge).to_have_attribute("data-status", "FAILED", timeout=PUBLIC_WITHIN_MS)
    expect(panel).to_contain_text("Processing failed")
    expect(panel.get_by_role("button", name="Retry")).to_be_enabled()
    ui.shot("watch-failed-retry")
    ui.assert_no_console_errors()


def test_processing_progress_on_my_videos_and_watch(fresh_page, web_base_url, tmp_path):
    """A video seen while PROCESSING shows a bar from progressPercent (the API's answers are
    rewritten to 42 % while the route is in place: the real transcode is too quick to catch)."""
    ui, page = fresh_page, fresh_page.page
    member = new_member(web_base_url)
    sign_in(ui, member.username)
    video_id = publish(member, make_clip(str(tmp_path / "progress.mp4"), 640, 360, seconds=2), "Progress clip")
    wait_status(member, video_id, "PUBLIC")

    def processing(route):
        response = route.fetch()
        body = response.json()
        for video in [body.get("video")] + list(body.get("items") or []):
            if video and video["id"] == video_id:
                video.update(status="PROCESSING", progressPercent=42, hlsUrl=None)
        route.fulfill(response=response, json=body)

    page.route(re.compile(rf"/video/({video_id}|user/{member.id})(\?.*)?$"), processing)
    ui.open("#/me/videos")
    row = page.locator(f'.manage-row[data-video-id="{video_id}"]')
    expect(row.locator(".card-meta [data-status]")).to_have_attribute("data-status", "PROCESSING")
    expect(row.locator("progress")).to_have_attribute("value", "42")
    expect(row.locator(".processing-row")).to_contain_text("42%")
    ui.shot("my-videos-processing")

    ui.open(f"#/watch/{video_id}")
    expect(page.locator("#processing-progress")).to_have_attribute("value", "42")
    ui.shot("watch-processing")
    # The route gone, the next poll sees PUBLIC and the player replaces the waiting panel.
    page.unroute_all(behavior="wait")
    expect(page.locator("video")).to_be_visible(timeout=30_000)
    ui.assert_no_console_errors()


def test_a_failed_part_is_retried_on_its_own(chromium, small_parts_stack, tmp_path):
    ui = new_session(chromium, small_parts_stack.url, DESKTOP)
    page = ui.page
    try:
        clip = padded_clip(tmp_path / "flaky.mp4", 11 * MIB)
        member = new_member(small_parts_stack.url)
        sign_in(ui, member.username)
        attempts: list[int] = []

        def flaky_part_two(route):
            match = PART.search(route.request.url)
            if route.request.method == "PUT" and match:
                attempts.append(int(match.group(1)))
                if match.group(1) == "2" and attempts.count(2) == 1:
                    route.fulfill(status=503, body="<Error><Code>SlowDown</Code></Error>")
                    return
            route.continue_()

        page.route(lambda url: "partNumber=" in url, flaky_part_two)
        ui.open("#/upload")
        page.set_input_files("#file", str(clip))
        page.get_by_role("button", name="Upload", exact=True).click()
        expect(page.locator(".status-line [data-status]")).to_have_attribute(
            "data-status", re.compile("PROCESSING|PUBLIC"), timeout=60_000)
        assert sorted(attempts) == [1, 2, 2, 3], attempts
        # The browser logs the refused attempt itself; nothing else may be in the console.
        assert all("503" in e for e in ui.errors), ui.errors
    finally:
        page.context.close()


def test_quota_exceeded_is_explained(fresh_page, web_base_url, tmp_path):
    ui, page = fresh_page, fresh_page.page
    member = new_member(web_base_url)
    sign_in(ui, member.username)
    resets = "2030-01-02T00:00:00Z"
    refusal = {"error": {"code": "quota_exceeded", "message": "Daily video limit reached", "details": {
        "quota": "videosPerDay",
        "storage": {"limitBytes": 50 * 1024**3, "usedBytes": 0, "remainingBytes": 50 * 1024**3},
        "videosPerDay": {"limit": 3, "used": 3, "remaining": 0, "resetsAt": resets}}}}
    page.route(re.compile(r"/video$"), lambda route: route.fulfill(
        status=429, json=refusal, headers={"Retry-After": "3600"}) if route.request.method == "POST"
        else route.continue_())
    ui.open("#/upload")
    expect(page.locator("#upload-quota")).to_contain_text("uploads left today")
    page.set_input_files("#file", make_corrupt(str(tmp_path / "small.mp4"), size=1024))
    page.get_by_role("button", name="Upload", exact=True).click()
    alert = page.locator(".upload-form .form-error")
    expect(alert).to_contain_text("Daily upload limit reached: you have uploaded 3 of 3 videos today.")
    expect(alert).to_contain_text("You can upload again from")
    ui.shot("upload-quota-exceeded")
    assert all("429" in e for e in ui.errors), ui.errors
