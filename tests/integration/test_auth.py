"""/auth through the real handler, API Gateway v2 events, a real SecantusDB."""
from __future__ import annotations

import json
import time

import jwt
import pytest

PASSWORD = "correct horse battery"
OTHER_IP = "198.51.100.99"  # a client other than the Api's default one


def register(api, username="alice", email=None, password=PASSWORD):
    return api.post("/auth/register", {"username": username,
                                       "email": email or f"{username}@example.com",
                                       "password": password})


def login(api, password=PASSWORD, **identifier):
    return api.post("/auth/login", {**identifier, "password": password})


# --- register ---------------------------------------------------------------------------

def test_register_returns_the_user_with_email_and_no_secret(auth_api, db):
    answer = register(auth_api, "Alice_1", "Alice@Example.com")
    assert answer.status == 201
    user = answer.json["user"]
    assert user["username"] == "Alice_1"
    assert user["email"] == "Alice@Example.com"
    assert user["id"] and user["createdAt"].endswith("Z")
    assert "password" not in answer.body and "passwordHash" not in answer.body
    stored = db.users.find_one({"usernameLower": "alice_1"})
    assert stored["passwordHash"].startswith("$2") and PASSWORD not in stored["passwordHash"]


@pytest.mark.parametrize("second", [
    {"username": "alice", "email": "other@example.com"},
    {"username": "ALICE", "email": "other@example.com"},
])
def test_duplicate_username_is_409_whatever_the_case(auth_api, second):
    # An address already in use is no 409: registration answers alike whether or not an
    # account has it (test_account_signup.py).
    assert register(auth_api, "alice", "alice@example.com").status == 201
    answer = auth_api.post("/auth/register", {**second, "password": PASSWORD})
    assert answer.status == 409
    assert answer.error_code == "username_taken"


@pytest.mark.parametrize("body,field", [
    ({"username": "ab", "email": "a@example.com", "password": PASSWORD}, "username"),
    ({"username": "a" * 31, "email": "a@example.com", "password": PASSWORD}, "username"),
    ({"username": "bad name!", "email": "a@example.com", "password": PASSWORD}, "username"),
    ({"username": "alice", "email": "not-an-email", "password": PASSWORD}, "email"),
    ({"username": "alice", "email": "a@" + "x" * 260 + ".com", "password": PASSWORD}, "email"),
    ({"username": "alice", "email": "a@example.com", "password": "short"}, "password"),
    ({"username": "alice", "email": "a@example.com", "password": "p" * 73}, "password"),
    ({"username": "alice", "email": "a@example.com", "password": "é" * 40}, "password"),
    ({"username": "alice", "email": "a@example.com"}, "password"),
    ({"username": 12345, "email": "a@example.com", "password": PASSWORD}, "username"),
])
def test_invalid_registration_is_422_naming_the_field(auth_api, db, body, field):
    answer = auth_api.post("/auth/register", body)
    assert answer.status == 422
    assert answer.error_code == "validation_error"
    assert any(field in d["loc"] for d in answer.json["error"]["details"])
    assert db.users.count_documents({}) == 0


def test_validation_errors_never_echo_the_password(auth_api):
    answer = auth_api.post("/auth/register", {"username": "alice", "email": "nope",
                                              "password": "secret-pass-123"})
    assert answer.status == 422
    assert "secret-pass-123" not in answer.body


# --- login ------------------------------------------------------------------------------

def test_login_by_email_or_username_returns_a_token_pair(auth_api, mailbox):
    register(auth_api, "alice")
    # Signing in by email needs the address verified (docs/API.md "Accounts").
    auth_api.post("/auth/verify", {"token": mailbox.token("alice@example.com", "verify")})
    for identifier in ({"email": "ALICE@example.com"}, {"username": "Alice"}):
        answer = login(auth_api, **identifier)
        assert answer.status == 200, answer.body
        body = answer.json
        assert body["user"]["username"] == "alice" and body["user"]["email"]
        assert body["expiresIn"] > 0 and body["refreshToken"] and body["accessToken"]
        me = auth_api.get("/auth/me", token=body["accessToken"])
        assert me.status == 200 and me.json["user"]["id"] == body["user"]["id"]


def test_unknown_user_and_wrong_password_get_the_same_401(auth_api):
    register(auth_api, "alice")
    wrong = login(auth_api, password="wrong password", username="alice")
    unknown = login(auth_api, username="nobody")
    assert wrong.status == unknown.status == 401
    assert wrong.json == unknown.json
    assert wrong.error_code == "invalid_credentials"


