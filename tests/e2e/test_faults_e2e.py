"""The database goes away under a running stack and comes back: while it is gone every API
function answers 503 with the error shape, promptly; once it is back the same stack answers
200 again, with the data still there. SecantusDB is ours here (started and stopped by the
test, on one port and one storage folder), so the stack only holds its URI."""
from __future__ import annotations

import time
import uuid

import pytest
import requests

from local import services
from tests.support.stack_fixtures import StackProcess

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TIMEOUT_MS = 1000
PASSWORD = "correct horse battery staple"


def _call(method: str, url: str, token: str | None = None, **kw) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(method, url, headers=headers, timeout=30, **kw)


def test_database_down_is_503_everywhere_and_the_stack_recovers_when_it_returns(tmp_path):
    port = services.free_port()
    storage, log = str(tmp_path / "mongo"), str(tmp_path / "secantus.log")
    database = services.start_secantus(port, storage, log)
    stack = StackProcess(tmp_path / "data", extra_env={
        "MONGODB_URI": f"mongodb://127.0.0.1:{port}/", "MONGODB_TIMEOUT_MS": str(TIMEOUT_MS),
        "BCRYPT_ROUNDS": "4"})
    try:
        stack.start()
        api = stack.url
        name = f"faults_{uuid.uuid4().hex[:8]}"
        assert _call("POST", f"{api}/auth/register", json={
            "username": name, "email": f"{name}@example.com",
            "password": PASSWORD}).status_code == 201
        token = _call("POST", f"{api}/auth/login",
                      json={"username": name, "password": PASSWORD}).json()["accessToken"]
        created = _call("POST", f"{api}/video", token, json={
            "title": "survives an outage", "visibility": "public",
            "contentType": "video/mp4", "sizeBytes": 1000})
        assert created.status_code == 201, created.text
        video_id = created.json()["video"]["id"]

        # The database goes away.
        services.stop(database)
        down = [("POST", "/auth/login", None, {"username": name, "password": PASSWORD}),
                ("GET", "/auth/me", token, None),
                ("GET", "/video", None, None),
                ("GET", f"/video/{video_id}", token, None),
                ("PUT", f"/like/{video_id}", token, {"rating": "like"}),
                ("GET", f"/comment/{video_id}", None, None),
                ("POST", f"/comment/{video_id}", token, {"text": "anyone there?"})]
        for method, path, auth, body in down:
            started = time.monotonic()
            answer = _call(method, f"{api}{path}", auth, json=body)
            elapsed = time.monotonic() - started
            assert answer.status_code == 503, (method, path, answer.text)
            assert answer.json()["error"]["code"] == "database_unavailable"
            assert answer.headers.get("Retry-After")
            assert elapsed < TIMEOUT_MS / 1000 + 2, (method, path, elapsed)

        # It comes back on the same port with the same files: no restart of the stack.
        database = services.start_secantus(port, storage, log)
        deadline = time.monotonic() + 30
        while (me := _call("GET", f"{api}/auth/me", token)).status_code != 200:
            assert time.monotonic() < deadline, me.text
            time.sleep(0.5)
        assert me.json()["user"]["username"] == name
        video = _call("GET", f"{api}/video/{video_id}", token)
        assert video.status_code == 200 and video.json()["video"]["title"] == \
            "survives an outage"
        assert _call("POST", f"{api}/auth/login",
                     json={"username": name, "password": PASSWORD}).status_code == 200
        assert _call("GET", f"{api}/video").status_code == 200
    finally:
        stack.stop()
        services.stop(database)
