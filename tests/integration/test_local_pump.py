"""The event pump against a real moto server: an upload to the bucket becomes the S3 event
JSON AWS sends, delivered to the matching functions of a template (here a small one of the
test's own, with its own function code) and to no other."""
from __future__ import annotations

import sys
import time

import boto3
import pytest
import requests

from local.environment import media_bucket_name
from local.functions import FunctionRegistry
from local.media import connect_notifications, create_bucket
from local.pump import EventPump
from local.template import read_template
from tests.support.local_fixtures import wait_for, write_function

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "pump-test-${AWS::AccountId}"
      CorsConfiguration:
        CorsRules:
          - {AllowedOrigins: ["*"], AllowedMethods: [GET, PUT, POST], AllowedHeaders: ["*"]}
  RawFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/raw
      Handler: tuber_pumptest_raw.handler.lambda_handler
      Events:
        Upload:
          Type: S3
          Properties:
            Bucket: !Ref Bucket
            Events: s3:ObjectCreated:*
            Filter: {S3Key: {Rules: [{Name: prefix, Value: raw/}]}}
  MasterFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/master
      Handler: tuber_pumptest_master.handler.lambda_handler
      Events:
        Master:
          Type: S3
          Properties:
            Bucket: !Ref Bucket
            Events: s3:ObjectCreated:*
            Filter: {S3Key: {Rules: [{Name: prefix, Value: hls/}, {Name: suffix, Value: master.m3u8}]}}
  FlakyFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/flaky
      Handler: tuber_pumptest_flaky.handler.lambda_handler
      Events:
        Flaky:
          Type: S3
          Properties:
            Bucket: !Ref Bucket
            Events: s3:ObjectCreated:*
            Filter: {S3Key: {Rules: [{Name: prefix, Value: flaky/}]}}
"""

RECORDING_HANDLER = """\
RECEIVED = []

def lambda_handler(event, context):
    RECEIVED.append(event)
"""

FAILING_HANDLER = """\
CALLS = []

def lambda_handler(event, context):
    CALLS.append(event)
    raise RuntimeError("transcoder exploded")
