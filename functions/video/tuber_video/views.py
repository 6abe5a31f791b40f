"""View counting by the server's clock (issue 16). The rules are in docs/API.md, "Views".

1. `POST /video/{id}/view/start` (the player, when playback begins): a view session, a token
   the server signs (HMAC-SHA256, key derived from the JWT secret) naming the video, the
   viewer, a random session id and the server's time. Nothing is stored.
2. `POST /video/{id}/view {viewSession}`: the view counts only when the server's own clock
   says the session started at least `min_watch_seconds` ago (whatever the client claims),
   the session is this viewer's, for this video and not expired, and then:
   - a session counts at most once;
   - a signed-in viewer counts once per video per VIEW_DEDUP_WINDOW_SECONDS;
   - an anonymous viewer is bound to its network (an IPv4 address, an IPv6 /64: an IPv6
     host has a whole /64 to pick addresses from), which no header changes: one view per
     (network, user agent) per window, and at most VIEW_ANONYMOUS_PER_NETWORK views per
     network per video per window, whatever user agents it sends.

Every claim is one atomic operation on a `views` document (insert of a unique `_id`, or an
update conditional on the document's state), so concurrent reports count exactly as serial
ones would; the counter then moves by `$inc`. Every document carries `videoId` (deleted with
the video) and `expiresAt` (TTL). Networks are stored only as keyed hashes (HMAC with the
server's key: a plain hash of an IPv4 address is reversed by trying all 2^32). A counted
view also goes into its video's hourly bucket for trending (tuber_video.trending)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import math
import secrets
import time
from datetime import datetime, timedelta, timezone

from pymongo import ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from tuber_common import secret_settings
from tuber_common.clock import iso, utcnow
from tuber_common.errors import BadRequest, Conflict, Forbidden
from tuber_common.observability import count
from tuber_common.settings import get_settings
from tuber_common.videos import PUBLIC, find_visible_video

from . import trending


TOKEN_VERSION = "v1"
_KEY_LABEL = b"tuber view sessions v1"


def _clock() -> float:
    """The server's time (tests move it)."""
    return time.time()


# --- who is viewing ---------------------------------------------------------------------------

def network_of(client_ip: str) -> str:
    """The network an anonymous viewer is counted by: an IPv4 address as is, an IPv6 address's
    /64 (an IPv4-mapped IPv6 address is its IPv4 address)."""
    try:
        address = ipaddress.ip_address(client_ip.strip())
    except ValueError:
        return client_ip.strip() or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def _keys() -> list[bytes]:
    """Signing keys, current first (and the one before a rotation of the JWT secret, so a
    session started just before it still counts)."""
    keys = [hmac.new(secret_settings.secret("jwt_secret").encode(), _KEY_LABEL,
                     hashlib.sha256).digest()]
    previous = secret_settings.previous("jwt_secret")
    if previous:
        keys.append(hmac.new(previous.encode(), _KEY_LABEL, hashlib.sha256).digest())
    return keys


def _keyed(text: str) -> str:
    return hmac.new(_keys()[0], text.encode(), hashlib.sha256).hexdigest()[:32]


def viewer_binding(user_id: str | None, client_ip: str) -> str:
    """Whom a session belongs to: the signed-in user, else the network (keyed hash)."""
    if user_id:
        return f"u:{user_id}"
    return f"n:{_keyed('network|' + network_of(client_ip))}"


def min_watch_seconds(duration_seconds: float | None) -> float:
    """Time a view needs: VIEW_MIN_SECONDS, or half the video when that is shorter."""
    minimum = get_settings().view_min_seconds
    if duration_seconds and duration_seconds > 0:
        return min(minimum, duration_seconds / 2)
    return minimum


# --- the signed session -----------------------------------------------------------------------

def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, signed: str) -> bytes:
    return hmac.new(key, signed.encode(), hashlib.sha256).digest()


def sign_session(video_id: str, binding: str, started: float, expires: float) -> str:
    payload = _b64(json.dumps({"v": video_id, "w": binding, "s": _b64(secrets.token_bytes(16)),
                               "t": started, "x": int(expires)},
                              separators=(",", ":")).encode())
    signed = f"{TOKEN_VERSION}.{payload}"
    return f"{signed}.{_b64(_mac(_keys()[0], signed))}"


