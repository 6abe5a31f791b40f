"""Mail on one machine: the local stack's stand-in for Amazon SES, and a page showing what
was sent, so that a person can follow the links (verify an address, reset a password) and
tests can read them.

The functions send mail exactly as on AWS (tuber_common.mail: boto3's SESv2 SendEmail), with
SES_ENDPOINT_URL pointing here. The gateway mounts the mailbox:

    POST /_aws/ses/v2/email/outbound-emails   SESv2 SendEmail (what boto3 sends)
    GET  /_mail                                every message, newest first (HTML)
    GET  /_mail/{id}                           one message, its links clickable (HTML)
    GET  /_mail/messages.json[?to=address]     the same as JSON: {"messages": [...]}
    DELETE /_mail/messages                     forget every message

Only requests signed with the stack's own access key are taken (as moto behind
local/s3_gate.py answers nobody else). Messages are kept in `{data}/mail/messages.jsonl`, so
they survive a restart.
"""
from __future__ import annotations

import html
import json
import re
import threading
import uuid
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from .gateway import HttpAnswer, _request_handler, _Server
from .server_thread import ServerThread

SES_PREFIX = "/_aws/ses"
SEND_PATH = f"{SES_PREFIX}/v2/email/outbound-emails"
PAGE = "/_mail"
_LINK = re.compile(r"https?://[^\s<>\"')\]]+")
_MAX_KEPT = 1000


def links_in(text: str) -> list[str]:
    return _LINK.findall(text or "")


class Mailbox:
    def __init__(self, folder: Path | None = None, access_key_id: str | None = None):
        self.folder = folder
        self.access_key_id = access_key_id
        self._lock = threading.Lock()
        self._messages: list[dict] = []
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            store = folder / "messages.jsonl"
            if store.exists():
                for line in store.read_text().splitlines():
                    try:
                        self._messages.append(json.loads(line))
                    except ValueError:
                        continue  # a line cut short by a crash
            self._messages = self._messages[-_MAX_KEPT:]

    # --- what tests and the page read ----------------------------------------------------
    def messages(self, to: str | None = None) -> list[dict]:
        """Newest first; only those sent to `to` (case-insensitive) when given."""
        with self._lock:
            found = list(reversed(self._messages))
        if to:
            wanted = to.strip().lower()
            found = [m for m in found if wanted in (a.lower() for a in m["to"])]
        return found

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()
            if self.folder is not None:
                (self.folder / "messages.jsonl").write_text("")

    def deliver(self, sender: str, to: list[str], subject: str, text: str,
                html_body: str | None, tags: dict[str, str]) -> dict:
        message = {
            "id": uuid.uuid4().hex[:16], "from": sender, "to": to, "subject": subject,
            "text": text, "html": html_body, "kind": tags.get("kind"), "tags": tags,
            "links": links_in(text), "receivedAt": datetime.now(timezone.utc).isoformat(),
        }
        with self._lock:
            self._messages.append(message)
            del self._messages[:-_MAX_KEPT]
            if self.folder is not None:
                with open(self.folder / "messages.jsonl", "a") as store:
                    store.write(json.dumps(message) + "\n")
        return message

    # --- HTTP ------------------------------------------------------------------------------
    def serve(self, method: str, target: str, headers: dict[str, str],
              body: bytes) -> HttpAnswer | None:
        """The answer for a mailbox or SES request, or None for anything else."""
        url = urlsplit(target)
        path = url.path
        if path == SEND_PATH and method == "POST":
            return self._send_email(headers, body)
        if path.startswith(SES_PREFIX + "/"):
            return _ses_error(404, "NotFoundException", f"the local SES has no {path}")
        if path == f"{PAGE}/messages" and method == "DELETE":
            self.clear()
            return HttpAnswer(204, [], b"")
        if method not in ("GET", "HEAD"):
            return None
        if path == f"{PAGE}/messages.json":
            to = (parse_qs(url.query).get("to") or [None])[0]
            return _json(200, {"messages": self.messages(to)})
        if path in (PAGE, PAGE + "/"):
            return _html(200, self._index_page())
        if path.startswith(PAGE + "/"):
            wanted = unquote(path[len(PAGE) + 1:])
            found = next((m for m in self.messages() if m["id"] == wanted), None)
            if found is None:
                return _html(404, _page("No such message", "<p>It is not in the mailbox "
                                        f"(any more). <a href='{PAGE}'>All mail</a></p>"))
            return _html(200, _message_page(found))
        return None

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes,
               _source_ip: str) -> HttpAnswer:
        """The gateway's interface, for a mailbox served on a port of its own (tests)."""
        return self.serve(method, target, headers, body) or _json(
            404, {"message": "not a mailbox path"})

    def _send_email(self, headers: dict[str, str], body: bytes) -> HttpAnswer:
        if self.access_key_id and f"Credential={self.access_key_id}/" not in (
                headers.get("authorization") or ""):
            return _ses_error(403, "AccessDeniedException",
                              "not signed with the local stack's credentials")
        try:
            request = json.loads(body or b"{}")
            simple = request["Content"]["Simple"]
            destination = request.get("Destination") or {}
            to = [*destination.get("ToAddresses", []), *destination.get("CcAddresses", []),
                  *destination.get("BccAddresses", [])]
            sender = request["FromEmailAddress"]
            subject = simple["Subject"]["Data"]
            text = (simple["Body"].get("Text") or {}).get("Data", "")
            html_body = (simple["Body"].get("Html") or {}).get("Data")
        except (ValueError, KeyError, TypeError, AttributeError):
            return _ses_error(400, "BadRequestException",
                              "the local SES takes Simple content with a sender and a subject")
        if not to:
            return _ses_error(400, "BadRequestException", "no recipient")
        tags = {t.get("Name"): t.get("Value") for t in request.get("EmailTags") or []}
        message = self.deliver(sender, to, subject, text, html_body, tags)
        return _json(200, {"MessageId": message["id"]})

    def _index_page(self) -> str:
        rows = "".join(
            f"<tr><td>{_e(m['receivedAt'][:19].replace('T', ' '))}</td>"
            f"<td>{_e(', '.join(m['to']))}</td>"
            f"<td><a href='{PAGE}/{_e(m['id'])}'>{_e(m['subject'])}</a></td></tr>"
            for m in self.messages())
        table = (f"<table><tr><th>received (UTC)</th><th>to</th><th>subject</th></tr>{rows}"
                 "</table>") if rows else "<p>No mail yet.</p>"
        return _page("Mail sent by the local stack",
                     "<p>What the functions sent through SES, newest first. On AWS it goes "
                     "to the addresses themselves.</p>" + table)


