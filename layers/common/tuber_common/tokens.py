"""Access tokens: short-lived JWTs, verified with a pinned algorithm, issuer and audience."""
from __future__ import annotations

import secrets
from datetime import timedelta

import jwt

from .clock import utcnow
from .errors import Unauthorized
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
    token = jwt.encode(claims, settings.jwt_secret, algorithm=settings.jwt_algorithm)
    return token, settings.access_token_ttl_seconds


def verify_access_token(token: str) -> str:
    """The user id of a valid access token; Unauthorized for anything else."""
    settings = get_settings()
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=[settings.jwt_algorithm],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("access token expired", code="token_expired") from None
    except jwt.PyJWTError:
        raise Unauthorized("invalid access token", code="invalid_token") from None
    subject = claims["sub"]
    if not isinstance(subject, str) or not subject:
        raise Unauthorized("invalid access token", code="invalid_token")
    return subject