def test_login_needs_an_identifier(auth_api):
    answer = auth_api.post("/auth/login", {"password": PASSWORD})
    assert answer.status == 422


def test_repeated_failures_throttle_the_account_with_retry_after(auth_api, monkeypatch,
                                                                 mailbox):
    from tuber_common.settings import get_settings

    monkeypatch.setenv("LOGIN_MAX_FAILURES", "3")
    get_settings.cache_clear()
    register(auth_api, "alice")
    auth_api.post("/auth/verify", {"token": mailbox.token("alice@example.com", "verify")})
    for _ in range(3):
        assert login(auth_api, password="wrong password", username="alice").status == 401
    # Locked now: even the right password is refused until the window passes.
    locked = login(auth_api, username="alice")
    assert locked.status == 429
    assert locked.error_code == "login_throttled"
    assert 0 < int(locked.headers["retry-after"]) <= 900
    # The lock is per account, whichever identifier is used, and not on other accounts.
    assert login(auth_api, email="alice@example.com").status == 429
    register(auth_api, "bob")
    assert login(auth_api, username="bob").status == 200


def test_concurrent_guesses_get_no_more_password_checks_than_the_limit(auth_api, monkeypatch):
    """41 guesses at once, as 41 Lambda containers would run them, the right password among
    them: only LOGIN_MAX_FAILURES are checked, the rest are refused before bcrypt runs."""
    from concurrent.futures import ThreadPoolExecutor

    from tuber_common.settings import get_settings

    import tuber_auth.accounts as accounts

    monkeypatch.setenv("LOGIN_MAX_FAILURES", "5")
    get_settings.cache_clear()
    register(auth_api, "alice")
    checked = []
    real_verify = accounts.verify_password

    def counting_verify(password, password_hash):
        checked.append(password)
        return real_verify(password, password_hash)

    monkeypatch.setattr(accounts, "verify_password", counting_verify)
    guesses = [f"guess number {i}" for i in range(40)] + [PASSWORD]
    with ThreadPoolExecutor(len(guesses)) as pool:
        statuses = list(pool.map(
            lambda guess: login(auth_api, password=guess, username="alice").status, guesses))
    assert len(checked) <= 5, len(checked)
    assert statuses.count(429) >= len(guesses) - 5
    assert set(statuses) <= {200, 401, 429}
    # Signed in only if the right password was among the few that were checked.
    assert (200 in statuses) == (PASSWORD in checked)


def test_throttle_window_expires(auth_api, monkeypatch):
    from tuber_common.settings import get_settings

    monkeypatch.setenv("LOGIN_MAX_FAILURES", "2")
    monkeypatch.setenv("LOGIN_LOCKOUT_SECONDS", "1")
    get_settings.cache_clear()
    register(auth_api, "alice")
    for _ in range(2):
        login(auth_api, password="wrong password", username="alice")
    assert login(auth_api, username="alice").status == 429
    time.sleep(1.2)
    assert login(auth_api, username="alice").status == 200


# --- refresh, rotation, reuse -----------------------------------------------------------

def test_refresh_rotates_and_the_spent_token_is_refused(auth_api, make_user):
    first = make_user("alice")
    second = auth_api.post("/auth/refresh", {"refreshToken": first["refreshToken"]})
    assert second.status == 200, second.body
    assert second.json["refreshToken"] != first["refreshToken"]
    assert auth_api.get("/auth/me", token=second.json["accessToken"]).status == 200
    # Spent: presented again by another client (within the grace window the same client
    # would get the same pair back: test_auth_sessions.py), it is refused.
    again = auth_api.post("/auth/refresh", {"refreshToken": first["refreshToken"]},
                          source_ip=OTHER_IP)
    assert again.status == 401 and again.error_code == "invalid_refresh_token"


def test_reusing_a_spent_token_revokes_the_whole_family(auth_api, make_user):
    first = make_user("alice")
    second = auth_api.post("/auth/refresh", {"refreshToken": first["refreshToken"]}).json
    third = auth_api.post("/auth/refresh", {"refreshToken": second["refreshToken"]}).json
    # An attacker replays the first token: it fails and the newest token dies with it.
    assert auth_api.post("/auth/refresh", {"refreshToken": first["refreshToken"]},
                         source_ip=OTHER_IP).status == 401
    newest = auth_api.post("/auth/refresh", {"refreshToken": third["refreshToken"]})
    assert newest.status == 401
    # Other sessions (families) of the same user are untouched.
    other = login(auth_api, username="alice").json
    assert auth_api.post("/auth/refresh", {"refreshToken": other["refreshToken"]}).status == 200