def _invalid() -> BadRequest:
    return BadRequest("the view session is invalid", code="invalid_view_session")


def read_session(token: str) -> dict:
    """The session's fields if the server signed it (any video, any viewer), else 400."""
    try:
        version, payload, mac = token.split(".")
        signed = f"{version}.{payload}"
        if version != TOKEN_VERSION or not any(
                hmac.compare_digest(_unb64(mac), _mac(key, signed)) for key in _keys()):
            raise ValueError("signature")
        session = json.loads(_unb64(payload))
        if not (isinstance(session, dict) and isinstance(session.get("v"), str)
                and isinstance(session.get("w"), str) and isinstance(session.get("s"), str)
                and type(session.get("t")) in (int, float) and type(session.get("x")) is int):
            raise ValueError("fields")
        return session
    except (ValueError, TypeError):
        raise _invalid() from None


def start(db: Database, video_id: str, user_id: str | None, client_ip: str) -> dict:
    """POST /video/{id}/view/start: {viewSession, countsAfterSeconds, expiresAt, expiresIn}."""
    doc = find_visible_video(db, video_id, user_id)
    if doc["status"] != PUBLIC:
        raise Conflict("only published videos count views", code="video_not_published")
    now = _clock()
    lifetime = get_settings().view_session_ttl_seconds
    token = sign_session(str(doc["_id"]), viewer_binding(user_id, client_ip), now,
                         now + lifetime)
    return {"viewSession": token,
            "countsAfterSeconds": min_watch_seconds(doc.get("durationSeconds")),
            "expiresAt": iso(datetime.fromtimestamp(int(now + lifetime), timezone.utc)),
            "expiresIn": lifetime}


# --- counting -----------------------------------------------------------------------------

def _insert_claim(db: Database, doc: dict) -> bool:
    """Insert a claim document; False if its `_id` is taken. `claim` is a nonce of this
    request: a driver retry that meets its own first insert is a success, not a taken id."""
    try:
        db.views.insert_one(doc)
        return True
    except DuplicateKeyError:
        return db.views.count_documents({"_id": doc["_id"], "claim": doc["claim"]},
                                        limit=1) > 0


def _claim_window(db: Database, key: str, video_oid, now: datetime, expires: datetime,
                  nonce: str) -> tuple[bool, datetime | None]:
    """Open the window `key` until `expires`: (True, the window's previous end or None) if
    none was open, (False, None) if one is. Atomic: of concurrent claims one wins."""
    for _ in range(3):
        if _insert_claim(db, {"_id": key, "videoId": video_oid, "expiresAt": expires,
                              "claim": nonce}):
            return True, None
        # A window exists: it is ours only if it is over (the TTL monitor may not have
        # removed it yet).
        before = db.views.find_one_and_update(
            {"_id": key, "expiresAt": {"$lte": now}},
            {"$set": {"expiresAt": expires, "claim": nonce}},
            {"expiresAt": 1}, return_document=ReturnDocument.BEFORE)
        if before is not None:
            return True, before["expiresAt"]
        if db.views.count_documents({"_id": key}, limit=1):
            return False, None
        # Removed by the TTL monitor between our two steps: try again.
    return False, None


def _release_window(db: Database, key: str, expires: datetime, nonce: str,
                    previous: datetime | None) -> None:
    """Undo our own _claim_window (the view did not count after all)."""
    mine = {"_id": key, "expiresAt": expires, "claim": nonce}
    if previous is None:
        db.views.delete_one(mine)
    else:
        db.views.update_one(mine, {"$set": {"expiresAt": previous}})


def _claim_slot(db: Database, key: str, video_oid, cap: int, now: datetime,
                expires: datetime, nonce: str) -> bool:
    """Take one of `cap` slots of the counter `key` (a window from its first slot to
    `expires`). Each step is one conditional operation: never more than `cap` slots."""
    for _ in range(3):
        if db.views.update_one({"_id": key, "expiresAt": {"$gt": now}, "count": {"$lt": cap}},
                               {"$inc": {"count": 1}}).modified_count:
            return True
        if _insert_claim(db, {"_id": key, "videoId": video_oid, "count": 1,
                              "expiresAt": expires, "claim": nonce}):
            return True
        if db.views.update_one({"_id": key, "expiresAt": {"$lte": now}},
                               {"$set": {"count": 1, "expiresAt": expires,
                                         "claim": nonce}}).modified_count:
            return True
        if db.views.count_documents({"_id": key, "expiresAt": {"$gt": now},
                                     "count": {"$gte": cap}}, limit=1):
            return False
        # Between states (created, expired or removed meanwhile): look again.
    return False


