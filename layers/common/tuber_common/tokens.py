"""Access tokens: short-lived JWTs, verified with a pinned algorithm, issuer and audience."""
from __future__ import annotations

import secrets
from datetime import timedelta

import jwt

from .clock import utcnow
from .errors import Unauthorized
from .secret_settings import previous, secret
from .settings import get_settings

REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "jti"]


def issue_access_token(user_id: str) -> tuple[str, int]:
    settings = get_settings()
    now = utcnow()
    claims = {
        "sub": user_id,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + timedelta(seconds=settings.access_token_ttl_seconds),
        "jti": secrets.token_hex(16),
    }
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


def verify_access_token(token: str) -> str:
    """The user id of a valid access token; Unauthorized for anything else."""
    try:
        claims = _decode_any(token)
    except jwt.ExpiredSignatureError:
        raise Unauthorized("access token expired", code="token_expired") from None
    except jwt.PyJWTError:
        raise Unauthorized("invalid access token", code="invalid_token") from None
    subject = claims["sub"]
    if not isinstance(subject, str) or not subject:
        raise Unauthorized("invalid access token", code="invalid_token")
    return subject
