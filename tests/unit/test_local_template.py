"""The local stack reads template.yaml itself: routes, S3 events, CORS and environment."""
from __future__ import annotations

from pathlib import Path

import pytest

from local.environment import LocalValues, function_environment, media_bucket_name
from local.template import NO_VALUE, HttpRoute, Resolver, Tagged, load_template, read_template

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


@pytest.fixture(scope="module")
def template():
    return read_template(TEMPLATE)


def test_cloudformation_tags_load_as_tagged_values():
    raw = load_template(TEMPLATE)
    layers = raw["Globals"]["Function"]["Layers"]
    assert layers == [Tagged("Ref", "CommonLayer")]
    mongodb_uri = raw["Globals"]["Function"]["Environment"]["Variables"]["MONGODB_URI_ARN"]
    assert mongodb_uri == Tagged("Ref", "MongoDbUriSecret")


def test_every_http_route_of_the_template_is_read(template):
    assert HttpRoute("POST", "/auth/register", "AuthFunction") in template.routes
    assert HttpRoute("GET", "/video/{videoId}", "VideoFunction") in template.routes
    assert HttpRoute("PUT", "/like/{videoId}", "LikeFunction") in template.routes
    assert HttpRoute("PATCH", "/comment/{id}", "CommentFunction") in template.routes
    assert HttpRoute("GET", "/video/search", "VideoFunction").route_key == "GET /video/search"


def test_s3_events_keep_their_key_filters(template):
    by_function = {s.function: s for s in template.s3_subscriptions}
    # Only uploads start work: the transcoder's parts record their own results.
    assert set(by_function) == {"TranscodeFunction"}
    assert by_function["TranscodeFunction"].prefix == "raw/"
    assert by_function["TranscodeFunction"].suffix == ""
    assert by_function["TranscodeFunction"].events == ("s3:ObjectCreated:*",)


def test_on_failure_destinations_that_are_functions_are_read(template):
    parts = template.functions["TranscodePartFunction"]
    assert parts.on_failure_function == "OnTranscodedFunction"
    assert template.functions["TranscodeFunction"].on_failure_function is None  # a queue


def test_functions_have_code_uri_handler_and_timeouts(template):
    transcode = template.functions["TranscodeFunction"]
    assert transcode.code_uri == "functions/transcode"
    assert transcode.module == "tuber_transcode.handler"
    assert transcode.attribute == "lambda_handler"
    assert transcode.timeout_s == 300
    assert template.functions["TranscodePartFunction"].timeout_s == 900
    assert template.functions["AuthFunction"].timeout_s == 10  # from Globals


def test_http_api_cors_configuration(template):
    assert template.cors.allow_origins == ["*"]
    assert template.cors.allow_headers == ["authorization", "content-type"]
    assert "PATCH" in template.cors.allow_methods
    assert template.cors.max_age == 600


def test_resolver_evaluates_sub_if_and_no_value():
    raw = {"Parameters": {"Url": {"Type": "String", "Default": ""}},
           "Conditions": {"HasUrl": Tagged("Not", [Tagged("Equals", [Tagged("Ref", "Url"), ""])])}}
    resolver = Resolver(raw, {"AWS::Region": "eu-west-1"})
    value = Tagged("If", ["HasUrl", Tagged("Ref", "Url"),
                          Tagged("Sub", "https://s3.${AWS::Region}.example")])
    assert resolver.resolve(value) == "https://s3.eu-west-1.example"
    assert resolver.resolve(["a", Tagged("Ref", "AWS::NoValue")]) == ["a"]
    assert resolver.resolve(Tagged("Ref", "AWS::NoValue")) is NO_VALUE
    with pytest.raises(KeyError):
        resolver.resolve(Tagged("Ref", "Unknown"))


def test_local_environment_comes_from_the_template(template):
    bucket = media_bucket_name(template)
    env = function_environment(template, LocalValues(
        mongodb_uri="mongodb://127.0.0.1:1/", mongodb_db="tuber", jwt_secret="j" * 40,
        webhook_secret="w" * 40, s3_endpoint_url="http://127.0.0.1:9", media_bucket=bucket))
    assert bucket == "tuber-media-123456789012"
    assert env["MEDIA_BUCKET"] == bucket
    assert env["JWT_SECRET"] == "j" * 40
    assert env["MONGODB_URI"] == "mongodb://127.0.0.1:1/"
    assert env["TRANSCODER_BACKEND"] == "ffmpeg"
    assert env["S3_ENDPOINT_URL"] == "http://127.0.0.1:9"
    assert env["MAX_UPLOAD_BYTES"] == "2147483648"
    assert "POWERTOOLS_SERVICE_NAME" not in env  # per function, set at its import


def test_the_bucket_is_private_and_only_the_distribution_reads_media_and_the_web_client():
    props = load_template(TEMPLATE)["Resources"]["MediaBucket"]["Properties"]
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True}
    assert {"Id": "expire-unconfirmed-uploads", "Status": "Enabled", "Prefix": "incoming/",
            "ExpirationInDays": 1} in props["LifecycleConfiguration"]["Rules"]
    statements = load_template(TEMPLATE)["Resources"]["MediaBucketPolicy"]["Properties"][
        "PolicyDocument"]["Statement"]
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert all(s["Principal"] == {"Service": "cloudfront.amazonaws.com"} for s in allows)
    assert {s["Action"] for s in allows} == {"s3:GetObject", "s3:ListBucket"}
    reads = next(s for s in allows if s["Action"] == "s3:GetObject")
    readable = [r.value for r in reads["Resource"]]
    assert readable == ["arn:${AWS::Partition}:s3:::${MediaBucket}/hls/*",
                        "arn:${AWS::Partition}:s3:::${MediaBucket}/thumbs/*",
                        "arn:${AWS::Partition}:s3:::${MediaBucket}/web/*"]
    assert all("AWS:SourceArn" in s["Condition"]["StringEquals"] for s in allows)
