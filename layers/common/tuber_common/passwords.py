"""bcrypt password hashing. bcrypt reads at most 72 bytes, so longer passwords are refused
at validation rather than silently truncated."""
from __future__ import annotations

from functools import lru_cache

import bcrypt

from .settings import get_settings

MAX_PASSWORD_BYTES = 72


def hash_password(password: str) -> str:
    salt = bcrypt.gensalt(rounds=get_settings().bcrypt_rounds)
    return bcrypt.hashpw(password.encode(), salt).decode()


def verify_password(password: str, password_hash: str | None) -> bool:
    # With no user, still spend the time of one check so that response times do not tell
    # which accounts exist.
    candidate = (password_hash or _dummy_hash()).encode()
    encoded = password.encode("utf-8", "surrogatepass")
    # Never compare a longer password by its first 72 bytes: no stored one is longer.
    ok = bcrypt.checkpw(encoded[:MAX_PASSWORD_BYTES], candidate)
    return ok and password_hash is not None and len(encoded) <= MAX_PASSWORD_BYTES


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password("not-a-real-password")
