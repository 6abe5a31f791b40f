"""The local S3 is not reachable anonymously (local/s3_gate.py): moto behind a signature
check that accepts the stack's credentials only, in every form the stack and the browser use
(SDK requests, presigned URLs, presigned POST forms with their conditions, SQS), and
refuses everything else, moto's admin API included. It answers as S3 does, status and error
code, where moto alone is more permissive (part sizes and numbers, POST policies, digests) or
less (a PUT body of any Content-Type).

Where S3's answers come from: the S3 API reference's error code list and "Amazon S3 multipart
upload limits" (part numbers 1..10,000, parts 5 MiB to 5 GiB but the last); the POST policy
docs (sigv4-HTTPPOSTConstructPolicy: every form field but x-amz-signature, file, policy and
x-ignore-* must be named by a condition); responses recorded against AWS as quoted in
sivchari/kumo#935 (POST: 403 AccessDenied "Invalid according to Policy: ...", 400
EntityTooLarge / EntityTooSmall for content-length-range) and aws/aws-cli#5464 (X-Amz-Expires
over a week); gaul/s3proxy#1182 and getmoto/moto#3363 (S3 stores a PUT body sent as
application/x-www-form-urlencoded; moto's server parses it as a form)."""
from __future__ import annotations

import base64
import hashlib
import http.client
import json
import time
from urllib.parse import urlsplit

import boto3
import pytest
import requests
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

from local import services
from local.media import create_bucket

BUCKET = "tuber-media-123456789012"
CREDS = ("AKIALOCALGATETEST01", "gate-secret-" + "s" * 28)
CORS = {"CorsRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET", "PUT", "POST"],
                       "AllowedHeaders": ["*"], "ExposedHeaders": ["ETag"]}]}


def client(service: str, url: str, key: str = CREDS[0], secret: str = CREDS[1]):
    return boto3.client(service, endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id=key, aws_secret_access_key=secret,
                        config=Config(signature_version="s3v4",  # as tuber_common.storage
                                      s3={"addressing_style": "path"},
                                      retries={"max_attempts": 1}))


@pytest.fixture(scope="module")
def gate():
    port = services.free_port()
    proc = services.start_moto(port, credentials=CREDS)
    url = f"http://127.0.0.1:{port}"
    try:
        s3 = client("s3", url)
        create_bucket(s3, BUCKET, "us-east-1", CORS)
        s3.put_object(Bucket=BUCKET, Key="hls/v1/master.m3u8", Body=b"#EXTM3U\n")
        yield url, s3
    finally:
        services.stop(proc)