def _e(text: str) -> str:
    return html.escape(str(text), quote=True)


def _linkify(text: str) -> str:
    out, last = [], 0
    for match in _LINK.finditer(text):
        out.append(_e(text[last:match.start()]))
        url = match.group(0)
        out.append(f"<a href='{_e(url)}'>{_e(url)}</a>")
        last = match.end()
    out.append(_e(text[last:]))
    return "".join(out)


def _message_page(message: dict) -> str:
    parts = [
        f"<p><a href='{PAGE}'>All mail</a></p>",
        "<dl>",
        f"<dt>From</dt><dd>{_e(message['from'])}</dd>",
        f"<dt>To</dt><dd>{_e(', '.join(message['to']))}</dd>",
        f"<dt>Received</dt><dd>{_e(message['receivedAt'])}</dd>",
        f"<dt>Kind</dt><dd>{_e(message.get('kind') or '-')}</dd>",
        "</dl>",
        f"<pre class='body'>{_linkify(message['text'])}</pre>",
    ]
    if message.get("html"):
        # The HTML part as a mail client shows it: no scripts; its links open in this tab.
        parts.append("<h2>HTML version</h2><iframe sandbox='allow-top-navigation-by-user-"
                     f"activation allow-popups' srcdoc=\"{_e(message['html'])}\"></iframe>")
    return _page(message["subject"], "".join(parts))


def _page(title: str, body: str) -> str:
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{_e(title)} - local mail</title><link rel='icon' href='/favicon.svg'><style>"
            "body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;"
            "padding:0 1rem;color:#222}table{border-collapse:collapse;width:100%}"
            "td,th{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #ddd}"
            "pre.body{white-space:pre-wrap;background:#f6f6f6;padding:1rem;border-radius:6px}"
            "dt{font-weight:600;float:left;width:6rem}dd{margin-left:6rem}"
            "iframe{width:100%;height:24rem;border:1px solid #ddd;border-radius:6px}"
            f"</style></head><body><h1>{_e(title)}</h1>{body}</body></html>")


def _html(status: int, text: str) -> HttpAnswer:
    return HttpAnswer(status, [("Content-Type", "text/html; charset=utf-8"),
                               ("Cache-Control", "no-store")], text.encode())


def _json(status: int, value: dict) -> HttpAnswer:
    return HttpAnswer(status, [("Content-Type", "application/json"),
                               ("Cache-Control", "no-store")], json.dumps(value).encode())


def _ses_error(status: int, kind: str, message: str) -> HttpAnswer:
    return HttpAnswer(status, [("Content-Type", "application/json"),
                               ("x-amzn-ErrorType", kind)],
                      json.dumps({"message": message}).encode())


class MailServer(ServerThread):
    """A mailbox on a port of its own (tests: the functions run in the test's process)."""

    def __init__(self, mailbox: Mailbox, host: str = "127.0.0.1", port: int = 0):
        self.mailbox = mailbox
        super().__init__(_Server((host, port), _request_handler(mailbox)), "mail")

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def ses_endpoint(self) -> str:
        return self.url + SES_PREFIX
