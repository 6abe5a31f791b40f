"""Password reset by mail and password change (issue 16, item 1; docs/API.md "Accounts"):
single-use expiring tokens, every session ended, concurrency from threads as from Lambda
containers."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.api import DEFAULT_PASSWORD as PASSWORD, register_user

NEW_PASSWORD = "a brand new passphrase"


def login(api, password=PASSWORD, **who):
    return api.post("/auth/login", {**(who or {"username": "ada"}), "password": password})


def forgot(api, mailbox, email="ada@example.com") -> str:
    assert api.post("/auth/password/forgot", {"email": email}).status == 202
    return mailbox.token(email, "reset")


# --- reset -----------------------------------------------------------------------------------

def test_a_reset_link_sets_a_new_password_and_ends_every_session(auth_api, mailbox, db):
    first = register_user(auth_api, "ada", mailbox=mailbox)
    second = login(auth_api).json
    token = forgot(auth_api, mailbox)
    assert mailbox.links("ada@example.com", "reset")[0].startswith(
        "https://tuber.test/#/reset?token=")
    assert token not in str(list(db.account_tokens.find()))
    answer = auth_api.post("/auth/password/reset", {"token": token, "password": NEW_PASSWORD})
    assert answer.status == 200 and answer.json["user"]["username"] == "ada"
    assert "accessToken" not in answer.json  # sign in again, with the new password
    # Every session is over: refresh tokens and access tokens alike.
    for session in (first, second):
        refreshed = auth_api.post("/auth/refresh", {"refreshToken": session["refreshToken"]})
        assert refreshed.status == 401
        me = auth_api.get("/auth/me", token=session["accessToken"])
        assert me.status == 401
    assert login(auth_api).status == 401
    assert login(auth_api, NEW_PASSWORD).status == 200
    # The link works once.
    again = auth_api.post("/auth/password/reset", {"token": token, "password": "yet another one"})
    assert (again.status, again.error_code) == (400, "invalid_token")


def test_concurrent_resets_with_one_token_have_one_winner(auth_api, mailbox, db):
    register_user(auth_api, "ada", mailbox=mailbox)
    token = forgot(auth_api, mailbox)
    passwords = [f"new password number {i}" for i in range(8)]
    with ThreadPoolExecutor(len(passwords)) as pool:
        answers = list(pool.map(lambda p: auth_api.post(
            "/auth/password/reset", {"token": token, "password": p}), passwords))
    statuses = [a.status for a in answers]
    assert statuses.count(200) == 1 and statuses.count(400) == 7, statuses
    winner = passwords[statuses.index(200)]
    assert [p for p in passwords if login(auth_api, p).status == 200] == [winner]


def test_a_newer_reset_or_a_used_link_voids_the_other_links(auth_api, mailbox):
    register_user(auth_api, "ada", mailbox=mailbox)
    older = forgot(auth_api, mailbox)
    newer = forgot(auth_api, mailbox)
    assert older != newer
    assert auth_api.post("/auth/password/reset", {"token": newer,
                                                  "password": NEW_PASSWORD}).status == 200
    stale = auth_api.post("/auth/password/reset", {"token": older, "password": "another pw 1"})
    assert (stale.status, stale.error_code) == (400, "invalid_token")


def test_reset_links_expire(auth_api, mailbox, db):
    from tuber_common.clock import utcnow

    register_user(auth_api, "ada", mailbox=mailbox)
    token = forgot(auth_api, mailbox)
    stored = db.account_tokens.find_one({"purpose": "reset"})
    assert 3500 <= (stored["expiresAt"] - stored["createdAt"]).total_seconds() <= 3600
    db.account_tokens.update_many({"purpose": "reset"}, {"$set": {"expiresAt": utcnow()}})
    answer = auth_api.post("/auth/password/reset", {"token": token, "password": NEW_PASSWORD})
    assert (answer.status, answer.error_code) == (400, "invalid_token")
    assert login(auth_api).status == 200


def test_a_verification_token_does_not_reset_a_password(auth_api, mailbox):
    register_user(auth_api, "ada")
    token = mailbox.token("ada@example.com", "verify")
    answer = auth_api.post("/auth/password/reset", {"token": token, "password": NEW_PASSWORD})
    assert answer.status == 400
    assert auth_api.post("/auth/verify", {"token": token}).status == 200  # still unused


def test_an_unverified_account_resets_through_its_address_and_is_verified(auth_api, mailbox):
    register_user(auth_api, "ada")  # never verified
    token = forgot(auth_api, mailbox)
    answer = auth_api.post("/auth/password/reset", {"token": token, "password": NEW_PASSWORD})
    assert answer.status == 200 and answer.json["user"]["emailVerified"] is True
    assert login(auth_api, NEW_PASSWORD, email="ada@example.com").status == 200


def test_an_address_owned_by_one_account_resets_only_that_one(auth_api, mailbox):
    register_user(auth_api, "ada", mailbox=mailbox)
    register_user(auth_api, "mallory", email="ada@example.com")  # a claim, never verified
    mailbox.clear()
    auth_api.post("/auth/password/forgot", {"email": "ada@example.com"})
    message = mailbox.last("ada@example.com", "reset")
    assert "@ada" in message["text"] and "@mallory" not in message["text"]
    assert len(mailbox.tokens("ada@example.com", "reset")) == 1


@pytest.mark.parametrize("password", ["p" * 73, "short"])
def test_a_reset_password_must_be_valid(auth_api, mailbox, password):
    register_user(auth_api, "ada", mailbox=mailbox)
    token = forgot(auth_api, mailbox)
    answer = auth_api.post("/auth/password/reset", {"token": token, "password": password})
    assert answer.status == 422
    # A refused body does not spend the link.
    assert auth_api.post("/auth/password/reset", {"token": token,
                                                  "password": NEW_PASSWORD}).status == 200


# --- change ----------------------------------------------------------------------------------

def test_changing_the_password_ends_every_other_session(auth_api, mailbox):
    mine = register_user(auth_api, "ada", mailbox=mailbox)
    other = login(auth_api).json
    mailbox.clear()
    answer = auth_api.post("/auth/password", {"currentPassword": PASSWORD,
                                              "newPassword": NEW_PASSWORD},
                           token=mine["accessToken"])
    assert answer.status == 200, answer.body
    fresh = answer.json
    assert fresh["accessToken"] and fresh["refreshToken"] and fresh["user"]["username"] == "ada"
    # This session continues with the new pair; the other one is over.
    assert auth_api.get("/auth/me", token=fresh["accessToken"]).status == 200
    assert auth_api.post("/auth/refresh", {"refreshToken": fresh["refreshToken"]}).status == 200
    assert auth_api.get("/auth/me", token=other["accessToken"]).status == 401
    assert auth_api.post("/auth/refresh", {"refreshToken": other["refreshToken"]}).status == 401
    assert auth_api.get("/auth/me", token=mine["accessToken"]).status == 401  # the old token
    assert login(auth_api).status == 401 and login(auth_api, NEW_PASSWORD).status == 200
    assert mailbox.last("ada@example.com")["kind"] == "password_changed"


def test_changing_the_password_needs_the_current_one(auth_api, mailbox, monkeypatch):
    from tuber_common.settings import get_settings

    monkeypatch.setenv("REAUTH_MAX_FAILURES", "3")
    get_settings.cache_clear()
    session = register_user(auth_api, "ada")
    anonymous = auth_api.post("/auth/password", {"currentPassword": PASSWORD,
                                                 "newPassword": NEW_PASSWORD})
    assert anonymous.status == 401
    for _ in range(3):
        wrong = auth_api.post("/auth/password", {"currentPassword": "not my password",
                                                 "newPassword": NEW_PASSWORD},
                              token=session["accessToken"])
        assert (wrong.status, wrong.error_code) == (403, "wrong_password")
    # Guessing through this route is throttled like sign-in; the right one waits too.
    limited = auth_api.post("/auth/password", {"currentPassword": PASSWORD,
                                               "newPassword": NEW_PASSWORD},
                            token=session["accessToken"])
    assert (limited.status, limited.error_code) == (429, "password_confirmation_throttled")
    assert int(limited.headers["retry-after"]) > 0
    assert login(auth_api).status == 200


def test_a_new_password_over_72_bytes_is_refused(auth_api):
    session = register_user(auth_api, "ada")
    answer = auth_api.post("/auth/password", {"currentPassword": PASSWORD,
                                              "newPassword": "ü" * 40},
                           token=session["accessToken"])
    assert answer.status == 422
    assert answer.json["error"]["details"][0]["type"] == "password_too_long"
