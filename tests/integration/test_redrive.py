"""scripts/redrive against moto: SQS dead-letter queues holding what Lambda puts there (on-failure
destination records, DeadLetterConfig and EventBridge target messages), the invocations
checked through botocore's Stubber or an injected invoke (moto's Lambda invoke needs Docker)."""
from __future__ import annotations

import json
import re

import boto3
import pytest
from botocore.stub import Stubber

from tests.support.scripts import load_script

redrive = load_script("redrive")

REGION = "us-east-1"
ACCOUNT = "123456789012"
TRANSCODE = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:tuber-TranscodeFunction-AbC"
ON_TRANSCODED = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:tuber-OnTranscodedFunction-XyZ"


def s3_event(key: str) -> dict:
    return {"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": REGION,
                         "eventName": "ObjectCreated:Post",
                         "s3": {"bucket": {"name": "tuber-media"},
                                "object": {"key": key, "size": 1234}}}]}


def mediaconvert_event(job: str) -> dict:
    return {"version": "0", "id": "e1", "source": "aws.mediaconvert",
            "detail-type": "MediaConvert Job State Change", "account": ACCOUNT,
            "region": REGION, "resources": [],
            "detail": {"status": "COMPLETE", "jobId": job,
                       "userMetadata": {"app": "tuber", "videoId": "v1"}}}


def destination_record(function_arn: str, event: dict, error: str = "boom",
                       qualifier: str = "$LATEST") -> dict:
    """What Lambda sends an SQS on-failure destination after the retries."""
    return {"version": "1.0", "timestamp": "2026-07-01T10:00:00.000Z",
            "requestContext": {"requestId": "r-1", "functionArn": f"{function_arn}:{qualifier}",
                               "condition": "RetriesExhausted", "approximateInvokeCount": 3},
            "requestPayload": event,
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST",
                                "functionError": "Unhandled"},
            "responsePayload": {"errorMessage": error, "errorType": "RuntimeError",
                                "stackTrace": []}}


@pytest.fixture
def aws(monkeypatch):
    from moto import mock_aws

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield


@pytest.fixture
def sqs(aws):
    return boto3.client("sqs", region_name=REGION)


@pytest.fixture
def dlq(sqs):
    return sqs.create_queue(QueueName="tuber-async-failures")["QueueUrl"]


def send(sqs, queue_url: str, body, attributes: dict | None = None) -> None:
    sqs.send_message(QueueUrl=queue_url,
                     MessageBody=body if isinstance(body, str) else json.dumps(body),
                     MessageAttributes={k: {"DataType": "String", "StringValue": v}
                                        for k, v in (attributes or {}).items()})


def bodies_left(sqs, queue_url: str) -> list:
    """Every message still in the queue, all visible now (the run released what it kept);
    visible again afterwards."""
    found, handles = [], []
    while True:
        got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                  VisibilityTimeout=30).get("Messages") or []
        if not got:
            break
        found += [json.loads(m["Body"]) if m["Body"].startswith(("{", "[")) else m["Body"]
                  for m in got]
        handles += [m["ReceiptHandle"] for m in got]
    for handle in handles:
        sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=handle,
                                      VisibilityTimeout=0)
    return found


class Recorder:
    def __init__(self, refuse: set[str] | None = None):
        self.calls: list[tuple[str, dict]] = []
        self.refuse = refuse or set()

    def __call__(self, function: str, event: dict) -> None:
        if redrive.function_name(function) in self.refuse:
            raise RuntimeError("throttled")
        self.calls.append((function, event))


def run(sqs, argv: list[str], invoke) -> int:
    return redrive.main(argv, invoke=invoke,
                        clients={"sqs": sqs, "lambda": object(), "cloudformation": object()})


def test_each_record_goes_back_to_its_function_with_the_original_event(sqs, dlq, capsys):
    upload, job = s3_event("raw/v1/source"), mediaconvert_event("job-7")
    send(sqs, dlq, destination_record(TRANSCODE, upload))
    send(sqs, dlq, destination_record(ON_TRANSCODED, job, error="MongoDB timed out"))
    invoke = Recorder()

    assert run(sqs, ["--queue-url", dlq], invoke) == 0

    # The unqualified ARN: the redrive runs the function's current code.
    assert sorted(invoke.calls, key=lambda c: c[0]) == [(ON_TRANSCODED, job),
                                                        (TRANSCODE, upload)]
    assert bodies_left(sqs, dlq) == []
    out = capsys.readouterr().out
    assert "-> tuber-TranscodeFunction-AbC: s3 ObjectCreated:Post raw/v1/source" in out
    assert "RetriesExhausted after 3 attempt(s) RuntimeError: boom" in out
    assert "aws.mediaconvert 'MediaConvert Job State Change' COMPLETE job-7" in out
    assert "done: 2 redriven, 0 skipped, 0 failed" in out


