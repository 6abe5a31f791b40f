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
