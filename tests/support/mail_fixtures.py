"""Mail in tests (auto-loaded by tests/conftest.py): `mailbox` captures what the functions
send through SES, as the local stack does (local/mail.py: the same stand-in, on a port of its
own here, since the functions run in the test's process).

    def test_something(auth_api, mailbox):
        auth_api.post("/auth/password/forgot", {"email": "ada@example.com"})
        token = mailbox.token("ada@example.com", "reset")

Without the fixture, MAIL_FROM is unset and the functions send nothing (they log it).
"""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

SITE_URL = "https://tuber.test"
SENDER = "Tuber <no-reply@tuber.test>"


class TestMailbox:
    """The captured mail, with helpers to find a message and the token of its link."""

    def __init__(self, box):
        self.box = box

    def messages(self, to: str | None = None, kind: str | None = None) -> list[dict]:
        """Newest first."""
        return [m for m in self.box.messages(to) if kind is None or m["kind"] == kind]

    def last(self, to: str, kind: str | None = None) -> dict:
        found = self.messages(to, kind)
        assert found, f"no {kind or ''} mail to {to}; sent: " + repr(
            [(m["to"], m["kind"]) for m in self.box.messages()])
        return found[0]

    def links(self, to: str, kind: str | None = None) -> list[str]:
        return self.last(to, kind)["links"]

    def token(self, to: str, kind: str, route: str | None = None) -> str:
        """The `token` of the first link to `#/{route}` (default: the kind's own route) in the
        newest mail of that kind to `to`."""
        return self.tokens(to, kind, route)[0]

    def tokens(self, to: str, kind: str, route: str | None = None) -> list[str]:
        route = route or {"verify": "verify", "reset": "reset"}.get(kind, kind)
        found = []
        for link in self.links(to, kind):
            fragment = urlsplit(link).fragment  # "/reset?token=..."
            path, _, query = fragment.partition("?")
            if path.strip("/") == route:
                found += parse_qs(query).get("token", [])
        assert found, f"no #/{route} link in the {kind} mail to {to}"
        return found

    def clear(self) -> None:
        self.box.clear()


@pytest.fixture(scope="session")
def mail_server():
    from local.mail import Mailbox, MailServer

    server = MailServer(Mailbox())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(mail_server, settings_env, monkeypatch):
    from tuber_common import mail
    from tuber_common.settings import get_settings

    monkeypatch.setenv("SES_ENDPOINT_URL", mail_server.ses_endpoint)
    monkeypatch.setenv("MAIL_FROM", SENDER)
    monkeypatch.setenv("SITE_URL", SITE_URL)
    get_settings.cache_clear()
    mail.reset_client()
    mail_server.mailbox.clear()
    yield TestMailbox(mail_server.mailbox)
    get_settings.cache_clear()
