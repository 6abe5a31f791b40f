"""Sign-up without enumeration or look-alikes, and email verification (issue 16, items 1 and
3; docs/API.md "Accounts"). Real handler, SecantusDB, mail captured by the local SES
stand-in (tests/support/mail_fixtures.py)."""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.api import DEFAULT_PASSWORD as PASSWORD, register_user


def register(api, username, email=None, password=PASSWORD, **extra):
    return api.post("/auth/register", {"username": username,
                                       "email": email or f"{username}@example.com",
                                       "password": password, **extra})


def shape(answer) -> dict:
    """The answer without what differs between any two accounts (ids, names, times)."""
    user = dict(answer.json["user"])
    for field in ("id", "username", "displayName", "createdAt", "email"):
        user[field] = type(user[field]).__name__
    return {"status": answer.status, "headers": sorted(answer.headers), "user": user}


# --- no enumeration ------------------------------------------------------------------------

def test_registration_answers_the_same_whether_the_address_has_an_account(auth_api, mailbox):
    register_user(auth_api, "ada", mailbox=mailbox)  # ada@example.com: verified, owned
    taken = register(auth_api, "mallory", "ada@example.com")
    fresh = register(auth_api, "grace", "grace@example.com")
    assert shape(taken) == shape(fresh)
    assert taken.json["user"]["emailVerified"] is False
    # The mail tells the address's owner; the new address gets its verification link.
    notice = mailbox.last("ada@example.com")
    assert notice["kind"] == "address_in_use" and "@mallory" in notice["text"]
    assert not any("verify" in link for link in notice["links"])
    assert mailbox.last("grace@example.com", "verify")
    # Both accounts exist and sign in with their username, neither with that address.
    assert auth_api.post("/auth/login", {"username": "mallory",
                                         "password": PASSWORD}).status == 200
    by_email = auth_api.post("/auth/login", {"email": "ada@example.com", "password": PASSWORD})
    assert by_email.status == 200 and by_email.json["user"]["username"] == "ada"


def test_signing_in_by_an_unverified_address_is_like_a_wrong_password(auth_api, mailbox):
    register(auth_api, "grace", "grace@example.com")
    unverified = auth_api.post("/auth/login", {"email": "grace@example.com",
                                               "password": PASSWORD})
    nobody = auth_api.post("/auth/login", {"email": "nobody@example.com",
                                           "password": PASSWORD})
    assert unverified.status == nobody.status == 401
    assert unverified.json == nobody.json


def test_password_reset_answers_the_same_for_any_address(auth_api, mailbox):
    register_user(auth_api, "ada", mailbox=mailbox)
    known = auth_api.post("/auth/password/forgot", {"email": "ada@example.com"})
    unknown = auth_api.post("/auth/password/forgot", {"email": "nobody@example.com"})
    assert (known.status, known.json) == (unknown.status, unknown.json) == (202, {"status": "sent"})
    assert mailbox.last("ada@example.com")["kind"] == "reset"
    assert mailbox.last("nobody@example.com")["kind"] == "reset_no_account"


def test_mail_to_one_address_is_limited_whether_or_not_it_has_an_account(auth_api, mailbox,
                                                                          monkeypatch):
    from tuber_common.settings import get_settings

    monkeypatch.setenv("MAIL_PER_ADDRESS_PER_HOUR", "3")
    get_settings.cache_clear()
    register_user(auth_api, "ada")  # no mailbox: its verification mail counts too
    for address in ("ada@example.com", "nobody@example.com"):
        statuses = [auth_api.post("/auth/password/forgot", {"email": address}).status
                    for _ in range(3)]
        limited = auth_api.post("/auth/password/forgot", {"email": address})
        assert limited.status == 429 and limited.error_code == "mail_throttled"
        assert 0 < int(limited.headers["retry-after"]) <= 3600
        assert statuses == ([202, 202, 429] if address == "ada@example.com" else [202] * 3)
    # Another address is not affected; sign-up to a limited address is refused before anything.
    assert auth_api.post("/auth/password/forgot", {"email": "x@example.com"}).status == 202
    again = register(auth_api, "mallory", "ada@example.com")
    assert again.status == 429
    assert auth_api.post("/auth/login", {"username": "mallory",
                                         "password": PASSWORD}).status == 401


