"""Which functions an S3 event goes to, by the template's event type and key filters."""
from __future__ import annotations

from local.pump import subscription_matches, targets_for
from local.template import S3Subscription

SUBSCRIPTIONS = [
    S3Subscription("TranscodeFunction", ("s3:ObjectCreated:*",), prefix="raw/"),
    S3Subscription("OnTranscodedFunction", ("s3:ObjectCreated:*",), prefix="hls/",
                   suffix="master.m3u8"),
]


def record(key: str, event_name: str = "ObjectCreated:Put") -> dict:
    return {"eventName": event_name, "s3": {"bucket": {"name": "b"}, "object": {"key": key}}}


def test_uploads_go_only_to_the_functions_whose_filters_match():
    assert targets_for(SUBSCRIPTIONS, record("raw/v1/source")) == ["TranscodeFunction"]
    assert targets_for(SUBSCRIPTIONS, record("hls/v1/master.m3u8")) == ["OnTranscodedFunction"]
    assert targets_for(SUBSCRIPTIONS, record("hls/v1/720p/index.m3u8")) == []
    assert targets_for(SUBSCRIPTIONS, record("thumbs/v1.jpg")) == []


def test_event_type_must_match():
    removed = record("raw/v1/source", "ObjectRemoved:Delete")
    posted = record("raw/v1/source", "ObjectCreated:Post")
    assert targets_for(SUBSCRIPTIONS, removed) == []
    assert targets_for(SUBSCRIPTIONS, posted) == ["TranscodeFunction"]
    exact = S3Subscription("F", ("s3:ObjectCreated:Put",))
    assert subscription_matches(exact, record("x")) is True
    assert subscription_matches(exact, posted) is False


def test_keys_are_matched_after_url_decoding_as_s3_sends_them_encoded():
    sub = S3Subscription("F", ("s3:ObjectCreated:*",), prefix="raw files/", suffix=".mp4")
    assert subscription_matches(sub, record("raw+files/my+clip.mp4")) is True
    assert subscription_matches(sub, record("raw%2Bfiles/clip.mp4")) is False


def test_event_keys_keep_their_slashes_as_in_aws_events():
    from local.pump import as_aws_sends_it

    moto_style = record("raw%2Fv1%2Fmy+clip%281%29.mp4")
    assert as_aws_sends_it(moto_style)["s3"]["object"]["key"] == "raw/v1/my+clip%281%29.mp4"
    assert as_aws_sends_it(record("raw/v1/source"))["s3"]["object"]["key"] == "raw/v1/source"