def test_the_stack_credentials_work_for_every_sdk_call(gate, tmp_path):
    url, s3 = gate
    s3.put_object(Bucket=BUCKET, Key="hls/v1/a b+c.ts", Body=b"segment")  # odd characters
    assert s3.get_object(Bucket=BUCKET, Key="hls/v1/a b+c.ts")["Body"].read() == b"segment"
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="hls/")["Contents"]]
    assert "hls/v1/master.m3u8" in keys
    # The calls the functions make with empty or streamed bodies (copies, s3transfer's parts).
    s3.copy_object(Bucket=BUCKET, Key="thumbs/v1/copy.ts", MetadataDirective="COPY",
                   CopySource={"Bucket": BUCKET, "Key": "hls/v1/a b+c.ts"})
    source = tmp_path / "big.ts"
    source.write_bytes(b"s" * (6 * 1024 * 1024))
    s3.upload_file(str(source), BUCKET, "hls/v1/big.ts", Config=TransferConfig(
        multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024))
    assert s3.head_object(Bucket=BUCKET, Key="hls/v1/big.ts")["ContentLength"] == 6 * 1024**2
    s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [
        {"Key": "hls/v1/a b+c.ts"}, {"Key": "thumbs/v1/copy.ts"}, {"Key": "hls/v1/big.ts"}]})
    sqs = client("sqs", url)
    queue = sqs.create_queue(QueueName="gate-test")["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody="hello")
    got = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"]
    assert got[0]["Body"] == "hello"


def error_code(answer: requests.Response) -> str:
    return answer.text.partition("<Code>")[2].partition("</Code>")[0]


def refused(answer: requests.Response) -> tuple[int, str]:
    return answer.status_code, error_code(answer)


def sdk_refusal(call, **params) -> tuple[int, str]:
    with pytest.raises(ClientError) as caught:
        call(**params)
    return (caught.value.response["ResponseMetadata"]["HTTPStatusCode"],
            caught.value.response["Error"]["Code"])


def test_anonymous_and_wrong_key_requests_are_refused(gate):
    url, _s3 = gate
    for method, path in (("GET", f"/{BUCKET}/hls/v1/master.m3u8"), ("GET", f"/{BUCKET}"),
                         ("GET", f"/{BUCKET}?list-type=2"), ("GET", "/"),
                         ("PUT", f"/{BUCKET}/hls/v1/evil.ts"),
                         ("DELETE", f"/{BUCKET}/hls/v1/master.m3u8"),
                         ("POST", "/moto-api/reset"), ("POST", "/moto-api/reset-auth"),
                         ("GET", "/moto-api/data.json")):
        answer = requests.request(method, url + path, data=b"x", timeout=10)
        assert refused(answer) == (403, "AccessDenied"), (method, path, answer.text)
    wrong_secret = client("s3", url, secret="not-the-secret")
    assert sdk_refusal(wrong_secret.get_object, Bucket=BUCKET, Key="hls/v1/master.m3u8") \
        == (403, "SignatureDoesNotMatch")
    assert sdk_refusal(wrong_secret.list_objects_v2, Bucket=BUCKET) \
        == (403, "SignatureDoesNotMatch")
    assert sdk_refusal(client("s3", url, key="AKIAOTHER").list_objects_v2, Bucket=BUCKET) \
        == (403, "InvalidAccessKeyId")
    # The object is still there: nothing above reached moto.
    assert gate[1].get_object(Bucket=BUCKET, Key="hls/v1/master.m3u8")["Body"].read() \
        == b"#EXTM3U\n"


def test_a_presigned_url_for_one_key_opens_nothing_else(gate):
    """The signature covers method, path and query: the holder of a URL for one object can
    neither list the bucket nor read another key with it (S3: 403 SignatureDoesNotMatch)."""
    url, s3 = gate
    signed = s3.generate_presigned_url("get_object", ExpiresIn=60,
                                       Params={"Bucket": BUCKET, "Key": "hls/v1/master.m3u8"})
    parts = urlsplit(signed)
    bucket_only = f"{parts.scheme}://{parts.netloc}/{BUCKET}?{parts.query}"
    for attempt in (bucket_only, bucket_only + "&list-type=2", signed + "&list-type=2",
                    signed.replace("master.m3u8", "other.m3u8"),
                    signed.replace("hls/v1/master.m3u8", "raw/v1/source")):
        assert refused(requests.get(attempt, timeout=10)) == (403, "SignatureDoesNotMatch")
    assert refused(requests.delete(signed, timeout=10)) == (403, "SignatureDoesNotMatch")


def test_presigned_urls_work_until_they_expire_and_only_as_signed(gate):
    url, s3 = gate
    signed = s3.generate_presigned_url("get_object", ExpiresIn=60,
                                       Params={"Bucket": BUCKET, "Key": "hls/v1/master.m3u8"})
    assert requests.get(signed, timeout=10).text == "#EXTM3U\n"
    assert refused(requests.put(signed, data=b"overwrite", timeout=10)) \
        == (403, "SignatureDoesNotMatch")
    old = time.time() - 120
    with _frozen(old):
        expired = s3.generate_presigned_url("get_object", ExpiresIn=60, Params={
            "Bucket": BUCKET, "Key": "hls/v1/master.m3u8"})
    answer = requests.get(expired, timeout=10)
    assert refused(answer) == (403, "AccessDenied") and "Request has expired" in answer.text
    # SigV4 presigned URLs live at most a week (botocore signs longer ones; S3 refuses them).
    too_long = s3.generate_presigned_url("get_object", ExpiresIn=7 * 24 * 3600 + 1, Params={
        "Bucket": BUCKET, "Key": "hls/v1/master.m3u8"})
    assert refused(requests.get(too_long, timeout=10)) \
        == (400, "AuthorizationQueryParametersError")


def test_missing_objects_answer_404_as_s3_does_to_a_reader_allowed_to_list(gate):
    # (moto already does; the stack's storage.object_missing relies on it)
    url, s3 = gate
    assert sdk_refusal(s3.head_object, Bucket=BUCKET, Key="hls/nothing") == (404, "404")
    assert sdk_refusal(s3.get_object, Bucket=BUCKET, Key="hls/nothing") == (404, "NoSuchKey")
    signed = s3.generate_presigned_url("get_object", ExpiresIn=60,
                                       Params={"Bucket": BUCKET, "Key": "hls/nothing"})
    assert refused(requests.get(signed, timeout=10)) == (404, "NoSuchKey")


MIB = 1024 * 1024


def part_url(s3, key: str, upload: str, number: int, length: int | None = None) -> str:
    """A part URL as tuber_video.multipart.part_urls signs it: with the part's exact
    Content-Length when `length` is given."""
    params = {"Bucket": BUCKET, "Key": key, "UploadId": upload, "PartNumber": number}
    if length is not None:
        params["ContentLength"] = length
    return s3.generate_presigned_url("upload_part", ExpiresIn=60, Params=params)


def test_multipart_part_upload_with_presigned_urls(gate):
    url, s3 = gate
    key = "raw/v2/source"
    upload = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    parts = []
    for number, data in ((1, b"a" * (5 * MIB)), (2, b"tail")):
        answer = requests.put(part_url(s3, key, upload, number, len(data)), data=data,
                              timeout=30, headers={"Origin": "http://127.0.0.1:3000"})
        assert answer.status_code == 200, answer.text
        parts.append({"PartNumber": number, "ETag": answer.headers["ETag"]})
    s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=upload,
                                 MultipartUpload={"Parts": parts})
    assert s3.head_object(Bucket=BUCKET, Key=key)["ContentLength"] == 5 * MIB + 4


