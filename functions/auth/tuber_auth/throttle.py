"""Sign-in throttling that holds under concurrency and cannot lock an owner out.

Every attempt is counted atomically *before* its password is checked, in counters kept in
Mongo (`login_failures`, one document per counter and window, cleaned up by a TTL index), so
that concurrent guesses, one per Lambda container, cannot all be evaluated while a count lags
behind. Each counter allows a number of failed attempts per window of LOGIN_LOCKOUT_SECONDS
(the window starts with its first attempt); the attempt that would go over is refused with
429 `login_throttled` and Retry-After (the end of that counter's window) without bcrypt
running. A sign-in that succeeds gives its attempt back, so counters count failures.

Which counters an attempt goes through depends on the client (`Client`):
- a device that has signed in to this account before (its HttpOnly device cookie,
  tuber_auth.cookies) only through its own (account, device) counter, LOGIN_MAX_FAILURES;
- any other client through (account, IP), LOGIN_MAX_FAILURES; the IP, whatever the account,
  LOGIN_IP_MAX_FAILURES; and, unless its network (the IPv4 address, the IPv6 /64) has signed
  in to this account before, the account, LOGIN_ACCOUNT_MAX_FAILURES.
So a stranger elsewhere who exhausts an account's counter stops every new device on every new
network (distributed guessing gets LOGIN_ACCOUNT_MAX_FAILURES per window in all), but not the
owner's devices, nor the owner's networks: a stranger can only lock their own IP.

Devices and networks become known to an account when a sign-in from them succeeds, for
KNOWN_CLIENT_DAYS (`known_clients`, keyed by an HMAC of user, kind and value: the collection
holds no addresses). An attempt goes through at most three counters, claimed one after another;
a refusal gives back what it had claimed, so a race can only refuse more, never admit more.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pymongo import ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from tuber_common.clock import utcnow
from tuber_common.errors import Throttled
from tuber_common.secret_settings import secret
from tuber_common.settings import get_settings

# What a success does to a counter: an (account, client) counter starts over (the client
# has proved itself), a shared one only gives this attempt back.
_CLEARED_ON_SUCCESS = ("acct-ip", "acct-dev")


@dataclass(frozen=True)
class Client:
    """Who is signing in: the viewer's IP (tuber_common.http.client_ip) and the device id of
    the browser's device cookie, when it sent one."""
    ip: str
    device_id: str | None = None

    @property
    def network(self) -> str:
        """The IPv4 address, or the IPv6 /64 (one household's or phone's prefix)."""
        try:
            address = ipaddress.ip_address(self.ip)
        except ValueError:
            return self.ip or "unknown"
        if address.version == 6:
            if address.ipv4_mapped is not None:
                return str(address.ipv4_mapped)
            return str(ipaddress.ip_network(f"{address}/64", strict=False))
        return str(address)


@dataclass
class Attempt:
    """One counted attempt; tell it `succeeded()` once the password matched."""
    db: Database
    user_id: object
    client: Client
    counters: list[tuple[str, str]] = field(default_factory=list)  # (kind, _id) claimed
    remember: bool = True  # whether a success writes the client down as known (again)

    def succeeded(self) -> None:
        for kind, key in self.counters:
            if kind in _CLEARED_ON_SUCCESS:
                self.db.login_failures.delete_one({"_id": key})
            else:
                _give_back(self.db, key)
        if self.user_id is not None and self.remember:
            remember(self.db, self.user_id, self.client)


