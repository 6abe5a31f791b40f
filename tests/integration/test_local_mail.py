"""The local stack's mail (local/mail.py): an SESv2 stand-in that boto3 sends to as it sends
to SES, a page that shows what was sent with its links, JSON for tests, kept across
restarts."""
from __future__ import annotations

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from local.mail import Mailbox, MailServer


@pytest.fixture
def server(tmp_path):
    running = MailServer(Mailbox(tmp_path / "mail", access_key_id="AKIALOCALTEST"))
    running.start()
    yield running
    running.stop()


def ses(server, key="AKIALOCALTEST"):
    return boto3.client("sesv2", endpoint_url=server.ses_endpoint, region_name="us-east-1",
                        aws_access_key_id=key, aws_secret_access_key="secret")


def send(client, to="ada@example.com", text="Open https://tuber.test/#/verify?token=abc now"):
    return client.send_email(
        FromEmailAddress="Tuber <no-reply@tuber.test>", Destination={"ToAddresses": [to]},
        Content={"Simple": {"Subject": {"Data": "Verify <you>"},
                            "Body": {"Text": {"Data": text},
                                     "Html": {"Data": "<p onclick='x()'>hi</p>"}}}},
        EmailTags=[{"Name": "kind", "Value": "verify"}])


def test_boto3_sends_and_the_mailbox_keeps_it(server, tmp_path):
    answer = send(ses(server))
    [message] = server.mailbox.messages()
    assert answer["MessageId"] == message["id"]
    assert message["to"] == ["ada@example.com"] and message["kind"] == "verify"
    assert message["links"] == ["https://tuber.test/#/verify?token=abc"]
    listed = requests.get(f"{server.url}/_mail/messages.json",
                          params={"to": "ADA@example.com"}, timeout=5).json()["messages"]
    assert [m["id"] for m in listed] == [message["id"]]
    assert requests.get(f"{server.url}/_mail/messages.json", params={"to": "x@example.com"},
                        timeout=5).json() == {"messages": []}
    # Kept across a restart of the stack.
    again = Mailbox(tmp_path / "mail")
    assert [m["id"] for m in again.messages()] == [message["id"]]


def test_the_page_shows_each_message_with_its_links_and_escapes_it(server):
    send(ses(server))
    index = requests.get(f"{server.url}/_mail", timeout=5)
    assert index.status_code == 200 and "text/html" in index.headers["content-type"]
    assert "Verify &lt;you&gt;" in index.text and "<you>" not in index.text
    message_id = server.mailbox.messages()[0]["id"]
    page = requests.get(f"{server.url}/_mail/{message_id}", timeout=5).text
    assert "<a href='https://tuber.test/#/verify?token=abc'>" in page
    assert "<p onclick" not in page  # the HTML part only inside a sandboxed iframe's srcdoc
    assert "sandbox=" in page
    assert requests.get(f"{server.url}/_mail/nope", timeout=5).status_code == 404


def test_only_the_stacks_own_credentials_may_send(server):
    with pytest.raises(ClientError) as refused:
        send(ses(server, key="AKIASOMEONEELSE"))
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    assert server.mailbox.messages() == []


def test_a_malformed_request_is_refused_like_ses_would(server):
    answer = requests.post(f"{server.ses_endpoint}/v2/email/outbound-emails",
                           data=b"{not json", timeout=5,
                           headers={"Authorization": "AWS4-HMAC-SHA256 Credential=AKIALOCALTEST/x"})
    assert answer.status_code == 400
    assert answer.headers["x-amzn-ErrorType"] == "BadRequestException"


def test_clearing_the_mailbox(server):
    send(ses(server))
    assert requests.delete(f"{server.url}/_mail/messages", timeout=5).status_code == 204
    assert server.mailbox.messages() == []
