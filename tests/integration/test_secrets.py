"""Secrets from AWS Secrets Manager (moto): functions configured only with the secrets' ARNs
serve requests, read each secret once per max age (not per request), pick up a rotated JWT
secret while tokens signed before the rotation keep working, survive a failed refresh, and
never log a secret's value."""
from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from secrets import token_urlsafe

import boto3
import jwt
import pytest
from bson import ObjectId
from moto import mock_aws
from pymongo import MongoClient

from tests.conftest import TEST_SETTINGS
from tests.support.api import Api
from tests.support.people import Member

SECRETS = ("JWT_SECRET", "WEBHOOK_SECRET", "MONGODB_URI")


@dataclass
class AwsSecrets:
    sm: object
    values: dict[str, str]
    arns: dict[str, str]
    db: object
    calls: list[tuple[str, str]] = field(default_factory=list)  # (env name, version stage)

    def fetches(self, name: str, stage: str = "AWSCURRENT") -> int:
        return self.calls.count((name, stage))


def _configure(monkeypatch, arns: dict[str, str], **extra: str) -> None:
    from tuber_common.db import reset_clients

    for key, value in TEST_SETTINGS.items():
        monkeypatch.setenv(key, value)
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)
        if name in arns:
            monkeypatch.setenv(f"{name}_ARN", arns[name])
    for key, value in extra.items():
        monkeypatch.setenv(key, value)
    reset_clients()


@pytest.fixture
def aws_secrets(monkeypatch, mongo_uri):
    """The JWT and webhook secrets and the MongoDB URI in Secrets Manager; the environment
    holds only their ARNs (as the template configures the functions)."""
    from tuber_common import secret_settings
    from tuber_common.db import reset_clients
    from tuber_common.indexes import ensure_indexes

    name = f"tuber_test_{uuid.uuid4().hex[:12]}"
    with mock_aws():
        sm = boto3.client("secretsmanager", region_name="us-east-1")
        values = {"JWT_SECRET": "jwt-" + token_urlsafe(40),
                  "WEBHOOK_SECRET": "hook-" + token_urlsafe(40), "MONGODB_URI": mongo_uri}
        arns = {env: sm.create_secret(Name=f"tuber/{env.lower()}-{uuid.uuid4().hex[:6]}",
                                      SecretString=value)["ARN"]
                for env, value in values.items()}
        by_arn = {arn: env for env, arn in arns.items()}
        found = AwsSecrets(sm, values, arns, MongoClient(mongo_uri)[name])

        def count(params, **_):
            found.calls.append((by_arn.get(params["SecretId"], params["SecretId"]),
                                params.get("VersionStage", "AWSCURRENT")))

        make_provider = secret_settings._new_provider

        def counting_provider(region, stage):
            provider = make_provider(region, stage)
            provider.client.meta.events.register(
                "before-parameter-build.secrets-manager.GetSecretValue", count,
                unique_id="count-fetches")
            return provider

        monkeypatch.setattr(secret_settings, "_new_provider", counting_provider)
        _configure(monkeypatch, arns, MONGODB_DB=name)
        ensure_indexes(found.db)
        yield found
        reset_clients()
        found.db.client.drop_database(name)
        found.db.client.close()


def _handlers():
    from tuber_auth.handler import lambda_handler as auth
    from tuber_comment.handler import lambda_handler as comment
    from tuber_like.handler import lambda_handler as like

    return Api(auth), Api(comment), Api(like)


def _sign_up(auth: Api) -> Member:
    username = f"s_{uuid.uuid4().hex[:8]}"
    answer = auth.post("/auth/register", {"username": username, "password": "long enough pw",
                                          "email": f"{username}@example.com"})
    assert answer.status == 201, answer.body
    login = auth.post("/auth/login", {"username": username, "password": "long enough pw"})
    assert login.status == 200, login.body
    return Member(login.json["user"]["id"], username, login.json["accessToken"])


def _public_video(db, owner: Member) -> str:
    from tuber_common.clock import utcnow
    from tuber_common.ids import new_video_id
    from tuber_common.search_terms import terms_fields
    from tuber_common.videos import PUBLIC

    now = utcnow()
    return str(db.videos.insert_one({
        "_id": new_video_id(), "ownerId": ObjectId(owner.id), "title": "Secret test",
        **terms_fields("Secret test"), "description": "", "visibility": "public",
        "status": PUBLIC, "viewCount": 0, "likeCount": 0, "dislikeCount": 0, "commentCount": 0,
        "renditions": [], "createdAt": now, "updatedAt": now, "publishedAt": now,
    }).inserted_id)