def test_a_part_url_takes_only_the_length_it_was_signed_for(gate):
    """The app signs each part URL with its part's Content-Length, so S3 refuses a part of
    any other length (the signature covers the header) and a body without one (411)."""
    url, s3 = gate
    key = "raw/v4/source"
    upload = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    signed = part_url(s3, key, upload, 1, 1000)
    for data in (b"x" * 999, b"x" * 1001, b""):
        assert refused(requests.put(signed, data=data, timeout=10)) \
            == (403, "SignatureDoesNotMatch"), len(data)
    # A stream of unknown length goes chunked, with no Content-Length (curl -T -).
    chunked = requests.put(signed, data=iter([b"x" * 500, b"x" * 500]), timeout=10)
    assert refused(chunked) == (411, "MissingContentLength")
    assert s3.list_parts(Bucket=BUCKET, Key=key, UploadId=upload).get("Parts", []) == []
    assert requests.put(signed, data=b"x" * 1000, timeout=10).status_code == 200


def test_a_part_url_takes_no_x_amz_header_it_was_not_signed_with(gate):
    """x-amz-copy-source would turn the part upload into a copy of any object in the bucket
    (moto obliges); S3 refuses every unsigned x-amz-* header."""
    url, s3 = gate
    key = "raw/v9/source"
    upload = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    signed = part_url(s3, key, upload, 1, 0)
    for header, value in (("x-amz-copy-source", f"/{BUCKET}/hls/v1/master.m3u8"),
                          ("x-amz-tagging", "public=yes")):
        answer = requests.put(signed, data=b"", headers={header: value}, timeout=10)
        assert refused(answer) == (403, "AccessDenied"), header
        assert f"<HeadersNotSigned>{header}</HeadersNotSigned>" in answer.text
    assert s3.list_parts(Bucket=BUCKET, Key=key, UploadId=upload).get("Parts", []) == []


def test_a_part_over_5_gib_is_refused_before_its_body_is_sent(gate):
    url, s3 = gate
    key = "raw/v5/source"
    upload = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    too_big = 5 * 1024 * MIB + 1
    target = urlsplit(part_url(s3, key, upload, 1, too_big))
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
    try:
        connection.putrequest("PUT", f"{target.path}?{target.query}")
        connection.putheader("Content-Length", str(too_big))
        connection.endheaders()  # not one byte of the body: S3 answers from the header
        answer = connection.getresponse()
        assert (answer.status, answer.read().partition(b"<Code>")[2][:14]) \
            == (400, b"EntityTooLarge")
    finally:
        connection.close()


def test_part_numbers_run_from_1_to_10000(gate):
    url, s3 = gate
    key = "raw/v6/source"
    upload = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    for number in (0, 10_001):
        assert refused(requests.put(part_url(s3, key, upload, number), data=b"x",
                                    timeout=10)) == (400, "InvalidArgument"), number
    assert requests.put(part_url(s3, key, upload, 10_000), data=b"x", timeout=10) \
        .status_code == 200


