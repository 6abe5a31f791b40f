"""The web client declares the chosen file's length (read by the browser from the file's
metadata) as durationSeconds at POST /video, and explains a video_too_long refusal; a file
the browser cannot read is sent without one. The POST is answered by the test (a refusal),
so nothing is uploaded or transcoded."""
from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.support.browser_fixtures import new_member, sign_in
from tests.support.media import make_clip, make_corrupt

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _refuse_creates(page, sent: list) -> None:
    def answer(route):
        if route.request.method != "POST":
            route.continue_()
            return
        body = json.loads(route.request.post_data)
        sent.append(body)
        route.fulfill(status=422, json={"error": {
            "code": "video_too_long", "message": "videos may be at most 1 seconds long",
            "details": {"maxDurationSeconds": 1,
                        "durationSeconds": body.get("durationSeconds")}}})
    page.route(re.compile(r"/video$"), answer)


def test_the_chosen_files_length_is_declared_and_a_refusal_explained(fresh_page, web_base_url,
                                                                      tmp_path):
    ui, page = fresh_page, fresh_page.page
    sign_in(ui, new_member(web_base_url).username)
    sent: list = []
    _refuse_creates(page, sent)
    ui.open("#/upload")
    page.set_input_files("#file", make_clip(str(tmp_path / "two.mp4"), 320, 240, seconds=2))
    page.get_by_role("button", name="Upload", exact=True).click()
    alert = page.locator(".upload-form .form-error")
    expect(alert).to_have_text("This video is 0:02 long: videos can be at most 0:01.")
    assert len(sent) == 1 and sent[0]["durationSeconds"] == pytest.approx(2, abs=0.1)
    assert all("422" in e for e in ui.errors), ui.errors


def test_a_file_the_browser_cannot_read_is_sent_without_a_length(fresh_page, web_base_url,
                                                                 tmp_path):
    ui, page = fresh_page, fresh_page.page
    sign_in(ui, new_member(web_base_url).username)
    sent: list = []
    _refuse_creates(page, sent)
    ui.open("#/upload")
    page.set_input_files("#file", make_corrupt(str(tmp_path / "odd.mp4"), size=4096))
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.locator(".upload-form .form-error")).to_be_visible()
    assert len(sent) == 1 and "durationSeconds" not in sent[0]