def test_a_failed_part_record_on_transcoded_could_not_handle_goes_back_as_it_was(
        sqs, dlq, capsys):
    """A transcode part that failed for good reaches OnTranscodedFunction as Lambda's
    destination record (a function destination, no queue). If on_transcoded fails on it
    too, its own queue holds a record whose event is that record: redriven whole, so the
    video still gets failed (or its rung dropped)."""
    part_function = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:tuber-TranscodePartFunction-Q"
    part_failed = destination_record(
        part_function, {"part": {"videoId": "v1", "runId": "r1", "track": "240p", "index": 3}},
        error="Task timed out after 900.00 seconds", qualifier="live")
    send(sqs, dlq, destination_record(ON_TRANSCODED, part_failed, error="MongoDB timed out",
                                      qualifier="live"))
    invoke = Recorder()

    assert run(sqs, ["--queue-url", dlq], invoke) == 0

    assert invoke.calls == [(f"{ON_TRANSCODED}:live", part_failed)]
    assert bodies_left(sqs, dlq) == []
    assert "done: 1 redriven, 0 skipped, 0 failed" in capsys.readouterr().out


def test_dry_run_invokes_and_deletes_nothing(sqs, dlq, capsys):
    records = [destination_record(TRANSCODE, s3_event(f"raw/v{i}/source")) for i in range(3)]
    for record in records:
        send(sqs, dlq, record)

    def must_not_invoke(function, event):
        raise AssertionError("a dry run invoked")

    assert run(sqs, ["--queue-url", dlq, "--dry-run"], must_not_invoke) == 0

    out = capsys.readouterr().out
    assert out.count("would redrive ") == 3 and "done: 3 would redrive" in out
    # Still there, and visible at once (not hidden until a visibility timeout).
    assert sorted(bodies_left(sqs, dlq), key=json.dumps) == sorted(records, key=json.dumps)


def test_max_redrives_that_many_and_leaves_the_rest_visible(sqs, dlq):
    for i in range(5):
        send(sqs, dlq, destination_record(TRANSCODE, s3_event(f"raw/v{i}/source")))
    invoke = Recorder()

    assert run(sqs, ["--queue-url", dlq, "--max", "2"], invoke) == 0

    assert len(invoke.calls) == 2
    left = bodies_left(sqs, dlq)
    assert len(left) == 3
    redriven = {json.dumps(event) for _, event in invoke.calls}
    assert not redriven & {json.dumps(body["requestPayload"]) for body in left}


def test_a_refused_invocation_keeps_its_message_and_the_run_goes_on(sqs, dlq, capsys):
    send(sqs, dlq, destination_record(ON_TRANSCODED, mediaconvert_event("job-1")))
    send(sqs, dlq, destination_record(TRANSCODE, s3_event("raw/v2/source")))
    invoke = Recorder(refuse={"tuber-OnTranscodedFunction-XyZ"})

    assert run(sqs, ["--queue-url", dlq], invoke) == 1

    assert invoke.calls == [(TRANSCODE, s3_event("raw/v2/source"))]
    assert [b["requestPayload"] for b in bodies_left(sqs, dlq)] == [mediaconvert_event("job-1")]
    out = capsys.readouterr().out
    assert "FAILED" in out and "not accepted (RuntimeError: throttled)" in out
    assert "done: 1 redriven, 0 skipped, 1 failed" in out


def test_with_function_only_its_records_leave_a_shared_queue(sqs, dlq, capsys):
    send(sqs, dlq, destination_record(TRANSCODE, s3_event("raw/v1/source")))
    send(sqs, dlq, destination_record(ON_TRANSCODED, mediaconvert_event("job-1")))
    invoke = Recorder()

    assert run(sqs, ["--queue-url", dlq, "--function", "tuber-TranscodeFunction-AbC"],
               invoke) == 0

    assert invoke.calls == [("tuber-TranscodeFunction-AbC", s3_event("raw/v1/source"))]
    assert [b["requestPayload"] for b in bodies_left(sqs, dlq)] == [mediaconvert_event("job-1")]
    assert "is for tuber-OnTranscodedFunction-XyZ" in capsys.readouterr().out