def _user_window_id(video_id: str, user_id: str) -> str:
    # The same key as before view sessions: windows opened then still hold.
    return hashlib.sha256(f"{video_id}|u:{user_id}".encode()).hexdigest()


def _counts(db: Database, doc: dict, session: dict, user_id: str | None, client_ip: str,
            user_agent: str) -> bool:
    """Apply the de-duplication rules in order; True when this view counts."""
    settings = get_settings()
    video_oid, video_id = doc["_id"], str(doc["_id"])
    now = utcnow()  # milliseconds, as BSON keeps it: _release_window matches it exactly
    nonce = secrets.token_hex(8)
    ends = datetime.fromtimestamp(session["x"], timezone.utc)
    # A session counts at most once.
    if not _insert_claim(db, {"_id": f"s:{session['s']}", "videoId": video_oid,
                              "expiresAt": ends, "claim": nonce}):
        return False
    window_end = now + timedelta(seconds=settings.view_dedup_window_seconds)
    if user_id:
        return _claim_window(db, _user_window_id(video_id, user_id), video_oid, now,
                             window_end, nonce)[0]
    network = network_of(client_ip)
    # The same browser (network and user agent) once per window...
    browser = f"a:{_keyed(f'{video_id}|{network}|{user_agent}')}"
    claimed, previous = _claim_window(db, browser, video_oid, now, window_end, nonce)
    if not claimed:
        return False
    # ...and the network at most VIEW_ANONYMOUS_PER_NETWORK times, whatever it sends.
    if _claim_slot(db, f"n:{_keyed(f'{video_id}|{network}')}", video_oid,
                   settings.view_anonymous_per_network, now, window_end, nonce):
        return True
    _release_window(db, browser, window_end, nonce, previous)
    return False


def record_view(db: Database, video_id: str, view_session: str, user_id: str | None,
                client_ip: str, user_agent: str) -> dict:
    """POST /video/{id}/view: {viewCount, counted, countsInSeconds}. `countsInSeconds` is
    set when the session is too young by the server's clock (report again then); null when
    the view counted or never will (de-duplicated, or the video is not PUBLIC)."""
    doc = find_visible_video(db, video_id, user_id)
    session = read_session(view_session)
    if session["v"] != str(doc["_id"]):
        raise _invalid()
    unchanged = {"viewCount": int(doc.get("viewCount", 0)), "counted": False,
                 "countsInSeconds": None}
    if session["w"] != viewer_binding(user_id, client_ip):
        raise Forbidden("this view session was started by another viewer or network",
                        code="view_session_mismatch")
    now = _clock()
    if now >= session["x"]:
        raise Conflict("the view session expired: start a new one",
                       code="view_session_expired")
    if doc["status"] != PUBLIC:
        return unchanged
    wait = session["t"] + min_watch_seconds(doc.get("durationSeconds")) - now
    if wait > 0:
        # Too early by the server's clock: nothing is used up.
        return {**unchanged, "countsInSeconds": math.ceil(wait * 10) / 10}
    if not _counts(db, doc, session, user_id, client_ip, user_agent):
        return unchanged
    counted = db.videos.find_one_and_update({"_id": doc["_id"]}, {"$inc": {"viewCount": 1}},
                                            {"viewCount": 1},
                                            return_document=ReturnDocument.AFTER)
    # Deleted in the meantime: nothing left to count.
    if counted is None:
        return unchanged
    # Trending's hourly bucket (one $inc upsert): after the counter, so a crash between the
    # two costs trending one view, never counts one the video did not get.
    trending.count_view(db, doc["_id"])
    count("ViewsCounted")
    return {"viewCount": int(counted["viewCount"]), "counted": True, "countsInSeconds": None}
