"""The API document the local stack serves at /openapi.json: every route of template.yaml,
under the template's own path templates, with the error shape and auth the API really has."""
from __future__ import annotations

import re

import pytest

from local.docs import ERROR_STATUSES, OPERATIONS, merged_openapi
from local.functions import FunctionRegistry
from local.stack import ROOT
from local.template import read_template


@pytest.fixture(scope="module")
def template():
    return read_template(ROOT / "template.yaml")


@pytest.fixture(scope="module")
def document(template):
    registry = FunctionRegistry(template, ROOT, [ROOT / "layers" / "common"])
    api_functions = sorted({route.function for route in template.routes})
    return merged_openapi(registry, api_functions, template.routes)


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
        assert set(ERROR_STATUSES) <= set(operation["responses"]), key


def test_success_status_and_auth_are_the_real_ones(template, document):
    ops = _operations(document)
    assert "201" in ops["POST /auth/register"]["responses"]
    assert "200" not in ops["POST /auth/register"]["responses"]
    assert "content" not in ops["DELETE /comment/{id}"]["responses"]["204"]
    assert ops["GET /auth/me"]["security"] == [{"bearerAuth": []}]
    assert {} in ops["GET /video/{videoId}"]["security"]  # optional: anonymous works too
    assert ops["POST /auth/login"]["security"] == []
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    # Every served route says its success status and auth (else it would default to 200).
    assert [r.route_key for r in template.routes if r.route_key not in OPERATIONS] == []
