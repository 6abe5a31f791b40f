"""schemathesis against the local stack: every route of template.yaml, from the document at
/openapi.json, with valid and invalid input, as a signed-in member and anonymously. Nothing a
client sends may produce a 5xx, and every answer must be one the document describes (status,
content type, body).

Bounded and reproducible: a fixed number of examples per operation and mode, derandomized
(the same inputs on every run), no example database. A failure prints the request to replay.

(schemathesis' own `from_fixture(...).parametrize()` does not run under pytest 9, so each
route is a parametrized test that draws its cases with hypothesis directly.)

Then what schemathesis does not draw (issue 16): hostile JSON bodies (nested 100,000 deep,
5000-digit and beyond-64-bit numbers, NaN, 8 MiB) on every route that takes a body, and
tampered cursors on every list route, over HTTP through the local gateway: a 4xx with the
error shape each time (tests/integration/test_malformed_input.py has the same in process,
with each case's own code, and S3 outages)."""
from __future__ import annotations

import base64
import json
import uuid

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (content_type_conformance,
                                                response_schema_conformance,
                                                status_code_conformance)

from local.stack import ROOT
from local.template import read_template
from tests.support.stack_fixtures import sign_up

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROUTES = sorted({(r.path, r.method) for r in read_template(ROOT / "template.yaml").routes})
# oEmbed's own answer for a format it does not serve (oembed.com: 501 Not Implemented, in
# the document): the one 5xx a client may cause.
SPEC_5XX = {("/oembed", 501)}


def no_server_error(ctx, response, case):
    if (case.operation.path, response.status_code) in SPEC_5XX:
        return None
    return not_a_server_error(ctx, response, case)