def test_refresh_tokens_are_stored_hashed(auth_api, make_user, db):
    session = make_user("alice")
    stored = [d["_id"] for d in db.refresh_tokens.find()]
    assert session["refreshToken"] not in stored
    assert all(len(h) == 64 for h in stored)


def test_unknown_refresh_token_is_401(auth_api, db):
    answer = auth_api.post("/auth/refresh", {"refreshToken": "made-up"})
    assert answer.status == 401


def test_concurrent_refresh_with_one_token_has_one_winner(auth_api, make_user):
    """From 8 different clients at once: one rotation wins, the others are reuse."""
    from concurrent.futures import ThreadPoolExecutor

    token = make_user("alice")["refreshToken"]
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(
            lambda i: auth_api.post("/auth/refresh", {"refreshToken": token},
                                    source_ip=f"198.51.100.{i + 1}").status, range(8)))
    assert statuses.count(200) == 1 and statuses.count(401) == 7


# --- logout, me, populate ---------------------------------------------------------------

def test_logout_ends_the_family(auth_api, make_user):
    session = make_user("alice")
    out = auth_api.post("/auth/logout", {"refreshToken": session["refreshToken"]},
                        token=session["accessToken"])
    assert out.status == 204 and out.body == ""
    assert auth_api.post("/auth/refresh",
                         {"refreshToken": session["refreshToken"]}).status == 401


def test_logout_needs_auth_and_ones_own_token(auth_api, make_user):
    alice, bob = make_user("alice"), make_user("bob")
    anonymous = auth_api.post("/auth/logout", {"refreshToken": alice["refreshToken"]})
    assert anonymous.status == 401
    foreign = auth_api.post("/auth/logout", {"refreshToken": alice["refreshToken"]},
                            token=bob["accessToken"])
    assert foreign.status == 403
    assert auth_api.post("/auth/refresh", {"refreshToken": alice["refreshToken"]}).status == 200


def test_me_requires_a_token(auth_api):
    answer = auth_api.get("/auth/me")
    assert answer.status == 401 and answer.error_code == "authentication_required"
    bad_scheme = auth_api.get("/auth/me", headers={"authorization": "Basic abc"})
    assert bad_scheme.status == 401


def test_display_name_can_be_changed(auth_api, make_user):
    session = make_user("alice")
    answer = auth_api.patch("/auth/me", {"displayName": "  Alice Liddell "},
                            token=session["accessToken"])
    assert answer.status == 200 and answer.json["user"]["displayName"] == "Alice Liddell"
    assert auth_api.patch("/auth/me", {"displayName": "   "},
                          token=session["accessToken"]).status == 422


def test_populate_returns_public_fields_in_order_one_query(auth_api, make_user, db):
    alice, bob = make_user("alice")["user"], make_user("bob")["user"]
    answer = auth_api.post("/auth/populate",
                           {"ids": [bob["id"], "not-an-id", alice["id"], bob["id"],
                                    "0123456789abcdef01234567"]})
    assert answer.status == 200
    users = answer.json["users"]
    assert [u["username"] for u in users] == ["bob", "alice"]
    assert all("email" not in u for u in users)


def test_populate_limits_batch_size(auth_api):
    answer = auth_api.post("/auth/populate", {"ids": ["x"] * 101})
    assert answer.status == 422


def test_hydration_is_one_query_per_page(db, make_user):
    from tuber_common.users import hydrate_users

    ids = [make_user(f"user{i}")["user"]["id"] for i in range(5)]
    calls = []
    original_find = db.users.find

    class CountingUsers:
        def find(self, *args, **kwargs):
            calls.append(args)
            return original_find(*args, **kwargs)

    class FakeDb:
        users = CountingUsers()

    users = hydrate_users(FakeDb(), ids + ids)
    assert len(calls) == 1
    assert sorted(u["username"] for u in users.values()) == [f"user{i}" for i in range(5)]


# --- malformed requests -----------------------------------------------------------------