def test_plain_events_need_function_unless_eventbridge_names_the_target(sqs, dlq, capsys):
    # A DeadLetterConfig queue holds the bare event; an EventBridge target DLQ adds TARGET_ARN.
    bare = s3_event("raw/v3/source")
    send(sqs, dlq, bare, {"RequestID": "r-9", "ErrorCode": "200",
                          "ErrorMessage": "Task timed out"})
    send(sqs, dlq, mediaconvert_event("job-2"), {
        "RULE_ARN": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/tuber-mc",
        "TARGET_ARN": ON_TRANSCODED, "ERROR_CODE": "SDK_CLIENT_ERROR",
        "ERROR_MESSAGE": "Lambda throttled"})
    send(sqs, dlq, "not json at all")
    invoke = Recorder()

    assert run(sqs, ["--queue-url", dlq], invoke) == 0

    assert invoke.calls == [(ON_TRANSCODED, mediaconvert_event("job-2"))]
    out = capsys.readouterr().out
    assert "names no function (pass --function)" in out
    assert "the body is not JSON" in out
    assert sorted(map(json.dumps, bodies_left(sqs, dlq))) == sorted(
        [json.dumps(bare), json.dumps("not json at all")])

    # Told which function it is, the bare event goes there.
    assert run(sqs, ["--queue-url", dlq, "--function", "tuber-TranscodeFunction-AbC"],
               invoke) == 0
    assert invoke.calls[-1] == ("tuber-TranscodeFunction-AbC", bare)
    assert bodies_left(sqs, dlq) == ["not json at all"]


def test_the_invocation_is_asynchronous_and_must_be_accepted(sqs, dlq):
    """Through a real botocore Lambda client (Stubber): InvocationType Event with the
    event as the payload; anything but 202 keeps the message."""
    upload = s3_event("raw/v4/source")
    send(sqs, dlq, destination_record(TRANSCODE, upload))
    lam = boto3.client("lambda", region_name=REGION)
    expected = {"FunctionName": TRANSCODE, "InvocationType": "Event",
                "Payload": json.dumps(upload).encode()}
    with Stubber(lam) as stub:
        stub.add_response("invoke", {"StatusCode": 200}, expected)  # not accepted as async
        stub.add_client_error("invoke", "TooManyRequestsException", http_status_code=429,
                              expected_params=expected)
        stub.add_response("invoke", {"StatusCode": 202}, expected)
        for attempt in range(2):
            assert redrive.main(["--queue-url", dlq], clients={
                "sqs": sqs, "lambda": lam, "cloudformation": object()}) == 1
            assert len(bodies_left(sqs, dlq)) == 1
        assert redrive.main(["--queue-url", dlq], clients={
            "sqs": sqs, "lambda": lam, "cloudformation": object()}) == 0
        stub.assert_no_pending_responses()
    assert bodies_left(sqs, dlq) == []


@pytest.fixture
def deployed(sqs, dlq):
    """A stack as SAM deploys it: TranscodeFunction's on-failure destination on its `live`
    alias (AutoPublishAlias), AuthFunction without one. CloudFormation and Lambda are
    stubbed (moto's would need the whole template, and ignore qualifiers); SQS is moto's.
    Yields the clients and `expect(calls)`: queue the answers for these calls, in order."""
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    lam = boto3.client("lambda", region_name=REGION)
    resources = {"StackResourceSummaries": [
        {"LogicalResourceId": logical, "PhysicalResourceId": physical,
         "ResourceType": "AWS::Lambda::Function", "ResourceStatus": "CREATE_COMPLETE",
         "LastUpdatedTimestamp": "2026-07-01T00:00:00Z"}
        for logical, physical in [("TranscodeFunction", "tuber-TranscodeFunction-AbC"),
                                  ("AuthFunction", "tuber-AuthFunction-Q")]]}
    cfn_stub, lambda_stub = Stubber(cloudformation), Stubber(lam)

    def expect(*calls: str) -> None:
        for call in calls:
            if call == "stack":
                cfn_stub.add_response("list_stack_resources", resources, {"StackName": "tuber"})
            elif call == "transcode":
                lambda_stub.add_response("list_function_event_invoke_configs", {
                    "FunctionEventInvokeConfigs": [{
                        "FunctionArn": f"{TRANSCODE}:live", "MaximumRetryAttempts": 2,
                        "DestinationConfig": {"OnFailure": {"Destination": dlq_arn}}}]},
                    {"FunctionName": "tuber-TranscodeFunction-AbC"})
            elif call == "auth":
                name = {"FunctionName": "tuber-AuthFunction-Q"}
                lambda_stub.add_response("list_function_event_invoke_configs",
                                         {"FunctionEventInvokeConfigs": []}, name)
                lambda_stub.add_response("get_function_configuration", name, name)

    with cfn_stub, lambda_stub:
        yield {"sqs": sqs, "lambda": lam, "cloudformation": cloudformation}, expect
        cfn_stub.assert_no_pending_responses()
        lambda_stub.assert_no_pending_responses()


