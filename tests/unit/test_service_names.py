"""Logs and metrics carry the function's own service name (its POWERTOOLS_SERVICE_NAME in
template.yaml), and the log lines of the function's modules carry the invocation's context:
TranscodeFunction and TranscodePartFunction share one package but not one name. Each function
runs in a process of its own, as in Lambda (the name is read when the modules import)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# What each invocation runs: an event its function ignores, after its modules logged (a
# module's own logger stands in for the work, which would need a database).
INVOKE = {
    "transcode": ("transcode", """
from tuber_transcode import handler
answer = handler.lambda_handler(
    {"Records": [{"s3": {"bucket": {"name": "b"}, "object": {"key": "hls/not-raw"}}}]}, ctx)
"""),
    "transcode_part": ("transcode", """
from tuber_transcode import handler, parts
handler.parts.run = lambda *args, **kwargs: parts.logger.info("part ran") or "stand-in"
handler.get_db = lambda: None
answer = handler.part_handler({"part": {"videoId": "v1", "track": "240p", "index": 0}}, ctx)
handler.part_handler({}, ctx)
"""),
    "on_transcoded": ("on_transcoded", """
from tuber_on_transcoded import handler
handler.lambda_handler({"requestContext": {"condition": "RetriesExhausted"},
                        "requestPayload": {"Records": []}}, ctx)
answer = handler.lambda_handler({"detail-type": "Something Else", "detail": {}}, ctx)
"""),
}


@pytest.mark.parametrize("service", sorted(INVOKE))
def test_logs_and_metrics_name_the_function(service):
    package, body = INVOKE[service]
    code = ("from local.lambda_context import LambdaContext\n"
            "ctx = LambdaContext(function_name='fn-" + service + "')\n" + body)
    env = {"PYTHONPATH": ":".join([str(ROOT), str(ROOT / "layers/common"),
                                   str(ROOT / "functions" / package)]),
           "POWERTOOLS_SERVICE_NAME": service, "POWERTOOLS_METRICS_NAMESPACE": "tuber-test",
           "MONGODB_URI": "mongodb://127.0.0.1:9/", "AWS_REGION": "us-east-1"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            env=env, timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()
             if line.startswith("{")]
    logs = [line for line in lines if "message" in line]
    metrics = [line for line in lines if "_aws" in line]
    assert logs and metrics
    assert {line["service"] for line in lines} == {service}
    # Every line of the invocation, the modules' included, has the invocation's context.
    assert {line.get("function_name") for line in logs} == {f"fn-{service}"}
