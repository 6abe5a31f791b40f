"""Mail to users, through Amazon SES (SESv2 SendEmail), and the links it carries.

    mail.send("ada@example.com", "Verify your email", text, html, kind="verify")

The sender is MAIL_FROM (an SES-verified address or an address of a verified domain; in the
template, the MailFrom parameter). With no sender configured nothing is sent: the message is
logged as skipped (without its links, which are credentials) and `send` answers None.
SES_ENDPOINT_URL points the client elsewhere: the local stack captures mail there
(local/mail.py) and shows it on its own page.

boto3 is imported with the first message, never at import: the auth function loads this
module at cold start and most of its requests send nothing.
"""
from __future__ import annotations

from functools import lru_cache

from .errors import ServiceUnavailable
from .observability import logger
from .settings import get_settings


@lru_cache(maxsize=4)
def _client(endpoint_url: str | None, region: str):
    import boto3
    from botocore.config import Config

    # A request waits on SES: short timeouts, few retries (API functions time out at 10 s).
    config = Config(connect_timeout=2, read_timeout=3,
                    retries={"max_attempts": 2, "mode": "standard"})
    return boto3.client("sesv2", region_name=region, endpoint_url=endpoint_url or None,
                        config=config)


def reset_client() -> None:
    """Forget the cached client (tests and the local stack point it at a new endpoint)."""
    _client.cache_clear()


def send(to: str, subject: str, text: str, html: str | None = None, *, kind: str) -> str | None:
    """Send one message to one address; SES's message id, or None when mail is off.
    ServiceUnavailable (503 `mail_unavailable`) when SES refuses or cannot be reached."""
    settings = get_settings()
    if not settings.mail_from:
        logger.warning("mail not sent: MAIL_FROM is not set", extra={"mailKind": kind})
        return None
    body = {"Text": {"Data": text, "Charset": "UTF-8"}}
    if html is not None:
        body["Html"] = {"Data": html, "Charset": "UTF-8"}
    request = {
        "FromEmailAddress": settings.mail_from,
        "Destination": {"ToAddresses": [to]},
        "Content": {"Simple": {"Subject": {"Data": subject, "Charset": "UTF-8"}, "Body": body}},
        "EmailTags": [{"Name": "kind", "Value": kind}],
    }
    if settings.ses_configuration_set:
        request["ConfigurationSetName"] = settings.ses_configuration_set
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        answer = _client(settings.ses_endpoint_url or None, settings.aws_region
                         ).send_email(**request)
    except (BotoCoreError, ClientError) as exc:
        code = exc.response.get("Error", {}).get("Code") if isinstance(exc, ClientError) \
            else type(exc).__name__
        logger.error("mail not sent", extra={"mailKind": kind, "reason": code})
        raise ServiceUnavailable("mail could not be sent, try again shortly",
                                 code="mail_unavailable") from None
    logger.info("mail sent", extra={"mailKind": kind, "messageId": answer.get("MessageId")})
    return answer.get("MessageId")


def site_url() -> str:
    """The web client's origin, for links: SITE_URL, else the media origin (the same
    CloudFront distribution on AWS, the gateway locally)."""
    settings = get_settings()
    if settings.site_url:
        return settings.site_url.rstrip("/")
    from .media_signing import media_base_url

    return media_base_url().rstrip("/")


def link(route: str, **params: str) -> str:
    """A link into the web client: `#/{route}?a=b`. Tokens travel in the fragment, which
    browsers never send to a server (no access log, no Referer carries them)."""
    from urllib.parse import urlencode

    query = f"?{urlencode(params)}" if params else ""
    return f"{site_url()}/#/{route.lstrip('/')}{query}"
