"""Access tokens: short-lived JWTs, verified with a pinned algorithm, issuer and audience."""
from __future__ import annotations

import secrets
import sys
from datetime import timedelta


def _import_jwt():
    """PyJWT, loaded without `cryptography`. PyJWT imports it whenever it is installed (for
    RSA and EC algorithms; ours is pinned to HMAC), which would cost every API function
    ~150 ms at cold start now that the layer ships it for media signing
    (tuber_common.media_signing imports it itself, with the first signature)."""
    if "jwt" in sys.modules or "cryptography" in sys.modules:
        import jwt
        return jwt
    sys.modules["cryptography"] = None  # type: ignore[assignment]  # "not installed"
    try:
        import jwt
    finally:
        if sys.modules.get("cryptography", ...) is None:
            del sys.modules["cryptography"]
    return jwt


jwt = _import_jwt()

from .clock import utcnow  # noqa: E402
from .errors import Unauthorized  # noqa: E402
from .secret_settings import previous, secret  # noqa: E402
from .settings import get_settings  # noqa: E402

REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "jti"]


def issue_access_token(user_id: str, version: int = 0,
                       family_id: str | None = None) -> tuple[str, int]:
    """A signed access token for `user_id`. `ver` is the account's token version when it was
    issued (tuber_common.account_status: bumping it ends every session at once); `fam` the
    sign-in (refresh token family) it belongs to, when there is one."""
    settings = get_settings()
    now = utcnow()
    claims = {
        "sub": user_id,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + timedelta(seconds=settings.access_token_ttl_seconds),
        "jti": secrets.token_hex(16),
        "ver": int(version),
    }
    if family_id:
        claims["fam"] = family_id
    token = jwt.encode(claims, secret("jwt_secret"), algorithm=settings.jwt_algorithm)
    return token, settings.access_token_ttl_seconds


def _decode(token: str, key: str) -> dict:
    settings = get_settings()
    return jwt.decode(
        token,
        key,
        algorithms=[settings.jwt_algorithm],
        audience=settings.jwt_audience,
        issuer=settings.jwt_issuer,
        options={"require": REQUIRED_CLAIMS},
    )


def _decode_any(token: str) -> dict:
    """Verified with the current secret or, after a rotation, the previous one: tokens
    issued before it stay valid until they expire (tuber_common.secret_settings)."""
    try:
        return _decode(token, secret("jwt_secret"))
    except jwt.InvalidSignatureError:
        older = previous("jwt_secret")
        if not older:
            raise
        return _decode(token, older)


def verify_access(token: str) -> dict:
    """The claims of a valid access token ({sub, ver, fam?, ...}); Unauthorized otherwise.
    Signature and expiry only: whether the account still accepts it is
    tuber_common.account_status's question (asked by tuber_common.http for every request)."""
    try:
        claims = _decode_any(token)
    except jwt.ExpiredSignatureError:
        raise Unauthorized("access token expired", code="token_expired") from None
    except jwt.PyJWTError:
        raise Unauthorized("invalid access token", code="invalid_token") from None
    subject = claims["sub"]
    version = claims.get("ver", 0)  # tokens issued before versions existed: version 0
    if (not isinstance(subject, str) or not subject
            or not isinstance(version, int) or isinstance(version, bool)):
        raise Unauthorized("invalid access token", code="invalid_token")
    claims["ver"] = version
    return claims


def verify_access_token(token: str) -> str:
    """The user id of a valid access token; Unauthorized for anything else."""
    return verify_access(token)["sub"]
