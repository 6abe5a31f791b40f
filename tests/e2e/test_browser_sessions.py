"""The web client's session in Chromium: a strict Content-Security-Policy the client lives
within, a refresh token that script (injected or not) cannot read, tabs refreshing at once,
and an account that is deleted signing the client out."""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.support.browser_fixtures import new_member, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# Records Content-Security-Policy violations from the first script on.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
"""


def violations(page) -> list[str]:
    return page.evaluate("() => window.__violations || []")


def test_the_client_runs_under_its_policy(fresh_page, web_base_url):
    ui, page = fresh_page, fresh_page.page
    page.add_init_script(RECORD_VIOLATIONS)
    response = page.goto(f"{web_base_url}/")
    headers = response.headers
    policy = headers["content-security-policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    member = new_member(web_base_url)
    sign_in(ui, member.username)
    for route, heading in (("#/upload", "Upload a video"), ("#/me/videos", "My videos")):
        ui.open(route)
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    assert violations(page) == []
    ui.assert_no_console_errors()


def test_injected_script_neither_runs_nor_reads_the_refresh_token(fresh_page, web_base_url):
    ui, page = fresh_page, fresh_page.page
    page.add_init_script(RECORD_VIOLATIONS)
    sign_in(ui, new_member(web_base_url).username)
    # Markup a bug might let through: an inline handler and an inline script.
    page.evaluate("""() => {
      const holder = document.createElement("div");
      holder.innerHTML = '<img src="/nothing.png" onerror="window.__ran = 1">';
      document.body.append(holder);
      const script = document.createElement("script");
      script.textContent = "window.__ran = 2";
      document.body.append(script);
    }""")
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.__ran") is None
    assert any("script-src" in v for v in violations(page))
    # Script that does run (here: the test's own) finds no refresh token anywhere.
    stored = json.loads(page.evaluate("() => localStorage.getItem('tuber.session')"))
    assert "refreshToken" not in stored and stored["refreshIn"] == "cookie"
    assert "tuber_refresh" not in page.evaluate("() => document.cookie")
    assert any(c["name"] == "tuber_refresh" and c["httpOnly"] for c in page.context.cookies())
    ui.errors.clear()  # the blocked script and the missing image are logged by the browser


def test_two_tabs_refreshing_at_once_stay_signed_in(fresh_page, web_base_url):
    """Both tabs send the same cookie at the same moment: both get the same new pair."""
    ui, page = fresh_page, fresh_page.page
    sign_in(ui, new_member(web_base_url).username)
    answers = page.evaluate("""async () => {
      const refresh = () => fetch("/auth/refresh", {method: "POST", body: "{}",
        headers: {"Content-Type": "application/json", "X-Tuber-Session": "cookie"}})
        .then(async (r) => [r.status, (await r.json()).accessToken]);
      return Promise.all([refresh(), refresh()]);
    }""")
    assert [status for status, _ in answers] == [200, 200]
    assert answers[0][1] == answers[1][1]
    # A second tab of the same browser, and the first after a reload, are still signed in.
    other = page.context.new_page()
    other.goto(f"{web_base_url}/#/me/videos")
    expect(other.get_by_role("heading", name="My videos")).to_be_visible()
    expect(other.get_by_role("button", name="Sign out")).to_be_visible()
    page.evaluate("() => { const s = JSON.parse(localStorage.getItem('tuber.session'));"
                  " s.expiresAt = Date.now() + 1000; localStorage.setItem('tuber.session', JSON.stringify(s)); }")
    page.reload()
    page.get_by_role("link", name="My videos").click()
    expect(page.get_by_role("heading", name="My videos")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    other.close()


def test_sign_out_removes_the_cookie(fresh_page, web_base_url):
    ui, page = fresh_page, fresh_page.page
    sign_in(ui, new_member(web_base_url).username)
    assert any(c["name"] == "tuber_refresh" for c in page.context.cookies())
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    assert not any(c["name"] == "tuber_refresh" for c in page.context.cookies())
    assert page.evaluate("() => localStorage.getItem('tuber.session')") is None
    ui.assert_no_console_errors()


def test_a_suspended_account_is_signed_out_and_pages_still_load(fresh_page, web_base_url,
                                                                 local_stack):
    """Its token is refused everywhere (403 account_suspended): the client drops the session
    and loads the page anonymously, with no error shown."""
    import time

    from bson import ObjectId
    from pymongo import MongoClient

    ui, page = fresh_page, fresh_page.page
    member = new_member(web_base_url)
    sign_in(ui, member.username)
    MongoClient(local_stack.mongo_uri)["tuber"].users.update_one(
        {"_id": ObjectId(member.id)}, {"$set": {"suspendedAt": time.time()}})
    time.sleep(5.5)  # reads may use a status copy up to 5 s old (API.md "Sessions")
    page.reload()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)
    assert page.evaluate("() => localStorage.getItem('tuber.session')") is None
    assert all("403" in e for e in ui.errors), ui.errors
    ui.errors.clear()