# --- normalization and look-alikes ---------------------------------------------------------

def test_fullwidth_and_case_variants_of_an_address_are_the_same_address(auth_api, mailbox, db):
    register_user(auth_api, "ada", email="Ada@Example.com", mailbox=mailbox)
    mailbox.clear()
    assert register(auth_api, "mallory", "ＡＤＡ@ｅｘａｍｐｌｅ.ｃｏｍ").status == 201
    assert mailbox.last("ada@example.com")["kind"] == "address_in_use"
    stored = db.users.find_one({"username": "mallory"})
    assert stored["email"] == "ADA@example.com" and stored["emailLower"] == "ada@example.com"
    # Sign-in by email finds the owner whatever the spelling.
    answer = auth_api.post("/auth/login", {"email": "ａｄａ@EXAMPLE.com", "password": PASSWORD})
    assert answer.status == 200 and answer.json["user"]["username"] == "ada"


@pytest.mark.parametrize("second,code", [
    ("ADA", "username_taken"),
    ("ａｄａ", "username_taken"),           # fullwidth: NFKC makes it "ada"
    ("Ada_", "username_look_alike"),       # punctuation does not make another name
    ("adа", "username_look_alike"),        # not valid: Cyrillic а (refused by the pattern)
])
def test_usernames_are_unique_by_their_normal_form_and_their_look(auth_api, second, code):
    assert register(auth_api, "ada").status == 201
    answer = register(auth_api, second, "other@example.com")
    if second == "adа":
        assert answer.status == 422  # usernames are ASCII: no script mixing possible
        return
    assert (answer.status, answer.error_code) == (409, code), answer.body


@pytest.mark.parametrize("name", ["0livia", "o1ivia", "OLIVIA", "Olivia_", "o.livia", "O-livia", "oIivia"])
def test_look_alike_usernames_are_refused(auth_api, name):
    assert register(auth_api, "olivia").status == 201
    answer = register(auth_api, name, "other@example.com")
    assert answer.status == 409 and answer.error_code in {"username_taken",
                                                          "username_look_alike"}, name


@pytest.mark.parametrize("extra,status", [
    ({"displayName": None}, 201),                            # null: none given
    ({"email": "\udaf3\udd7c\u00b2:"}, 422),                # a pair, still no address
    ({"email": "ada\ud800@example.com"}, 422),              # a lone surrogate
    ({"password": "pass\udc00word!"}, 422),
    ({"displayName": "\ud83d"}, 422),
])
def test_odd_unicode_in_a_registration_is_a_client_error(auth_api, extra, status):
    body = {"username": "ada", "email": "ada@example.com", "password": PASSWORD, **extra}
    answer = auth_api.call("POST", "/auth/register", raw_body=json.dumps(body))
    assert answer.status == status, answer.body


def test_a_fullwidth_username_is_stored_in_its_normal_form(auth_api, db):
    answer = register(auth_api, "ｇｒａｃｅ_1")
    assert answer.status == 201 and answer.json["user"]["username"] == "grace_1"


@pytest.mark.parametrize("display_name", ["Ada", "ADA", "Аda", "A d a", "ａｄａ", "Ada!"])
def test_display_names_that_imitate_another_channel_are_refused(auth_api, display_name):
    register_user(auth_api, "ada")
    answer = register(auth_api, "mallory", displayName=display_name)
    assert (answer.status, answer.error_code) == (409, "display_name_imitates"), display_name
    assert answer.json["error"]["details"] == {"similarTo": "ada"}
    mallory = register_user(auth_api, "mallory2")
    changed = auth_api.patch("/auth/me", {"displayName": display_name},
                             token=mallory["accessToken"])
    assert (changed.status, changed.error_code) == (409, "display_name_imitates")
    me = auth_api.get("/auth/me", token=mallory["accessToken"]).json["user"]
    assert me["displayName"] == "mallory2"


