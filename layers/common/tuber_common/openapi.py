"""What a route says about itself in the API document (/openapi.json), on its decorator:

    @router.get("/video/<videoId>", **operation(200, "VideoResponse", auth=OPTIONAL,
                                                summary="A video", tags=["watching"]))

`operation()` gives Powertools' own route arguments: `status_code` and a middleware that
sends the route's success with it (a route returns a dict, or None for a 204: no `created()`
wrapper), `responses` (the success answer, a reference to its model by name, and the one
error shape on every error status), `security`, `summary` and `tags`. The resolver
(tuber_common.http.JsonResolver) completes the function's document with the answer models'
JSON schemas, looked up by name when the document is built: in the function's
`response_models` module (create_app's argument), then in tuber_common.response_models (the
shapes several functions answer with). A route never imports its answer model: defining
those pydantic classes at import would cost every cold start, and nothing but the document
needs them (routes return plain dicts).
"""
from __future__ import annotations

from http import HTTPStatus
from typing import Any, Callable, Iterable

# Who may call a route. The route enforces it (require_user / optional_user / the webhook's
# signature check); this says it in the document.
NONE = "none"  # no token read: anyone (sign-up, sign-in, mailed links)
OPTIONAL = "optional"  # anonymous works; a token that is sent must be valid
REQUIRED = "required"  # 401 without a valid token
SIGNED = "signed"  # no token: an HMAC signature of the body (the transcoder's webhook)

SECURITY_SCHEMES = {
    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                   "description": "the accessToken from POST /auth/login or /auth/refresh"},
    "webhookSignature": {"type": "apiKey", "in": "header", "name": "X-Tuber-Signature",
                         "description": "sha256=<hex HMAC of '<X-Tuber-Timestamp>.<body>'>"},
}
_SECURITY = {NONE: [], OPTIONAL: [{}, {"bearerAuth": []}], REQUIRED: [{"bearerAuth": []}],
             SIGNED: [{"webhookSignature": []}]}

# The statuses of the one error shape (tuber_common.http.error_response, and the gateway's
# own errors), on every route. 500 is never documented: it is always a bug.
ERROR_STATUSES = {
    400: "Invalid input (e.g. a body that is not JSON)",
    401: "Not authenticated, or a bad signature",
    403: "Not allowed",
    404: "Not found (also malformed ids and things the caller may not see)",
    409: "Conflict with the current state",
    413: "Too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Throttled; see Retry-After",
    503: "A dependency (the database, S3) is down; see Retry-After",
}
ERROR_SCHEMA = {
    "type": "object", "title": "ErrorResponse", "required": ["error"],
    "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string", "description": "snake_case"},
                       "message": {"type": "string"},
                       "details": {"description": "anything that helps; often null"}}}},
}
SCHEMA_REF = "#/components/schemas/{model}"


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


_ERRORS = {status: {"description": description,
                    "content": _json({"$ref": SCHEMA_REF.format(model="ErrorResponse")})}
           for status, description in ERROR_STATUSES.items()}


def operation(status: int, answer: str | None, *, auth: str, summary: str,
              tags: list[str]) -> dict[str, Any]:
    """The route's keyword arguments for Powertools: answers `status` with the body of the
    model named `answer` (in the function's response_models or tuber_common.response_models;
    None for 204 alone), callable by `auth` (NONE, OPTIONAL, REQUIRED, SIGNED)."""
    if (answer is None) != (status == 204):
        raise ValueError(f"{summary!r}: a 204 has no body, every other success has one")
    # An empty content map says "no body" (Powertools fills in a missing one).
    success = {"description": HTTPStatus(status).phrase,
               "content": _json({"$ref": SCHEMA_REF.format(model=answer)}) if answer else {}}
    declared: dict[str, Any] = dict(status_code=status, middlewares=[_sent_with(status)],
                                    responses={status: success, **_ERRORS}, summary=summary,
                                    tags=tags)
    if _SECURITY[auth]:
        declared["security"] = _SECURITY[auth]
    else:
        # Powertools leaves an empty list out; [] says "no token" rather than "not said".
        declared["openapi_extensions"] = {"security": []}
    return declared


def _sent_with(status: int) -> Callable:
    """A route middleware that sends the route's success with its declared status (a route
    returns a dict, or None for 204; one that builds a Response, to set cookies, gets its
    2xx status set too). Its own, not Powertools' `status_code`, which is read from the
    resolver's current route: shared by threads serving one resolver (tests do)."""
    def middleware(app, next_middleware):
        response = next_middleware(app)
        if 200 <= response.status_code < 300:
            response.status_code = status
        return response
    return middleware


# --- when the document is built (never at a cold start) ---------------------------------------

def component_schemas(definitions: dict[str, Any], responses: Iterable[dict | None],
                      response_models: str | None) -> dict[str, Any]:
    """components/schemas of a function's document: Powertools' definitions (request bodies,
    query models), ErrorResponse in place of Powertools' own validation error (ours is the one
    error shape), and the JSON schema of every answer model the routes' `responses` name,
    with the models those use."""
    import importlib

    from . import response_models as shared

    own = importlib.import_module(response_models) if response_models else None
    schemas = {name: schema for name, schema in definitions.items()
               if name not in ("HTTPValidationError", "ValidationError")}
    schemas["ErrorResponse"] = ERROR_SCHEMA
    for name in sorted(_named_answers(responses)):
        model = getattr(own, name, None) or getattr(shared, name, None)
        if model is None:
            raise LookupError(f"no answer model {name!r} in {response_models} or "
                              f"tuber_common.response_models")
        schema = model.model_json_schema(ref_template=SCHEMA_REF)
        for each, item in {**schema.pop("$defs", {}), name: schema}.items():
            # Answers share models (Video in pages and in {video}): the same schema each time.
            # A different one under the same name would make one document the other: refuse.
            if schemas.setdefault(each, item) != item:
                raise ValueError(f"two different schemas named {each!r} in the API document")
    return dict(sorted(schemas.items()))


def _named_answers(responses: Iterable[dict | None]) -> set[str]:
    prefix = SCHEMA_REF.format(model="")
    names = set()
    for declared in responses:
        for answer in (declared or {}).values():
            ref = (answer.get("content") or {}).get("application/json", {}).get(
                "schema", {}).get("$ref", "")
            if ref.startswith(prefix):
                names.add(ref.removeprefix(prefix))
    return names - {"ErrorResponse"}