def test_stack_and_function_find_the_queue_and_the_alias(deployed, dlq, capsys):
    clients, expect = deployed
    sqs = clients["sqs"]
    send(sqs, dlq, destination_record(TRANSCODE, s3_event("raw/v5/source"), qualifier="live"))
    invoke = Recorder()

    # --list: every function of the stack, its queue and depth
    expect("stack", "auth", "transcode")
    assert redrive.main(["--stack", "tuber", "--list"], clients=clients) == 0
    listing = capsys.readouterr().out
    assert "AuthFunction             (no dead-letter queue)" in listing
    assert re.search(rf"TranscodeFunction +1 waiting +0 in flight  {re.escape(dlq)}", listing)

    # --function: the queue of its on-failure destination; the alias is invoked again.
    expect("stack", "transcode")
    assert redrive.main(["--stack", "tuber", "--function", "TranscodeFunction"],
                        invoke=invoke, clients=clients) == 0
    assert invoke.calls == [(f"{TRANSCODE}:live", s3_event("raw/v5/source"))]
    assert bodies_left(sqs, dlq) == []

    expect("stack", "auth")
    assert redrive.main(["--stack", "tuber", "--function", "AuthFunction"],
                        invoke=invoke, clients=clients) == 2
    assert "has no on-failure destination and no dead-letter queue" in capsys.readouterr().err

    expect("stack")
    assert redrive.main(["--stack", "tuber", "--function", "Nope"], clients=clients) == 2
    assert "stack tuber has no function 'Nope' (its functions: AuthFunction, " \
        "TranscodeFunction)" in capsys.readouterr().err


def test_list_shows_a_function_whose_failures_go_to_another_function(sqs, dlq, capsys):
    """TranscodePartFunction's failures go to OnTranscodedFunction, not to a queue: the
    listing says so and goes on with the other functions."""
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    lam = boto3.client("lambda", region_name=REGION)
    functions = [("OnTranscodedFunction", "tuber-OnTranscodedFunction-XyZ"),
                 ("TranscodePartFunction", "tuber-TranscodePartFunction-Q")]
    with Stubber(cloudformation) as cfn_stub, Stubber(lam) as lambda_stub:
        cfn_stub.add_response("list_stack_resources", {"StackResourceSummaries": [
            {"LogicalResourceId": logical, "PhysicalResourceId": physical,
             "ResourceType": "AWS::Lambda::Function", "ResourceStatus": "CREATE_COMPLETE",
             "LastUpdatedTimestamp": "2026-07-01T00:00:00Z"}
            for logical, physical in functions]}, {"StackName": "tuber"})
        for (_, physical), destination in zip(functions, [dlq_arn, f"{ON_TRANSCODED}:live"]):
            lambda_stub.add_response("list_function_event_invoke_configs", {
                "FunctionEventInvokeConfigs": [{
                    "FunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{physical}:live",
                    "MaximumRetryAttempts": 2,
                    "DestinationConfig": {"OnFailure": {"Destination": destination}}}]},
                {"FunctionName": physical})
        code = redrive.main(["--stack", "tuber", "--list"], clients={
            "sqs": sqs, "lambda": lam, "cloudformation": cloudformation})
    listing = capsys.readouterr().out
    assert code == 0
    assert re.search(rf"OnTranscodedFunction +0 waiting +0 in flight  {re.escape(dlq)}", listing)
    assert re.search(r"TranscodePartFunction .*tuber-OnTranscodedFunction-XyZ", listing)


def test_which_qualifier_is_invoked_again():
    assert redrive.redrive_target(f"{TRANSCODE}:live") == f"{TRANSCODE}:live"
    assert redrive.redrive_target(f"{TRANSCODE}:$LATEST") == TRANSCODE
    assert redrive.redrive_target(f"{TRANSCODE}:17") == TRANSCODE
    assert redrive.redrive_target(TRANSCODE) == TRANSCODE
    assert redrive.function_name(f"{TRANSCODE}:live") == "tuber-TranscodeFunction-AbC"
    assert redrive.function_name("my-fn:live") == "my-fn"


def test_usage_errors(capsys):
    for argv in ([], ["--stack", "tuber"], ["--list"], ["--queue-url", "q", "--max", "0"],
                 ["--queue-url", "q", "--stack", "s", "--function", "f"]):
        with pytest.raises(SystemExit) as exited:
            redrive.parse_args(argv)
        assert exited.value.code == 2
