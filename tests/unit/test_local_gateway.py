"""The local gateway: HTTP in -> API Gateway v2 event -> function -> HTTP out, no sockets."""
from __future__ import annotations

import base64
import json

import pytest

from local.gateway import Cors, Gateway, lambda_result_to_http
from local.routes import RouteTable
from local.static import content_type, resolve_file
from local.template import CorsConfig, HttpRoute


class RecordingRegistry:
    """Stands in for FunctionRegistry: records events, answers what a test sets."""

    def __init__(self, answer=None):
        self.events: list[tuple[str, dict]] = []
        self.answer = answer or {"statusCode": 200, "headers": {}, "body": "{}"}

    def exists(self, logical_id: str) -> bool:
        return logical_id != "MissingFunction"

    def invoke(self, logical_id: str, event: dict):
        self.events.append((logical_id, event))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


CORS = CorsConfig(allow_origins=["*"], allow_headers=["authorization", "content-type"],
                  allow_methods=["GET", "POST"], max_age=600)
ROUTES = [HttpRoute("GET", "/video/{videoId}", "VideoFunction"),
          HttpRoute("POST", "/video", "VideoFunction"),
          HttpRoute("GET", "/later", "MissingFunction")]


@pytest.fixture
def web_root(tmp_path):
    root = tmp_path / "web"
    (root / "js").mkdir(parents=True)
    (root / "index.html").write_text("<h1>Tuber</h1>")
    (root / "js" / "app.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("outside web/")
    return root


def gateway(registry, web_root=None) -> Gateway:
    return Gateway(registry, RouteTable(ROUTES), Cors(CORS), web_root,
                   openapi=lambda: {"paths": {}}, docs_page="<html>docs</html>")


def test_request_becomes_an_http_api_v2_event():
    registry = RecordingRegistry()
    gateway(registry).handle("GET", "/video/v1?a=1&a=2&b=", {"authorization": "Bearer t",
                                                             "cookie": "x=1; y=2"},
                             b"", "10.1.2.3")
    function, event = registry.events[0]
    assert function == "VideoFunction"
    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /video/{videoId}"
    assert event["requestContext"]["routeKey"] == "GET /video/{videoId}"
    assert event["rawPath"] == "/video/v1"
    assert event["pathParameters"] == {"videoId": "v1"}
    assert event["queryStringParameters"] == {"a": "1,2", "b": ""}
    assert event["headers"]["authorization"] == "Bearer t"
    assert event["cookies"] == ["x=1", "y=2"]
    assert event["requestContext"]["http"]["sourceIp"] == "10.1.2.3"
    assert event["requestContext"]["http"]["method"] == "GET"
    assert "body" not in event


def test_text_body_is_sent_as_is_and_binary_as_base64():
    registry = RecordingRegistry()
    gw = gateway(registry)
    gw.handle("POST", "/video", {"content-type": "application/json"}, b'{"t": "\xc3\xa9"}', "::1")
    gw.handle("POST", "/video", {"content-type": "application/octet-stream"}, b"\xff\x00", "::1")
    text_event, binary_event = registry.events[0][1], registry.events[1][1]
    assert text_event["body"] == '{"t": "é"}' and text_event["isBase64Encoded"] is False
    assert binary_event["isBase64Encoded"] is True
    assert base64.b64decode(binary_event["body"]) == b"\xff\x00"


def test_function_answer_becomes_http_with_cookies_and_binary_body():
    answer = lambda_result_to_http({
        "statusCode": 201, "headers": {"Content-Type": "image/png", "X-A": "1"},
        "cookies": ["session=abc; HttpOnly", "theme=dark"],
        "body": base64.b64encode(b"\x89PNG").decode(), "isBase64Encoded": True})
    assert answer.status == 201
    assert answer.body == b"\x89PNG"
    assert ("Set-Cookie", "session=abc; HttpOnly") in answer.headers
    assert ("Set-Cookie", "theme=dark") in answer.headers
    assert ("X-A", "1") in answer.headers


def test_payload_v2_shorthand_is_a_200_json_answer():
    answer = lambda_result_to_http({"hello": "world"})
    assert answer.status == 200
    assert json.loads(answer.body) == {"hello": "world"}


def test_unknown_route_is_a_404_in_the_api_error_shape():
    answer = gateway(RecordingRegistry()).handle("DELETE", "/video", {}, b"", "::1")
    assert answer.status == 404
    assert json.loads(answer.body)["error"]["code"] == "route_not_found"


def test_route_whose_function_is_not_written_yet_is_not_found():
    answer = gateway(RecordingRegistry()).handle("GET", "/later", {}, b"", "::1")
    assert answer.status == 404


def test_function_crash_is_a_500_without_details():
    answer = gateway(RecordingRegistry(RuntimeError("db password is hunter2"))).handle(
        "GET", "/video/v1", {}, b"", "::1")
    assert answer.status == 500
    assert b"hunter2" not in answer.body


def test_cors_preflight_is_answered_from_the_template_without_the_function():
    registry = RecordingRegistry()
    answer = gateway(registry).handle("OPTIONS", "/video", {
        "origin": "http://localhost:5173", "access-control-request-method": "POST",
        "access-control-request-headers": "authorization"}, b"", "::1")
    headers = dict(answer.headers)
    assert answer.status == 204 and registry.events == []
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers["Access-Control-Allow-Headers"] == "authorization, content-type"
    assert headers["Access-Control-Allow-Methods"] == "GET, POST"
    assert headers["Access-Control-Max-Age"] == "600"


def test_cors_header_is_added_to_answers_for_cross_origin_requests():
    answer = gateway(RecordingRegistry()).handle("GET", "/video/v1",
                                                 {"origin": "http://elsewhere"}, b"", "::1")
    assert dict(answer.headers)["Access-Control-Allow-Origin"] == "*"


def test_web_client_is_served_with_its_content_types(web_root):
    gw = gateway(RecordingRegistry(), web_root)
    index = gw.handle("GET", "/", {}, b"", "::1")
    script = gw.handle("GET", "/js/app.js", {}, b"", "::1")
    assert index.status == 200 and index.body == b"<h1>Tuber</h1>"
    assert dict(index.headers)["Content-Type"] == "text/html; charset=utf-8"
    assert dict(script.headers)["Content-Type"] == "text/javascript; charset=utf-8"


def test_client_side_pages_get_the_app_shell_but_missing_assets_do_not(web_root):
    gw = gateway(RecordingRegistry(), web_root)
    page = gw.handle("GET", "/watch/abc", {"accept": "text/html"}, b"", "::1")
    asset = gw.handle("GET", "/js/missing.js", {"accept": "*/*"}, b"", "::1")
    assert page.status == 200 and page.body == b"<h1>Tuber</h1>"
    assert asset.status == 404


@pytest.mark.parametrize("path", ["/../secret.txt", "/%2e%2e/secret.txt", "/js/../../secret.txt",
                                  "/..%2fsecret.txt", "/%00index.html"])
def test_no_file_outside_the_web_folder_is_served(web_root, path):
    answer = gateway(RecordingRegistry(), web_root).handle("GET", path, {}, b"", "::1")
    assert b"outside web/" not in answer.body
    assert resolve_file(web_root, path) is None


def test_openapi_and_docs_are_served():
    gw = gateway(RecordingRegistry())
    assert json.loads(gw.handle("GET", "/openapi.json", {}, b"", "::1").body) == {"paths": {}}
    assert gw.handle("GET", "/docs", {}, b"", "::1").body == b"<html>docs</html>"


def test_media_content_types(tmp_path):
    assert content_type(tmp_path / "master.m3u8") == "application/vnd.apple.mpegurl"
    assert content_type(tmp_path / "seg_000.ts") == "video/mp2t"
    assert content_type(tmp_path / "thumb.jpg") == "image/jpeg"
