"""CloudFront signatures for media, in one place: signing (the API) and verifying (the local
media origin, which checks requests exactly as CloudFront does; only the key differs).

- Thumbnails: signed URLs with a canned policy,
  `{url}?Expires={t}&Signature={sig}&Key-Pair-Id={id}`. The expiry is a window boundary
  (`thumbnail_expiry`), so a thumbnail's URL stays the same for minutes (the browser caches
  it) and dies within 5 minutes. Signatures are cached per (url, expiry) in the container: a
  feed page signs ~24 of them and RSA costs ~1 ms each.
- Playback: signed cookies with a custom policy whose resource is `{base}/hls/{videoId}/*`,
  cookie Path `/hls/{videoId}/` (`playback_cookies`), expiring within 5 minutes.

A signature is RSA (PKCS#1 v1.5) with SHA-1 over the policy JSON, written in CloudFront's
URL-safe base64 (`+` -> `-`, `=` -> `_`, `/` -> `~`). `cryptography` is imported on first
use only: a function that never signs does not pay for it at cold start.

Settings: MEDIA_BASE_URL (the public origin of /hls and /thumbs: the gateway's
http://127.0.0.1:PORT locally) or MEDIA_BASE_URL_PARAMETER (on AWS: the SSM parameter holding
the distribution's https URL), MEDIA_SIGNING_KEY_ID (the CloudFront public key id), and the
private key PEM from MEDIA_SIGNING_KEY or the secret MEDIA_SIGNING_KEY_ARN names.
"""
from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping
from urllib.parse import urlsplit, urlunsplit

# Query parameters and cookies CloudFront reads (and, for the URL, removes before matching).
SIGNING_PARAMS = ("Expires", "Policy", "Signature", "Key-Pair-Id")
COOKIE_POLICY = "CloudFront-Policy"
COOKIE_SIGNATURE = "CloudFront-Signature"
COOKIE_KEY_PAIR_ID = "CloudFront-Key-Pair-Id"
COOKIE_EXPIRES = "CloudFront-Expires"  # canned-policy cookies (we never issue them)
COOKIE_NAMES = (COOKIE_POLICY, COOKIE_SIGNATURE, COOKIE_KEY_PAIR_ID)

# Playback cookies live at most this long; the web client refreshes them while it plays.
PLAYBACK_TTL_SECONDS = 300
# Thumbnail URLs expire on the first boundary of a 4-minute grid that is at least a minute
# away: a URL lives 1 to 5 minutes and is the same for everyone within a window.
THUMBNAIL_WINDOW_SECONDS = 240
THUMBNAIL_MIN_SECONDS = 60

_TO_CLOUDFRONT = str.maketrans("+=/", "-_~")
_FROM_CLOUDFRONT = str.maketrans("-_~", "+=/")


class MediaSigningError(RuntimeError):
    """Signing is not configured (no key id, no private key, no base URL): a deploy error."""


class Denied(Exception):
    """A request CloudFront would refuse with 403. `code` is CloudFront's error code."""

    def __init__(self, reason: str, code: str = "AccessDenied"):
        super().__init__(reason)
        self.reason = reason
        self.code = code


# --- encoding and policies --------------------------------------------------------------

def b64encode(data: bytes) -> str:
    """CloudFront's URL-safe base64: standard base64 with + = / replaced by - _ ~."""
    return base64.b64encode(data).decode("ascii").translate(_TO_CLOUDFRONT)


def b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text.translate(_FROM_CLOUDFRONT).encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise Denied("malformed base64", "MalformedSignature") from None


def canned_policy(url: str, expires: int) -> str:
    """The policy a canned signed URL stands for, byte for byte as CloudFront rebuilds it."""
    return ('{"Statement":[{"Resource":"%s","Condition":{"DateLessThan":{"AWS:EpochTime":%d}}}]}'
            % (url, int(expires)))


def custom_policy(resource: str, expires: int, *, not_before: int | None = None,
                  source_ip: str | None = None) -> str:
    condition: dict[str, Any] = {"DateLessThan": {"AWS:EpochTime": int(expires)}}
    if not_before is not None:
        condition["DateGreaterThan"] = {"AWS:EpochTime": int(not_before)}
    if source_ip is not None:
        condition["IpAddress"] = {"AWS:SourceIp": source_ip}
    return json.dumps({"Statement": [{"Resource": resource, "Condition": condition}]},
                      separators=(",", ":"))


