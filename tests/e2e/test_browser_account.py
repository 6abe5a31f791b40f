"""An account's life in the browser, against the local stack (issue 16, item 1): sign up, open
the local mailbox page (/_mail) and follow the verification link, forget the password and
follow the reset link, change the password, download one's data, delete the account. As a
person does it: the links are clicked on the mailbox page."""
from __future__ import annotations

import json
import re
import uuid

import pytest
import requests
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "correct horse battery staple"
STATE: dict = {}


@pytest.fixture(scope="module", autouse=True)
def lifecycle_routed(web_base_url):
    paths = requests.get(f"{web_base_url}/openapi.json", timeout=30).json()["paths"]
    if "/auth/verify" not in paths:
        pytest.skip("template.yaml does not route the account lifecycle yet")


def open_mail(ui, to: str, subject: str) -> None:
    """The local mailbox page, then the newest message to `to` with that subject."""
    ui.open("_mail")
    expect(ui.page.get_by_role("heading", name="Mail sent by the local stack")).to_be_visible()
    row = ui.page.locator("tr", has_text=to).filter(has_text=subject).first
    row.get_by_role("link").click()
    expect(ui.page.get_by_role("heading", name=subject)).to_be_visible()
    ui.shot(f"account-mail-{subject.split()[0].lower()}")


def test_sign_up_and_verify_the_email_from_the_mailbox_page(browser_session):
    ui, page = browser_session, browser_session.page
    username = f"acct_{uuid.uuid4().hex[:8]}"
    STATE.update(username=username, email=f"{username}@example.com")
    ui.open("#/signup")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(STATE["email"])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_text(f"We sent a link to {STATE['email']}")).to_be_visible()

    page.get_by_role("link", name="Your account").click()
    expect(page.get_by_text(f"{STATE['email']} is not verified yet")).to_be_visible()
    ui.shot("account-01-settings-unverified")

    open_mail(ui, STATE["email"], "Verify your email for Tuber")
    page.get_by_role("link", name=re.compile(r"verify\?token=")).click()
    expect(page.get_by_text(f"Your email address {STATE['email']} is verified.")).to_be_visible()
    assert "token=" not in page.url  # taken out of the address bar and history
    page.get_by_role("link", name="Your account").click()
    expect(page.get_by_text(f"{STATE['email']} is verified.")).to_be_visible()
    ui.assert_no_console_errors()


def test_forgotten_password_reset_through_the_mailed_link(browser_session):
    ui, page = browser_session, browser_session.page
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    expect(page.get_by_role("heading", name="Latest videos")).to_be_visible()
    ui.open("#/signin")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill(STATE["email"])
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_text(f"If an account uses {STATE['email']}")).to_be_visible()

    open_mail(ui, STATE["email"], "Reset your Tuber password")
    page.get_by_role("link", name=re.compile(r"reset\?token=")).click()
    STATE["password"] = "a whole new passphrase"
    page.get_by_label("New password").fill(STATE["password"])
    page.get_by_role("button", name="Set the new password").click()
    expect(page.get_by_text("Your password is changed")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    ui.assert_no_console_errors()


def test_change_password_and_download_my_data(browser_session):
    ui, page = browser_session, browser_session.page
    page.get_by_role("link", name="Your account").click()
    page.get_by_label("Current password").fill(STATE["password"])
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password is changed. Every other session")).to_be_visible()
    STATE["password"] = PASSWORD

    with page.expect_download() as download:
        page.get_by_role("button", name="Download my data").click()
    path = download.value.path()
    data = json.loads(open(path).read())
    assert data["account"]["username"] == STATE["username"]
    assert data["account"]["emailVerified"] is True and "nextCursor" not in data
    ui.assert_no_console_errors()


def test_delete_the_account(browser_session, web_base_url):
    ui, page = browser_session, browser_session.page
    page.get_by_label("Your password, to confirm").fill(STATE["password"])
    page.get_by_role("button", name="Delete my account").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("Your account is deleted.")).to_be_visible()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    signed_in = requests.post(f"{web_base_url}/auth/login", timeout=30,
                              json={"username": STATE["username"], "password": PASSWORD})
    assert signed_in.status_code == 401
    ui.assert_no_console_errors()
