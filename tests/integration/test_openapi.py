"""The API document the local stack serves at /openapi.json: every route of template.yaml,
under the template's own path templates, with the error shape, auth and success bodies the
API really has, all of it said by the routes' decorators (tuber_common.openapi.operation)."""
from __future__ import annotations

import dataclasses
import inspect
import json
import re

import pytest
from jsonschema import Draft202012Validator

from local.docs import merged_openapi
from local.functions import FunctionRegistry
from local.stack import ROOT
from local.template import read_template
from tests.support.views import watch
from tuber_common.openapi import ERROR_STATUSES


@pytest.fixture(scope="module")
def template():
    return read_template(ROOT / "template.yaml")


def _registry(template) -> FunctionRegistry:
    return FunctionRegistry(template, ROOT, [ROOT / "layers" / "common"])


# Other tests import `template` and `document` to check their answers against the document.
@pytest.fixture(scope="module")
def document(template):
    api_functions = sorted({route.function for route in template.routes})
    return merged_openapi(_registry(template), api_functions, template.routes)


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def _operations(document):
    return {f"{method.upper()} {path}": op for path, ops in document["paths"].items()
            for method, op in ops.items()}


def test_every_template_route_is_documented_under_its_own_path(template, document):
    served = {route.route_key for route in template.routes if route.function}
    documented = set(_operations(document))
    # Same method and path template, variable names included: what a client fills in.
    assert served - documented == set()
    # Nothing the gateway would answer 404 for (a resolver route missing from the template).
    assert documented - served == set()


def test_one_path_per_shape_even_where_a_function_names_variables_differently(document):
    shapes = [_shape(path) for path in document["paths"]]
    assert len(shapes) == len(set(shapes))
    comment = document["paths"]["/comment/{id}"]
    assert sorted(comment) == ["delete", "get", "patch", "post"]
    for operation in comment.values():
        names = [p["name"] for p in operation["parameters"] if p["in"] == "path"]
        assert names == ["id"]