CHECKS = [no_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
MEMBER_EXAMPLES = 12  # per route and mode (valid, invalid)
ANONYMOUS_EXAMPLES = 5
FUZZ = dict(deadline=None, derandomize=True, database=None,
            suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def fuzz_member(local_stack) -> dict:
    """A registered, signed-in user whose token the member cases carry."""
    return sign_up(local_stack.url, f"fuzz_{uuid.uuid4().hex[:8]}")


@pytest.fixture(scope="module")
def api_schema(local_stack):
    schema = schemathesis.openapi.from_url(f"{local_stack.url}/openapi.json")
    schema.config.update(base_url=local_stack.url)
    return schema


def fuzz(schema, path: str, method: str, examples: int, headers: dict | None) -> None:
    operation = schema[path][method]
    session = requests.Session()
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        @settings(max_examples=examples, **FUZZ)
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case):
            case.call_and_validate(session=session, headers=headers, checks=CHECKS,
                                   timeout=30)
        try:
            run()
        except Unsatisfiable:
            # Nothing invalid to send (e.g. a lone string path parameter): no cases to run.
            assert mode is GenerationMode.NEGATIVE


@pytest.mark.parametrize(("path", "method"), ROUTES, ids=[f"{m} {p}" for p, m in ROUTES])
def test_route_as_a_member(api_schema, fuzz_member, path, method):
    token = fuzz_member["accessToken"]
    fuzz(api_schema, path, method, MEMBER_EXAMPLES, {"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize(("path", "method"), ROUTES, ids=[f"{m} {p}" for p, m in ROUTES])
def test_route_anonymously(api_schema, path, method):
    fuzz(api_schema, path, method, ANONYMOUS_EXAMPLES, None)


# --- hostile bodies and tampered cursors (issue 16) ------------------------------------------

DEEP = 100_000
BIG = "1" + "0" * 5000
HOSTILE_BODIES = {
    "nested arrays": "[" * DEEP + "]" * DEEP,
    "nested objects": '{"a":' * DEEP + "1" + "}" * DEEP,
    "nested in a field": '{"title": "t", "text": "t", "x": ' + "[" * 50 + "]" * 50 + "}",
    "5000 digits": '{"sizeBytes": %s, "watchedSeconds": %s, "rating": %s, "text": %s, '
                   '"partNumbers": [%s], "ids": [%s]}' % ((BIG,) * 6),
    "beyond 64 bits": json.dumps({"title": "t", "contentType": "video/mp4",
                                  "sizeBytes": 10 ** 25, "partNumbers": [10 ** 25],
                                  "uploadId": "u", "text": "t", "rating": "like",
                                  "ids": [10 ** 25], "viewSession": 10 ** 25}),
    "NaN": '{"watchedSeconds": NaN, "sizeBytes": Infinity}',
    "8 MiB": json.dumps({"title": "x" * (8 * 1024 * 1024)}),
}
BODY_ROUTES = [(p, m) for p, m in ROUTES if m in ("POST", "PUT", "PATCH")]
ID = "0123456789abcdef01234567"
# Lists ordered by a string (a playlist's items, by rank key): a string is a valid place there.
STRING_ORDERED = {"/playlist/watch-later", "/playlist/{playlistId}"}


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


BAD_CURSORS = {
    "an operator": _cursor(json.dumps([{"$gt": ""}, ID])),
    "a list": _cursor(json.dumps([[1], ID])),
    "30 digits": _cursor(json.dumps([10 ** 30, ID])),
    "a string for a time": _cursor(json.dumps(["2024", ID])),  # not for STRING_ORDERED
    "a time out of range": _cursor(json.dumps([{"$d": 1e300}, ID])),
    "NaN": _cursor('[{"$d": NaN}, "%s"]' % ID),
    "an operator for the id": _cursor(json.dumps([{"$d": 1.5}, {"$ne": None}])),
    "nested": _cursor("[" * 150 + "]" * 150),
    "not JSON": _cursor("not json"),
    "not base64": "%%%!!",
}


@pytest.fixture(scope="module")
def fuzz_world(local_stack, fuzz_member) -> dict:
    """A published public video of the fuzz member's, with a comment and a like, so that
    routes get past their 404s (published straight in the database, as on_transcoded does:
    this is about the API, not ffmpeg)."""
    from pymongo import MongoClient

    from tuber_common import publishing
    from tuber_common.ids import parse_video_id

    api, auth = local_stack.url, {"Authorization": f"Bearer {fuzz_member['accessToken']}"}
    created = requests.post(f"{api}/video", headers=auth, timeout=30, json={
        "title": "fuzz target", "visibility": "public", "contentType": "video/mp4",
        "sizeBytes": 1000})
    assert created.status_code == 201, created.text
    video_id = created.json()["video"]["id"]
    mongo = MongoClient(local_stack.mongo_uri, serverSelectionTimeoutMS=10_000)
    try:
        database = mongo[local_stack.extra_env.get("MONGODB_DB", "tuber")]
        assert publishing.publish(database, parse_video_id(video_id),
                                  hls_key=f"hls/{video_id}/master.m3u8", thumbnail_key=None,
                                  renditions=[{"name": "240p", "width": 426, "height": 240}],
                                  duration_seconds=4.0)
        # A moderator: the report queue and audit log are list routes too.
        database.users.update_one({"username": fuzz_member["user"]["username"]},
                                  {"$set": {"role": "moderator"}})
    finally:
        mongo.close()
    playlist = requests.post(f"{api}/playlist", headers=auth, timeout=30,
                             json={"title": "fuzz", "visibility": "public"})
    assert playlist.status_code == 201, playlist.text
    comment = requests.post(f"{api}/comment/{video_id}", headers=auth, timeout=30,
                            json={"text": "fuzz"})
    assert comment.status_code == 201, comment.text
    assert requests.put(f"{api}/like/{video_id}", headers=auth, timeout=30,
                        json={"rating": "like"}).status_code == 200
    return {"videoId": video_id, "userId": fuzz_member["user"]["id"],
            "commentId": comment.json()["comment"]["id"], "auth": auth,
            "playlistId": playlist.json()["playlist"]["id"]}


def _fill(path: str, world: dict) -> str:
    return (path.replace("{videoId}", world["videoId"]).replace("{id}", world["videoId"])
            .replace("{userId}", world["userId"])
            .replace("{playlistId}", world.get("playlistId", "")).replace("{tag}", "fuzz"))


def _is_client_error(answer: requests.Response) -> bool:
    return 400 <= answer.status_code < 500 and \
        set(answer.json().get("error", {})) >= {"code", "message"}


@pytest.mark.parametrize(("path", "method"), BODY_ROUTES, ids=[f"{m} {p}" for p, m in BODY_ROUTES])
def test_hostile_bodies_are_client_errors_on_every_route(local_stack, fuzz_world, path, method):
    url = f"{local_stack.url}{_fill(path, fuzz_world)}"
    headers = {**fuzz_world["auth"], "Content-Type": "application/json"}
    for kind, body in HOSTILE_BODIES.items():
        answer = requests.request(method, url, data=body.encode(), headers=headers, timeout=60)
        # A route that takes no body ignores it (2xx); none may fail on it.
        assert answer.status_code < 500, (kind, answer.status_code, answer.text[:300])
        if answer.status_code >= 400:
            assert _is_client_error(answer), (kind, answer.text[:300])


def _list_routes(schema_document: dict) -> list[tuple[str, dict]]:
    """Every GET route of the document that takes a cursor, with its required query."""
    found = []
    for path, operations in sorted(schema_document["paths"].items()):
        parameters = (operations.get("get") or {}).get("parameters") or []
        names = {p["name"] for p in parameters if p.get("in") == "query"}
        if "cursor" in names:
            found.append((path, {"q": "fuzz"} if "q" in names else {}))
    return found


def test_tampered_cursors_are_400_on_every_list_route(local_stack, fuzz_world):
    document = requests.get(f"{local_stack.url}/openapi.json", timeout=30).json()
    routes = _list_routes(document)
    assert {p for p, _ in routes} >= {"/video", "/video/search", "/video/user/{userId}",
                                      "/like/me", "/comment/{id}"}, routes
    for path, query in routes:
        url = f"{local_stack.url}{_fill(path, fuzz_world)}"
        variants = [query] + ([{**query, "parentId": fuzz_world["commentId"]}]
                              if path == "/comment/{id}" else [])
        for params in variants:
            first = requests.get(url, params={**params, "limit": 1}, timeout=30,
                                 headers=fuzz_world["auth"])
            assert first.status_code == 200, (path, first.text[:300])
            for kind, cursor in BAD_CURSORS.items():
                if kind == "a string for a time" and path in STRING_ORDERED:
                    continue
                answer = requests.get(url, params={**params, "cursor": cursor}, timeout=30,
                                      headers=fuzz_world["auth"])
                code = (answer.json().get("error") or {}).get("code")
                assert (answer.status_code, code) == (400, "invalid_cursor"), \
                    (path, params, kind, answer.status_code, answer.text[:300])
