"""Request bodies of /auth, validated by Powertools before a route runs."""
from __future__ import annotations

import re

from pydantic import ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from tuber_common.passwords import MAX_PASSWORD_BYTES
from tuber_common.request_models import Body
from tuber_common.users import nfkc

USERNAME_PATTERN = r"^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{1,28})[A-Za-z0-9_]$"
# Deliberately simple: one @, no spaces, a dot in the domain. Delivery is the real test.
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


class _Body(Body):
    # Passwords keep their spaces (pydantic's default: nothing is stripped).
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)


def _encodable(value: str) -> str:
    try:  # JSON may carry lone surrogates (\ud800), which no UTF-8 text holds
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError("invalid_characters",
                                  "text holds lone surrogates (not Unicode text)") from None
    return value


def _check_password(value):
    """Before any other check: a password longer than bcrypt reads is refused with its own
    error type (`password_too_long`), never cut short."""
    if not isinstance(value, str):
        return value
    _encodable(value)
    if len(value.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise PydanticCustomError(
            "password_too_long",
            "password is longer than {max_bytes} bytes in UTF-8 (bcrypt reads no further): "
            "choose a shorter one", {"max_bytes": MAX_PASSWORD_BYTES})
    return value


def _nfkc(value):
    # Compatibility forms (fullwidth letters...) become their plain letters before any check.
    return nfkc(_encodable(value)) if isinstance(value, str) else value


# Characters that change how a name reads without being seen: bidirectional overrides and
# isolates, zero-width spaces and marks (U+200D, the joiner inside emoji, is allowed).
_HIDDEN = re.compile("[\u0000-\u001f\u007f-\u009f\u200b\u200c\u200e\u200f"
                     "\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def clean_display_name(value: str | None) -> str | None:
    if value is None:  # an explicit null: no display name given
        return None
    value = nfkc(_encodable(value)).strip()
    if not value:
        raise ValueError("display name is blank")
    if _HIDDEN.search(value):
        raise PydanticCustomError("display_name_hidden_characters",
                                  "display name holds invisible or direction-changing "
                                  "characters")
    return value


def _check_email(value: str) -> str:
    value = nfkc(_encodable(value)).strip()
    if not EMAIL_PATTERN.match(value):
        raise ValueError("not an email address")
    return value


class RegisterBody(_Body):
    username: str = Field(pattern=USERNAME_PATTERN, description="3-30 of A-Z a-z 0-9 _ . -")
    email: str = Field(max_length=254)
    password: str = Field(min_length=8, max_length=MAX_PASSWORD_BYTES)
    displayName: str | None = Field(default=None, min_length=1, max_length=50)

    _username = field_validator("username", mode="before")(_nfkc)
    _email = field_validator("email")(_check_email)
    _password = field_validator("password", mode="before")(_check_password)
    _display_name = field_validator("displayName")(clean_display_name)


class LoginBody(_Body):
    email: str | None = Field(default=None, max_length=254)
    username: str | None = Field(default=None, max_length=254)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_BYTES)

    _password = field_validator("password", mode="before")(_check_password)

    @model_validator(mode="after")
    def _one_identifier(self) -> "LoginBody":
        if not (self.email or self.username):
            raise ValueError("give email or username")
        return self

    @property
    def identifier(self) -> str:
        return (self.email or self.username or "").strip()


class RefreshBody(_Body):
    # Absent: the browser's HttpOnly cookie holds it (tuber_auth.cookies), or, on logout,
    # the session of the access token is meant.
    refreshToken: str | None = Field(default=None, min_length=1, max_length=200)


class PopulateBody(_Body):
    ids: list[str] = Field(max_length=100)


class UpdateMeBody(_Body):
    displayName: str = Field(min_length=1, max_length=50)

    _display_name = field_validator("displayName")(clean_display_name)
