"""The mail the account lifecycle sends: subject, plain text and HTML of each message.
Links carry one-time tokens in their fragment (tuber_common.mail.link)."""
from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import timedelta

SITE = "Tuber"


@dataclass(frozen=True)
class Letter:
    kind: str
    subject: str
    text: str
    html: str


def _duration(seconds: int) -> str:
    delta = timedelta(seconds=seconds)
    if delta >= timedelta(days=1) and delta.seconds == 0:
        days = delta.days
        return f"{days} day{'s' if days != 1 else ''}"
    hours, minutes = divmod(int(delta.total_seconds()) // 60, 60)
    if hours and not minutes:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{int(delta.total_seconds()) // 60} minutes"


def _letter(kind: str, subject: str, paragraphs: list[str | tuple[str, str]]) -> Letter:
    """Paragraphs are text, or (label, url) for a link on a line of its own."""
    text_parts, html_parts = [], []
    for part in paragraphs:
        if isinstance(part, tuple):
            label, url = part
            text_parts.append(f"{label}:\n{url}")
            html_parts.append(f'<p><a href="{html.escape(url)}">{html.escape(label)}</a></p>')
        else:
            text_parts.append(part)
            html_parts.append(f"<p>{html.escape(part)}</p>")
    footer = f"- {SITE}"
    return Letter(kind, subject, "\n\n".join(text_parts + [footer]) + "\n",
                  "<!doctype html><html><body>" + "".join(html_parts)
                  + f"<p>{html.escape(footer)}</p></body></html>")


def verify(username: str, link: str, ttl_seconds: int) -> Letter:
    return _letter("verify", f"Verify your email for {SITE}", [
        f"Hello {username},",
        f"Confirm that this address is yours to finish setting up your {SITE} account "
        f"@{username}. The link works once, for {_duration(ttl_seconds)}.",
        ("Verify this email address", link),
        "If you did not create this account, ignore this message: the address stays "
        "unverified and nobody can reset a password with it.",
    ])


def address_in_use(owner_username: str, new_username: str, signin: str, reset: str) -> Letter:
    return _letter("address_in_use", f"Someone signed up to {SITE} with your email", [
        f"Someone just created the {SITE} account @{new_username} with this address. This "
        f"address already belongs to your account @{owner_username}, so it was not given "
        "to the new account.",
        "If it was you, you already have an account:",
        ("Sign in", signin),
        ("Reset your password", reset),
        "If it was not you, there is nothing to do: the other account cannot sign in with "
        "this address or reset a password through it.",
    ])


def reset(accounts: list[tuple[str, str]], ttl_seconds: int) -> Letter:
    """`accounts`: (username, link) for each account the address may reset."""
    intro = (f"Someone (hopefully you) asked to reset the password of your {SITE} account."
             if len(accounts) == 1 else
             f"Someone (hopefully you) asked to reset a password. These {SITE} accounts "
             "were created with this address:")
    parts: list[str | tuple[str, str]] = [intro]
    for username, link in accounts:
        parts.append((f"Choose a new password for @{username}", link))
    parts += [f"Each link works once, for {_duration(ttl_seconds)}. Setting a new password "
              "signs the account out everywhere.",
              "If you did not ask for this, ignore this message: your password stays as "
              "it is."]
    return _letter("reset", f"Reset your {SITE} password", parts)


def reset_no_account(register: str) -> Letter:
    return _letter("reset_no_account", f"About your {SITE} password reset", [
        f"Someone (hopefully you) asked to reset a {SITE} password for this address, but no "
        f"{SITE} account uses it.",
        "If you have an account, you may have signed up with another address. Or create one:",
        ("Create an account", register),
        "If you did not ask for this, ignore this message.",
    ])


def password_changed(username: str, reset_link: str) -> Letter:
    return _letter("password_changed", f"Your {SITE} password was changed", [
        f"The password of your {SITE} account @{username} was just changed, and every "
        "other session was signed out.",
        "If this was not you, reset your password now:",
        ("Reset your password", reset_link),
    ])


def account_deleted(username: str) -> Letter:
    return _letter("account_deleted", f"Your {SITE} account was deleted", [
        f"Your {SITE} account @{username} was deleted, as you asked: its videos and their "
        "media, ratings and comments are removed (replies of others stay, under a deleted "
        "comment). This address is no longer linked to it.",
        "This is the last message we send about it.",
    ])