def thumbnail_expiry(now: float | None = None) -> int:
    """A boundary of the THUMBNAIL_WINDOW_SECONDS grid, THUMBNAIL_MIN_SECONDS to
    THUMBNAIL_MIN_SECONDS + THUMBNAIL_WINDOW_SECONDS (= 5 minutes) from now."""
    now = time.time() if now is None else now
    window = THUMBNAIL_WINDOW_SECONDS
    return -(-int(now + THUMBNAIL_MIN_SECONDS) // window) * window


# --- signing ----------------------------------------------------------------------------

class MediaSigner:
    """Signs with one CloudFront key pair. The key is parsed on the first signature."""

    _CACHE_LIMIT = 4096

    def __init__(self, key_pair_id: str, private_key_pem: str | bytes):
        if not key_pair_id:
            raise MediaSigningError("MEDIA_SIGNING_KEY_ID is not set")
        self.key_pair_id = key_pair_id
        self._pem = private_key_pem.encode() if isinstance(private_key_pem, str) \
            else private_key_pem
        self._key = None
        self._lock = threading.Lock()
        self._url_cache: dict[tuple[str, int], str] = {}

    def _private_key(self):
        if self._key is None:
            with self._lock:
                if self._key is None:
                    from cryptography.hazmat.primitives.serialization import load_pem_private_key

                    self._key = load_pem_private_key(self._pem, password=None)
        return self._key

    def sign(self, policy: str) -> str:
        """RSA-SHA1 (PKCS#1 v1.5) over the policy's bytes, in CloudFront's base64."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        signature = self._private_key().sign(policy.encode("utf-8"), padding.PKCS1v15(),
                                             hashes.SHA1())
        return b64encode(signature)

    def signed_url(self, url: str, expires: int) -> str:
        """`url` with a canned policy: valid for exactly that URL until `expires`."""
        key = (url, int(expires))
        found = self._url_cache.get(key)
        if found is None:
            signature = self.sign(canned_policy(url, expires))
            found = (f"{url}{'&' if '?' in url else '?'}Expires={int(expires)}"
                     f"&Signature={signature}&Key-Pair-Id={self.key_pair_id}")
            if len(self._url_cache) >= self._CACHE_LIMIT:
                self._url_cache.clear()  # old windows are dead anyway
            self._url_cache[key] = found
        return found

    def signed_cookies(self, resource: str, expires: int) -> dict[str, str]:
        """The three cookies of a custom policy for `resource` (`*` wildcards allowed)."""
        policy = custom_policy(resource, expires)
        return {COOKIE_POLICY: b64encode(policy.encode("utf-8")),
                COOKIE_SIGNATURE: self.sign(policy),
                COOKIE_KEY_PAIR_ID: self.key_pair_id}


@lru_cache(maxsize=4)
def _signer(key_pair_id: str, pem: str) -> MediaSigner:
    return MediaSigner(key_pair_id, pem)


def get_signer() -> MediaSigner:
    """The container's signer for the current settings (the key loaded once)."""
    from .settings import get_settings

    settings = get_settings()
    if not settings.media_signing_key_id:
        raise MediaSigningError("MEDIA_SIGNING_KEY_ID is not set")
    # MEDIA_SIGNING_KEY, else the secret MEDIA_SIGNING_KEY_ARN names (read on first use,
    # cached for SECRETS_MAX_AGE_SECONDS: tuber_common.secret_settings).
    from .secret_settings import secret

    return _signer(settings.media_signing_key_id, secret("media_signing_key"))


def media_base_url() -> str:
    """MEDIA_BASE_URL, else the SSM parameter MEDIA_BASE_URL_PARAMETER names (on AWS: the
    distribution's URL, which the template cannot hand the function directly)."""
    from .settings import get_settings

    settings = get_settings()
    base = settings.media_base_url or _ssm_parameter(settings.media_base_url_parameter)
    if not base:
        raise MediaSigningError("set MEDIA_BASE_URL or MEDIA_BASE_URL_PARAMETER")
    return base.rstrip("/")


def media_distribution_id() -> str:
    """The CloudFront distribution serving the media ("" where there is none: locally)."""
    from .settings import get_settings

    settings = get_settings()
    return settings.media_distribution_id or _ssm_parameter(
        settings.media_distribution_id_parameter)


def _ssm_parameter(name: str) -> str:
    if not name:
        return ""
    # Powertools caches it (5 minutes); boto3 loads here, with the first signature.
    from aws_lambda_powertools.utilities import parameters

    return parameters.get_parameter(name, max_age=300)


def media_url(key: str) -> str:
    """The unsigned public URL of a media key (what the signatures are about)."""
    return f"{media_base_url()}/{key.lstrip('/')}"


def signed_thumbnail_url(key: str | None, now: float | None = None) -> str | None:
    if not key:
        return None
    return get_signer().signed_url(media_url(key), thumbnail_expiry(now))


def playback_scope(video_id: str) -> tuple[str, str]:
    """(cookie Path, policy resource) for one video's HLS folder."""
    from .media_keys import playback_path

    path = playback_path(video_id)
    return path, f"{media_base_url()}{path}*"


@dataclass(frozen=True)
class PlaybackGrant:
    cookies: dict[str, str]
    path: str
    expires: int
    secure: bool


def playback_cookies(video_id: str, now: float | None = None) -> PlaybackGrant:
    """Signed cookies that open `/hls/{video_id}/` (and nothing else) for 5 minutes."""
    now = time.time() if now is None else now
    expires = int(now) + PLAYBACK_TTL_SECONDS
    path, resource = playback_scope(video_id)
    return PlaybackGrant(cookies=get_signer().signed_cookies(resource, expires), path=path,
                         expires=expires, secure=media_base_url().startswith("https:"))


# --- verifying (the local media origin; CloudFront does this on AWS) ---------------------

def load_public_key(pem: str | bytes):
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    return load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)


