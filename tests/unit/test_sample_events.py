"""Every API Gateway sample event in events/ names a route that template.yaml declares, with
matching path parameters: `sam local invoke -e` and the tests that load them stay true to
the deployed API."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from local.template import read_template

ROOT = Path(__file__).resolve().parents[2]
API_EVENTS = sorted(p for p in (ROOT / "events").glob("*.json")
                    if json.loads(p.read_text()).get("version") == "2.0")


def _pattern(path: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\{[^}/]+\}", "[^/]+", path) + "$")


@pytest.fixture(scope="module")
def routes():
    return read_template(ROOT / "template.yaml").routes


def test_there_is_a_sample_event_for_every_route(routes):
    requests = [(e["requestContext"]["http"]["method"], e["rawPath"])
                for e in (json.loads(p.read_text()) for p in API_EVENTS)]
    missing = [r.route_key for r in routes
               if not any(method == r.method and _pattern(r.path).match(raw_path)
                          for method, raw_path in requests)]
    assert missing == []


@pytest.mark.parametrize("path", API_EVENTS, ids=lambda p: p.stem)
def test_sample_event_matches_a_template_route(path, routes):
    event = json.loads(path.read_text())
    method, raw_path = event["requestContext"]["http"]["method"], event["rawPath"]
    matching = [r for r in routes if r.method == method and _pattern(r.path).match(raw_path)]
    assert matching, f"{method} {raw_path} is no route of template.yaml"
    # API Gateway prefers a literal segment over a variable: the most literal route wins.
    route = max(matching, key=lambda r: -r.path.count("{"))
    assert event["routeKey"] in (route.route_key, "$default")
    names = re.findall(r"\{([^}]+)\}", route.path)
    assert sorted((event.get("pathParameters") or {})) == sorted(names) or not names
