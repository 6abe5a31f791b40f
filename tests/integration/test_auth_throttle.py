"""Sign-in limits (tuber_auth.throttle; docs/API.md "Sign-in limits"): per (account, IP), per
IP and per account, counted before bcrypt so that they hold under concurrency (threads, and
processes as separate Lambda containers would be), and a stranger cannot lock the owner out of
a device or network the owner signed in from before."""
from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

PASSWORD = "correct horse battery"
OWNER_IP = "203.0.113.10"


@pytest.fixture
def limits(monkeypatch):
    """Small limits: 3 per (account, IP) or device, 6 per account, 8 per IP."""
    from tuber_common.settings import get_settings

    def _set(per_client=3, per_account=6, per_ip=8, window=900):
        monkeypatch.setenv("LOGIN_MAX_FAILURES", str(per_client))
        monkeypatch.setenv("LOGIN_ACCOUNT_MAX_FAILURES", str(per_account))
        monkeypatch.setenv("LOGIN_IP_MAX_FAILURES", str(per_ip))
        monkeypatch.setenv("LOGIN_LOCKOUT_SECONDS", str(window))
        get_settings.cache_clear()
    _set()
    yield _set
    get_settings.cache_clear()


def register(api, username):
    answer = api.post("/auth/register", {"username": username, "email": f"{username}@example.com",
                                         "password": PASSWORD})
    assert answer.status == 201, answer.body


def login(api, username, password=PASSWORD, ip=OWNER_IP, cookies=()):
    headers = {"cookie": "; ".join(cookies)} if cookies else None
    return api.post("/auth/login", {"username": username, "password": password},
                    source_ip=ip, headers=headers)


def device_cookie(answer) -> str:
    return next(c.split(";")[0] for c in answer.cookies if c.startswith("tuber_device="))


def assert_throttled(answer, window=900):
    assert answer.status == 429, answer.body
    assert answer.error_code == "login_throttled"
    assert 0 < int(answer.headers["retry-after"]) <= window
    assert answer.json["error"]["details"]["retryAfterSeconds"] == int(answer.headers["retry-after"])


def test_a_stranger_locks_only_their_own_ip_out_of_an_account(auth_api, limits):
    register(auth_api, "alice")
    for _ in range(3):
        assert login(auth_api, "alice", "wrong guess", ip="198.51.100.1").status == 401
    assert_throttled(login(auth_api, "alice", ip="198.51.100.1"))  # even the right password
    # The owner, from another network (one never seen before), signs in.
    assert login(auth_api, "alice", ip=OWNER_IP).status == 200


def test_per_ip_limit_across_accounts(auth_api, limits):
    """One IP trying many accounts (the issue: 40 accounts, 40 attempts, all went through)."""
    names = [f"user{i}" for i in range(12)]
    for name in names:
        register(auth_api, name)
    statuses = [login(auth_api, name, "wrong guess", ip="198.51.100.2").status
                for name in names]
    assert statuses == [401] * 8 + [429] * 4
    # Unknown names count too, and the same answer hides which names exist.
    assert_throttled(login(auth_api, "nobody-here", "wrong guess", ip="198.51.100.2"))
    # Other IPs are not affected.
    assert login(auth_api, "user0", ip="198.51.100.3").status == 200


def test_a_success_gives_its_attempt_back(auth_api, limits):
    """Counters count failures: a household signing in and out all day is never throttled."""
    register(auth_api, "alice")
    for _ in range(20):
        assert login(auth_api, "alice").status == 200


def test_distributed_guessing_stops_new_clients_but_not_the_owner(auth_api, limits):
    register(auth_api, "alice")
    # The owner signed in before: from this device (its cookie) and this network.
    first = login(auth_api, "alice", ip=OWNER_IP)
    assert first.status == 200
    device = device_cookie(first)
    # Strangers from 10 networks, 2 guesses each: the account's 6 are spent, then refused.
    statuses = [login(auth_api, "alice", "wrong guess", ip=f"198.51.100.{i}").status
                for i in range(10) for _ in range(2)]
    assert statuses.count(401) == 6 and statuses.count(429) == 14
    # A new device on a new network: stopped (the owner travelling with a new phone waits).
    assert_throttled(login(auth_api, "alice", ip="192.0.2.50"))
    # The owner's device, from anywhere: signs in.
    assert login(auth_api, "alice", ip="192.0.2.51", cookies=[device]).status == 200
    # The owner's network, on a device without the cookie: signs in.
    assert login(auth_api, "alice", ip=OWNER_IP).status == 200
    # And the owner's success did not give the strangers a fresh allowance.
    assert_throttled(login(auth_api, "alice", "wrong guess", ip="192.0.2.52"))


def test_a_device_cookie_for_another_account_or_made_up_is_no_exemption(auth_api, limits):
    register(auth_api, "alice")
    register(auth_api, "mallory")
    mallory_device = device_cookie(login(auth_api, "mallory", ip="198.51.100.7"))
    for i in range(6):
        login(auth_api, "alice", "wrong guess", ip=f"198.51.100.{20 + i}")
    for cookie in (mallory_device, "tuber_device=" + "A" * 22):
        assert_throttled(login(auth_api, "alice", ip="198.51.100.40", cookies=[cookie]))


