"""The gateway over a real socket, with a template and function code of the test's own:
requests reach the handler imported from its CodeUri (in the function's containers, as the
stack runs it), answers come back as HTTP, and requests are served concurrently."""
from __future__ import annotations

import textwrap
import threading
import time

import pytest
import requests

from local.containers import FunctionContainers
from local.gateway import Cors, Gateway, GatewayServer
from local.routes import RouteTable
from local.template import read_template

TEMPLATE = """\
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      CorsConfiguration: {AllowOrigins: ["*"], AllowHeaders: [content-type], AllowMethods: [GET]}
  EchoFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/echo
      Handler: tuber_gwtest_echo.handler.lambda_handler
      Environment: {Variables: {POWERTOOLS_SERVICE_NAME: echo}}
      Events:
        Echo: {Type: HttpApi, Properties: {ApiId: !Ref Api, Method: GET, Path: "/echo/{word}"}}
        Slow: {Type: HttpApi, Properties: {ApiId: !Ref Api, Method: GET, Path: /slow}}
  OtherFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/echo
      Handler: tuber_gwtest_echo.handler.lambda_handler
      Events:
        Other: {Type: HttpApi, Properties: {ApiId: !Ref Api, Method: GET, Path: /other-slow}}
"""

HANDLER = """\
import json, os, time

SERVICE_AT_IMPORT = os.environ.get("POWERTOOLS_SERVICE_NAME")

def lambda_handler(event, context):
    if event["rawPath"].endswith("slow"):
        time.sleep(1)
    return {"statusCode": 200, "headers": {"content-type": "application/json"},
            "cookies": ["seen=1"],
            "body": json.dumps({"word": (event.get("pathParameters") or {}).get("word"),
                                "routeKey": event["routeKey"], "service": SERVICE_AT_IMPORT,
                                "function": context.function_name, "body": event.get("body")})}
"""


def _serve(tmp_path, max_per_function: int):
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    package = tmp_path / "functions" / "echo" / "tuber_gwtest_echo"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "handler.py").write_text(textwrap.dedent(HANDLER))
    template = read_template(tmp_path / "template.yaml")
    functions = FunctionContainers(template, tmp_path, [], max_per_function=max_per_function)
    server = GatewayServer(Gateway(functions, RouteTable(template.routes), Cors(template.cors),
                                   None, openapi=dict, docs_page=""), "127.0.0.1", 0)
    server.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.stop()
        functions.stop()


@pytest.fixture
def gateway_url(tmp_path):
    yield from _serve(tmp_path, max_per_function=2)


@pytest.fixture
def one_container_gateway_url(tmp_path):
    yield from _serve(tmp_path, max_per_function=1)


def test_request_reaches_the_function_from_its_code_uri(gateway_url):
    answer = requests.get(f"{gateway_url}/echo/hello", headers={"Origin": "http://x"}, timeout=10)
    assert answer.status_code == 200
    assert answer.json() == {"word": "hello", "routeKey": "GET /echo/{word}", "service": "echo",
                             "function": "EchoFunction", "body": None}
    assert answer.cookies.get("seen") == "1"
    assert answer.headers["Access-Control-Allow-Origin"] == "*"


def test_missing_route_is_404_over_http(gateway_url):
    answer = requests.post(f"{gateway_url}/echo/hello", timeout=10)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "route_not_found"


def _get_all_at_once(urls: list[str]) -> tuple[list[int], float]:
    statuses: list[int] = []
    threads = [threading.Thread(target=lambda u=u: statuses.append(
        requests.get(u, timeout=10).status_code)) for u in urls]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses, time.monotonic() - started


def test_a_slow_function_does_not_block_other_functions(gateway_url):
    statuses, elapsed = _get_all_at_once([f"{gateway_url}/slow", f"{gateway_url}/other-slow"])
    assert statuses == [200, 200]
    assert elapsed < 1.8  # two 1 s requests to two functions at once, not one by one


def test_two_requests_to_one_function_run_in_two_containers_at_once(gateway_url):
    statuses, elapsed = _get_all_at_once([f"{gateway_url}/slow"] * 2)
    assert statuses == [200, 200]
    assert elapsed < 1.8


def test_one_container_serves_one_request_at_a_time(one_container_gateway_url):
    # A Powertools resolver keeps the current event on itself: two requests in one handler
    # at once would read each other's events. A container takes one at a time.
    statuses, elapsed = _get_all_at_once([f"{one_container_gateway_url}/slow"] * 2)
    assert statuses == [200, 200]
    assert elapsed >= 1.9


def test_chunked_request_body_reaches_the_function(gateway_url):
    # requests sends a generator body with Transfer-Encoding: chunked, like `curl -T -`.
    answer = requests.get(f"{gateway_url}/echo/chunked", data=iter([b"ab", b"cd"]), timeout=10)
    assert answer.json()["body"] == "abcd"
    again = requests.get(f"{gateway_url}/echo/after", timeout=10)  # the connection still works
    assert again.json()["word"] == "after"