def _traffic(aws_secrets: AwsSecrets, rounds: int = 3) -> None:
    """Requests to auth, comment and like, every one of them 2xx."""
    auth, comment, like = _handlers()
    owner = _sign_up(auth)
    video_id = _public_video(aws_secrets.db, owner)
    for n in range(rounds):
        assert auth.get("/auth/me", token=owner.token).status == 200
        assert comment.post(f"/comment/{video_id}", {"text": f"comment {n}"},
                            token=owner.token).status == 201
        assert comment.get(f"/comment/{video_id}").status == 200
        assert like.put(f"/like/{video_id}", {"rating": ["like", "dislike"][n % 2]},
                        token=owner.token).status == 200


def test_functions_given_only_arns_serve_requests_and_read_each_secret_once(aws_secrets):
    _traffic(aws_secrets, rounds=4)
    # ~20 requests over three functions: one read of each secret they use, none of the other.
    assert aws_secrets.fetches("JWT_SECRET") == 1
    assert aws_secrets.fetches("MONGODB_URI") == 1
    assert aws_secrets.fetches("WEBHOOK_SECRET") == 0
    assert aws_secrets.fetches("JWT_SECRET", "AWSPREVIOUS") == 0


def test_a_rotated_jwt_secret_is_picked_up_after_max_age_and_old_tokens_keep_working(
        aws_secrets, monkeypatch):
    from tuber_common.settings import get_settings

    monkeypatch.setenv("SECRETS_MAX_AGE_SECONDS", "1")
    get_settings.cache_clear()
    auth, _, _ = _handlers()
    before = _sign_up(auth)
    old, new = aws_secrets.values["JWT_SECRET"], "jwt-rotated-" + token_urlsafe(40)
    aws_secrets.sm.put_secret_value(SecretId=aws_secrets.arns["JWT_SECRET"], SecretString=new)

    # Within max age the container still signs with the value it read.
    assert auth.get("/auth/me", token=before.token).status == 200
    assert jwt.decode(_sign_up(auth).token, old, algorithms=["HS256"], audience="tuber-api")
    assert aws_secrets.fetches("JWT_SECRET") == 1

    time.sleep(1.2)
    after = _sign_up(auth)  # signed with the new value now...
    assert jwt.decode(after.token, new, algorithms=["HS256"], audience="tuber-api")
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(after.token, old, algorithms=["HS256"], audience="tuber-api")
    assert aws_secrets.fetches("JWT_SECRET") == 2
    # ...and a token issued before the rotation still verifies (AWSPREVIOUS) until it expires.
    assert auth.get("/auth/me", token=after.token).status == 200
    assert auth.get("/auth/me", token=before.token).status == 200
    assert aws_secrets.fetches("JWT_SECRET", "AWSPREVIOUS") == 1

    # Forged tokens do not make each request ask Secrets Manager: AWSPREVIOUS is cached too.
    forged = jwt.encode({"sub": before.id, "iss": "tuber", "aud": "tuber-api",
                         "iat": int(time.time()), "exp": int(time.time()) + 60, "jti": "x"},
                        "f" * 40, algorithm="HS256")
    for _ in range(5):
        answer = auth.get("/auth/me", token=forged)
        assert (answer.status, answer.error_code) == (401, "invalid_token")
    assert aws_secrets.fetches("JWT_SECRET", "AWSPREVIOUS") == 1


def test_no_previous_version_is_asked_for_once_per_max_age(aws_secrets):
    auth, _, _ = _handlers()
    member = _sign_up(auth)
    forged = jwt.encode({"sub": member.id, "iss": "tuber", "aud": "tuber-api",
                         "iat": int(time.time()), "exp": int(time.time()) + 60, "jti": "x"},
                        "f" * 40, algorithm="HS256")
    for _ in range(5):
        assert auth.get("/auth/me", token=forged).status == 401
    assert aws_secrets.fetches("JWT_SECRET", "AWSPREVIOUS") == 1  # not found, remembered


def test_a_failed_refresh_keeps_the_value_read_before(aws_secrets, monkeypatch):
    from tuber_common.settings import get_settings

    monkeypatch.setenv("SECRETS_MAX_AGE_SECONDS", "1")
    get_settings.cache_clear()
    auth, _, _ = _handlers()
    member = _sign_up(auth)
    aws_secrets.sm.delete_secret(SecretId=aws_secrets.arns["JWT_SECRET"],
                                 ForceDeleteWithoutRecovery=True)
    time.sleep(1.2)
    for _ in range(3):
        assert auth.get("/auth/me", token=member.token).status == 200
    # One failed refresh, then the last value is used for a while without asking again.
    assert aws_secrets.fetches("JWT_SECRET") == 2