"""


@pytest.fixture
def project(tmp_path):
    """A project folder with its own template and three tiny functions."""
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    write_function(tmp_path, "raw", "tuber_pumptest_raw", RECORDING_HANDLER)
    write_function(tmp_path, "master", "tuber_pumptest_master", RECORDING_HANDLER)
    write_function(tmp_path, "flaky", "tuber_pumptest_flaky", FAILING_HANDLER)
    saved_path = list(sys.path)
    yield tmp_path
    sys.path[:] = saved_path
    for name in [m for m in sys.modules if m.startswith("tuber_pumptest_")]:
        del sys.modules[name]


@pytest.fixture
def pumped(project, moto_url):
    """Bucket + queue + notification on moto, a running pump; yields (s3, bucket, registry)."""
    template = read_template(project / "template.yaml")
    clients = {name: boto3.client(name, endpoint_url=moto_url, region_name="us-east-1",
                                  aws_access_key_id="t", aws_secret_access_key="t")
               for name in ("s3", "sqs")}
    bucket = media_bucket_name_for(template)
    create_bucket(clients["s3"], bucket, "us-east-1",
                  template.resource("Bucket")["Properties"]["CorsConfiguration"])
    queue_url = connect_notifications(clients["s3"], clients["sqs"], bucket,
                                      template.s3_subscriptions)
    registry = FunctionRegistry(template, project, [])
    pump = EventPump(clients["sqs"], queue_url, template.s3_subscriptions, registry.invoke,
                     retry_delay_s=0.05, wait_seconds=1)
    pump.start()
    try:
        yield clients["s3"], clients["sqs"], queue_url, bucket, registry, pump
    finally:
        pump.stop()
        for obj in clients["s3"].list_objects_v2(Bucket=bucket).get("Contents", []):
            clients["s3"].delete_object(Bucket=bucket, Key=obj["Key"])
        clients["s3"].delete_bucket(Bucket=bucket)
        clients["sqs"].delete_queue(QueueUrl=queue_url)


def media_bucket_name_for(template) -> str:
    # The template's own bucket name, as the stack resolves MediaBucket's.
    template.raw["Resources"]["MediaBucket"] = template.resource("Bucket")
    return media_bucket_name(template)


def test_presigned_upload_reaches_only_the_matching_function(pumped):
    s3, _sqs, _queue, bucket, registry, pump = pumped
    # Given a presigned POST for a raw upload, as the video function hands one out
    post = s3.generate_presigned_post(Bucket=bucket, Key="raw/v1/source",
                                      Fields={"Content-Type": "video/mp4"},
                                      Conditions=[{"Content-Type": "video/mp4"}])
    # When a client uploads with a plain HTTP form POST
    answer = requests.post(post["url"], data=post["fields"],
                           files={"file": ("clip.mp4", b"fake video", "video/mp4")}, timeout=10)
    assert answer.status_code in (200, 204), answer.text
    # Then the raw function gets the S3 event JSON, and the master-playlist one does not
    raw = registry.module("RawFunction").RECEIVED
    wait_for(lambda: len(raw) == 1)
    assert pump.wait_idle(10)
    record = raw[0]["Records"][0]
    assert record["eventSource"] == "aws:s3"
    assert record["eventName"].startswith("ObjectCreated:")
    assert record["s3"]["bucket"]["name"] == bucket
    assert record["s3"]["object"]["key"] == "raw/v1/source"
    assert record["s3"]["object"]["size"] == len(b"fake video")
    assert registry.module("MasterFunction").RECEIVED == []


def test_master_playlist_goes_to_its_function_and_other_keys_to_none(pumped):
    s3, _sqs, _queue, bucket, registry, pump = pumped
    s3.put_object(Bucket=bucket, Key="hls/v1/720p/index.m3u8", Body=b"#EXTM3U")
    s3.put_object(Bucket=bucket, Key="thumbs/v1.jpg", Body=b"jpeg")
    s3.put_object(Bucket=bucket, Key="hls/v1/master.m3u8", Body=b"#EXTM3U")
    master = registry.module("MasterFunction").RECEIVED
    wait_for(lambda: len(master) == 1)
    assert pump.wait_idle(10)
    assert master[0]["Records"][0]["s3"]["object"]["key"] == "hls/v1/master.m3u8"
    assert registry.module("RawFunction").RECEIVED == []


def test_failing_function_is_retried_twice_then_the_message_is_dropped(pumped):
    s3, sqs, queue_url, bucket, registry, pump = pumped
    s3.put_object(Bucket=bucket, Key="flaky/x", Body=b"x")
    wait_for(lambda: "tuber_pumptest_flaky.handler" in sys.modules)
    calls = registry.module("FlakyFunction").CALLS
    wait_for(lambda: len(calls) == 3)
    assert pump.wait_idle(10)
    time.sleep(0.5)
    assert len(calls) == 3  # 1 + Lambda's 2 asynchronous retries, no more
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])
    assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "0"
    assert attributes["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_bucket_cors_lets_a_browser_upload(pumped):
    s3, _sqs, _queue, bucket, _registry, _pump = pumped
    origin = {"Origin": "http://127.0.0.1:3000"}
    post = s3.generate_presigned_post(Bucket=bucket, Key="raw/v2/source",
                                      Fields={"Content-Type": "video/mp4"},
                                      Conditions=[{"Content-Type": "video/mp4"}])
    # The preflight a browser sends before an XHR upload with progress events
    preflight = requests.options(post["url"], headers={
        **origin, "Access-Control-Request-Method": "POST"}, timeout=10)
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] in ("*", origin["Origin"])
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    # ... and the upload's answer, which the page may read only with the CORS header
    upload = requests.post(post["url"], data=post["fields"], headers=origin, timeout=10,
                           files={"file": ("clip.mp4", b"fake video", "video/mp4")})
    assert upload.status_code in (200, 204)
    assert upload.headers["Access-Control-Allow-Origin"] in ("*", origin["Origin"])


def test_s3_test_event_is_consumed_without_invoking_anything(pumped):
    # Configuring the notification made S3 queue an s3:TestEvent.
    _s3, sqs, queue_url, _bucket, registry, pump = pumped
    wait_for(lambda: sqs.get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["All"])["Attributes"] == {
        **sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"],
        "ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"})
    assert pump.wait_idle(10)
    for name in ("RawFunction", "MasterFunction"):
        assert registry.module(name).RECEIVED == []