def public_key_pem(private_key_pem: str | bytes) -> str:
    """The public half of a private key, PEM (SubjectPublicKeyInfo): what
    AWS::CloudFront::PublicKey's EncodedKey takes."""
    from cryptography.hazmat.primitives.serialization import (Encoding, PublicFormat,
                                                              load_pem_private_key)

    pem = private_key_pem.encode() if isinstance(private_key_pem, str) else private_key_pem
    key = load_pem_private_key(pem, password=None)
    return key.public_key().public_bytes(Encoding.PEM,
                                         PublicFormat.SubjectPublicKeyInfo).decode()


def generate_private_key_pem() -> str:
    """A new 2048-bit RSA key (CloudFront's required size), PKCS#8 PEM."""
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import (Encoding, NoEncryption,
                                                              PrivateFormat)

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()


def parse_cookie_header(header: str | None) -> dict[str, str]:
    """Cookie header -> {name: value}; the first of duplicate names wins (browsers send the
    cookie with the longest matching Path first)."""
    found: dict[str, str] = {}
    for part in (header or "").split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name and name not in found:
            found[name] = value.strip().strip('"')
    return found


def strip_signing_params(url: str) -> tuple[str, dict[str, str]]:
    """(the URL without CloudFront's signing parameters, those parameters). The other query
    parameters stay as sent, in their order: they are part of what the policy signs."""
    parts = urlsplit(url)
    kept, signing = [], {}
    for pair in parts.query.split("&") if parts.query else []:
        name = pair.split("=", 1)[0]
        if name in SIGNING_PARAMS:
            signing.setdefault(name, pair.split("=", 1)[1] if "=" in pair else "")
        else:
            kept.append(pair)
    return urlunsplit(parts._replace(query="&".join(kept))), signing


def resource_matches(pattern: str, url: str) -> bool:
    """CloudFront's policy Resource match: `*` is any run of characters (none included),
    `?` exactly one; everything else literal, case-sensitive."""
    regex = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch)
                    for ch in pattern)
    return re.fullmatch(regex, url, re.DOTALL) is not None


def _epoch(condition: Mapping, name: str) -> int | None:
    if name not in condition:
        return None
    value = condition[name]
    if not (isinstance(value, dict) and set(value) == {"AWS:EpochTime"}
            and isinstance(value["AWS:EpochTime"], int)
            and not isinstance(value["AWS:EpochTime"], bool)):
        raise Denied(f"malformed {name}", "MalformedPolicy")
    return value["AWS:EpochTime"]


