"""Shared fixtures: a real SecantusDB server for the session, a clean database per test,
the real handlers behind an in-process API Gateway v2 client."""
from __future__ import annotations

import os
import uuid

import pytest

# Helpers in tests/support import each other: rewrite their asserts whichever loads first.
pytest.register_assert_rewrite("tests.support")

from pymongo import MongoClient  # noqa: E402

from local import services
from tuber_common import media_signing as _media_signing  # noqa: E402
from tests.support.api import Api

TEST_SETTINGS = {
    "JWT_SECRET": "test-secret-" + "x" * 40,
    "WEBHOOK_SECRET": "webhook-secret-" + "y" * 40,
    "BCRYPT_ROUNDS": "4",  # the minimum: tests check behaviour, not bcrypt's cost
    "MONGODB_TIMEOUT_MS": "2000",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "tuber-test",
    # Media signing (tuber_common.media_signing): a key pair made for this test session.
    "MEDIA_BASE_URL": "https://media.tuber.test",
    "MEDIA_SIGNING_KEY_ID": "KTESTMEDIAKEY1",
}
TEST_MEDIA_KEY = _media_signing.generate_private_key_pem()
TEST_SETTINGS["MEDIA_SIGNING_KEY"] = TEST_MEDIA_KEY


@pytest.fixture(scope="session")
def mongo_uri():
    """MONGODB_URI from the environment (a real MongoDB), else SecantusDB started here."""
    if os.environ.get("MONGODB_URI"):
        yield os.environ["MONGODB_URI"]
        return
    port = services.free_port()
    proc = services.start_secantus(port, ":memory:")
    try:
        yield f"mongodb://127.0.0.1:{port}/"
    finally:
        services.stop(proc)


@pytest.fixture
def settings_env(monkeypatch, mongo_uri):
    """Test settings in the environment, a database of this test's own."""
    from tuber_common.db import reset_clients

    for key, value in TEST_SETTINGS.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("MONGODB_URI", mongo_uri)
    monkeypatch.setenv("MONGODB_DB", f"tuber_test_{uuid.uuid4().hex[:12]}")
    reset_clients()
    yield
    reset_clients()


@pytest.fixture
def db(settings_env, mongo_uri):
    from tuber_common.db import get_db
    from tuber_common.indexes import ensure_indexes

    database = get_db()
    ensure_indexes(database)
    yield database
    MongoClient(mongo_uri).drop_database(database.name)


@pytest.fixture
def auth_api(db):
    from tuber_auth.handler import lambda_handler

    return Api(lambda_handler)


@pytest.fixture
def make_user(auth_api):
    """Register and sign in a user; returns {user, accessToken, refreshToken, ...}."""
    def _make(username: str | None = None, password: str = "correct horse battery"):
        username = username or f"user_{uuid.uuid4().hex[:8]}"
        reg = auth_api.post("/auth/register", {"username": username,
                                               "email": f"{username}@example.com",
                                               "password": password})
        assert reg.status == 201, reg.body
        login = auth_api.post("/auth/login", {"username": username, "password": password})
        assert login.status == 200, login.body
        return login.json
    return _make


def _fixture_modules() -> list[str]:
    # Each area keeps its fixtures in tests/support/<area>_fixtures.py; all are loaded here.
    from pathlib import Path

    support = Path(__file__).parent / "support"
    return [f"tests.support.{p.stem}" for p in sorted(support.glob("*_fixtures.py"))]


pytest_plugins = _fixture_modules()