def test_every_operation_documents_the_error_shape_instead_of_powertools_default(document):
    assert "HTTPValidationError" not in str(document)
    error = document["components"]["schemas"]["ErrorResponse"]
    assert set(error["properties"]["error"]["properties"]) == {"code", "message", "details"}
    for key, operation in _operations(document).items():
        for status in ("400", "401", "403", "404", "409", "413", "422", "429", "503"):
            schema = operation["responses"][status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorResponse"}, (key, status)
        assert "500" not in operation["responses"], key
        assert set(map(str, ERROR_STATUSES)) <= set(operation["responses"]), key


def test_success_status_and_auth_are_the_real_ones(document):
    ops = _operations(document)
    assert "201" in ops["POST /auth/register"]["responses"]
    assert "200" not in ops["POST /auth/register"]["responses"]
    assert "202" in ops["DELETE /auth/me"]["responses"]
    assert not ops["DELETE /comment/{id}"]["responses"]["204"]["content"]
    assert ops["GET /auth/me"]["security"] == [{"bearerAuth": []}]
    assert {} in ops["GET /video/{videoId}"]["security"]  # optional: anonymous works too
    assert ops["POST /auth/login"]["security"] == []
    assert ops["POST /video/webhook"]["security"] == [{"webhookSignature": []}]
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")


def test_every_operation_is_declared_on_its_decorator(document):
    """A route without `**operation(...)` gets Powertools' defaults: 200 with no body schema,
    no security, its method and path as summary, no tags."""
    for key, operation in _operations(document).items():
        assert operation.get("tags"), key
        assert not re.match(r"(GET|POST|PUT|PATCH|DELETE) /", operation["summary"]), key
        assert "security" in operation, key
def test_every_route_checks_the_caller_its_decorator_documents(template):
    """What a route says on its decorator (security) is what its body does: `REQUIRED`
    routes call require_user, `OPTIONAL` ones optional_user, the others neither (the
    webhook checks its signature in tuber_video.webhook)."""
    calls = {"[{'bearerAuth': []}]": (True, False), "[{}, {'bearerAuth': []}]": (False, True),
             "[]": (False, False), "[{'webhookSignature': []}]": (False, False)}
    registry = _registry(template)
    for logical_id in sorted({route.function for route in template.routes}):
        app = registry.module(logical_id).app
        for route in app._static_routes + app._dynamic_routes:  # Powertools' route list
            declared = route.security or (route.openapi_extensions or {}).get("security")
            source = inspect.getsource(route.func)
            made = ("require_user(" in source, "optional_user(" in source)
            assert calls[str(declared)] == made, (route.method, route.path, declared)


# --- success bodies ------------------------------------------------------------------------

def _refs(node):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def schema_errors(document, route_key: str, answer) -> list[str]:
    """Why `answer` is not what the document says `route_key` answers ([] when it is)."""
    documented = _operations(document)[route_key]["responses"][str(answer.status)]
    schema = documented["content"]["application/json"]["schema"]
    # The document's own references (#/components/...) resolve against it as the root.
    validator = Draft202012Validator({**schema, "components": document["components"]},
                                     format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
            for error in validator.iter_errors(answer.json)]


def assert_documented(document, answers: dict) -> None:
    """Each answer (route key -> Answer) is a success and its body matches the document."""
    for key, answer in answers.items():
        assert 200 <= answer.status < 300, (key, answer.status, answer.body)
        assert schema_errors(document, key, answer) == [], (key, answer.body)


def test_every_route_names_its_success_body_and_only_204_has_none(document):
    for key, operation in _operations(document).items():
        [(status, success)] = [(code, answer) for code, answer in operation["responses"].items()
                               if code.startswith("2")]
        assert bool(success["content"]) == (status != "204"), key


def test_every_success_with_a_body_documents_its_schema(document):
    schemas = document["components"]["schemas"]
    for key, operation in _operations(document).items():
        [(status, success)] = [(code, answer) for code, answer in operation["responses"].items()
                               if code.startswith("2")]
        if status == "204":
            continue
        schema = success["content"]["application/json"]["schema"]
        name = schema["$ref"].removeprefix("#/components/schemas/")
        assert schemas[name]["type"] == "object", key
        assert schemas[name]["additionalProperties"] is False, key  # undocumented fields fail
    # Every reference in the document leads somewhere (pages and answers share Video, ...).
    missing = {ref for ref in _refs(document)
               if ref.removeprefix("#/components/schemas/") not in schemas}
    assert missing == set()


def test_shapes_fixed_by_the_contract_are_in_the_document(document):
    schemas = document["components"]["schemas"]
    video = schemas["Video"]["properties"]
    assert video["status"]["enum"] == ["UPLOADING", "PROCESSING", "PUBLIC", "FAILED"]
    assert video["visibility"]["enum"] == ["public", "unlisted", "private"]
    assert video["myRating"]["enum"] == ["like", "dislike", "none"]
    # Only for an authenticated caller: may be left out, never null.
    assert "myRating" not in schemas["Video"]["required"]
    # A field that is always there but may be null.
    assert {"type": "null"} in video["failureReason"]["anyOf"]
    assert "failureReason" in schemas["Video"]["required"]
    for page in ("VideoPage", "CommentPage"):
        assert set(schemas[page]["required"]) == {"items", "nextCursor"}
    assert "nextCursor" not in schemas["RecommendationsResponse"]["properties"]
    # Email only for the user themself.
    assert "email" in schemas["Me"]["required"]
    assert "email" not in schemas["User"]["properties"]


def test_a_body_that_drifts_from_the_contract_fails_the_check(document, video_api, member,
                                                              new_video):
    alice = member("alice")
    video_id = new_video(alice)["video"]["id"]
    answer = video_api.get(f"/video/{video_id}", token=alice.token)
    assert schema_errors(document, "GET /video/{videoId}", answer) == []
    video = answer.json["video"]
    drifted = {
        "an undocumented field": {**video, "rawKey": f"raw/{video_id}/source"},
        "a missing field": {k: v for k, v in video.items() if k != "owner"},
        "a status API.md does not list": {**video, "status": "DONE"},
        "a count of the wrong type": {**video, "viewCount": "0"},
        "null where API.md promises a value": {**video, "commentsEnabled": None},
        "an id that is no ObjectId": {**video, "id": "42"},
        "a time that is not ISO 8601": {**video, "createdAt": "yesterday"},
    }
    for drift, body in drifted.items():
        changed = dataclasses.replace(answer, body=json.dumps({"video": body}))
        assert schema_errors(document, "GET /video/{videoId}", changed) != [], drift


def test_auth_answers_match_the_document(document, auth_api):
    registered = auth_api.post("/auth/register", {"username": "docs_alice", "password":
                                                  "correct horse battery",
                                                  "email": "docs_alice@example.com"})
    signed_in = auth_api.post("/auth/login", {"username": "docs_alice",
                                              "password": "correct horse battery"})
    token, user_id = signed_in.json["accessToken"], signed_in.json["user"]["id"]
    assert_documented(document, {
        "POST /auth/register": registered,
        "POST /auth/login": signed_in,
        "GET /auth/me": auth_api.get("/auth/me", token=token),
        "PATCH /auth/me": auth_api.patch("/auth/me", {"displayName": "Alice"}, token=token),
        "POST /auth/populate": auth_api.post("/auth/populate", {"ids": [user_id]}),
        "POST /auth/refresh": auth_api.post("/auth/refresh", {
            "refreshToken": signed_in.json["refreshToken"]}),
    })


def test_video_answers_match_the_document(document, video_api, member, new_video,
                                          published_video):
    alice = member("alice")
    created = video_api.post("/video", {"title": "Waiting", "contentType": "video/mp4",
                                        "sizeBytes": 1000}, token=alice.token)
    waiting = created.json["video"]["id"]  # UPLOADING: most fields still null
    public = published_video(alice, "Clip one")
    published_video(alice, "Clip two")
    assert_documented(document, {
        "POST /video": created,
        "GET /video": video_api.get("/video"),
        "GET /video/search": video_api.get("/video/search", query={"q": "clip"}),
        "GET /video/user/{userId}": video_api.get(f"/video/user/{alice.id}",
                                                  token=alice.token),
        "GET /video/{videoId}": video_api.get(f"/video/{public}", token=alice.token),
        "PATCH /video/{videoId}": video_api.patch(f"/video/{waiting}", {"title": "Renamed"},
                                                  token=alice.token),
        "GET /video/{videoId}/recommended": video_api.get(f"/video/{public}/recommended"),
        "POST /video/{videoId}/view/start": video_api.post(f"/video/{public}/view/start"),
        "POST /video/{videoId}/view": watch(video_api, public),
        "GET /video/quota": video_api.get("/video/quota", token=alice.token),
        "POST /video/{videoId}/thumbnail": video_api.post(
            f"/video/{public}/thumbnail", {"contentType": "image/png", "sizeBytes": 100},
            token=alice.token),
        "POST /video/{videoId}/upload/multipart": video_api.post(
            f"/video/{waiting}/upload/multipart", token=alice.token),
        "GET /video/{videoId}/upload/multipart": video_api.get(
            f"/video/{waiting}/upload/multipart", token=alice.token),
    })


def test_like_and_comment_answers_match_the_document(document, like_api, comment_api,
                                                     member, make_video):
    alice, bob = member("alice"), member("bob")
    video = make_video(alice)
    top = comment_api.post(f"/comment/{video}", {"text": "first"}, token=bob.token)
    top_id = top.json["comment"]["id"]
    reply = comment_api.post(f"/comment/{video}", {"text": "re", "parentId": top_id},
                             token=alice.token)
    # With a live reply, the deleted comment stays as a placeholder: no text, no author.
    assert comment_api.delete(f"/comment/{top_id}", token=bob.token).status == 204
    listed = comment_api.get(f"/comment/{video}")
    assert listed.json["items"][0]["author"] is None
    assert_documented(document, {
        "PUT /like/{videoId}": like_api.put(f"/like/{video}", {"rating": "like"},
                                            token=bob.token),
        "GET /like/{videoId}": like_api.get(f"/like/{video}"),
        "GET /like/me": like_api.get("/like/me", token=bob.token),
        "POST /comment/{id}": reply,
        "PATCH /comment/{id}": comment_api.patch(f"/comment/{reply.json['comment']['id']}",
                                                 {"text": "edited"}, token=alice.token),
        "GET /comment/{id}": listed,
    })