def test_a_known_device_has_its_own_limit(auth_api, limits):
    """Someone at the owner's computer guessing: the device's own 3, then refused."""
    register(auth_api, "alice")
    device = device_cookie(login(auth_api, "alice"))
    for _ in range(3):
        assert login(auth_api, "alice", "wrong guess", cookies=[device]).status == 401
    assert_throttled(login(auth_api, "alice", cookies=[device]))
    # The owner's network, without that device, is still open (its own counter).
    assert login(auth_api, "alice", ip=OWNER_IP).status == 200


def test_ipv6_networks_are_the_64_prefix(auth_api, limits):
    register(auth_api, "alice")
    assert login(auth_api, "alice", ip="2001:db8:1:2::10").status == 200
    for i in range(6):
        login(auth_api, "alice", "wrong guess", ip=f"2001:db8:ff:{i}::1")
    assert_throttled(login(auth_api, "alice", ip="2001:db8:99::1"))
    # Another address of the owner's /64 (privacy addresses change) is the owner's network.
    assert login(auth_api, "alice", ip="2001:db8:1:2:abcd::77").status == 200


def test_known_clients_hold_no_addresses(auth_api, limits, db):
    register(auth_api, "alice")
    login(auth_api, "alice", ip=OWNER_IP)
    stored = list(db.known_clients.find())
    assert {d["kind"] for d in stored} == {"device", "network"}
    assert OWNER_IP not in str(stored)


def test_the_window_ends(auth_api, limits):
    import time

    limits(window=1)
    register(auth_api, "alice")
    for _ in range(3):
        login(auth_api, "alice", "wrong guess", ip="198.51.100.1")
    assert_throttled(login(auth_api, "alice", ip="198.51.100.1"), window=1)
    time.sleep(1.2)
    assert login(auth_api, "alice", ip="198.51.100.1").status == 200


def counting_verify(monkeypatch):
    import tuber_auth.accounts as accounts

    checked = []
    real = accounts.verify_password

    def counting(password, password_hash):
        checked.append(password)
        return real(password, password_hash)
    monkeypatch.setattr(accounts, "verify_password", counting)
    return checked


def test_concurrent_guesses_from_one_ip_on_many_accounts(auth_api, limits, monkeypatch):
    """41 threads, 41 accounts, one IP: no more password checks than the IP's limit."""
    names = [f"user{i}" for i in range(41)]
    for name in names:
        register(auth_api, name)
    checked = counting_verify(monkeypatch)
    with ThreadPoolExecutor(len(names)) as pool:
        statuses = list(pool.map(
            lambda name: login(auth_api, name, "wrong guess", ip="198.51.100.2").status, names))
    assert len(checked) <= 8 and statuses.count(401) == len(checked), Counter(statuses)
    assert statuses.count(429) == len(names) - len(checked), Counter(statuses)


def test_concurrent_guesses_from_many_ips_on_one_account(auth_api, limits, monkeypatch):
    """41 threads from 41 addresses, the right password among them: at most the account's 6
    are checked; whether the right one was among them decides alone whether it signed in."""
    register(auth_api, "alice")
    checked = counting_verify(monkeypatch)
    guesses = [f"guess number {i}" for i in range(40)] + [PASSWORD]
    with ThreadPoolExecutor(len(guesses)) as pool:
        statuses = list(pool.map(
            lambda i: login(auth_api, "alice", guesses[i], ip=f"198.51.100.{i + 1}").status,
            range(len(guesses))))
    assert len(checked) <= 6, len(checked)
    assert statuses.count(429) >= len(guesses) - 6
    assert (200 in statuses) == (PASSWORD in checked)


@pytest.mark.slow
def test_concurrent_guesses_from_separate_processes(auth_api, limits):
    """16 processes (16 Lambda containers: own imports, own MongoClient), 40 guesses from 40
    addresses on one account, the right password among them, released at once: no more
    than the account's 6 reach bcrypt (401 or 200; the rest are 429)."""
    from tests.support.concurrent_calls import run_in_processes

    register(auth_api, "alice")
    guesses = [f"guess number {i}" for i in range(39)] + [PASSWORD]
    calls = [("POST", "/auth/login", {"username": "alice", "password": guess},
              f"198.51.100.{i + 1}", None) for i, guess in enumerate(guesses)]
    answers = run_in_processes("auth", calls, processes=16)
    statuses = [status for status, _, _ in answers]
    assert set(statuses) <= {200, 401, 429}
    checked = [guesses[i] for i, status in enumerate(statuses) if status != 429]
    assert len(checked) <= 6, statuses
    assert (200 in statuses) == (PASSWORD in checked)
    # Every refusal says when to come back.
    assert all(body["error"]["details"]["retryAfterSeconds"] > 0
               for status, body, _ in answers if status == 429)