def test_another_channels_display_name_is_refused_too_but_ones_own_name_is_fine(auth_api):
    ada = register_user(auth_api, "ada")
    assert auth_api.patch("/auth/me", {"displayName": "Countess of Lovelace"},
                          token=ada["accessToken"]).status == 200
    bob = register_user(auth_api, "bob")
    copy = auth_api.patch("/auth/me", {"displayName": "Countess of L0velace"},
                          token=bob["accessToken"])
    assert copy.error_code == "display_name_imitates"
    for own in ("BOB", "B.o.b", "Bob"):
        assert auth_api.patch("/auth/me", {"displayName": own},
                              token=bob["accessToken"]).status == 200


def test_invisible_and_direction_changing_characters_are_refused(auth_api):
    bob = register_user(auth_api, "bob")
    for name in ("Bob\u202egnp.exe", "B\u200bob", "Bob\u2066x"):
        answer = auth_api.patch("/auth/me", {"displayName": name}, token=bob["accessToken"])
        assert answer.status == 422
        assert answer.json["error"]["details"][0]["type"] == "display_name_hidden_characters"


def test_concurrent_look_alike_sign_ups_never_both_succeed(auth_api):
    names = ["olivia", "0livia", "o1ivia", "OLIVIA", "oIivia", "olivia_", "o.livia", "O-livia"]
    with ThreadPoolExecutor(len(names)) as pool:
        answers = list(pool.map(lambda n: register(auth_api, n, f"{len(n)}{n}@example.com"),
                                names))
    assert sum(a.status == 201 for a in answers) <= 1, [(n, a.status, a.error_code) for n, a in zip(names, answers)]
    assert {a.status for a in answers} <= {201, 409}


# --- long passwords ------------------------------------------------------------------------

@pytest.mark.parametrize("password", ["p" * 73, "é" * 37, "🔑" * 19])
def test_passwords_over_72_bytes_are_refused_with_their_own_error(auth_api, password):
    answer = register(auth_api, "ada", password=password)
    assert answer.status == 422 and answer.error_code == "validation_error"
    [detail] = answer.json["error"]["details"]
    assert detail["type"] == "password_too_long" and "password" in detail["loc"]
    assert "72 bytes" in detail["msg"]


def test_a_72_byte_password_is_not_matched_by_a_longer_one(auth_api):
    password = "é" * 36  # exactly 72 bytes
    assert register(auth_api, "ada", password=password).status == 201
    longer = auth_api.post("/auth/login", {"username": "ada", "password": password + "x"})
    assert longer.status == 422
    assert auth_api.post("/auth/login", {"username": "ada", "password": password}).status == 200


# --- verification --------------------------------------------------------------------------

def test_following_the_verification_link_verifies_the_address_once(auth_api, mailbox, db):
    session = register_user(auth_api, "ada")
    assert session["user"]["emailVerified"] is False
    token = mailbox.token("ada@example.com", "verify")
    assert mailbox.links("ada@example.com", "verify")[0].startswith(
        "https://tuber.test/#/verify?token=")
    assert token not in str(list(db.account_tokens.find()))  # stored as its hash only
    verified = auth_api.post("/auth/verify", {"token": token})
    assert verified.status == 200 and verified.json["user"]["emailVerified"] is True
    again = auth_api.post("/auth/verify", {"token": token})
    assert (again.status, again.error_code) == (400, "invalid_token")
    me = auth_api.get("/auth/me", token=session["accessToken"]).json["user"]
    assert me["emailVerified"] is True
    assert auth_api.post("/auth/login", {"email": "ada@example.com",
                                         "password": PASSWORD}).status == 200


def test_verification_links_expire(auth_api, mailbox, db):
    register(auth_api, "ada")
    token = mailbox.token("ada@example.com", "verify")
    from tuber_common.clock import utcnow

    db.account_tokens.update_many({}, {"$set": {"expiresAt": utcnow()}})
    answer = auth_api.post("/auth/verify", {"token": token})
    assert (answer.status, answer.error_code) == (400, "invalid_token")


