"""Sessions (docs/API.md "Sessions"): the refresh reuse grace window, the refresh token in an
HttpOnly cookie for browsers, logout by access token, and accounts that are deleted,
suspended or signed out everywhere refused on every route at once."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from bson import ObjectId

PASSWORD = "correct horse battery"
COOKIE_MODE = {"x-tuber-session": "cookie"}


def refresh(api, token=None, ip=None, headers=None, user_agent="pytest"):
    body = {"refreshToken": token} if token else {}
    return api.post("/auth/refresh", body, source_ip=ip,
                    headers={"user-agent": user_agent, **(headers or {})})


def set_cookie(answer, name) -> str | None:
    """The Set-Cookie value for `name` in an answer, or None."""
    return next((c for c in answer.cookies if c.startswith(name + "=")), None)


def cookie_pair(answer, name) -> str:
    return set_cookie(answer, name).split(";")[0]


# --- the reuse grace window -------------------------------------------------------------

def test_a_retry_by_the_same_client_gets_the_same_pair(auth_api, make_user, db):
    first = make_user("alice")
    second = refresh(auth_api, first["refreshToken"])
    retry = refresh(auth_api, first["refreshToken"])
    assert second.status == retry.status == 200
    for field in ("accessToken", "refreshToken", "tokenType"):
        assert retry.json[field] == second.json[field]
    assert 0 < retry.json["expiresIn"] <= second.json["expiresIn"]
    # The family lives on: the new token refreshes, and nothing was revoked.
    assert refresh(auth_api, second.json["refreshToken"]).status == 200
    assert db.token_families.count_documents({"revokedAt": {"$ne": None}}) == 0


def test_two_tabs_refreshing_at_once_both_stay_signed_in(auth_api, make_user):
    token = make_user("alice")["refreshToken"]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: refresh(auth_api, token), range(8)))
    assert [a.status for a in answers] == [200] * 8
    assert len({a.json["refreshToken"] for a in answers}) == 1
    assert len({a.json["accessToken"] for a in answers}) == 1
    assert refresh(auth_api, answers[0].json["refreshToken"]).status == 200


@pytest.mark.slow
def test_tabs_refreshing_from_separate_processes_get_one_pair(auth_api, make_user):
    """The same, with the refreshes served by 4 separate processes (4 Lambda containers)."""
    from tests.support.concurrent_calls import run_in_processes

    token = make_user("alice")["refreshToken"]
    calls = [("POST", "/auth/refresh", {"refreshToken": token}, "203.0.113.7", None)] * 8
    answers = run_in_processes("auth", calls, processes=4)
    assert [status for status, _, _ in answers] == [200] * 8
    assert len({body["refreshToken"] for _, body, _ in answers}) == 1


@pytest.mark.parametrize("other", [{"ip": "198.51.100.9"}, {"user_agent": "curl/8"}])
def test_a_spent_token_from_another_client_revokes_the_family(auth_api, make_user, other):
    first = make_user("alice")
    second = refresh(auth_api, first["refreshToken"]).json
    stolen = refresh(auth_api, first["refreshToken"], **other)
    assert stolen.status == 401 and stolen.error_code == "invalid_refresh_token"
    assert "accessToken" not in stolen.body
    # The legitimate newest token died with the family.
    assert refresh(auth_api, second["refreshToken"]).status == 401


def test_after_the_grace_window_reuse_revokes_the_family(auth_api, make_user, monkeypatch):
    from tuber_common.settings import get_settings

    monkeypatch.setenv("REFRESH_REUSE_GRACE_SECONDS", "1")
    get_settings.cache_clear()
    first = make_user("alice")
    second = refresh(auth_api, first["refreshToken"]).json
    time.sleep(1.3)
    assert refresh(auth_api, first["refreshToken"]).status == 401
    assert refresh(auth_api, second["refreshToken"]).status == 401


def test_the_kept_pair_is_sealed(auth_api, make_user, db):
    """The database keeps the next pair for the grace window, but cannot read it: it is
    encrypted with a key derived from the spent token, which it never stores."""
    first = make_user("alice")
    second = refresh(auth_api, first["refreshToken"]).json
    stored = db.refresh_tokens.find_one({"successor": {"$exists": True}})
    raw = bytes(stored["successor"])
    assert second["refreshToken"].encode() not in raw
    assert second["accessToken"][:20].encode() not in raw


def test_a_retry_after_logout_is_refused(auth_api, make_user):
    first = make_user("alice")
    second = refresh(auth_api, first["refreshToken"]).json
    assert auth_api.post("/auth/logout", {}, token=second["accessToken"]).status == 204
    assert refresh(auth_api, first["refreshToken"]).status == 401


# --- the refresh token in a cookie ------------------------------------------------------

def cookie_login(api, username="alice", host=None):
    headers = {**COOKIE_MODE, **({"host": host} if host else {})}
    return api.post("/auth/login", {"username": username, "password": PASSWORD},
                    headers=headers)


def test_browsers_get_the_refresh_token_in_an_httponly_cookie(auth_api, make_user):
    make_user("alice")
    answer = cookie_login(auth_api)
    assert answer.status == 200
    assert "refreshToken" not in answer.json and answer.json["refreshTokenIn"] == "cookie"
    assert answer.json["accessToken"] and answer.json["user"]["username"] == "alice"
    cookie = set_cookie(answer, "tuber_refresh")
    attributes = [a.strip() for a in cookie.split(";")[1:]]
    assert {"Path=/auth/refresh", "HttpOnly", "SameSite=Strict"} <= set(attributes)
    assert "Secure" not in attributes  # the local stack's plain http on a loopback host
    assert any(a.startswith("Max-Age=") for a in attributes)
    device = set_cookie(answer, "tuber_device")
    assert "Path=/auth/login" in device and "HttpOnly" in device


def test_cookies_are_secure_on_a_real_host(auth_api, make_user):
    make_user("alice")
    answer = cookie_login(auth_api, host="abc123.execute-api.eu-west-1.amazonaws.com")
    assert "Secure" in set_cookie(answer, "tuber_refresh")
    assert "Secure" in set_cookie(answer, "tuber_device")


def test_refresh_and_logout_with_the_cookie(auth_api, make_user):
    make_user("alice")
    first = cookie_login(auth_api)
    jar = cookie_pair(first, "tuber_refresh")
    second = refresh(auth_api, headers={**COOKIE_MODE, "cookie": jar})
    assert second.status == 200, second.body
    assert "refreshToken" not in second.json and second.json["accessToken"]
    rotated = cookie_pair(second, "tuber_refresh")
    assert rotated != jar
    assert auth_api.get("/auth/me", token=second.json["accessToken"]).status == 200
    # Logout needs no refresh token: the access token names its session. The cookie goes.
    out = auth_api.post("/auth/logout", {}, token=second.json["accessToken"],
                        headers=COOKIE_MODE)
    assert out.status == 204
    assert "Max-Age=0" in set_cookie(out, "tuber_refresh")
    assert refresh(auth_api, headers={**COOKIE_MODE, "cookie": rotated}).status == 401


def test_the_cookie_is_ignored_without_the_header(auth_api, make_user):
    """A form or an image on another site cannot set headers: it cannot use the cookie."""
    make_user("alice")
    jar = cookie_pair(cookie_login(auth_api), "tuber_refresh")
    answer = refresh(auth_api, headers={"cookie": jar})
    assert answer.status == 401 and answer.error_code == "invalid_refresh_token"
    assert refresh(auth_api, headers={**COOKIE_MODE, "cookie": jar}).status == 200


def test_a_stored_token_moves_into_the_cookie(auth_api, make_user):
    """A session kept in a body (older clients) asks for the cookie on its next refresh."""
    session = make_user("alice")
    answer = refresh(auth_api, session["refreshToken"], headers=COOKIE_MODE)
    assert answer.status == 200 and "refreshToken" not in answer.json
    assert set_cookie(answer, "tuber_refresh")


def test_clients_without_the_header_keep_tokens_in_bodies(auth_api, make_user):
    session = make_user("alice")
    assert session["refreshToken"] and "refreshTokenIn" not in session
    answer = refresh(auth_api, session["refreshToken"])
    assert answer.json["refreshToken"] and set_cookie(answer, "tuber_refresh") is None


def test_logout_by_access_token_ends_only_that_session(auth_api, make_user):
    first = make_user("alice")
    second = auth_api.post("/auth/login", {"username": "alice", "password": PASSWORD}).json
    assert auth_api.post("/auth/logout", {}, token=first["accessToken"]).status == 204
    assert refresh(auth_api, first["refreshToken"]).status == 401
    assert refresh(auth_api, second["refreshToken"]).status == 200


# --- deleted, suspended, signed out everywhere -------------------------------------------

WRITES = [
    ("video", "POST", "/video", {"title": "x", "contentType": "video/mp4", "sizeBytes": 10}),
    ("like", "PUT", "/like/0123456789abcdef01234567", {"rating": "like"}),
    ("comment", "POST", "/comment/0123456789abcdef01234567", {"text": "hello"}),
    ("auth", "PATCH", "/auth/me", {"displayName": "New name"}),
]


@pytest.fixture
def apis(auth_api, video_api, like_api, comment_api):
    return {"auth": auth_api, "video": video_api, "like": like_api, "comment": comment_api}


def write_statuses(apis, token):
    return [apis[f].call(m, p, json_body=b, token=token) for f, m, p, b in WRITES]


def test_a_deleted_users_token_stops_every_write_at_once(apis, make_user, db):
    session = make_user("alice")
    token = session["accessToken"]
    # Read once: this container now holds the account's status.
    assert apis["auth"].get("/auth/me", token=token).status == 200
    assert apis["video"].get("/video", token=token).status == 200
    db.users.update_one({"_id": ObjectId(session["user"]["id"])},
                        {"$set": {"deletedAt": time.time()}})
    for answer in write_statuses(apis, token):
        assert answer.status == 401 and answer.error_code == "account_not_found", answer.body
    assert apis["auth"].get("/auth/me", token=token).status == 401
    assert refresh(apis["auth"], session["refreshToken"]).status == 401


def test_a_removed_user_document_is_the_same(apis, make_user, db):
    session = make_user("alice")
    db.users.delete_one({"_id": ObjectId(session["user"]["id"])})
    for answer in write_statuses(apis, session["accessToken"]):
        assert answer.status == 401 and answer.error_code == "account_not_found"


def test_reads_stop_within_the_cache_window(apis, make_user, db, monkeypatch):
    from tuber_common import account_status

    session = make_user("alice")
    token = session["accessToken"]
    feed = apis["video"]
    assert feed.get("/video", token=token).status == 200
    db.users.update_one({"_id": ObjectId(session["user"]["id"])},
                        {"$set": {"deletedAt": time.time()}})
    # Within ACCOUNT_STATUS_CACHE_SECONDS (5) a read may still pass on this container...
    assert feed.get("/video", token=token).status in (200, 401)
    # ...and never after it.
    later = time.monotonic() + 5.1
    monkeypatch.setattr(account_status.time, "monotonic", lambda: later)
    answer = feed.get("/video", token=token)
    assert answer.status == 401 and answer.error_code == "account_not_found"


def test_without_the_cache_reads_stop_at_once_too(apis, make_user, db, monkeypatch):
    from tuber_common.settings import get_settings

    monkeypatch.setenv("ACCOUNT_STATUS_CACHE_SECONDS", "0")
    get_settings.cache_clear()
    session = make_user("alice")
    token = session["accessToken"]
    assert apis["video"].get("/video", token=token).status == 200
    db.users.update_one({"_id": ObjectId(session["user"]["id"])},
                        {"$set": {"deletedAt": time.time()}})
    assert apis["video"].get("/video", token=token).status == 401


def test_a_suspended_user_is_refused_everywhere(apis, make_user, db):
    session = make_user("alice")
    db.users.update_one({"_id": ObjectId(session["user"]["id"])},
                        {"$set": {"suspendedAt": time.time()}})
    for answer in write_statuses(apis, session["accessToken"]):
        assert answer.status == 403 and answer.error_code == "account_suspended", answer.body
    answer = refresh(apis["auth"], session["refreshToken"])
    assert answer.status == 403 and answer.error_code == "account_suspended"
    # Lifting the suspension lets the same session carry on.
    db.users.update_one({"_id": ObjectId(session["user"]["id"])},
                        {"$unset": {"suspendedAt": ""}})
    assert refresh(apis["auth"], session["refreshToken"]).status == 200


def test_ending_all_sessions_stops_every_token_but_the_one_kept(apis, make_user, db):
    from tuber_auth import sessions
    from tuber_common.tokens import verify_access

    phone = make_user("alice")
    laptop = apis["auth"].post("/auth/login", {"username": "alice", "password": PASSWORD}).json
    user_id = phone["user"]["id"]
    kept = verify_access(laptop["accessToken"])["fam"]
    fresh = sessions.end_all_sessions(db, user_id, keep_family=kept)
    # Every access token issued before is refused at once, on every route.
    for token in (phone["accessToken"], laptop["accessToken"]):
        for answer in write_statuses(apis, token):
            assert answer.status == 401 and answer.error_code == "session_ended"
        assert apis["auth"].get("/auth/me", token=token).status == 401
    # The phone's session is over; the laptop's continues with the new pair.
    assert refresh(apis["auth"], phone["refreshToken"]).status == 401
    assert apis["auth"].get("/auth/me", token=fresh["accessToken"]).status == 200
    assert refresh(apis["auth"], fresh["refreshToken"]).status == 200
    # Signing in again works as ever.
    again = apis["auth"].post("/auth/login", {"username": "alice", "password": PASSWORD}).json
    assert apis["auth"].get("/auth/me", token=again["accessToken"]).status == 200


def test_tokens_from_before_versions_still_work(apis, member):
    """Access tokens without the `ver` claim (issued before it existed) are version 0."""
    import jwt

    from tuber_common.settings import get_settings

    someone = member("old_token")
    now = int(time.time())
    token = jwt.encode({"sub": someone.id, "iss": "tuber", "aud": "tuber-api", "iat": now,
                        "exp": now + 300, "jti": "x"}, get_settings().jwt_secret, "HS256")
    assert apis["auth"].get("/auth/me", token=token).status == 200
