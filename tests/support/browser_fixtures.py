"""Browser fixtures: the web client built, the local stack's URL, Debian's Chromium driven by
Playwright, and a page that records console errors and saves screenshots to test-output/.

`web_base_url` is the session's local stack (`stack_url` of tests/support/stack_fixtures.py).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from local.seed import upload_to_presigned
from tests.support.stack_fixtures import PASSWORD, sign_up

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def ensure_web_built() -> None:
    """web/vendor/hls.min.js comes from `make web`; build it here when a test run skipped it."""
    if not (ROOT / "web" / "vendor" / "hls.min.js").is_file():
        subprocess.run([str(ROOT / "scripts" / "build-web.sh")], check=True, cwd=ROOT)


@pytest.fixture(scope="session")
def web_base_url(stack_url):
    """The session's local stack (tests/support/stack_fixtures.py): API and web client."""
    ensure_web_built()
    return stack_url.rstrip("/")


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run scripts/install-system-deps.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class BrowserSession:
    """A page with what the browser complained about, and a screenshot helper."""
    page: object
    base_url: str
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def open(self, route: str = "#/") -> None:
        self.page.goto(f"{self.base_url}/{route}")

    def shot(self, name: str) -> Path:
        OUTPUT.mkdir(exist_ok=True)
        path = OUTPUT / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def assert_no_console_errors(self) -> None:
        errors, self.errors[:] = list(self.errors), []
        assert not errors, "errors in the browser console:\n" + "\n".join(errors)


def new_session(browser, base_url: str, viewport: dict = DESKTOP) -> BrowserSession:
    """A page in a new browser context against `base_url` (e.g. a stack of a test's own)."""
    return _session(browser, base_url, viewport)


def _session(browser, base_url: str, viewport: dict) -> BrowserSession:
    context = browser.new_context(viewport=viewport, base_url=base_url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    session = BrowserSession(page=page, base_url=base_url)
    page.on("console", lambda msg: session.errors.append(f"console.{msg.type}: {msg.text} {msg.location}")
            if msg.type == "error" else None)
    page.on("pageerror", lambda exc: session.errors.append(f"pageerror: {exc}"))
    page.on("request", lambda req: session.requests.append(req.url))
    return session


@pytest.fixture(scope="module")
def browser_session(chromium, web_base_url):
    """One desktop-sized page shared by the tests of a module (a user journey, in order)."""
    session = _session(chromium, web_base_url, DESKTOP)
    yield session
    session.page.context.close()


@pytest.fixture
def fresh_page(chromium, web_base_url):
    """A page of its own, in a new browser context (no stored session), desktop size."""
    session = _session(chromium, web_base_url, DESKTOP)
    yield session
    session.page.context.close()


@pytest.fixture
def phone_page(chromium, web_base_url):
    session = _session(chromium, web_base_url, PHONE)
    yield session
    session.page.context.close()


# ---- Members and videos made through the API, for tests that start from a given state ----



@dataclass
class Member:
    base_url: str
    username: str
    token: str
    id: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def new_member(base_url: str, display_name: str | None = None) -> Member:
    username = f"web_{uuid.uuid4().hex[:8]}"
    login = sign_up(base_url, username)
    member = Member(base_url, username, login["accessToken"], login["user"]["id"])
    if display_name:
        requests.patch(f"{base_url}/auth/me", json={"displayName": display_name}, headers=member.auth,
                       timeout=30).raise_for_status()
    return member


def sign_in(ui: BrowserSession, username: str) -> None:
    ui.open("#/signin")
    ui.page.get_by_label("Username or email").fill(username)
    ui.page.get_by_label("Password").fill(PASSWORD)
    ui.page.get_by_role("button", name="Sign in").click()
    expect(ui.page.get_by_role("button", name="Sign out")).to_be_visible()


def generated_clip(path: Path, size: str) -> Path:
    """A 3 s H.264/AAC MP4 of ffmpeg's test pattern, `size` as "640x360"."""
    if not shutil.which("ffmpeg"):
        pytest.fail("ffmpeg is needed: run scripts/install-system-deps.sh")
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"testsrc=size={size}:rate=25", "-f", "lavfi", "-i", "sine", "-t", "3",
                    "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", str(path)],
                   check=True)
    return path


def publish(member: Member, path: Path, title: str, visibility: str = "public") -> str:
    """Create a video and upload the file as the browser would (the presigned POST or PUT)."""
    data = Path(path).read_bytes()
    created = requests.post(f"{member.base_url}/video", headers=member.auth, timeout=30, json={
        "title": title, "visibility": visibility, "contentType": "video/mp4", "sizeBytes": len(data)})
    assert created.status_code == 201, created.text
    sent = upload_to_presigned(created.json()["upload"], data, "video/mp4")
    assert sent.status_code < 300, sent.text
    return created.json()["video"]["id"]


def wait_status(member: Member, video_id: str, wanted: str, timeout: float = 120) -> dict:
    """Poll GET /video/{id} until its status is `wanted` (fails on the other final status)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = requests.get(f"{member.base_url}/video/{video_id}", headers=member.auth, timeout=30)
        assert answer.status_code == 200, answer.text
        video = answer.json()["video"]
        if video["status"] == wanted:
            return video
        assert video["status"] in ("UPLOADING", "PROCESSING"), video
        time.sleep(0.25)  # often: the test goes on as soon as the transcode is done
    raise AssertionError(f"video {video_id} not {wanted} within {timeout}s")


def wait_all_renditions(member: Member, video_id: str, timeout: float = 120) -> dict:
    """Poll GET /video/{id} until no rung is still encoding (progressive publishing is over)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        video = requests.get(f"{member.base_url}/video/{video_id}", headers=member.auth, timeout=30).json()["video"]
        if not video.get("pendingRenditions"):
            return video
        time.sleep(0.25)
    raise AssertionError(f"video {video_id} still encoding rungs after {timeout}s")