@pytest.mark.parametrize("raw", ["{bad json", "[1, 2]", "null", '"text"', ""])
def test_malformed_bodies_are_4xx_with_the_error_shape(auth_api, raw):
    answer = auth_api.call("POST", "/auth/register", raw_body=raw)
    assert 400 <= answer.status < 500
    assert set(answer.json["error"]) == {"code", "message", "details"}


def test_oversized_fields_are_refused(auth_api):
    answer = auth_api.post("/auth/register", {"username": "alice", "email": "a@example.com",
                                              "password": PASSWORD, "displayName": "x" * 10_000})
    assert answer.status == 422


@pytest.mark.parametrize("method,path", [("GET", "/auth/nothing"), ("PUT", "/auth/me"),
                                         ("GET", "/auth/register"), ("POST", "/")])
def test_unknown_routes_are_404_with_the_error_shape(auth_api, method, path):
    answer = auth_api.call(method, path)
    assert answer.status == 404 and answer.error_code == "route_not_found"


def test_database_down_is_503(auth_api, monkeypatch):
    from tuber_common.db import reset_clients

    monkeypatch.setenv("MONGODB_URI", "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300")
    monkeypatch.setenv("MONGODB_TIMEOUT_MS", "300")
    reset_clients()
    started = time.monotonic()
    answer = login(auth_api, username="alice")
    assert answer.status == 503 and answer.error_code == "database_unavailable"
    assert time.monotonic() - started < 5


# --- tokens -----------------------------------------------------------------------------

def forge(claims: dict, key: str, algorithm: str = "HS256", headers: dict | None = None) -> str:
    return jwt.encode(claims, key, algorithm=algorithm, headers=headers)


def valid_claims(user_id: str, **overrides) -> dict:
    now = int(time.time())
    return {"sub": user_id, "iss": "tuber", "aud": "tuber-api", "iat": now, "exp": now + 300,
            "jti": "abc", **overrides}


def test_a_well_formed_token_with_the_real_key_is_accepted(auth_api, make_user):
    from tuber_common.settings import get_settings

    user_id = make_user("alice")["user"]["id"]
    token = forge(valid_claims(user_id), get_settings().jwt_secret)
    assert auth_api.get("/auth/me", token=token).status == 200


def _none_alg_token(claims: dict) -> str:
    import base64

    def b64(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."


@pytest.mark.parametrize("case", ["other_key", "alg_none", "expired", "wrong_audience",
                                  "wrong_issuer", "no_exp", "hs512_same_key", "garbage"])
def test_bad_tokens_are_rejected(auth_api, make_user, case):
    from tuber_common.settings import get_settings

    secret = get_settings().jwt_secret
    user_id = make_user("alice")["user"]["id"]
    claims = valid_claims(user_id)
    token = {
        "other_key": lambda: forge(claims, "another-secret-" + "z" * 40),
        "alg_none": lambda: _none_alg_token(claims),
        "expired": lambda: forge({**claims, "exp": int(time.time()) - 10}, secret),
        "wrong_audience": lambda: forge({**claims, "aud": "someone-else"}, secret),
        "wrong_issuer": lambda: forge({**claims, "iss": "evil"}, secret),
        "no_exp": lambda: forge({k: v for k, v in claims.items() if k != "exp"}, secret),
        "hs512_same_key": lambda: forge(claims, secret, "HS512"),
        "garbage": lambda: "not.a.token",
    }[case]()
    answer = auth_api.get("/auth/me", token=token)
    assert answer.status == 401
    assert answer.error_code == ("token_expired" if case == "expired" else "invalid_token")


# --- logs -------------------------------------------------------------------------------

def test_passwords_and_tokens_never_reach_the_logs(auth_api, monkeypatch):
    import io

    from tuber_common.observability import logger

    # Given the function's own log handler writing into a buffer, at DEBUG
    buffer = io.StringIO()
    monkeypatch.setattr(logger.registered_handler, "stream", buffer)
    logger.setLevel("DEBUG")
    # When a user registers, signs in, fails a sign-in and refreshes
    register(auth_api, "alice")
    session = login(auth_api, username="alice").json
    login(auth_api, password="another-wrong-pass", username="alice")
    auth_api.post("/auth/refresh", {"refreshToken": session["refreshToken"]})
    logger.setLevel("INFO")
    logs = buffer.getvalue()
    # Then the sign-ins are logged, with no password or token in them
    assert "login succeeded" in logs and "login failed" in logs
    for secret in (PASSWORD, "another-wrong-pass", session["refreshToken"],
                   session["accessToken"]):
        assert secret not in logs