def check_policy(policy: bytes, url: str, now: float, source_ip: str | None = None) -> dict:
    """The policy's statement if it grants `url` at `now` (from `source_ip`); Denied else."""
    try:
        document = json.loads(policy.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Denied("policy is not JSON", "MalformedPolicy") from None
    statements = document.get("Statement") if isinstance(document, dict) else None
    if not (isinstance(statements, list) and len(statements) == 1
            and isinstance(statements[0], dict) and set(document) == {"Statement"}):
        raise Denied("policy needs exactly one statement", "MalformedPolicy")
    statement = statements[0]
    if not set(statement) <= {"Resource", "Condition"}:
        raise Denied("unknown statement field", "MalformedPolicy")
    condition = statement.get("Condition")
    if not (isinstance(condition, dict)
            and set(condition) <= {"DateLessThan", "DateGreaterThan", "IpAddress"}):
        raise Denied("malformed condition", "MalformedPolicy")
    resource = statement.get("Resource", "*")  # no Resource: every object
    if not isinstance(resource, str):
        raise Denied("malformed resource", "MalformedPolicy")
    expires = _epoch(condition, "DateLessThan")
    if expires is None:
        raise Denied("policy has no DateLessThan", "MalformedPolicy")
    not_before = _epoch(condition, "DateGreaterThan")
    if "IpAddress" in condition:
        ip = condition["IpAddress"]
        if not (isinstance(ip, dict) and set(ip) == {"AWS:SourceIp"}):
            raise Denied("malformed IpAddress", "MalformedPolicy")
        try:
            network = ipaddress.ip_network(ip["AWS:SourceIp"], strict=False)
            allowed = source_ip is not None and ipaddress.ip_address(source_ip) in network
        except (TypeError, ValueError):
            raise Denied("malformed IpAddress", "MalformedPolicy") from None
        if not allowed:
            raise Denied("source address not allowed")
    if now >= expires:
        raise Denied("expired")
    if not_before is not None and now <= not_before:
        raise Denied("not valid yet")
    if not resource_matches(resource, url):
        raise Denied("the policy does not cover this URL")
    return statement


def _verify_signature(public_keys: Mapping[str, Any], key_pair_id: str, policy: bytes,
                      signature: str) -> None:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    key = public_keys.get(key_pair_id)
    if key is None:
        raise Denied("unknown key pair id", "InvalidKey")
    if isinstance(key, (str, bytes)):
        key = load_public_key(key)
    try:
        key.verify(b64decode(signature), policy, padding.PKCS1v15(), hashes.SHA1())
    except InvalidSignature:
        raise Denied("signature does not match", "AccessDenied") from None


def verify(url: str, cookies: Mapping[str, str], public_keys: Mapping[str, Any],
           now: float | None = None, source_ip: str | None = None) -> str:
    """Check a media request as CloudFront does for a behaviour with trusted key groups.

    `url`: the full URL the viewer asked for (scheme, host, path, query); `cookies`: the
    request's cookies; `public_keys`: {key pair id: public key (PEM or loaded)}. Signing
    parameters in the query win over cookies. Returns "url" or "cookie" (what granted it);
    raises Denied otherwise."""
    now = time.time() if now is None else now
    bare_url, params = strip_signing_params(url)
    if params:
        source, fields = "url", params
        policy_text, expires = fields.get("Policy"), fields.get("Expires")
    else:
        source, fields = "cookie", {
            "Policy": cookies.get(COOKIE_POLICY), "Expires": cookies.get(COOKIE_EXPIRES),
            "Signature": cookies.get(COOKIE_SIGNATURE),
            "Key-Pair-Id": cookies.get(COOKIE_KEY_PAIR_ID)}
        policy_text, expires = fields["Policy"], fields["Expires"]
    signature, key_pair_id = fields.get("Signature"), fields.get("Key-Pair-Id")
    if not (signature and key_pair_id and (policy_text or expires)):
        raise Denied("missing signature, key pair id or policy", "MissingKey")
    if policy_text:
        policy = b64decode(policy_text)
    else:
        if not expires.isdigit():
            raise Denied("malformed Expires", "MalformedPolicy")
        policy = canned_policy(bare_url, int(expires)).encode("utf-8")
    _verify_signature(public_keys, key_pair_id, policy, signature)
    check_policy(policy, bare_url, now, source_ip)
    return source
