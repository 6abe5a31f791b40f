"""The non-HTTP events, read with Powertools' event source data classes: S3 notifications
(keys arrive URL-encoded, form style), EventBridge rule events and schedules, CloudFormation
custom resource requests. What an event that is not of its kind does: ignored, as before."""
from __future__ import annotations

from urllib.parse import quote_plus

import pytest
from aws_lambda_powertools.utilities.data_classes import S3Event

from tests.support.video_fixtures import sample_event
from tuber_common.events import eventbridge_event, is_scheduled
from tuber_transcode.handler import uploaded_objects


def _s3_event(*keys: str, bucket: str = "tuber-media") -> dict:
    event = sample_event("s3_raw_upload")
    template = event["Records"][0]
    event["Records"] = [{**template, "s3": {**template["s3"], "bucket": {"name": bucket},
                                            "object": {**template["s3"]["object"], "key": k}}}
                        for k in keys]
    return event


@pytest.mark.parametrize("key", [
    "raw/v1/source",
    "raw/v1/my clip + über.mp4",  # S3 sends raw/v1/my+clip+%2B+%C3%BCber.mp4
    "raw/v1/100% real?&=#.mov",
    "raw/v1/a+b.mp4",
])
def test_keys_arrive_url_encoded_and_are_read_decoded(key):
    event = S3Event(_s3_event(quote_plus(key, safe="/")))
    assert list(uploaded_objects(event)) == [("tuber-media", key)]


def test_every_record_is_read_not_only_the_first():
    # S3Event.object_key decodes the first record's key only; a record's object.key is raw.
    event = S3Event(_s3_event("raw/a/my+clip.mp4", "raw/b/other+clip.mp4"))
    assert list(uploaded_objects(event)) == [("tuber-media", "raw/a/my clip.mp4"),
                                             ("tuber-media", "raw/b/other clip.mp4")]


def test_records_that_name_no_object_are_ignored_one_by_one():
    event = _s3_event("raw/v1/source")
    good = event["Records"][0]
    event["Records"] = [{"eventName": "ObjectCreated:Put"}, {**good, "s3": {"bucket": {}}},
                        {**good, "s3": {**good["s3"], "object": {"key": ""}}}, "junk", good]
    assert list(uploaded_objects(S3Event(event))) == [None, None, None, None,
                                                      ("tuber-media", "raw/v1/source")]


@pytest.mark.parametrize("event", [
    {},  # no records at all
    {"Records": None},
    # S3's own test event, sent when a notification is configured
    {"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "tuber-media"},
    sample_event("video_sweep_scheduled"),
])
def test_an_event_that_is_not_an_s3_notification_yields_nothing(event):
    assert list(uploaded_objects(S3Event(event))) == []


def test_the_transcode_handler_reads_the_s3_event_and_ignores_other_keys(monkeypatch):
    from local.lambda_context import LambdaContext
    from tuber_transcode import handler

    seen = []
    monkeypatch.setattr(handler, "get_db", lambda: "db")
    monkeypatch.setattr(handler.pipeline, "handle_upload",
                        lambda db, bucket, key, remaining: seen.append((bucket, key)) or "done")
    event = _s3_event("raw/v1/my+clip.mp4")
    event["Records"].append({"eventName": "ObjectCreated:Put"})
    answer = handler.lambda_handler(event, LambdaContext(function_name="transcode"))
    assert answer == {"results": ["done", "ignored"]}
    assert seen == [("tuber-media", "raw/v1/my clip.mp4")]
    assert handler.lambda_handler({}, LambdaContext(function_name="transcode")) == {
        "results": []}


def test_eventbridge_events_and_schedules():
    schedule = sample_event("video_sweep_scheduled")
    assert eventbridge_event(schedule).detail_type == "Scheduled Event"
    assert is_scheduled(schedule)
    assert is_scheduled({"detail-type": "Scheduled Event"})  # only detail-type is read
    mediaconvert = sample_event("mediaconvert_complete")
    assert eventbridge_event(mediaconvert).detail["status"] == "COMPLETE"
    assert not is_scheduled(mediaconvert)
    for other in ({}, {"detail-type": 3}, sample_event("s3_raw_upload"),
                  sample_event("like_me"), [], "Scheduled Event", None):
        assert eventbridge_event(other) is None and not is_scheduled(other)


def test_custom_resource_requests_are_read_with_their_data_class():
    from tuber_deploy_hooks.custom_resource import InvalidRequest, Request

    base = {"RequestType": "Update", "ResponseURL": "https://cfn.test/answer",
            "StackId": "arn:stack", "RequestId": "r-1", "ResourceType": "Custom::WebClient",
            "LogicalResourceId": "WebClient", "ServiceToken": "arn:fn"}
    request = Request.from_event({**base, "ResourceProperties": {"Prefix": "web/"},
                                  "OldResourceProperties": {"Prefix": "old/"},
                                  "PhysicalResourceId": "web-1"})
    assert (request.request_type, request.resource_type, request.logical_id,
            request.properties, request.old_properties, request.physical_id) == (
        "Update", "Custom::WebClient", "WebClient", {"Prefix": "web/"}, {"Prefix": "old/"},
        "web-1")
    create = Request.from_event({**base, "RequestType": "Create"})
    assert (create.properties, create.old_properties, create.physical_id) == ({}, {}, None)
    with pytest.raises(InvalidRequest, match="missing ResponseURL"):
        Request.from_event({**base, "ResponseURL": ""})
