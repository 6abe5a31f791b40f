"""Request bodies of the account lifecycle routes (tuber_auth.lifecycle_routes)."""
from __future__ import annotations

from pydantic import Field, field_validator

from tuber_common.passwords import MAX_PASSWORD_BYTES

from .models import _Body, _check_email, _check_password

# What tuber_auth.one_time issues: 32 random bytes, base64url (43 characters).
TOKEN_PATTERN = r"^[A-Za-z0-9_-]{20,100}$"


class TokenBody(_Body):
    token: str = Field(pattern=TOKEN_PATTERN, description="the token of the link in the mail")


class ForgotPasswordBody(_Body):
    email: str = Field(max_length=254)

    _email = field_validator("email")(_check_email)


class ResetPasswordBody(_Body):
    token: str = Field(pattern=TOKEN_PATTERN)
    password: str = Field(min_length=8, max_length=MAX_PASSWORD_BYTES,
                          description=f"the new password: 8 characters to {MAX_PASSWORD_BYTES}"
                                      " bytes of UTF-8")

    _password = field_validator("password", mode="before")(_check_password)


class ChangePasswordBody(_Body):
    currentPassword: str = Field(min_length=1, max_length=MAX_PASSWORD_BYTES)
    newPassword: str = Field(min_length=8, max_length=MAX_PASSWORD_BYTES)

    _passwords = field_validator("currentPassword", "newPassword",
                                 mode="before")(_check_password)


class DeleteAccountBody(_Body):
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_BYTES,
                          description="the account's password, confirming the deletion")

    _password = field_validator("password", mode="before")(_check_password)
