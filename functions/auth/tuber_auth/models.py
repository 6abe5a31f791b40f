"""Request bodies of /auth, validated by Powertools before a route runs."""
from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tuber_common.passwords import MAX_PASSWORD_BYTES

USERNAME_PATTERN = r"^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{1,28})[A-Za-z0-9_]$"
# Deliberately simple: one @, no spaces, a dot in the domain. Delivery is the real test.
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)


def _check_password(value: str) -> str:
    if len(value.encode()) > MAX_PASSWORD_BYTES:
        raise ValueError(f"password must be at most {MAX_PASSWORD_BYTES} bytes")
    return value


class RegisterBody(_Body):
    username: str = Field(pattern=USERNAME_PATTERN, description="3-30 of A-Z a-z 0-9 _ . -")
    email: str = Field(max_length=254)
    password: str = Field(min_length=8, max_length=MAX_PASSWORD_BYTES)
    displayName: str | None = Field(default=None, min_length=1, max_length=50)

    @field_validator("email")
    @classmethod
    def _email_shape(cls, value: str) -> str:
        value = value.strip()
        if not EMAIL_PATTERN.match(value):
            raise ValueError("not an email address")
        return value

    _password = field_validator("password")(_check_password)


class LoginBody(_Body):
    email: str | None = Field(default=None, max_length=254)
    username: str | None = Field(default=None, max_length=254)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_BYTES)

    @model_validator(mode="after")
    def _one_identifier(self) -> "LoginBody":
        if not (self.email or self.username):
            raise ValueError("give email or username")
        return self

    @property
    def identifier(self) -> str:
        return (self.email or self.username or "").strip()


class RefreshBody(_Body):
    refreshToken: str = Field(min_length=1, max_length=200)


class PopulateBody(_Body):
    ids: list[str] = Field(max_length=100)


class UpdateMeBody(_Body):
    displayName: str = Field(min_length=1, max_length=50)

    @field_validator("displayName")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("display name is blank")
        return value