def begin(db: Database, account_key: str, user_id, client: Client) -> Attempt:
    """Count an attempt on `account_key` (user_id: the account's, None for unknown names) from
    `client`; Throttled, with nothing counted, if a counter it goes through is full."""
    settings = get_settings()
    known, stale = _known_kinds(db, user_id, client) if user_id is not None else (set(), False)
    if "device" in known:
        plan = [("acct-dev", f"{account_key}|dev:{_digest(client.device_id or '')}",
                 settings.login_max_failures)]
    else:
        plan = [("acct-ip", f"{account_key}|ip:{client.ip}", settings.login_max_failures),
                ("ip", f"ip:{client.ip}", settings.login_ip_max_failures)]
        if "network" not in known:
            plan.append(("acct", account_key, settings.login_account_max_failures))
    attempt = Attempt(db, user_id, client, remember=stale)
    now = utcnow()
    window_end = now + timedelta(seconds=settings.login_lockout_seconds)
    for kind, key, limit in plan:
        doc = _count(db, key, now, window_end)
        if doc["attempts"] > limit:
            _give_back(db, key)
            for _, claimed in attempt.counters:
                _give_back(db, claimed)
            raise Throttled("too many failed sign-in attempts, try again later",
                            retry_after=_seconds_until(doc["expiresAt"], now),
                            code="login_throttled")
        attempt.counters.append((kind, key))
    return attempt


def remember(db: Database, user_id, client: Client) -> None:
    """`client`'s device (if any) and network are known to the account from now on."""
    now = utcnow()
    expires = now + timedelta(days=get_settings().known_client_days)
    for kind, value in _client_values(client):
        try:
            db.known_clients.update_one(
                {"_id": _known_id(user_id, kind, value)},
                {"$set": {"userId": user_id, "kind": kind, "lastSeenAt": now,
                          "expiresAt": expires}},
                upsert=True)
        except DuplicateKeyError:  # the same client signed in twice at once: it is known
            pass


def forget_user(db: Database, user_id) -> None:
    """Account deletion: the devices and networks it knew."""
    db.known_clients.delete_many({"userId": user_id})


def _known_kinds(db: Database, user_id, client: Client) -> tuple[set[str], bool]:
    """What the account knows of `client` ("device", "network"), and whether a success should
    write it down (something is new, or was last written down more than a day ago)."""
    ids = {_known_id(user_id, kind, value): kind for kind, value in _client_values(client)}
    now = utcnow()
    found = list(db.known_clients.find({"_id": {"$in": list(ids)}, "expiresAt": {"$gt": now}},
                                       {"expiresAt": 1}))
    fresh_after = now + timedelta(days=get_settings().known_client_days - 1)
    stale = len(found) < len(ids) or any(d["expiresAt"] < fresh_after for d in found)
    return {ids[d["_id"]] for d in found}, stale


def _client_values(client: Client) -> list[tuple[str, str]]:
    values = [("network", client.network)]
    if client.device_id:
        values.append(("device", client.device_id))
    return values


def _known_id(user_id, kind: str, value: str) -> str:
    # Keyed by the JWT secret: the collection says nothing about where anyone signs in from.
    # (After a rotation of that secret every device and network is new once.)
    message = f"{user_id}|{kind}|{value}".encode()
    return hmac.new(secret("jwt_secret").encode(), message, hashlib.sha256).hexdigest()


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def _count(db: Database, key: str, now: datetime, window_end: datetime) -> dict:
    """Add one attempt to counter `key` (a new window if it has none, or its window ended)
    and return it: one round trip, unless a window starts."""
    while True:
        try:
            doc = db.login_failures.find_one_and_update(
                {"_id": key, "expiresAt": {"$gt": now}},
                {"$inc": {"attempts": 1}, "$setOnInsert": {"expiresAt": window_end}},
                upsert=True, return_document=ReturnDocument.AFTER)
        except DuplicateKeyError:
            # The counter exists but its window has ended (or another attempt just created
            # it): start a new window on it, unless someone else already did.
            doc = db.login_failures.find_one_and_update(
                {"_id": key, "expiresAt": {"$lte": now}},
                {"$set": {"attempts": 1, "expiresAt": window_end}},
                return_document=ReturnDocument.AFTER)
        if doc is not None:
            return doc
        # None: the window was restarted by another attempt in between, or (SecantusDB, about
        # 1 in 200 racing upserts) the update was applied but its answer lost. Count again:
        # counting an attempt twice can only refuse one more, never admit one more.


def _give_back(db: Database, key: str) -> None:
    db.login_failures.update_one({"_id": key, "attempts": {"$gt": 0}},
                                 {"$inc": {"attempts": -1}})


def _seconds_until(when: datetime, now: datetime) -> int:
    return max(1, math.ceil((when - now).total_seconds()))
