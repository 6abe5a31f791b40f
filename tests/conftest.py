"""Shared fixtures: a real SecantusDB server for the session, a clean database per test,
the real handlers behind an in-process API Gateway v2 client.

`db` is one database per test session (per xdist worker) with every index, emptied between
tests rather than made anew: making a database with every index cost more than most tests."""
from __future__ import annotations

import os
import uuid

import pytest

# Helpers in tests/support import each other: rewrite their asserts whichever loads first.
pytest.register_assert_rewrite("tests.support")

from pymongo import MongoClient, monitoring  # noqa: E402

from local import services
from tuber_common import media_signing as _media_signing  # noqa: E402
from tests.support.api import Api
from tests.support.lambda_threads import isolate_resolver_state

# Threads calling one handler act as separate containers (tests/support/lambda_threads.py).
isolate_resolver_state()

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


class _Writes(monitoring.CommandListener):
    """Names of the collections of one database that commands wrote to (from every client
    made in this process after it is registered)."""
    COMMANDS = {"insert", "update", "delete", "findAndModify", "create", "createIndexes",
                "drop", "dropIndexes", "collMod"}

    def __init__(self, database: str):
        self.database, self.names = database, set()

    def started(self, event) -> None:
        if event.command_name in self.COMMANDS and event.database_name == self.database:
            self.names.add(event.command[event.command_name])

    def succeeded(self, event) -> None:
        pass

    def failed(self, event) -> None:
        pass


class CleanDatabase:
    """The session's test database: every index made once; `clean()` brings it back to that
    (no document, no other collection) before each test that uses it.

    The collections written to since the last cleaning (seen by a command listener) are
    emptied, or dropped if they have no index of Tuber's; then dbStats (one round trip) says
    whether anything is left, e.g. written by another process: then every collection is.
    A collection or index dropped or added (their counts differ) makes the database anew."""

    def __init__(self, client: MongoClient, name: str):
        self.client, self.name = client, name
        self.database = client[name]
        self._rebuild()
        self.writes = _Writes(name)
        monitoring.register(self.writes)  # the cleaning's own client was made before

    def _rebuild(self) -> None:
        from tuber_common.indexes import ensure_indexes

        self.client.drop_database(self.name)
        ensure_indexes(self.database)
        stats = self.database.command("dbStats")
        self.shape = (stats["collections"], stats["indexes"])

    def clean(self) -> None:
        written, self.writes.names = self.writes.names, set()
        self._empty(written)
        if self._as_made():
            return
        self._empty(self.database.list_collection_names())
        if not self._as_made():  # an index changed, or a write raced the cleanup
            self._rebuild()

    def _empty(self, names) -> None:
        from tuber_common.indexes import INDEXES

        for name in names:
            if name in INDEXES:
                self.database[name].delete_many({})
            elif not name.startswith("system."):
                self.database.drop_collection(name)

    def _as_made(self) -> bool:
        stats = self.database.command("dbStats")
        return stats["objects"] == 0 and (stats["collections"], stats["indexes"]) == self.shape


@pytest.fixture(scope="session")
def clean_database(mongo_uri):
    """The session's CleanDatabase (a name of its own: a shared MONGODB_URI may serve several
    runs at once)."""
    client = MongoClient(mongo_uri)
    pool = CleanDatabase(client, f"tuber_test_{uuid.uuid4().hex[:12]}")
    try:
        yield pool
    finally:
        client.drop_database(pool.name)
        client.close()


@pytest.fixture
def db(settings_env, monkeypatch, clean_database):
    """An empty database with every index, this test's alone while it runs (MONGODB_DB names
    it, so handlers and the processes a test starts use it too)."""
    from tuber_common.db import get_db, reset_clients

    clean_database.clean()
    monkeypatch.setenv("MONGODB_DB", clean_database.name)
    reset_clients()
    yield get_db()


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