def test_every_part_but_the_last_is_at_least_5_mib(gate):
    url, s3 = gate
    key = "raw/v7/source"
    upload = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    parts = []
    for number, data in ((1, b"a" * (5 * MIB - 1)), (2, b"tail")):
        answer = requests.put(part_url(s3, key, upload, number, len(data)), data=data,
                              timeout=30)
        parts.append({"PartNumber": number, "ETag": answer.headers["ETag"]})
    assert sdk_refusal(s3.complete_multipart_upload, Bucket=BUCKET, Key=key, UploadId=upload,
                       MultipartUpload={"Parts": parts}) == (400, "EntityTooSmall")


@pytest.mark.parametrize("data", [b"a=1&b=2", bytes(range(256)) * 4], ids=["ascii", "binary"])
def test_a_put_sent_as_a_form_stores_its_bytes(gate, data):
    """curl --data-binary and some browsers' defaults send application/x-www-form-urlencoded:
    S3 stores the bytes as they are (moto's server parsed them as a form: a 500, or for bytes
    that are not UTF-8 a request that never got an answer)."""
    url, s3 = gate
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    key = "raw/v8/source"
    upload = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    answer = requests.put(part_url(s3, key, upload, 1, len(data)), data=data, headers=form,
                          timeout=10)  # hung forever before
    assert answer.status_code == 200, answer.text
    listed = s3.list_parts(Bucket=BUCKET, Key=key, UploadId=upload)["Parts"]
    assert [(p["PartNumber"], p["Size"]) for p in listed] == [(1, len(data))]
    s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=upload, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": answer.headers["ETag"]}]})
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == data
    # A plain presigned PutObject too; the type is kept as the object's Content-Type.
    put = s3.generate_presigned_url("put_object", ExpiresIn=60,
                                    Params={"Bucket": BUCKET, "Key": "incoming/thumbs/form"})
    assert requests.put(put, data=data, headers=form, timeout=10).status_code == 200
    stored = s3.get_object(Bucket=BUCKET, Key="incoming/thumbs/form")
    assert (stored["Body"].read(), stored["ContentType"]) == (data, form["Content-Type"])


def test_a_presigned_put_takes_only_the_content_type_it_was_signed_for(gate):
    url, s3 = gate
    put = s3.generate_presigned_url("put_object", ExpiresIn=60, Params={
        "Bucket": BUCKET, "Key": "incoming/thumbs/typed", "ContentType": "image/jpeg"})
    assert refused(requests.put(put, data=b"<svg/>", timeout=10,
                                headers={"Content-Type": "image/svg+xml"})) \
        == (403, "SignatureDoesNotMatch")
    assert requests.put(put, data=b"jpeg", timeout=10,
                        headers={"Content-Type": "image/jpeg"}).status_code == 200


def test_a_content_md5_must_match_the_body(gate):
    url, s3 = gate
    put = s3.generate_presigned_url("put_object", ExpiresIn=60,
                                    Params={"Bucket": BUCKET, "Key": "incoming/thumbs/md5"})

    def md5(data: bytes) -> str:
        return base64.b64encode(hashlib.md5(data).digest()).decode()

    assert refused(requests.put(put, data=b"body", headers={"Content-MD5": md5(b"other")},
                                timeout=10)) == (400, "BadDigest")
    assert refused(requests.put(put, data=b"body", headers={"Content-MD5": "not-md5"},
                                timeout=10)) == (400, "InvalidDigest")
    assert requests.put(put, data=b"body", headers={"Content-MD5": md5(b"body")},
                        timeout=10).status_code == 200


def _post(post, data: bytes | None, content_type="video/mp4", headers=None, **fields):
    files = {"file": ("clip.mp4", data, content_type)} if data is not None else None
    return requests.post(post["url"], data={**post["fields"], **fields}, timeout=30,
                         files=files or {"none": ("", b"")}, headers=headers)


@pytest.fixture
def post(gate):
    """A presigned POST as tuber_common.storage.presign_upload makes it."""
    return gate[1].generate_presigned_post(
        Bucket=BUCKET, Key="raw/v3/source", Fields={"Content-Type": "video/mp4"},
        Conditions=[{"Content-Type": "video/mp4"}, ["content-length-range", 1, 100]],
        ExpiresIn=60)