@pytest.mark.parametrize("token", ["", "short", "x" * 300, "not a token!", 12345])
def test_malformed_tokens_are_422(auth_api, token):
    answer = auth_api.post("/auth/verify", {"token": token})
    assert answer.status == 422 and answer.error_code == "validation_error"


def test_resending_the_verification_mail(auth_api, mailbox):
    session = register_user(auth_api, "ada")
    mailbox.clear()
    assert auth_api.post("/auth/verify/resend").status == 401
    resent = auth_api.post("/auth/verify/resend", token=session["accessToken"])
    assert resent.status == 202 and resent.json == {"status": "sent",
                                                    "email": "ada@example.com"}
    token = mailbox.token("ada@example.com", "verify")
    assert auth_api.post("/auth/verify", {"token": token}).status == 200
    done = auth_api.post("/auth/verify/resend", token=session["accessToken"])
    assert (done.status, done.error_code) == (409, "already_verified")


def test_of_two_accounts_claiming_one_address_only_one_verifies_it(auth_api, mailbox):
    register(auth_api, "ada", "shared@example.com")
    register(auth_api, "bob", "shared@example.com")
    messages = mailbox.messages("shared@example.com", "verify")
    assert len(messages) == 2  # nobody owned it: both got a link
    tokens = [mailbox_token(m) for m in messages]
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda t: auth_api.post("/auth/verify", {"token": t}), tokens))
    assert sorted(a.status for a in answers) == [200, 409]
    assert [a.error_code for a in answers if a.status == 409] == ["email_taken"]


def mailbox_token(message: dict) -> str:
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(message["links"][0]).fragment.partition("?")[2])["token"][0]


def test_an_account_made_before_verification_existed_keeps_its_address(auth_api, mailbox, db,
                                                                       member):
    legacy = member("oldtimer")  # a document as written before issue 16: no emailVerifiedAt
    from tuber_common.passwords import hash_password

    db.users.update_one({"username": "oldtimer"},
                        {"$set": {"passwordHash": hash_password(PASSWORD)}})
    assert register(auth_api, "mallory", "oldtimer@example.com").status == 201
    assert mailbox.last("oldtimer@example.com")["kind"] == "address_in_use"
    by_email = auth_api.post("/auth/login", {"email": "oldtimer@example.com",
                                             "password": PASSWORD})
    assert by_email.status == 200 and by_email.json["user"]["id"] == legacy.id


def test_accounts_made_before_look_alike_keys_get_them_with_the_indexes(auth_api, db, member):
    from tuber_common.indexes import ensure_indexes

    member("grace")  # written as before issue 16: no skeletons
    assert "usernameSkeleton" not in db.users.find_one({"username": "grace"})
    ensure_indexes(db)  # the deploy's MongoIndexes custom resource runs it
    stored = db.users.find_one({"username": "grace"})
    assert stored["usernameSkeleton"] == stored["displayNameSkeleton"] == ["grace"]
    answer = register(auth_api, "mallory", displayName="GRACE")
    assert answer.error_code == "display_name_imitates"


# --- mail that cannot be sent ----------------------------------------------------------------

def test_mail_down_never_undoes_a_registration_and_says_so_on_a_reset(auth_api, mailbox,
                                                                       monkeypatch):
    from tuber_common import mail
    from tuber_common.settings import get_settings
    from local.services import free_port

    monkeypatch.setenv("SES_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}/_aws/ses")
    get_settings.cache_clear()
    mail.reset_client()
    registered = register(auth_api, "ada")
    assert registered.status == 201  # the account exists; the link can be sent again later
    for address in ("ada@example.com", "nobody@example.com"):
        answer = auth_api.post("/auth/password/forgot", {"email": address})
        assert (answer.status, answer.error_code) == (503, "mail_unavailable")
    session = auth_api.post("/auth/login", {"username": "ada", "password": PASSWORD}).json
    resend = auth_api.post("/auth/verify/resend", token=session["accessToken"])
    assert (resend.status, resend.error_code) == (503, "mail_unavailable")
