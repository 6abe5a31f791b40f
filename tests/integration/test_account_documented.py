"""The account lifecycle's answers are what /openapi.json (its routes' decorators,
tuber_auth/response_models.py) says they are, as test_openapi.py checks for the other
routes."""
from __future__ import annotations

import pytest

from tests.integration.test_openapi import assert_documented, document, template  # noqa: F401
from tests.support.api import DEFAULT_PASSWORD as PASSWORD, register_user

ROUTES = ("POST /auth/verify", "POST /auth/verify/resend", "POST /auth/password/forgot",
          "POST /auth/password/reset", "POST /auth/password", "DELETE /auth/me",
          "GET /auth/me/export")


def test_account_lifecycle_answers_match_the_document(template, document, auth_api,  # noqa: F811
                                                      mailbox):
    routed = {route.route_key for route in template.routes}
    if not set(ROUTES) <= routed:
        pytest.skip("template.yaml does not route the account lifecycle yet")
    auth_api.post("/auth/register", {"username": "docs_ada", "email": "ada@example.com",
                                     "password": PASSWORD})
    session = auth_api.post("/auth/login", {"username": "docs_ada", "password": PASSWORD}).json
    token = session["accessToken"]
    resent = auth_api.post("/auth/verify/resend", token=token)
    verified = auth_api.post("/auth/verify", {"token": mailbox.token("ada@example.com",
                                                                     "verify")})
    forgot = auth_api.post("/auth/password/forgot", {"email": "ada@example.com"})
    reset = auth_api.post("/auth/password/reset", {
        "token": mailbox.token("ada@example.com", "reset"), "password": "a new password"})
    session = register_user(auth_api, "docs_bob")
    changed = auth_api.post("/auth/password", {"currentPassword": PASSWORD,
                                               "newPassword": "another password"},
                            token=session["accessToken"])
    token = changed.json["accessToken"]
    exported = auth_api.get("/auth/me/export", token=token)
    deleted = auth_api.delete("/auth/me", json_body={"password": "another password"},
                              token=token)
    assert_documented(document, {
        "POST /auth/verify/resend": resent, "POST /auth/verify": verified,
        "POST /auth/password/forgot": forgot, "POST /auth/password/reset": reset,
        "POST /auth/password": changed, "GET /auth/me/export": exported,
        "DELETE /auth/me": deleted,
    })
