"""/video/quota: what the caller may still upload (API.md "Quotas")."""
from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from tuber_common.db import get_db
from tuber_common.http import require_user
from tuber_common.openapi import REQUIRED, operation

from . import quotas

router = Router()


@router.get("/video/quota", **operation(
    200, "QuotaResponse", auth=REQUIRED, tags=["quotas"],
    summary="The caller's storage and daily upload quota"))
def quota():
    return {"quota": quotas.summary(get_db(), require_user(router))}