def test_a_secret_that_cannot_be_read_is_503_and_logged_by_name(aws_secrets, monkeypatch,
                                                                 log_records):
    missing = aws_secrets.arns["JWT_SECRET"].rsplit(":", 1)[0] + ":tuber/missing-AbCdEf"
    _configure(monkeypatch, {**aws_secrets.arns, "JWT_SECRET": missing})
    auth, _, _ = _handlers()
    answer = auth.get("/auth/me", token="a.b.c")
    assert (answer.status, answer.error_code) == (503, "secret_unavailable")
    assert answer.headers.get("retry-after")
    logged = [r for r in log_records if getattr(r, "setting", None) == "JWT_SECRET_ARN"]
    assert logged and logged[0].reason == "ResourceNotFoundException"


def test_a_secret_too_short_is_refused_by_name_not_value(aws_secrets, monkeypatch, log_records):
    short = "tooShort-Zq81x"
    aws_secrets.sm.put_secret_value(SecretId=aws_secrets.arns["JWT_SECRET"],
                                    SecretString=short)
    auth, _, _ = _handlers()
    answer = auth.post("/auth/login", {"username": "nobody", "password": "long enough pw"})
    assert answer.status == 401  # no user: no token to sign, the secret is not needed
    answer = auth.get("/auth/me", token="a.b.c")
    assert answer.status == 500
    text = _all_text(log_records)
    assert "JWT_SECRET" in text and short not in text


@pytest.fixture
def log_records(monkeypatch):
    """Every log record of the function's logger and of everything else in the process
    (boto3, botocore, pymongo), at DEBUG: what CloudWatch would get with the most verbose
    logging an operator can turn on. moto's own records are left out (it is not in Lambda)."""
    from tuber_common.observability import logger

    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            if not record.name.startswith(("moto", "responses", "werkzeug")):
                records.append(record)

    handler = Keep(level=logging.DEBUG)
    root = logging.getLogger()
    monkeypatch.setattr(root, "level", logging.DEBUG)
    root.addHandler(handler)
    logger.addHandler(handler)
    previous_level = logger.log_level
    logger.setLevel(logging.DEBUG)
    for name in ("botocore", "boto3", "urllib3", "pymongo"):
        monkeypatch.setattr(logging.getLogger(name), "level", logging.DEBUG)
    yield records
    logger.setLevel(previous_level)
    logging.getLogger(logger.name).removeHandler(handler)
    root.removeHandler(handler)


def _all_text(records: list[logging.LogRecord]) -> str:
    parts = []
    for record in records:
        try:
            parts.append(record.getMessage())
        except Exception:  # noqa: BLE001 - a record that cannot format still has its fields
            parts.append(str(record.msg))
        parts.append(repr({k: v for k, v in vars(record).items() if k not in ("msg", "args")}))
        parts.append(repr(record.args))
    return "\n".join(parts)


def test_no_secret_value_is_logged(aws_secrets, log_records):
    _traffic(aws_secrets, rounds=2)
    text = _all_text(log_records)
    # DEBUG really was on for botocore (it logs every response body at that level)...
    assert any(r.name.startswith("botocore") and r.levelno == logging.DEBUG
               for r in log_records)
    assert "GetSecretValue" in text
    # ...and no secret's value reached any log record.
    for env in SECRETS:
        assert aws_secrets.values[env] not in text, env


def test_the_webhook_secret_comes_from_its_arn_and_survives_a_rotation(aws_secrets,
                                                                       monkeypatch):
    from tuber_common.errors import Unauthorized
    from tuber_common.settings import get_settings
    from tuber_video.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, verify

    monkeypatch.setenv("SECRETS_MAX_AGE_SECONDS", "1")
    get_settings.cache_clear()

    def signed(secret: str) -> dict[str, str]:
        stamp = str(int(time.time()))
        return {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: sign(secret, stamp, b"{}")}

    old, new = aws_secrets.values["WEBHOOK_SECRET"], "hook-rotated-" + token_urlsafe(40)
    verify(signed(old), b"{}")
    aws_secrets.sm.put_secret_value(SecretId=aws_secrets.arns["WEBHOOK_SECRET"],
                                    SecretString=new)
    time.sleep(1.2)
    verify(signed(new), b"{}")
    verify(signed(old), b"{}")  # senders not yet switched: still accepted
    with pytest.raises(Unauthorized):
        verify(signed("w" * 40), b"{}")
    assert aws_secrets.fetches("WEBHOOK_SECRET") == 2
    assert aws_secrets.fetches("JWT_SECRET") == 0
