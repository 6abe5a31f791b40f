"""schemathesis against the local stack: every route of template.yaml, from the document at
/openapi.json, with valid and invalid input, as a signed-in member and anonymously. Nothing a
client sends may produce a 5xx, and every answer must be one the document describes (status,
content type, body).

Bounded and reproducible: a fixed number of examples per operation and mode, derandomized
(the same inputs on every run), no example database. A failure prints the request to replay.

(schemathesis' own `from_fixture(...).parametrize()` does not run under pytest 9, so each
route is a parametrized test that draws its cases with hypothesis directly.)"""
from __future__ import annotations

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
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
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
