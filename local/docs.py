"""The API's OpenAPI document, merged from every API function's Powertools resolver, and the
Swagger UI page that shows it.

Swagger UI's assets come from the npm package swagger-ui-dist, vendored by `make swagger-ui`
into .local-data/vendor/swagger-ui (no CDN: the page must work offline). Without them, /docs
is a small self-contained page that lists the operations from /openapi.json.
"""
from __future__ import annotations

import html
import json
import logging
import re
from pathlib import Path

from pydantic import BaseModel

from . import response_models as bodies
from .functions import FunctionRegistry
from .template import HttpRoute

log = logging.getLogger("tuber.local")

TITLE = "Tuber HTTP API"


def merged_openapi(registry: FunctionRegistry, api_functions: list[str],
                   routes: list[HttpRoute] | None = None) -> dict:
    document: dict = {"openapi": "3.1.0", "info": {"title": TITLE, "version": "1"},
                      "paths": {}, "components": {"schemas": {}}}
    for logical_id in api_functions:
        if not registry.exists(logical_id):
            continue
        try:
            app = registry.module(logical_id).app
            schema = json.loads(app.get_openapi_json_schema(title=TITLE))
        except Exception:  # one broken function must not hide the others' docs
            log.exception("no OpenAPI schema from %s", logical_id)
            continue
        document["openapi"] = schema.get("openapi", document["openapi"])
        for path, operations in schema.get("paths", {}).items():
            document["paths"].setdefault(path, {}).update(operations)
        for kind, items in (schema.get("components") or {}).items():
            document["components"].setdefault(kind, {}).update(items)
    if routes is not None:
        document = as_served(document, routes)
    document["paths"] = dict(sorted(document["paths"].items()))
    return document


# What Powertools cannot know from a route's signature: the success status (routes answer
# created() / no_content()), who may call it, and the success body (routes return plain
# dicts; the shapes are in local/response_models.py, None for 204). Keyed by the template's
# route key; API.md's tables are the source. A route missing here is documented as 200 with
# optional auth and no body schema; tests/integration/test_openapi.py fails on it, and the
# schemathesis run (tests/e2e/test_api_fuzz.py) checks every real answer against the rest.
REQUIRED, OPTIONAL, NONE, SIGNED = "required", "optional", "none", "signed"
OPERATIONS: dict[str, tuple[int, str, type[BaseModel] | None]] = {
    "POST /auth/register": (201, NONE, bodies.UserResponse),
    "POST /auth/login": (200, NONE, bodies.SessionResponse),
    "POST /auth/refresh": (200, NONE, bodies.SessionResponse),
    "POST /auth/logout": (204, REQUIRED, None),
    "GET /auth/me": (200, REQUIRED, bodies.UserResponse),
    "PATCH /auth/me": (200, REQUIRED, bodies.UserResponse),
    "POST /auth/populate": (200, NONE, bodies.PopulateResponse),
    "POST /auth/verify": (200, NONE, bodies.UserResponse),
    "POST /auth/verify/resend": (202, REQUIRED, bodies.MailSentResponse),
    "POST /auth/password/forgot": (202, NONE, bodies.MailSentResponse),
    "POST /auth/password/reset": (200, NONE, bodies.UserResponse),
    "POST /auth/password": (200, REQUIRED, bodies.SessionResponse),
    "DELETE /auth/me": (202, REQUIRED, bodies.DeletionResponse),
    "GET /auth/me/export": (200, REQUIRED, bodies.ExportResponse),
    "POST /video": (201, REQUIRED, bodies.CreateVideoResponse),
    "GET /video": (200, OPTIONAL, bodies.VideoPage),
    "GET /video/search": (200, OPTIONAL, bodies.VideoPage),
    "GET /video/quota": (200, REQUIRED, bodies.QuotaResponse),
    "GET /video/user/{userId}": (200, OPTIONAL, bodies.VideoPage),
    "GET /video/{videoId}": (200, OPTIONAL, bodies.VideoResponse),
    "PATCH /video/{videoId}": (200, REQUIRED, bodies.VideoResponse),
    "DELETE /video/{videoId}": (204, REQUIRED, None),
    "POST /video/{videoId}/view/start": (201, OPTIONAL, bodies.ViewSessionResponse),
    "POST /video/{videoId}/view": (200, OPTIONAL, bodies.ViewResponse),
    "POST /video/{videoId}/playback": (200, OPTIONAL, bodies.PlaybackResponse),
    "POST /video/webhook": (200, SIGNED, bodies.WebhookResponse),
    "GET /video/{videoId}/recommended": (200, OPTIONAL, bodies.RecommendationsResponse),
    "POST /video/{videoId}/thumbnail": (201, REQUIRED, bodies.ThumbnailUploadResponse),
    "PUT /video/{videoId}/thumbnail": (200, REQUIRED, bodies.VideoResponse),
    "DELETE /video/{videoId}/thumbnail": (200, REQUIRED, bodies.VideoResponse),
    "POST /video/{videoId}/retry": (200, REQUIRED, bodies.VideoResponse),
    "PUT /video/{videoId}/pin": (200, REQUIRED, bodies.VideoResponse),
    "DELETE /video/{videoId}/pin": (200, REQUIRED, bodies.VideoResponse),
    "POST /video/{videoId}/upload/multipart": (201, REQUIRED, bodies.MultipartResponse),
    "GET /video/{videoId}/upload/multipart": (200, REQUIRED, bodies.MultipartStatusResponse),
    "DELETE /video/{videoId}/upload/multipart": (204, REQUIRED, None),
    "POST /video/{videoId}/upload/multipart/part-urls": (200, REQUIRED,
                                                          bodies.PartUrlsResponse),
    "POST /video/{videoId}/upload/multipart/complete": (200, REQUIRED, bodies.VideoResponse),
    "PUT /like/{videoId}": (200, REQUIRED, bodies.RatingSummary),
    "GET /like/{videoId}": (200, OPTIONAL, bodies.RatingSummary),
    "GET /like/me": (200, REQUIRED, bodies.VideoPage),
    "POST /comment/{id}": (201, REQUIRED, bodies.CommentResponse),
    "GET /comment/{id}": (200, OPTIONAL, bodies.CommentPage),
    "PATCH /comment/{id}": (200, REQUIRED, bodies.CommentResponse),
    "DELETE /comment/{id}": (204, REQUIRED, None),
}

