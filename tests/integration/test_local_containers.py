"""The local stack runs each function as Lambda does: in containers (processes) of its own,
one invocation at a time each. Two functions never see each other's requests or globals, each
has its own POWERTOOLS_SERVICE_NAME, errors and timeouts come back as Lambda reports them,
and stopping leaves no process behind. Template and function code are the test's own."""
from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from local.containers import FunctionContainers, FunctionError
from local.gateway import Cors, Gateway, GatewayServer
from local.pump import DeadLetterQueue
from local.routes import RouteTable
from local.template import read_template
from tests.support.local_fixtures import write_function
from tests.support.stack_fixtures import process_alive

TEMPLATE = """\
Globals:
  Function:
    Timeout: 10
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
  FirstFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/first
      Handler: tuber_ctest_first.handler.lambda_handler
      Environment: {Variables: {POWERTOOLS_SERVICE_NAME: first}}
      Events:
        Echo: {Type: HttpApi, Properties: {ApiId: !Ref Api, Method: POST, Path: "/first/{n}"}}
  SecondFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/second
      Handler: tuber_ctest_second.handler.lambda_handler
      Environment: {Variables: {POWERTOOLS_SERVICE_NAME: second}}
      Events:
        Echo: {Type: HttpApi, Properties: {ApiId: !Ref Api, Method: POST, Path: "/second/{n}"}}
  SlowFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/slow
      Handler: tuber_ctest_slow.handler.lambda_handler
      Timeout: 1
  BrokenFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/broken
      Handler: tuber_ctest_broken.handler.lambda_handler
"""

# A Powertools resolver, as every API function has: it keeps the current event on the
# resolver *class* (BaseRouter.current_event), so two resolvers in one process read each
# other's events. The route reads the event after a pause, as a route that first reads the
# database does, and answers what it read. It also stores what it saw in a module global of
# the shared layer (tuber_ctest_shared), which the other function must not see.
ECHO = """\
import os, time
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
import tuber_ctest_shared as shared

app = APIGatewayHttpResolver()
NAME = "{name}"

@app.post("/{name}/<n>")
def echo(n: str):
    seen_before = shared.LAST
    shared.LAST = NAME
    time.sleep(0.005)
    event = app.current_event
    return {{"function": NAME, "n": n, "body": event.json_body,
             "authorization": event.headers.get("authorization"),
             "service": os.environ.get("POWERTOOLS_SERVICE_NAME"), "pid": os.getpid(),
             "sharedBefore": seen_before}}

def lambda_handler(event, context):
    return app.resolve(event, context)
"""

SLOW = """\
import os, time

def lambda_handler(event, context):
    started = context.get_remaining_time_in_millis()
    time.sleep(event.get("sleep", 0))
    return {"pid": os.getpid(), "remainingAtStart": started,
            "remainingAtEnd": context.get_remaining_time_in_millis(),
            "function": context.function_name, "requestId": context.aws_request_id}
"""

BROKEN = """\
CALLS = []

def lambda_handler(event, context):
    CALLS.append(event)
    if event.get("raise"):
        raise ValueError(f"no good: {len(CALLS)} calls in this container")
    if event.get("unserialisable"):
        return {"when": object()}
    if event.get("exit"):
        import os
        os._exit(3)
    return {"calls": len(CALLS)}
"""


@pytest.fixture
def project(tmp_path):
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    for name in ("first", "second"):
        write_function(tmp_path, name, f"tuber_ctest_{name}", ECHO.format(name=name))
    write_function(tmp_path, "slow", "tuber_ctest_slow", SLOW)
    write_function(tmp_path, "broken", "tuber_ctest_broken", BROKEN)
    layer = tmp_path / "layer"
    layer.mkdir()
    (layer / "tuber_ctest_shared.py").write_text("LAST = None\n")
    return tmp_path


