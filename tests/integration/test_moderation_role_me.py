"""The signed-in user's own record says their role (docs/API.md "Moderation"): the web client
shows the moderation pages only to moderators and admins."""
from __future__ import annotations

import json

from tests.integration.test_openapi import schema_errors
from tests.support.api import DEFAULT_PASSWORD as PASSWORD, register_user


def test_a_promoted_moderator_sees_the_role_on_their_own_record(db, auth_api):
    from tuber_auth.handler import app
    from tuber_common.moderation import promote

    document = json.loads(app.get_openapi_json_schema())

    plain = register_user(auth_api, "role_plain")
    register_user(auth_api, "role_mod")
    promote(db, "role_mod", "moderator")  # as `python -m tuber_common.moderation promote`
    signed_in = auth_api.post("/auth/login", {"username": "role_mod", "password": PASSWORD})
    mine = auth_api.get("/auth/me", token=signed_in.json["accessToken"])
    theirs = auth_api.get("/auth/me", token=plain["accessToken"])

    assert signed_in.json["user"]["role"] == "moderator"
    assert mine.json["user"]["role"] == "moderator"
    assert plain["user"]["role"] == "user" and theirs.json["user"]["role"] == "user"
    for key, answer in (("POST /auth/login", signed_in), ("GET /auth/me", mine)):
        assert schema_errors(document, key, answer) == [], (key, answer.body)
    # Demoted: the next read says so (the role is read from the account, not the token).
    promote(db, "role_mod", "user")
    again = auth_api.get("/auth/me", token=signed_in.json["accessToken"])
    assert again.json["user"]["role"] == "user"
