"""The local stack keeps what AWS keeps: an event whose function still fails after the retries
lands in a dead-letter queue as Lambda's on-failure destination record, and scripts/redrive
replays it through the local Lambda Invoke API, exactly as it does on AWS (real moto server,
real boto3 clients, the event pump's workers)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from local.functions import FunctionRegistry
from local.lambda_api import LambdaApi, LambdaApiServer
from local.media import connect_notifications
from local.pump import DeadLetterQueue, EventPump
from local.template import read_template
from tests.support.local_fixtures import wait_for, write_function
from tests.support.scripts import load_script

redrive = load_script("redrive")

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Bucket:
    Type: AWS::S3::Bucket
  FlakyFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/flaky
      Handler: tuber_dlqtest_flaky.handler.lambda_handler
      Events:
        Upload:
          Type: S3
          Properties:
            Bucket: !Ref Bucket
            Events: s3:ObjectCreated:*
            Filter: {S3Key: {Rules: [{Name: prefix, Value: raw/}]}}
  # Like TranscodePartFunction: what still fails goes to a function, not to a queue.
  GuardedFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/flaky
      Handler: tuber_dlqtest_flaky.handler.lambda_handler
      EventInvokeConfig:
        MaximumRetryAttempts: 2
        DestinationConfig:
          OnFailure: {Type: Lambda, Destination: !GetAtt CatcherFunction.Arn}
  CatcherFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/catcher
      Handler: tuber_dlqtest_catcher.handler.lambda_handler
"""

CATCHER = """\
CAUGHT = []

def lambda_handler(event, context):
    CAUGHT.append(event)
"""

HANDLER = """\
CALLS = []
BROKEN = True

def lambda_handler(event, context):
    CALLS.append(event)
    if BROKEN:
        raise RuntimeError("ffprobe not found")
"""
BUCKET = "dlq-test-bucket"


@pytest.fixture
def local(tmp_path, moto_url):
    """A bucket notifying a pump with a dead-letter queue, and the local Lambda API."""
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    write_function(tmp_path, "flaky", "tuber_dlqtest_flaky", HANDLER)
    write_function(tmp_path, "catcher", "tuber_dlqtest_catcher", CATCHER)
    saved_path = list(sys.path)
    template = read_template(tmp_path / "template.yaml")
    kw = dict(endpoint_url=moto_url, region_name="us-east-1", aws_access_key_id="t",
              aws_secret_access_key="t")
    s3, sqs = boto3.client("s3", **kw), boto3.client("sqs", **kw)
    s3.create_bucket(Bucket=BUCKET)
    queue_url = connect_notifications(s3, sqs, BUCKET, template.s3_subscriptions)
    dlq_url = sqs.create_queue(QueueName="tuber-dead-letters")["QueueUrl"]
    registry = FunctionRegistry(template, tmp_path, [])
    pump = EventPump(sqs, queue_url, template.s3_subscriptions, registry.invoke,
                     retry_delay_s=0.05, wait_seconds=1,
                     dead_letters=DeadLetterQueue(sqs, dlq_url, account="123456789012",
                                                  region="us-east-1"),
                     on_failure={name: f.on_failure_function
                                 for name, f in template.functions.items()
                                 if f.on_failure_function})
    pump.start()
    api = LambdaApiServer(LambdaApi(lambda name: name in template.functions,
                                    pump.invoke_async))
    api.start()
    try:
        yield {"s3": s3, "sqs": sqs, "dlq": dlq_url, "pump": pump, "registry": registry,
               "lambda_url": api.url, "moto_url": moto_url}
    finally:
        api.stop()
        pump.stop()
        for key in [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]:
            s3.delete_object(Bucket=BUCKET, Key=key)
        s3.delete_bucket(Bucket=BUCKET)
        sqs.delete_queue(QueueUrl=queue_url)
        sqs.delete_queue(QueueUrl=dlq_url)
        sys.path[:] = saved_path
        for name in [m for m in sys.modules if m.startswith("tuber_dlqtest_")]:
            del sys.modules[name]


def dead_letters(sqs, url: str) -> list[dict]:
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0,
                              WaitTimeSeconds=1).get("Messages") or []
    return [json.loads(m["Body"]) for m in got]


