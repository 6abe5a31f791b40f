"""CloudFormation custom resources of the deploy: MongoDB indexes, the media signing key,
the web client. Each request is answered by custom_resource.run (always, before the
timeout); the hooks' logic lives in mongo_indexes, signing_key and web_client."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from aws_lambda_powertools import Logger

from . import custom_resource, mongo_indexes, signing_key, web_client
from .custom_resource import Hook

logger = Logger(service="deploy_hooks")


def _web_dir() -> Path:
    """The built web client: next to this package in the artifact (/var/task/web), unless
    WEB_CLIENT_DIR names another folder (tests)."""
    default = Path(__file__).resolve().parent.parent / "web"
    return Path(os.environ.get("WEB_CLIENT_DIR") or default)


def _client(service: str):
    import boto3
    from botocore.config import Config

    endpoint = os.environ.get("S3_ENDPOINT_URL") if service == "s3" else None
    return boto3.client(service, endpoint_url=endpoint or None, config=Config(
        retries={"max_attempts": 5, "mode": "standard"}, connect_timeout=5, read_timeout=30))


HOOKS = {
    "Custom::MongoIndexes": Hook(mongo_indexes.handle, mongo_indexes.physical_id),
    "Custom::MediaSigningKey": Hook(
        lambda request: signing_key.handle(request, _client("secretsmanager")),
        signing_key.physical_id),
    "Custom::WebClient": Hook(
        lambda request: web_client.handle(request, _client("s3"), _web_dir(),
                                          cloudfront=_client("cloudfront")),
        web_client.physical_id),
}


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: Any) -> dict:
    return custom_resource.run(event, context, HOOKS, secrets=mongo_indexes.secret_values)