@pytest.fixture
def functions(project):
    template = read_template(project / "template.yaml")
    containers = FunctionContainers(template, project, [project / "layer"],
                                    environment=lambda: {"POWERTOOLS_SERVICE_NAME": "stack",
                                                         "SHARED_SETTING": "x"},
                                    max_per_function=3)
    try:
        yield containers
    finally:
        containers.stop()


@pytest.fixture
def gateway_url(project, functions):
    template = functions.template
    server = GatewayServer(Gateway(functions, RouteTable(template.routes), Cors(None), None,
                                   openapi=dict, docs_page=""), "127.0.0.1", 0)
    server.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.stop()


def test_concurrent_requests_to_two_functions_each_get_their_own_answer(gateway_url):
    # What the in-process stack got wrong about once in 3,000 requests (a 422 for a missing
    # field, a 401 on DELETE /comment): here nearly every request would read another's.
    def call(i: int) -> tuple[dict, dict]:
        name = ("first", "second")[i % 2]
        sent = {"i": i, "text": f"request {i} to {name}", **({"extra": [i]} if i % 3 else {})}
        answer = requests.post(f"{gateway_url}/{name}/{i}", json=sent, timeout=30,
                               headers={"Authorization": f"Bearer token-{i}"})
        assert answer.status_code == 200, answer.text
        return sent, answer.json()

    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(call, range(240)))
    for i, (sent, got) in enumerate(results):
        name = ("first", "second")[i % 2]
        assert (got["function"], got["n"], got["body"], got["authorization"]) == (
            name, str(i), sent, f"Bearer token-{i}")
        assert got["service"] == name  # the function's own, not the stack's or the other's


def test_a_module_global_set_by_one_function_is_not_seen_by_another(functions):
    event = {"version": "2.0", "routeKey": "POST /first/1", "rawPath": "/first/1",
             "rawQueryString": "", "headers": {"content-type": "application/json"},
             "body": "{}", "isBase64Encoded": False,
             "requestContext": {"http": {"method": "POST", "path": "/first/1",
                                         "sourceIp": "127.0.0.1", "userAgent": "t"},
                                "routeKey": "POST /first/1", "stage": "$default"}}
    first = json.loads(functions.invoke("FirstFunction", event)["body"])
    again = json.loads(functions.invoke("FirstFunction", event)["body"])
    second_event = json.loads(json.dumps(event).replace("/first/", "/second/"))
    second = json.loads(functions.invoke("SecondFunction", second_event)["body"])
    assert first["sharedBefore"] is None
    assert again["sharedBefore"] == "first"  # a warm container keeps its own globals
    assert again["pid"] == first["pid"]
    assert second["sharedBefore"] is None  # the layer module is the second function's own
    assert second["pid"] != first["pid"]


def test_a_container_runs_one_invocation_at_a_time_and_more_start_when_busy(functions):
    started = time.monotonic()
    with ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(lambda _: functions.invoke("SlowFunction", {"sleep": 0.5}),
                                range(3)))
    assert time.monotonic() - started < 1.4  # three containers at once, not one by one
    assert len({a["pid"] for a in answers}) == 3
    assert sorted(functions.pids("SlowFunction")) == sorted(a["pid"] for a in answers)


def test_invocations_beyond_the_containers_limit_wait_for_a_free_one(project):
    template = read_template(project / "template.yaml")
    one = FunctionContainers(template, project, [], environment=dict, max_per_function=1)
    try:
        started = time.monotonic()
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(lambda _: one.invoke("SlowFunction", {"sleep": 0.4}),
                                    range(2)))
        assert time.monotonic() - started >= 0.8
        assert answers[0]["pid"] == answers[1]["pid"]
    finally:
        one.stop()


