"""Route matching like API Gateway HTTP APIs: most specific route wins."""
from __future__ import annotations

from local.routes import RouteTable, match_path
from local.template import HttpRoute


def table(*routes: tuple[str, str]) -> RouteTable:
    return RouteTable([HttpRoute(method, path, f"{method} {path}") for method, path in routes])


VIDEO_ROUTES = table(("GET", "/video"), ("GET", "/video/search"), ("GET", "/video/{videoId}"),
                     ("POST", "/video/{videoId}/view"), ("GET", "/video/user/{userId}"),
                     ("POST", "/video/webhook"))


def test_exact_route_beats_path_variable():
    assert VIDEO_ROUTES.match("GET", "/video/search").route.path == "/video/search"
    match = VIDEO_ROUTES.match("GET", "/video/abc123")
    assert match.route.path == "/video/{videoId}"
    assert match.path_parameters == {"videoId": "abc123"}


def test_method_must_match():
    assert VIDEO_ROUTES.match("POST", "/video/webhook").route.route_key == "POST /video/webhook"
    assert VIDEO_ROUTES.match("DELETE", "/video/webhook") is None
    assert VIDEO_ROUTES.match("get", "/video").route.path == "/video"


def test_nested_and_missing_routes():
    match = VIDEO_ROUTES.match("POST", "/video/v1/view")
    assert match.path_parameters == {"videoId": "v1"}
    assert VIDEO_ROUTES.match("GET", "/video/user/u1").path_parameters == {"userId": "u1"}
    assert VIDEO_ROUTES.match("GET", "/video/v1/unknown") is None
    assert VIDEO_ROUTES.match("GET", "/nothing") is None
    assert VIDEO_ROUTES.match("POST", "/video//view") is None  # an empty segment is no id


def test_greedy_proxy_takes_the_rest_and_loses_to_specific_routes():
    routes = table(("GET", "/files/{proxy+}"), ("GET", "/files/{name}/meta"),
                   ("ANY", "/files/readme"))
    assert routes.match("GET", "/files/a/b/c").path_parameters == {"proxy": "a/b/c"}
    assert routes.match("GET", "/files/x/meta").route.path == "/files/{name}/meta"
    assert routes.match("DELETE", "/files/readme").route.method == "ANY"
    assert routes.match("GET", "/files") is None  # {proxy+} needs one segment at least


def test_exact_method_beats_any():
    routes = table(("ANY", "/thing"), ("GET", "/thing"))
    assert routes.match("GET", "/thing").route.method == "GET"
    assert routes.match("POST", "/thing").route.method == "ANY"


def test_default_route_catches_the_rest():
    routes = table(("GET", "/a"), ("ANY", "$default"))
    assert routes.match("GET", "/zzz").route.route_key == "$default"


def test_path_parameters_are_url_decoded():
    assert match_path("/comment/{id}", "/comment/a%20b") == {"id": "a b"}


def test_api_areas_are_the_first_segments():
    assert VIDEO_ROUTES.first_segments() == {"video"}
