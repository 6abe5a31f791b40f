"""/auth accounts: sign up, the caller's own account, other users' public fields."""
from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from tuber_common.db import get_db
from tuber_common.http import require_user
from tuber_common.openapi import NONE, REQUIRED, operation

from . import accounts
from .models import PopulateBody, RegisterBody, UpdateMeBody

router = Router()
TAGS = ["accounts"]


@router.post("/auth/register", **operation(201, "UserResponse", auth=NONE, tags=TAGS,
                                           summary="Sign up"))
def register(body: RegisterBody):
    user = accounts.register(get_db(), body.username, body.email, body.password,
                             body.displayName)
    return {"user": user}


@router.get("/auth/me", **operation(200, "UserResponse", auth=REQUIRED, tags=TAGS,
                                    summary="The caller's account, with their email"))
def me():
    return {"user": accounts.get_private(get_db(), require_user(router))}


@router.patch("/auth/me", **operation(200, "UserResponse", auth=REQUIRED, tags=TAGS,
                                      summary="Change the caller's display name"))
def update_me(body: UpdateMeBody):
    return {"user": accounts.update_profile(get_db(), require_user(router), body.displayName)}


@router.post("/auth/populate", **operation(200, "PopulateResponse", auth=NONE, tags=TAGS,
                                           summary="Public fields of users by id"))
def populate(body: PopulateBody):
    return {"users": accounts.populate(get_db(), body.ids)}
