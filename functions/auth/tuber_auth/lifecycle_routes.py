"""/auth routes of an account's life after sign-up (issue 16): email verification, password
reset and change, deletion, export. Included by handler.py; parse, call one domain function,
shape the answer. The rules: docs/API.md "Accounts"."""
from __future__ import annotations

import json
from typing import Annotated, Optional

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from tuber_common.db import get_db
from tuber_common.http import bearer_token, require_user
from tuber_common.tokens import verify_access

from . import cookies, deletion, export, lifecycle
from .lifecycle_models import (ChangePasswordBody, DeleteAccountBody, ForgotPasswordBody,
                               ResetPasswordBody, TokenBody)

router = Router()


def accepted(body: dict) -> Response:
    return Response(status_code=202, content_type="application/json",
                    body=json.dumps(body, separators=(",", ":")))


@router.post("/auth/verify")
def verify(body: TokenBody):
    return {"user": lifecycle.verify_email(get_db(), body.token)}


@router.post("/auth/verify/resend")
def resend_verification():
    return accepted(lifecycle.resend_verification(get_db(), require_user(router)))


@router.post("/auth/password/forgot")
def forgot_password(body: ForgotPasswordBody):
    return accepted(lifecycle.request_reset(get_db(), body.email))


@router.post("/auth/password/reset")
def reset_password(body: ResetPasswordBody):
    return {"user": lifecycle.reset_password(get_db(), body.token, body.password)}


@router.post("/auth/password")
def change_password(body: ChangePasswordBody):
    user_id = require_user(router)
    family = verify_access(bearer_token(router) or "").get("fam")
    user, pair = lifecycle.change_password(get_db(), user_id, body.currentPassword,
                                           body.newPassword, family)
    return cookies.token_answer(router, {**pair, "user": user},
                                in_cookie=cookies.wants_cookie(router))


@router.delete("/auth/me")
def delete_account(body: DeleteAccountBody):
    answer = deletion.delete_account(get_db(), require_user(router), body.password)
    return accepted(answer)


@router.get("/auth/me/export")
def export_data(cursor: Annotated[Optional[str], Query(max_length=2000)] = None):
    return export.export(get_db(), require_user(router), cursor)