def test_the_context_counts_down_to_the_timeout_and_a_timeout_kills_the_container(functions):
    answer = functions.invoke("SlowFunction", {"sleep": 0.3})
    assert answer["function"] == "SlowFunction"
    assert 700 < answer["remainingAtStart"] <= 1000  # Timeout: 1 (seconds)
    assert answer["remainingAtEnd"] <= answer["remainingAtStart"] - 250
    pid = answer["pid"]

    started = time.monotonic()
    with pytest.raises(FunctionError) as raised:
        functions.invoke("SlowFunction", {"sleep": 5})
    assert time.monotonic() - started < 3
    assert raised.value.error_type == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in str(raised.value)
    time.sleep(0.2)
    assert not process_alive(pid)
    assert functions.invoke("SlowFunction", {})["pid"] != pid  # a new container


def test_errors_come_back_as_lambda_reports_them(functions):
    assert functions.invoke("BrokenFunction", {}) == {"calls": 1}
    with pytest.raises(FunctionError) as raised:
        functions.invoke("BrokenFunction", {"raise": True})
    assert raised.value.error_type == "ValueError"
    assert str(raised.value) == "no good: 2 calls in this container"
    assert any("ValueError" in line for line in raised.value.stack_trace)
    # The container survives its function's error (as on Lambda) ...
    assert functions.invoke("BrokenFunction", {}) == {"calls": 3}
    # ... a result that is not JSON is an error ...
    with pytest.raises(FunctionError):
        functions.invoke("BrokenFunction", {"unserialisable": True})
    # ... and a container that dies fails its invocation; the next one gets a new container.
    with pytest.raises(FunctionError) as raised:
        functions.invoke("BrokenFunction", {"exit": True})
    assert raised.value.error_type == "Runtime.ExitError"
    assert functions.invoke("BrokenFunction", {}) == {"calls": 1}
    # What the pump's dead-letter record says: the function's error type.
    record = DeadLetterQueue(None, "", account="1", region="r").record(
        "BrokenFunction", {}, FunctionError("ValueError", "no good"), 3)
    assert record["responsePayload"] == {"errorMessage": "no good", "errorType": "ValueError"}


def test_a_function_that_cannot_import_fails_with_import_module_error(project, functions):
    (project / "functions" / "broken" / "tuber_ctest_broken" / "handler.py").write_text(
        "import no_such_module_here\n")
    with pytest.raises(FunctionError) as raised:
        functions.invoke("BrokenFunction", {})
    assert raised.value.error_type == "Runtime.ImportModuleError"
    assert "no_such_module_here" in str(raised.value)


def test_stop_leaves_no_container_behind(functions):
    done = threading.Event()

    def busy() -> None:
        try:
            functions.invoke("SlowFunction", {"sleep": 0.9})
        except FunctionError:
            pass
        done.set()

    functions.invoke("BrokenFunction", {})
    threading.Thread(target=busy, daemon=True).start()
    deadline = time.monotonic() + 10
    while len(functions.pids()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    pids = functions.pids()
    assert len(pids) == 2
    functions.stop()  # one idle, one busy
    assert done.wait(5)
    assert [pid for pid in pids if process_alive(pid)] == []
    with pytest.raises(FunctionError):
        functions.invoke("BrokenFunction", {})


KILLED_PARENT = """\
import json, os, signal, sys
sys.path.insert(0, {root!r})
from pathlib import Path
from local.containers import FunctionContainers
from local.template import read_template

project = Path({project!r})
functions = FunctionContainers(read_template(project / "template.yaml"), project, [],
                               environment=dict)
functions.invoke("BrokenFunction", {{}})
print(json.dumps(functions.pids()), flush=True)
os.kill(os.getpid(), signal.SIGKILL)  # no shutdown at all
"""


def test_containers_exit_when_the_stack_is_killed(project):
    import subprocess
    import sys
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[2])
    script = KILLED_PARENT.format(root=root, project=str(project))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, cwd=root)
    pids = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(pids) == 1
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(process_alive(p) for p in pids):
        time.sleep(0.2)
    assert [p for p in pids if process_alive(p)] == []
