"""/auth routes of an account's life after sign-up: email verification, password reset and
change, deletion, export (API.md "Accounts")."""
from __future__ import annotations

from typing import Annotated, Optional

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from tuber_common.db import get_db
from tuber_common.http import bearer_token, require_user
from tuber_common.openapi import NONE, REQUIRED, operation
from tuber_common.tokens import verify_access

from . import cookies, deletion, export, lifecycle
from .lifecycle_models import (ChangePasswordBody, DeleteAccountBody, ForgotPasswordBody,
                               ResetPasswordBody, TokenBody)

router = Router()
TAGS = ["account lifecycle"]


@router.post("/auth/verify", **operation(200, "UserResponse", auth=NONE, tags=TAGS,
                                         summary="Verify the email address (mailed link)"))
def verify(body: TokenBody):
    return {"user": lifecycle.verify_email(get_db(), body.token)}


@router.post("/auth/verify/resend", **operation(202, "MailSentResponse", auth=REQUIRED,
                                                tags=TAGS,
                                                summary="Mail the verification link again"))
def resend_verification():
    return lifecycle.resend_verification(get_db(), require_user(router))


@router.post("/auth/password/forgot", **operation(202, "MailSentResponse", auth=NONE,
                                                  tags=TAGS,
                                                  summary="Mail a password reset link"))
def forgot_password(body: ForgotPasswordBody):
    return lifecycle.request_reset(get_db(), body.email)


@router.post("/auth/password/reset", **operation(
    200, "UserResponse", auth=NONE, tags=TAGS,
    summary="Set a new password (mailed link); every session ends"))
def reset_password(body: ResetPasswordBody):
    return {"user": lifecycle.reset_password(get_db(), body.token, body.password)}


@router.post("/auth/password", **operation(
    200, "SessionResponse", auth=REQUIRED, tags=TAGS,
    summary="Change the password: other sessions end, this one gets a new pair"))
def change_password(body: ChangePasswordBody):
    user_id = require_user(router)
    family = verify_access(bearer_token(router) or "").get("fam")
    user, pair = lifecycle.change_password(get_db(), user_id, body.currentPassword,
                                           body.newPassword, family)
    return cookies.token_answer(router, {**pair, "user": user},
                                in_cookie=cookies.wants_cookie(router))


@router.delete("/auth/me", **operation(202, "DeletionResponse", auth=REQUIRED, tags=TAGS,
                                       summary="Delete the account and everything in it"))
def delete_account(body: DeleteAccountBody):
    return deletion.delete_account(get_db(), require_user(router), body.password)


@router.get("/auth/me/export", **operation(200, "ExportResponse", auth=REQUIRED, tags=TAGS,
                                           summary="A page of the caller's data export"))
def export_data(cursor: Annotated[Optional[str], Query(max_length=2000)] = None):
    return export.export(get_db(), require_user(router), cursor)
