"""The local S3 is not reachable anonymously (local/s3_gate.py): moto behind a signature
check that accepts the stack's credentials only, in every form the stack and the browser use
(SDK requests, presigned URLs, presigned POST forms with their conditions, SQS), and
refuses everything else, moto's admin API included."""
from __future__ import annotations

import json
import time

import boto3
import pytest
import requests
from botocore.config import Config

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


def test_the_stack_credentials_work_for_every_sdk_call(gate):
    url, s3 = gate
    s3.put_object(Bucket=BUCKET, Key="hls/v1/a b+c.ts", Body=b"segment")  # odd characters
    assert s3.get_object(Bucket=BUCKET, Key="hls/v1/a b+c.ts")["Body"].read() == b"segment"
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="hls/")["Contents"]]
    assert "hls/v1/master.m3u8" in keys
    s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "hls/v1/a b+c.ts"}]})
    sqs = client("sqs", url)
    queue = sqs.create_queue(QueueName="gate-test")["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody="hello")
    got = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"]
    assert got[0]["Body"] == "hello"


def test_anonymous_and_wrong_key_requests_are_refused(gate):
    url, _s3 = gate
    for method, path in (("GET", f"/{BUCKET}/hls/v1/master.m3u8"), ("GET", f"/{BUCKET}"),
                         ("GET", "/"), ("PUT", f"/{BUCKET}/hls/v1/evil.ts"),
                         ("DELETE", f"/{BUCKET}/hls/v1/master.m3u8"),
                         ("POST", "/moto-api/reset"), ("POST", "/moto-api/reset-auth"),
                         ("GET", "/moto-api/data.json")):
        answer = requests.request(method, url + path, data=b"x", timeout=10)
        assert answer.status_code == 403, (method, path, answer.text)
        assert "AccessDenied" in answer.text
    with pytest.raises(Exception, match="AccessDenied|403"):
        client("s3", url, secret="not-the-secret").get_object(Bucket=BUCKET,
                                                              Key="hls/v1/master.m3u8")
    with pytest.raises(Exception, match="AccessDenied|403"):
        client("s3", url, key="AKIAOTHER").list_objects_v2(Bucket=BUCKET)
    # The object is still there: nothing above reached moto.
    assert gate[1].get_object(Bucket=BUCKET, Key="hls/v1/master.m3u8")["Body"].read() \
        == b"#EXTM3U\n"


def test_presigned_urls_work_until_they_expire_and_only_as_signed(gate):
    url, s3 = gate
    signed = s3.generate_presigned_url("get_object", ExpiresIn=60,
                                       Params={"Bucket": BUCKET, "Key": "hls/v1/master.m3u8"})
    assert requests.get(signed, timeout=10).text == "#EXTM3U\n"
    assert requests.get(signed.replace("master.m3u8", "other.m3u8"), timeout=10) \
        .status_code == 403
    assert requests.put(signed, data=b"overwrite", timeout=10).status_code == 403
    old = time.time() - 120
    with _frozen(old):
        expired = s3.generate_presigned_url("get_object", ExpiresIn=60, Params={
            "Bucket": BUCKET, "Key": "hls/v1/master.m3u8"})
    assert requests.get(expired, timeout=10).status_code == 403


def test_multipart_part_upload_with_presigned_urls(gate):
    url, s3 = gate
    key = "raw/v2/source"
    upload = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    parts = []
    for number, data in ((1, b"a" * (5 * 1024 * 1024)), (2, b"tail")):
        part_url = s3.generate_presigned_url("upload_part", ExpiresIn=60, Params={
            "Bucket": BUCKET, "Key": key, "UploadId": upload, "PartNumber": number})
        answer = requests.put(part_url, data=data, timeout=30,
                              headers={"Origin": "http://127.0.0.1:3000"})
        assert answer.status_code == 200, answer.text
        parts.append({"PartNumber": number, "ETag": answer.headers["ETag"]})
    s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=upload,
                                 MultipartUpload={"Parts": parts})
    assert s3.head_object(Bucket=BUCKET, Key=key)["ContentLength"] == 5 * 1024 * 1024 + 4


def _post(url, post, data: bytes, content_type="video/mp4"):
    return requests.post(post["url"], data=post["fields"], timeout=30,
                         files={"file": ("clip.mp4", data, content_type)})


def test_presigned_post_enforces_signature_and_conditions(gate):
    url, s3 = gate
    post = s3.generate_presigned_post(
        Bucket=BUCKET, Key="raw/v3/source", Fields={"Content-Type": "video/mp4"},
        Conditions=[{"Content-Type": "video/mp4"}, ["content-length-range", 1, 100]],
        ExpiresIn=60)
    assert _post(url, post, b"x" * 50).status_code == 204
    assert s3.get_object(Bucket=BUCKET, Key="raw/v3/source")["Body"].read() == b"x" * 50
    too_big = _post(url, post, b"x" * 101)
    assert too_big.status_code == 403 and "content-length-range" in too_big.text
    other_key = {**post, "fields": {**post["fields"], "key": "hls/v3/master.m3u8"}}
    assert _post(url, other_key, b"#EXTM3U\n").status_code == 403
    other_type = {**post, "fields": {**post["fields"], "Content-Type": "text/html"}}
    assert _post(url, other_type, b"<script>").status_code == 403
    forged = json.loads(__import__("base64").b64decode(post["fields"]["policy"]))
    forged["conditions"] = [c for c in forged["conditions"]
                            if not (isinstance(c, list) and c[0] == "content-length-range")]
    tampered = {**post, "fields": {**post["fields"], "policy": __import__("base64").b64encode(
        json.dumps(forged).encode()).decode()}}
    assert _post(url, tampered, b"x" * 1000).status_code == 403


def test_cors_preflight_passes_without_credentials(gate):
    url, _s3 = gate
    answer = requests.options(f"{url}/{BUCKET}", timeout=10, headers={
        "Origin": "http://127.0.0.1:3000", "Access-Control-Request-Method": "POST"})
    assert answer.status_code == 200
    assert answer.headers.get("Access-Control-Allow-Origin") in ("*", "http://127.0.0.1:3000")


class _frozen:
    """Sign as if the clock said `when` (botocore reads datetime through this hook)."""

    def __init__(self, when: float):
        self.when = when

    def __enter__(self):
        import datetime as dt

        import botocore.auth

        self._saved = botocore.auth.get_current_datetime
        botocore.auth.get_current_datetime = lambda: dt.datetime.fromtimestamp(
            self.when, dt.timezone.utc).replace(tzinfo=None)

    def __exit__(self, *exc):
        import botocore.auth

        botocore.auth.get_current_datetime = self._saved