# The one error shape (tuber_common.http.error_response, and the gateway's own errors) and
# the statuses API.md gives it. 500 is never documented: it is always a bug.
ERROR_STATUSES = {
    "400": "Invalid input (e.g. a body that is not JSON)",
    "401": "Not authenticated, or a bad signature",
    "403": "Not allowed",
    "404": "Not found (also malformed ids and things the caller may not see)",
    "409": "Conflict with the current state",
    "413": "Too large",
    "415": "Unsupported media type",
    "422": "Invalid input",
    "429": "Throttled; see Retry-After",
    "503": "A dependency (the database, S3) is down; see Retry-After",
}
ERROR_SCHEMA = {
    "type": "object", "title": "ErrorResponse", "required": ["error"],
    "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string", "description": "snake_case"},
                       "message": {"type": "string"},
                       "details": {"description": "anything that helps; often null"}}}},
}
SECURITY_SCHEMES = {
    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                   "description": "the accessToken from POST /auth/login or /auth/refresh"},
    "webhookSignature": {"type": "apiKey", "in": "header", "name": "X-Tuber-Signature",
                         "description": "sha256=<hex HMAC of '<X-Tuber-Timestamp>.<body>'>"},
}
_SCHEMA_REF = "#/components/schemas/{model}"
_SECURITY = {REQUIRED: [{"bearerAuth": []}], OPTIONAL: [{}, {"bearerAuth": []}], NONE: [],
             SIGNED: [{"webhookSignature": []}]}


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def _variables(path: str) -> list[str]:
    return re.findall(r"\{([^}+]+)\+?\}", path)