def test_presigned_post_stores_what_its_policy_allows(gate, post):
    assert _post(post, b"x" * 50).status_code == 204
    assert gate[1].get_object(Bucket=BUCKET, Key="raw/v3/source")["Body"].read() == b"x" * 50


def test_presigned_post_size_outside_content_length_range(post):
    assert refused(_post(post, b"x" * 101)) == (400, "EntityTooLarge")
    assert refused(_post(post, b"")) == (400, "EntityTooSmall")


def test_presigned_post_fields_must_meet_their_conditions(post):
    for field, value in (("key", "hls/v3/master.m3u8"), ("Content-Type", "text/html")):
        answer = _post(post, b"x", **{field: value})
        assert refused(answer) == (403, "AccessDenied"), field
        assert "Policy Condition failed" in answer.text


def test_presigned_post_fields_the_policy_does_not_name_are_refused(post):
    for field in ("x-amz-meta-owner", "Cache-Control", "success_action_redirect"):
        answer = _post(post, b"x", **{field: "anything"})
        assert refused(answer) == (403, "AccessDenied"), field
        assert "Extra input fields" in answer.text
    # ...except the ones S3 ignores by name.
    assert _post(post, b"x", **{"x-ignore-tracking": "1"}).status_code == 204


def test_presigned_post_policy_is_signed_and_expires(gate, post):
    forged = json.loads(base64.b64decode(post["fields"]["policy"]))
    forged["conditions"] = [c for c in forged["conditions"]
                            if not (isinstance(c, list) and c[0] == "content-length-range")]
    tampered = base64.b64encode(json.dumps(forged).encode()).decode()
    assert refused(_post(post, b"x" * 1000, policy=tampered)) == (403, "SignatureDoesNotMatch")
    with _frozen(time.time() - 120):
        old = gate[1].generate_presigned_post(Bucket=BUCKET, Key="raw/v3/source",
                                              ExpiresIn=60)
    answer = _post(old, b"x")
    assert refused(answer) == (403, "AccessDenied") and "Policy expired" in answer.text
    assert refused(_post(post, None)) == (400, "InvalidArgument")  # no file field


def test_cors_preflight_passes_without_credentials(gate):
    url, _s3 = gate
    answer = requests.options(f"{url}/{BUCKET}", timeout=10, headers={
        "Origin": "http://127.0.0.1:3000", "Access-Control-Request-Method": "POST"})
    assert answer.status_code == 200
    assert answer.headers.get("Access-Control-Allow-Origin") in ("*", "http://127.0.0.1:3000")


def test_a_refusal_carries_the_buckets_cors_headers(gate, post):
    """A browser reads S3's error code only if the refusal has CORS headers; S3 adds them
    when the bucket's rules allow the origin, and so must the gate."""
    origin = "http://127.0.0.1:3000"
    answer = _post(post, b"x" * 101, headers={"Origin": origin})
    assert refused(answer) == (400, "EntityTooLarge")
    assert answer.headers.get("Access-Control-Allow-Origin") in ("*", origin)
    unsigned = requests.get(f"{gate[0]}/{BUCKET}/hls/v1/master.m3u8", timeout=10,
                            headers={"Origin": origin})
    assert refused(unsigned) == (403, "AccessDenied")
    assert unsigned.headers.get("Access-Control-Allow-Origin") in ("*", origin)
    # Without an Origin (not a browser's cross-origin request) there is nothing to add.
    assert "Access-Control-Allow-Origin" not in requests.get(
        f"{gate[0]}/{BUCKET}/hls/v1/master.m3u8", timeout=10).headers


class _frozen:
    """Sign as if the clock said `when` (botocore reads datetime through this hook: auth for
    the signature date, signers for a POST policy's expiration)."""

    def __init__(self, when: float):
        self.when = when

    def __enter__(self):
        import datetime as dt

        import botocore.auth
        import botocore.signers

        self._saved = botocore.auth.get_current_datetime
        fixed = dt.datetime.fromtimestamp(self.when, dt.timezone.utc).replace(tzinfo=None)
        botocore.auth.get_current_datetime = botocore.signers.get_current_datetime = \
            lambda: fixed

    def __exit__(self, *exc):
        import botocore.auth
        import botocore.signers

        botocore.auth.get_current_datetime = botocore.signers.get_current_datetime = \
            self._saved