def test_a_failed_event_is_dead_lettered_and_redriven(local, capsys):
    s3, sqs, pump = local["s3"], local["sqs"], local["pump"]
    s3.put_object(Bucket=BUCKET, Key="raw/v1/source", Body=b"video")
    wait_for(lambda: "tuber_dlqtest_flaky.handler" in sys.modules)
    handler = local["registry"].module("FlakyFunction")
    wait_for(lambda: len(handler.CALLS) == 3)
    assert pump.wait_idle(10)

    # After 1 + 2 retries: Lambda's on-failure destination record, with the event itself.
    [record] = dead_letters(sqs, local["dlq"])
    assert record["requestContext"] | {"requestId": "-"} == {
        "requestId": "-", "condition": "RetriesExhausted", "approximateInvokeCount": 3,
        "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:FlakyFunction:$LATEST"}
    assert record["requestPayload"] == handler.CALLS[0]
    assert record["requestPayload"]["Records"][0]["s3"]["object"]["key"] == "raw/v1/source"
    assert record["responsePayload"] == {"errorType": "RuntimeError",
                                         "errorMessage": "ffprobe not found"}

    # The fix is deployed; the operator redrives with the command the stack's banner prints.
    handler.BROKEN = False
    code = redrive.main(["--queue-url", local["dlq"], "--endpoint-url", local["moto_url"],
                         "--lambda-endpoint-url", local["lambda_url"], "--region", "us-east-1"])
    assert code == 0, capsys.readouterr().out
    wait_for(lambda: len(handler.CALLS) == 4)
    assert pump.wait_idle(10)
    assert handler.CALLS[3] == handler.CALLS[0]
    assert dead_letters(sqs, local["dlq"]) == []
    out = capsys.readouterr().out
    assert "redriven" in out and "-> FlakyFunction: s3 ObjectCreated:" in out


def test_a_redriven_event_that_fails_again_is_dead_lettered_again(local):
    handler_calls = []

    def still_failing(name, event):
        handler_calls.append(event)
        raise ValueError("still broken")

    local["pump"].invoke = still_failing
    lam = boto3.client("lambda", endpoint_url=local["lambda_url"], region_name="us-east-1",
                       aws_access_key_id="t", aws_secret_access_key="t")
    event = {"version": "0", "source": "aws.mediaconvert",
             "detail-type": "MediaConvert Job State Change", "detail": {"status": "ERROR"}}
    answer = lam.invoke(FunctionName="arn:aws:lambda:us-east-1:123456789012:function:"
                        "FlakyFunction", InvocationType="Event", Payload=json.dumps(event))
    assert answer["StatusCode"] == 202
    wait_for(lambda: len(handler_calls) == 3)
    assert local["pump"].wait_idle(10)
    [record] = dead_letters(local["sqs"], local["dlq"])
    assert record["requestPayload"] == event
    assert record["responsePayload"]["errorType"] == "ValueError"


def test_the_local_lambda_api_answers_like_lambda(local):
    lam = boto3.client("lambda", endpoint_url=local["lambda_url"], region_name="us-east-1",
                       aws_access_key_id="t", aws_secret_access_key="t")
    with pytest.raises(ClientError) as missing:
        lam.invoke(FunctionName="NoSuchFunction", InvocationType="Event", Payload=b"{}")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as synchronous:
        lam.invoke(FunctionName="FlakyFunction", Payload=b"{}")
    assert synchronous.value.response["Error"]["Code"] == "InvalidParameterValueException"
    with pytest.raises(ClientError) as not_json:
        lam.invoke(FunctionName="FlakyFunction", InvocationType="Event", Payload=b"{nope")
    assert not_json.value.response["Error"]["Code"] == "InvalidRequestContentException"


def test_a_function_destination_gets_the_record_instead_of_the_queue(local):
    """TranscodePartFunction's on-failure destination is OnTranscodedFunction: after the
    retries, the function gets Lambda's record (and the queue nothing)."""
    lam = boto3.client("lambda", endpoint_url=local["lambda_url"], region_name="us-east-1",
                       aws_access_key_id="t", aws_secret_access_key="t")
    part = {"part": {"videoId": "v", "runId": "r", "track": "240p", "index": 3}}
    lam.invoke(FunctionName="GuardedFunction", InvocationType="Event", Payload=json.dumps(part))
    wait_for(lambda: "tuber_dlqtest_catcher.handler" in sys.modules)
    catcher = local["registry"].module("CatcherFunction")
    wait_for(lambda: len(catcher.CAUGHT) == 1)
    assert local["pump"].wait_idle(10)
    assert len(local["registry"].module("GuardedFunction").CALLS) == 3
    [record] = catcher.CAUGHT
    assert record["requestPayload"] == part
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["functionArn"].endswith(":function:GuardedFunction:$LATEST")
    assert record["responsePayload"]["errorMessage"] == "ffprobe not found"
    assert dead_letters(local["sqs"], local["dlq"]) == []
