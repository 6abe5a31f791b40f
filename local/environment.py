"""The settings the functions read, built from template.yaml's own environment variables
with local values for its parameters (the same wiring as a deploy, pointed at this machine).
"""
from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from .template import Resolver, Template

STACK_NAME = "tuber"
ACCOUNT_ID = "123456789012"  # moto's default account: bucket and queue ARNs agree with it
REGION = "us-east-1"

# Settings a developer may set in their own environment over the local values (MONGODB_URI
# and MONGODB_DB are honoured by the stack itself: it then starts no database).
USER_OVERRIDABLE = ("POWERTOOLS_LOG_LEVEL", "BCRYPT_ROUNDS", "TRANSCODE_CHUNK_SECONDS")


_SECRETS = {
    "jwtSecret": lambda: secrets.token_urlsafe(48),
    "webhookSecret": lambda: secrets.token_urlsafe(48),
    # The local S3's only credentials (local/s3_gate.py): moto answers nobody else.
    "s3AccessKeyId": lambda: "AKIALOCAL" + secrets.token_hex(6).upper(),
    "s3SecretAccessKey": lambda: secrets.token_urlsafe(30),
}


def _write_private(path: Path, text: str) -> None:
    """Write `text` readable by this user only, replacing `path` atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(temp, path)


def load_or_create_secrets(path: Path) -> dict[str, str]:
    """Random JWT and webhook secrets and the local S3's credentials, made once and kept
    (tokens survive restarts); a value an older data folder lacks is added."""
    values = json.loads(path.read_text()) if path.exists() else {}
    missing = {name: make() for name, make in _SECRETS.items() if name not in values}
    if missing:
        values.update(missing)
        _write_private(path, json.dumps(values))
    return values


@dataclass(frozen=True)
class MediaKey:
    """The local CloudFront key pair: the API signs with the private key, the gateway's media
    origin verifies with the public one (on AWS: MediaSigningKeySecret, MediaPublicKey)."""
    key_id: str
    private_pem: str
    public_pem: str


def load_or_create_media_key(path: Path) -> MediaKey:
    """The RSA key pair in `path` (PEM, 0600), made on first run. Its id is derived from the
    public key, so it is stable across restarts (as a CloudFront public key id is)."""
    import base64
    import hashlib

    from tuber_common import media_signing

    if not path.exists():
        _write_private(path, media_signing.generate_private_key_pem())
    private = path.read_text()
    public = media_signing.public_key_pem(private)
    digest = hashlib.sha256(public.encode()).digest()
    key_id = "K" + base64.b32encode(digest).decode()[:13]
    return MediaKey(key_id, private, public)


def pseudo_parameters() -> dict[str, str]:
    return {"AWS::StackName": STACK_NAME, "AWS::AccountId": ACCOUNT_ID, "AWS::Region": REGION,
            "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}


def media_bucket_name(template: Template) -> str:
    bucket = template.resource("MediaBucket")["Properties"]["BucketName"]
    return Resolver(template.raw, pseudo_parameters()).resolve(bucket)


@dataclass
class LocalValues:
    mongodb_uri: str
    mongodb_db: str
    jwt_secret: str
    webhook_secret: str
    s3_endpoint_url: str
    media_bucket: str
    # The gateway's URL (the media origin), the local key pair, the local S3's credentials.
    media_base_url: str = ""
    media_key: MediaKey | None = None
    s3_credentials: tuple[str, str] = ("local", "local")


def function_environment(template: Template, values: LocalValues) -> dict[str, str]:
    """Every function's environment variables (Globals and their own), resolved locally.

    POWERTOOLS_SERVICE_NAME differs per function and is set while each one imports.
    """
    parameters = {
        "JwtSecret": values.jwt_secret,
        "WebhookSecret": values.webhook_secret,
        "MongoDbUri": values.mongodb_uri,
        "MongoDbName": values.mongodb_db,
        "TranscoderBackend": "ffmpeg",
    }
    # Secrets Manager secrets and the CloudFront key have no local counterpart yet: their
    # references resolve empty (settings ignore empty values) and the plain values below win.
    resources = {name: "" for name in ("JwtSecret", "WebhookSecret", "MongoDbUriSecret",
                                        "MediaSigningKeySecret", "MediaPublicKey",
                                        "OriginVerifySecret")}
    # A function's Ref is its name; the local Lambda API knows functions by logical id.
    functions = {**{name: name for name in template.functions},
                 **{f"{name}.Alias": name for name in template.functions}}
    resolver = Resolver(template.raw, {**pseudo_parameters(), **parameters, **resources,
                                       **functions, "MediaBucket": values.media_bucket})
    env: dict[str, str] = {}
    for function in template.functions.values():
        for name, value in resolver.resolve(function.environment).items():
            if name != "POWERTOOLS_SERVICE_NAME":
                env[name] = str(value)
    env.update({
        "MONGODB_URI": values.mongodb_uri,
        "JWT_SECRET": values.jwt_secret,
        "WEBHOOK_SECRET": values.webhook_secret,
        "S3_ENDPOINT_URL": values.s3_endpoint_url,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        # The local S3's own credentials: nothing in the local stack may reach real AWS.
        "AWS_ACCESS_KEY_ID": values.s3_credentials[0],
        "AWS_SECRET_ACCESS_KEY": values.s3_credentials[1],
        "AWS_SESSION_TOKEN": "local",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "tuber-local",
        # Media: signed for the gateway's media origin with the local key; no SSM, no
        # Secrets Manager, no CloudFront to invalidate (those are AWS's).
        "MEDIA_BASE_URL": values.media_base_url,
        "MEDIA_BASE_URL_PARAMETER": "",
        "MEDIA_DISTRIBUTION_ID": "",
        "MEDIA_DISTRIBUTION_ID_PARAMETER": "",
        "MEDIA_SIGNING_KEY_ID": values.media_key.key_id if values.media_key else "",
        "MEDIA_SIGNING_KEY": values.media_key.private_pem if values.media_key else "",
        "MEDIA_SIGNING_KEY_ARN": "",
        # Mail goes to the gateway's SES stand-in (local/mail.py; SES_ENDPOINT_URL is set
        # once the gateway listens), from a sender of the local stack's own.
        "MAIL_FROM": "Tuber <no-reply@tuber.localhost>",
        "SITE_URL": "",
    })
    for name in USER_OVERRIDABLE:
        if os.environ.get(name):
            env[name] = os.environ[name]
    return env


def write_aws_credentials(path: Path, credentials: tuple[str, str]) -> None:
    """An AWS shared credentials file with the local S3's keys as profile `tuber-local`, for
    the AWS CLI or a script pointed at the local S3 (AWS_SHARED_CREDENTIALS_FILE=path)."""
    _write_private(path, f"[tuber-local]\naws_access_key_id = {credentials[0]}\n"
                         f"aws_secret_access_key = {credentials[1]}\n")
