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
USER_OVERRIDABLE = ("POWERTOOLS_LOG_LEVEL", "BCRYPT_ROUNDS")


def load_or_create_secrets(path: Path) -> dict[str, str]:
    """Random JWT and webhook secrets made once and kept, so tokens survive restarts."""
    if path.exists():
        return json.loads(path.read_text())
    values = {"jwtSecret": secrets.token_urlsafe(48), "webhookSecret": secrets.token_urlsafe(48)}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(values, handle)
    return values


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
                                        "MediaSigningKeySecret", "MediaPublicKey")}
    resolver = Resolver(template.raw, {**pseudo_parameters(), **parameters, **resources,
                                       "MediaBucket": values.media_bucket})
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
        # Fake credentials: nothing in the local stack may reach real AWS.
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_SESSION_TOKEN": "local",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "tuber-local",
    })
    for name in USER_OVERRIDABLE:
        if os.environ.get(name):
            env[name] = os.environ[name]
    return env
