"""The sample events in events/ drive the real auth handler (they serve `sam local invoke -e`
too, so they must stay valid)."""
import json
from pathlib import Path

EVENTS = Path(__file__).resolve().parents[2] / "events"


def load(name: str) -> dict:
    return json.loads((EVENTS / f"{name}.json").read_text())


def invoke(name: str, **replace) -> dict:
    from local.lambda_context import LambdaContext
    from tuber_auth.handler import lambda_handler

    event = load(name)
    if replace:
        body = json.loads(event["body"])
        event["body"] = json.dumps({**body, **replace})
    return lambda_handler(event, LambdaContext())


def test_sample_events_register_then_login(db):
    assert invoke("auth_register")["statusCode"] == 201
    answer = invoke("auth_login")
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"])["user"]["username"] == "alice"


def test_sample_events_with_placeholder_tokens_are_refused_cleanly(db):
    for name in ("auth_me", "auth_update_me", "auth_logout"):
        assert invoke(name)["statusCode"] == 401, name
    assert invoke("auth_refresh")["statusCode"] == 401
    assert invoke("auth_populate")["statusCode"] == 200


def test_sample_events_of_the_account_lifecycle(db):
    from local.lambda_context import LambdaContext
    from tuber_auth.handler import lambda_handler

    for name in ("auth_verify_resend", "auth_password_change", "auth_delete_me", "auth_export"):
        assert invoke(name)["statusCode"] == 401, name  # the placeholder access token
    for name in ("auth_verify", "auth_password_reset"):
        assert invoke(name)["statusCode"] == 422, name  # the placeholder mail token
    assert invoke("auth_password_forgot")["statusCode"] == 202
    scheduled = lambda_handler(load("auth_finish_deletions_scheduled"), LambdaContext())
    assert scheduled == {"deletionsChecked": 0, "deletionsFinished": 0}