def as_served(document: dict, routes: list[HttpRoute]) -> dict:
    """The merged document as the gateway serves it: the template's routes only, under the
    template's path templates, with the real success status, error shape and auth.

    API Gateway matches a path by its shape, and the functions name the same position as
    they like (comment: /comment/{video_id} for POST and GET, /comment/{comment_id} for
    PATCH and DELETE; the template: /comment/{id}). OpenAPI forbids two templates of one
    shape, and a client fills in the template's names, so every operation goes under the
    template's path, its path parameters renamed to match. An operation of a function with
    no template route is left out: behind API Gateway it does not exist (404)."""
    served = {(route.method.lower(), _shape(route.path)): route for route in routes}
    paths: dict[str, dict] = {}
    answers: set[type[BaseModel]] = set()  # the success bodies' models
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            route = served.get((method, _shape(path)))
            if route is None:
                log.debug("not in the template, left out of the docs: %s %s", method, path)
                continue
            _rename_path_parameters(operation, _variables(path), _variables(route.path))
            answer = _describe(operation, route.route_key)
            if answer is not None:
                answers.add(answer)
            paths.setdefault(route.path, {})[method] = operation
    document["paths"] = paths
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    # Powertools' own validation answers: ours are ErrorResponse (tuber_common.http).
    for unused in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        schemas.pop(unused, None)
    schemas["ErrorResponse"] = ERROR_SCHEMA
    for model in sorted(answers, key=lambda model: model.__name__):
        _add_schema(schemas, model)
    document["components"]["securitySchemes"] = SECURITY_SCHEMES
    return document


def _rename_path_parameters(operation: dict, names: list[str], served: list[str]) -> None:
    renames = dict(zip(names, served))
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "path" and parameter["name"] in renames:
            old, parameter["name"] = parameter["name"], renames[parameter["name"]]
            if old != parameter["name"]:
                parameter.setdefault("description", f"the {old.replace('_', ' ')}")


def _describe(operation: dict, route_key: str) -> type[BaseModel] | None:
    """Set the operation's success status, body, error answers and auth; returns the success
    body's model (for components/schemas)."""
    status, auth, answer = OPERATIONS.get(route_key, (200, OPTIONAL, None))
    responses = operation.setdefault("responses", {})
    success = responses.pop("200", None) or {"description": "Successful Response"}
    if status == 204:
        success = {"description": "No Content"}
    elif status != 200:
        success = {**success, "description": "Created" if status == 201 else "OK"}
    if answer is not None:
        success["content"] = {"application/json": {"schema": {
            "$ref": _SCHEMA_REF.format(model=answer.__name__)}}}
    responses[str(status)] = success
    for code, description in ERROR_STATUSES.items():
        responses[code] = {"description": description, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/ErrorResponse"}}}}
    operation["security"] = _SECURITY[auth]
    return answer


def _add_schema(schemas: dict, model: type[BaseModel]) -> None:
    """`model`'s JSON schema, and those of the models it uses, into components/schemas."""
    schema = model.model_json_schema(ref_template=_SCHEMA_REF)
    for name, item in {**schema.pop("$defs", {}), model.__name__: schema}.items():
        # Answers share models (Video in pages and in {video}): the same schema each time.
        # A different one under the same name (e.g. a function's request body) would make
        # one of them document the other: refuse.
        if schemas.setdefault(name, item) != item:
            raise ValueError(f"two different schemas named {name!r} in the API document")


def swagger_page(assets_url: str | None) -> str:
    if assets_url:
        return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{TITLE}</title>
<link rel="stylesheet" href="{assets_url}/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="{assets_url}/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({{url: "/openapi.json", dom_id: "#swagger-ui"}});</script>
</body></html>"""
    return _MINIMAL_PAGE


_MINIMAL_PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(TITLE)}</title>
<style>body{{font:15px system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
code{{background:#f3f3f3;padding:.1rem .3rem}}li{{margin:.3rem 0}}
.m{{display:inline-block;width:4.5rem;font-weight:bold}}</style></head>
<body><h1>{html.escape(TITLE)}</h1>
<p>The full document is <a href="/openapi.json">/openapi.json</a>. Run <code>make swagger-ui</code>
for the interactive Swagger UI.</p><ul id="ops"></ul>
<script>
fetch("/openapi.json").then(r => r.json()).then(doc => {{
  const list = document.getElementById("ops");
  for (const [path, ops] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(ops)) {{
    const li = document.createElement("li");
    li.innerHTML = `<span class="m"></span><code></code> <span></span>`;
    li.children[0].textContent = method.toUpperCase();
    li.children[1].textContent = path;
    li.children[2].textContent = op.summary || op.operationId || "";
    list.appendChild(li);
  }}
}});
</script></body></html>"""


def vendored_swagger_dir(data_root: Path) -> Path | None:
    folder = data_root / "vendor" / "swagger-ui"
    return folder if (folder / "swagger-ui-bundle.js").is_file() else None
