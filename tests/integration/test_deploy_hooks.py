"""The deploy's custom resources (functions/deploy_hooks), driven as CloudFormation drives
them: Create / Update / Delete requests shaped like events/deploy_hooks/*.json, answered by
a PUT to the request's ResponseURL, which here is a small HTTP server on 127.0.0.1 that
records every answer. AWS is moto (S3, Secrets Manager, CloudFront), the database the test
SecantusDB (or MONGODB_URI)."""
from __future__ import annotations

import base64
import copy
import json
import shutil
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pymongo import MongoClient

from local.lambda_context import LambdaContext

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events" / "deploy_hooks"
BUCKET = "tuber-media-123456789012"
API_BASE = "https://api.example.test"
MEDIA_BASE = "https://d111111abcdef8.cloudfront.net"


# --- CloudFormation's side: the answer endpoint and the requests --------------------------

class Answers:
    """The pre-signed ResponseURL stand-in: records each PUT (path, headers, JSON body)."""

    def __init__(self):
        self.received: list[dict] = []
        self.last: dict = {}  # the latest answer
        self._cond = threading.Condition()
        answers = self

        class _Handler(BaseHTTPRequestHandler):
            def do_PUT(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with answers._cond:
                    answers.last = {"path": self.path, "headers": dict(self.headers),
                                    "raw": body, "body": json.loads(body)}
                    answers.received.append(answers.last)
                    answers._cond.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, request_id: str) -> str:
        host, port = self.server.server_address
        return f"http://{host}:{port}/cfn/{request_id}?X-Amz-Signature=abc"

    def for_request(self, request_id: str) -> list[dict]:
        return [a for a in self.received if a["path"].startswith(f"/cfn/{request_id}?")]

    def wait(self, request_id: str, timeout: float = 5.0) -> dict:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self.for_request(request_id):
                left = deadline - time.monotonic()
                assert left > 0, f"no answer for request {request_id}"
                self._cond.wait(left)
        return self.for_request(request_id)[0]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def answers():
    endpoint = Answers()
    yield endpoint
    endpoint.close()


def sample(name: str) -> dict:
    return json.loads((EVENTS / f"{name}.json").read_text())


class Stack:
    """Sends requests for one logical resource the way CloudFormation does, remembering its
    physical id and properties between requests."""

    def __init__(self, answers: Answers, sample_name: str, **properties):
        from tuber_deploy_hooks.handler import lambda_handler

        self.handler = lambda_handler
        self.answers = answers
        self.event = sample(sample_name)
        self.properties = {**self.event["ResourceProperties"], **properties}
        self.physical_id: str | None = None
        self.last: dict = {}

    def request(self, request_type: str, timeout_ms: int = 60_000, **changes) -> dict:
        event = copy.deepcopy(self.event)
        request_id = str(uuid.uuid4())
        new_properties = {**self.properties, **changes}
        event.update(RequestType=request_type, RequestId=request_id,
                     ResponseURL=self.answers.url(request_id),
                     ResourceProperties=new_properties)
        if request_type == "Update":
            event["OldResourceProperties"] = self.properties
        if request_type != "Create":
            event["PhysicalResourceId"] = self.physical_id
        self.handler(event, LambdaContext(function_name="DeployHooksFunction",
                                          timeout_ms=timeout_ms))
        answer = self.answers.wait(request_id)
        assert len(self.answers.for_request(request_id)) == 1, "answered more than once"
        assert answer["headers"].get("Content-Type", "") == ""  # the URL is signed without
        body = answer["body"]
        for key in ("StackId", "LogicalResourceId"):
            assert body[key] == event[key]
        assert body["RequestId"] == request_id
        assert body["PhysicalResourceId"]
        assert len(answer["raw"]) <= 4096
        self.last = answer
        if body["Status"] == "SUCCESS" and request_type != "Delete":
            self.physical_id = body["PhysicalResourceId"]
            self.properties = new_properties
        elif request_type == "Create":
            self.physical_id = body["PhysicalResourceId"]
        return body

    def create(self, **changes):
        return self.request("Create", **changes)

    def update(self, **changes):
        return self.request("Update", **changes)

    def delete(self):
        return self.request("Delete")


# --- AWS and the database ------------------------------------------------------------------

@pytest.fixture
def fresh_db(settings_env, mongo_uri):
    """The test's own database, with no index yet (the hook makes them)."""
    from tuber_common.db import get_db

    database = get_db()
    yield database
    MongoClient(mongo_uri).drop_database(database.name)


@pytest.fixture
def aws(settings_env, monkeypatch):
    from moto import mock_aws

    monkeypatch.delenv("S3_ENDPOINT_URL", raising=False)
    with mock_aws():
        import boto3

        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        yield {"s3": s3, "secrets": boto3.client("secretsmanager", region_name="us-east-1"),
               "cloudfront": boto3.client("cloudfront", region_name="us-east-1")}


@pytest.fixture
def web_source(tmp_path, monkeypatch):
    """The built web client as the artifact carries it: the repository's web/ (hls.js
    stubbed if scripts/build-web.sh has not run), plus the files the build leaves out, to
    check the hook leaves them out too."""
    source = tmp_path / "web"
    shutil.copytree(ROOT / "web", source, ignore=shutil.ignore_patterns("node_modules"))
    if not (source / "vendor" / "hls.min.js").is_file():
        (source / "vendor").mkdir(exist_ok=True)
        (source / "vendor" / "hls.min.js").write_text("/* hls.js stand-in */\n")
    (source / "node_modules" / "hls.js").mkdir(parents=True)
    (source / "node_modules" / "hls.js" / "index.js").write_text("// not shipped\n")
    monkeypatch.setenv("WEB_CLIENT_DIR", str(source))
    return source


def web_stack(answers: Answers, **properties) -> Stack:
    """The sample's Custom::WebClient in the test bucket, with no distribution unless given."""
    return Stack(answers, "web_client_create", **{"Bucket": BUCKET, "DistributionId": "",
                                                  **properties})


def objects(s3, prefix: str) -> dict[str, dict]:
    found = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        for item in page.get("Contents", []):
            found[item["Key"]] = s3.head_object(Bucket=BUCKET, Key=item["Key"])
    return found


def body_of(s3, key: str) -> bytes:
    return s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()


# --- Custom::MongoIndexes ------------------------------------------------------------------

def _index_specs(db) -> dict[str, dict[str, dict]]:
    found = {}
    for collection in db.list_collection_names():
        found[collection] = {i["name"]: i for i in db[collection].list_indexes()}
    return found


def test_indexes_exist_after_create(fresh_db, answers):
    from tuber_common.indexes import INDEXES
    from tuber_deploy_hooks.mongo_indexes import indexes_version

    assert _index_specs(fresh_db) == {}
    body = Stack(answers, "mongo_indexes_create", Version=indexes_version()).create()

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["PhysicalResourceId"] == f"mongodb-indexes:{fresh_db.name}"
    assert body["Data"]["Version"] == indexes_version()
    assert body["Data"]["IndexCount"] == str(sum(len(m) for m in INDEXES.values()))
    found = _index_specs(fresh_db)
    for collection, models in INDEXES.items():
        for model in models:
            wanted = model.document
            index = found[collection][wanted["name"]]
            assert list(index["key"].items()) == list(wanted["key"].items())
            for option in ("unique", "sparse", "expireAfterSeconds"):
                assert index.get(option) == wanted.get(option), (collection, wanted["name"])


def test_indexes_create_repeated_update_and_delete_change_nothing(fresh_db, answers):
    stack = Stack(answers, "mongo_indexes_create")
    assert stack.create()["Status"] == "SUCCESS"
    before = _index_specs(fresh_db)
    assert stack.create()["Status"] == "SUCCESS"  # CloudFormation may repeat a request
    assert stack.update(Version="changed-indexes")["Status"] == "SUCCESS"
    assert _index_specs(fresh_db) == before

    fresh_db["users"].insert_one({"usernameLower": "kept", "emailLower": "kept@example.com"})
    body = stack.delete()
    assert body["Status"] == "SUCCESS"
    assert _index_specs(fresh_db) == before  # nothing dropped: no index, no data
    assert fresh_db["users"].count_documents({}) == 1


def test_indexes_unreachable_database_fails_with_a_reason_naming_no_secret(
        settings_env, answers, monkeypatch):
    password = "Pa55-" + uuid.uuid4().hex
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("MONGODB_URI", f"mongodb://tuber:{password}@127.0.0.1:{port}/"
                                      "?authSource=admin")
    monkeypatch.setenv("MONGODB_TIMEOUT_MS", "300")
    from tuber_common.db import reset_clients
    reset_clients()

    started = time.monotonic()
    stack = Stack(answers, "mongo_indexes_create")
    body = stack.create()
    assert body["Status"] == "FAILED"
    assert "ServerSelectionTimeoutError" in body["Reason"]
    assert password not in answers.last["raw"].decode()
    assert time.monotonic() - started < 30
    # CloudFormation rolls back: the Delete of what was never created succeeds.
    assert stack.delete()["Status"] == "SUCCESS"


def test_indexes_from_the_connection_string_secret(fresh_db, aws, answers, monkeypatch,
                                                    mongo_uri):
    """On AWS the function has MONGODB_URI_ARN, not MONGODB_URI."""
    from tuber_common.db import reset_clients

    arn = aws["secrets"].create_secret(Name="tuber/mongodb-uri",
                                       SecretString=mongo_uri)["ARN"]
    monkeypatch.delenv("MONGODB_URI")
    monkeypatch.setenv("MONGODB_URI_ARN", arn)
    reset_clients()
    body = Stack(answers, "mongo_indexes_create").create()
    assert body["Status"] == "SUCCESS", body["Reason"]
    users = MongoClient(mongo_uri)[fresh_db.name]["users"]  # reset_clients closed fresh_db's
    assert "username_unique" in {i["name"] for i in users.list_indexes()}

    # A connection string that cannot be used: FAILED, and its password quoted nowhere.
    password = "Pa55-" + uuid.uuid4().hex
    aws["secrets"].put_secret_value(SecretId=arn, SecretString=(
        f"mongodb://tuber:{password}@127.0.0.1:1/?authSource=admin"))
    monkeypatch.setenv("MONGODB_TIMEOUT_MS", "200")
    reset_clients()
    body = Stack(answers, "mongo_indexes_create").create()
    assert body["Status"] == "FAILED"
    assert "ServerSelectionTimeoutError" in body["Reason"]
    assert password not in answers.last["raw"].decode()


def test_a_failure_quoting_secrets_is_answered_without_them(settings_env, answers, monkeypatch):
    """Whatever an error message quotes - the connection string, its password, a private
    key - the reason CloudFormation shows (and keeps in the stack's events) has none of it."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from tuber_common.db import reset_clients
    from tuber_deploy_hooks import mongo_indexes

    password = "Pa55-" + uuid.uuid4().hex
    uri = f"mongodb+srv://tuber:{password}@cluster0.example.mongodb.net/?retryWrites=true"
    monkeypatch.setenv("MONGODB_URI", uri)
    reset_clients()
    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()

    def leaky(db):
        raise RuntimeError(f"cannot reach {uri} (password {password}) with key {pem}")

    monkeypatch.setattr("tuber_common.indexes.ensure_indexes", leaky)
    monkeypatch.setattr("tuber_common.db.get_db", lambda: type("Db", (), {"name": "x"})())
    body = Stack(answers, "mongo_indexes_create").create()

    assert body["Status"] == "FAILED"
    raw = answers.last["raw"].decode()
    assert body["Reason"].startswith("RuntimeError: cannot reach")
    for secret in (password, uri, "PRIVATE KEY", pem.splitlines()[1]):
        assert secret not in raw


# --- Custom::MediaSigningKey ---------------------------------------------------------------

def _new_secret(aws, value: str | None = None) -> str:
    kwargs = {"SecretString": value} if value is not None else {}
    return aws["secrets"].create_secret(Name=f"tuber/media-signing-key-{uuid.uuid4().hex[:6]}",
                                        **kwargs)["ARN"]


def _cloudfront_sign(private_pem: str, message: bytes) -> bytes:
    """What CloudFront checks: RSA PKCS#1 v1.5 over SHA-1 of the policy."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return key.sign(message, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 - CloudFront's


def _verify(public_pem: str, signature: bytes, message: bytes) -> None:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    key = serialization.load_pem_public_key(public_pem.encode())
    key.verify(signature, message, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303


def test_signing_key_pair_round_trips(aws, answers):
    secret_arn = _new_secret(aws)  # the template's secret: created without a value
    body = Stack(answers, "media_signing_key_create", SecretId=secret_arn).create()

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["PhysicalResourceId"] == secret_arn
    assert set(body["Data"]) == {"PublicKeyPem", "Fingerprint"}
    public_pem = body["Data"]["PublicKeyPem"]
    assert public_pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert len(body["Data"]["Fingerprint"]) == 16
    assert "PRIVATE" not in answers.last["raw"].decode()

    private_pem = aws["secrets"].get_secret_value(SecretId=secret_arn)["SecretString"]
    assert private_pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert base64.b64encode(private_pem.encode()).decode() not in answers.last["raw"].decode()
    policy = b'{"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/hls/x/*"}]}'
    _verify(public_pem, _cloudfront_sign(private_pem, policy), policy)
    from cryptography.hazmat.primitives import serialization
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    assert key.key_size == 2048


def test_signing_key_update_and_repeats_keep_the_key(aws, answers):
    secret_arn = _new_secret(aws)
    stack = Stack(answers, "media_signing_key_create", SecretId=secret_arn)
    first = stack.create()["Data"]
    def versions():
        return sorted(v["VersionId"] for v in
                      aws["secrets"].list_secret_version_ids(SecretId=secret_arn)["Versions"])
    before = versions()

    assert stack.create()["Data"] == first  # a repeated Create
    assert stack.update(Unrelated="changed")["Data"] == first
    assert versions() == before  # no new value was written

    value = aws["secrets"].get_secret_value(SecretId=secret_arn)["SecretString"]
    body = stack.delete()
    assert body["Status"] == "SUCCESS"
    assert aws["secrets"].get_secret_value(SecretId=secret_arn)["SecretString"] == value


def test_signing_key_replaces_a_placeholder_that_is_no_key(aws, answers):
    secret_arn = _new_secret(aws, "placeholder-generated-by-cloudformation")
    body = Stack(answers, "media_signing_key_create", SecretId=secret_arn).create()
    assert body["Status"] == "SUCCESS", body["Reason"]
    stored = aws["secrets"].get_secret_value(SecretId=secret_arn)["SecretString"]
    _verify(body["Data"]["PublicKeyPem"], _cloudfront_sign(stored, b"x"), b"x")


def test_signing_key_failures_answer_failed_and_delete_of_nothing_succeeds(aws, answers):
    missing = "arn:aws:secretsmanager:us-east-1:123456789012:secret:tuber/none-AbCdEf"
    stack = Stack(answers, "media_signing_key_create", SecretId=missing)
    body = stack.create()
    assert body["Status"] == "FAILED"
    assert "ResourceNotFoundException" in body["Reason"]
    assert "PRIVATE" not in answers.last["raw"].decode()
    assert stack.delete()["Status"] == "SUCCESS"

    stack = Stack(answers, "media_signing_key_create", SecretId="")
    body = stack.create()
    assert body["Status"] == "FAILED"
    assert "SecretId" in body["Reason"]
    assert stack.delete()["Status"] == "SUCCESS"


# --- Custom::WebClient ---------------------------------------------------------------------

def test_web_client_is_uploaded_with_types_caching_and_config(aws, answers, web_source):
    body = web_stack(answers, ApiBaseUrl=API_BASE + "/", MediaBaseUrl=MEDIA_BASE).create()

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["PhysicalResourceId"] == f"s3://{BUCKET}/web/"
    uploaded = objects(aws["s3"], "web/")
    shipped = sorted(p.relative_to(web_source).as_posix() for p in web_source.rglob("*")
                     if p.is_file() and "node_modules" not in p.parts
                     and p.name not in ("package.json", "package-lock.json", "README.md"))
    assert sorted(k[len("web/"):] for k in uploaded) == shipped
    assert body["Data"]["Files"] == str(len(shipped))

    def head(name):
        return uploaded[f"web/{name}"]

    assert head("index.html")["ContentType"] == "text/html; charset=utf-8"
    assert head("index.html")["CacheControl"] == "no-cache"
    assert head("config.js")["CacheControl"] == "no-cache"
    assert head("config.js")["ContentType"] == "text/javascript; charset=utf-8"
    assert head("js/app.js")["ContentType"] == "text/javascript; charset=utf-8"
    assert head("js/views/watch.js")["ContentType"] == "text/javascript; charset=utf-8"
    assert head("vendor/hls.min.js")["ContentType"] == "text/javascript; charset=utf-8"
    assert head("styles.css")["ContentType"] == "text/css; charset=utf-8"
    assert head("favicon.svg")["ContentType"] == "image/svg+xml"
    # No name is versioned yet: everything but the two entry files is cached briefly.
    assert head("js/app.js")["CacheControl"] == "public, max-age=300"
    assert body_of(aws["s3"], "web/index.html") == (web_source / "index.html").read_bytes()
    assert body_of(aws["s3"], "web/js/api.js") == (web_source / "js/api.js").read_bytes()

    config = body_of(aws["s3"], "web/config.js").decode()
    assert f'window.TUBER_API_BASE = "{API_BASE}";' in config  # trailing slash dropped
    assert f'window.TUBER_MEDIA_BASE = "{MEDIA_BASE}";' in config
    # The client reads exactly this name (web/js/api.js).
    assert "window.TUBER_API_BASE" in (web_source / "js/api.js").read_text()


def test_web_client_same_origin_config(aws, answers, web_source):
    body = web_stack(answers, ApiBaseUrl="").create()
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert 'window.TUBER_API_BASE = "";' in body_of(aws["s3"], "web/config.js").decode()


def _distribution(aws) -> str:
    origin = {"Id": "web", "DomainName": f"{BUCKET}.s3.amazonaws.com", "OriginPath": "/web",
              "S3OriginConfig": {"OriginAccessIdentity": ""}}
    config = {
        "CallerReference": uuid.uuid4().hex, "Comment": "tuber", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [origin]},
        "DefaultCacheBehavior": {"TargetOriginId": "web", "ViewerProtocolPolicy": "https-only",
                                 "MinTTL": 0,
                                 "ForwardedValues": {"QueryString": False,
                                                     "Cookies": {"Forward": "none"}},
                                 "TrustedSigners": {"Enabled": False, "Quantity": 0}},
    }
    return aws["cloudfront"].create_distribution(DistributionConfig=config)["Distribution"]["Id"]


def _invalidated_paths(aws, distribution: str) -> list[list[str]]:
    items = aws["cloudfront"].list_invalidations(DistributionId=distribution)[
        "InvalidationList"].get("Items", [])
    return [sorted(aws["cloudfront"].get_invalidation(DistributionId=distribution, Id=i["Id"])[
        "Invalidation"]["InvalidationBatch"]["Paths"].get("Items", [])) for i in items]


def test_web_client_update_removes_stale_files_and_invalidates_what_changed(
        aws, answers, web_source):
    distribution = _distribution(aws)
    stack = web_stack(answers, ApiBaseUrl=API_BASE, DistributionId=distribution)
    assert stack.create()["Status"] == "SUCCESS"
    assert _invalidated_paths(aws, distribution) == []  # nothing was cached before

    (web_source / "js" / "views" / "notfound.js").unlink()  # the new version drops a file,
    (web_source / "js" / "views" / "about.js").write_text("export const about = 1;\n")  # adds one
    (web_source / "styles.css").write_text("body { color: black; }\n")  # and changes one
    body = stack.update(ApiBaseUrl="https://api2.example.test")

    assert body["Status"] == "SUCCESS", body["Reason"]
    keys = set(objects(aws["s3"], "web/"))
    assert "web/js/views/notfound.js" not in keys
    assert "web/js/views/about.js" in keys
    assert body_of(aws["s3"], "web/styles.css") == b"body { color: black; }\n"
    assert '"https://api2.example.test"' in body_of(aws["s3"], "web/config.js").decode()
    assert _invalidated_paths(aws, distribution) == [sorted([
        "/config.js", "/js/views/about.js", "/js/views/notfound.js", "/styles.css"])]

    # Nothing changed: nothing is invalidated.
    assert stack.update(Unrelated="x")["Status"] == "SUCCESS"
    assert len(_invalidated_paths(aws, distribution)) == 1


def test_web_client_moved_then_old_location_deleted(aws, answers, web_source):
    stack = web_stack(answers)
    stack.create()
    old_id = stack.physical_id
    body = stack.update(Prefix="site/")
    assert body["Status"] == "SUCCESS"
    assert body["PhysicalResourceId"] == f"s3://{BUCKET}/site/"
    assert "site/index.html" in objects(aws["s3"], "site/")

    # CloudFormation deletes the old physical resource once the update is complete.
    stale = web_stack(answers)
    stale.physical_id = old_id
    assert stale.delete()["Status"] == "SUCCESS"
    assert objects(aws["s3"], "web/") == {}
    assert "site/index.html" in objects(aws["s3"], "site/")


def test_web_client_delete_empties_its_prefix_only(aws, answers, web_source):
    aws["s3"].put_object(Bucket=BUCKET, Key="hls/v1/master.m3u8", Body=b"#EXTM3U\n")
    aws["s3"].put_object(Bucket=BUCKET, Key="website.txt", Body=b"not the client's")
    stack = web_stack(answers)
    assert stack.create()["Status"] == "SUCCESS"
    assert stack.delete()["Status"] == "SUCCESS"

    assert objects(aws["s3"], "web/") == {}
    assert set(objects(aws["s3"], "")) == {"hls/v1/master.m3u8", "website.txt"}
    assert stack.delete()["Status"] == "SUCCESS"  # again: nothing left, still fine


def test_web_client_delete_of_what_was_never_created_succeeds(aws, answers, web_source):
    stack = web_stack(answers, Bucket="no-such-bucket-here")
    body = stack.create()
    assert body["Status"] == "FAILED"
    assert "NoSuchBucket" in body["Reason"]
    assert stack.delete()["Status"] == "SUCCESS"  # the bucket does not exist: nothing to do

    stack = web_stack(answers, Prefix="hls/")
    body = stack.create()
    assert body["Status"] == "FAILED"
    assert "Prefix" in body["Reason"] and "media" in body["Reason"]
    assert not stack.physical_id.startswith("s3://")
    assert stack.delete()["Status"] == "SUCCESS"
    assert objects(aws["s3"], "") == {}


@pytest.mark.parametrize("changes, message", [
    ({"Prefix": ""}, "Prefix"),
    ({"Prefix": "web"}, "Prefix"),
    ({"Prefix": "/web/"}, "Prefix"),
    ({"ApiBaseUrl": "javascript:alert(1)"}, "ApiBaseUrl"),
    ({"MediaBaseUrl": "https://cdn.example.test/?x=1"}, "MediaBaseUrl"),
])
def test_web_client_refuses_bad_properties(aws, answers, web_source, changes, message):
    body = web_stack(answers, **changes).create()
    assert body["Status"] == "FAILED"
    assert message in body["Reason"]
    assert objects(aws["s3"], "") == {}


def test_web_client_without_a_built_client_fails_clearly(aws, answers, tmp_path, monkeypatch):
    monkeypatch.setenv("WEB_CLIENT_DIR", str(tmp_path / "nothing"))
    body = web_stack(answers).create()
    assert body["Status"] == "FAILED"
    assert "no built web client" in body["Reason"]


# --- the protocol --------------------------------------------------------------------------

def test_answers_failed_before_the_lambda_timeout(answers):
    """A hook still running close to the timeout: CloudFormation gets FAILED in time, and
    only that answer (the hook finishing later answers nothing)."""
    from tuber_deploy_hooks import custom_resource
    from tuber_deploy_hooks.custom_resource import Hook, Result

    release = threading.Event()

    def slow(request):
        release.wait(10)
        return Result("slow")

    event = sample("mongo_indexes_create")
    request_id = str(uuid.uuid4())
    event.update(RequestId=request_id, ResponseURL=answers.url(request_id))
    started = time.monotonic()
    worker = threading.Thread(target=custom_resource.run, args=(
        event, LambdaContext(timeout_ms=2000), {"Custom::MongoIndexes": Hook(slow, lambda r: "x")}))
    worker.start()
    answer = answers.wait(request_id, timeout=5)
    assert time.monotonic() - started < 2.0
    assert answer["body"]["Status"] == "FAILED"
    assert "timed out" in answer["body"]["Reason"]
    release.set()
    worker.join(5)
    assert len(answers.for_request(request_id)) == 1


def test_unknown_resource_type_answers_failed(answers):
    from tuber_deploy_hooks.handler import lambda_handler

    event = sample("web_client_create")
    request_id = str(uuid.uuid4())
    event.update(ResourceType="Custom::Nope", RequestId=request_id,
                 ResponseURL=answers.url(request_id))
    lambda_handler(event, LambdaContext())
    body = answers.wait(request_id)["body"]
    assert body["Status"] == "FAILED"
    assert "Custom::Nope" in body["Reason"]


def test_reason_redaction():
    from tuber_deploy_hooks.custom_resource import redact

    text = ("mongodb+srv://app:hunter22@c0.example.net/db failed; "
            "https://b.s3.amazonaws.com/k?X-Amz-Signature=deadbeef&X-Amz-Date=1 "
            "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY----- tail")
    cleaned = redact(text, lambda: ["tail"])
    assert "hunter22" not in cleaned and "deadbeef" not in cleaned and "MIIB" not in cleaned
    assert "mongodb+srv://***@c0.example.net/db" in cleaned
    assert "X-Amz-Date=1" in cleaned and "***" in cleaned
    assert not cleaned.endswith("tail")


# --- the sample events and the build ------------------------------------------------------

@pytest.mark.parametrize("path", sorted(EVENTS.glob("*.json")), ids=lambda p: p.stem)
def test_sample_event_is_served(path, fresh_db, aws, answers, web_source):
    from tuber_deploy_hooks.handler import HOOKS

    event = json.loads(path.read_text())
    assert event["ResourceType"] in HOOKS
    properties = {}
    if event["ResourceType"] == "Custom::MediaSigningKey":
        properties["SecretId"] = _new_secret(aws)
    if event["ResourceType"] == "Custom::WebClient":
        properties["DistributionId"] = _distribution(aws)
        properties["Bucket"] = BUCKET
    stack = Stack(answers, path.stem, **properties)
    for request in ("Create", "Update", "Delete"):
        body = stack.request(request)
        assert body["Status"] == "SUCCESS", (request, body["Reason"])


@pytest.mark.slow
def test_build_ships_bytecode_and_the_web_client(tmp_path, aws, answers, monkeypatch):
    """functions/deploy_hooks/Makefile, as `sam build` runs it (a copy of the code folder,
    ARTIFACTS_DIR set): the package with unchecked hash-based .pyc, and web/ without what
    only the build needs. The artifact's web/ is what the hook then uploads."""
    import subprocess

    if not (ROOT / "web/vendor/hls.min.js").is_file() and not shutil.which("npm"):
        pytest.skip("web/vendor is not built and npm is missing")
    scratch = tmp_path / "scratch"
    shutil.copytree(ROOT / "functions/deploy_hooks", scratch,
                    ignore=shutil.ignore_patterns("__pycache__"))
    artifacts = tmp_path / "artifacts"
    subprocess.run(["make", "--makefile", str(ROOT / "functions/deploy_hooks/Makefile"),
                    "build-DeployHooksFunction"], cwd=scratch, check=True, timeout=300,
                   env={**__import__("os").environ, "ARTIFACTS_DIR": str(artifacts)},
                   capture_output=True)

    pyc = sorted((artifacts / "tuber_deploy_hooks" / "__pycache__").glob("*.cpython-313.pyc"))
    assert {p.name.split(".")[0] for p in pyc} == {
        p.stem for p in (ROOT / "functions/deploy_hooks/tuber_deploy_hooks").glob("*.py")}
    for path in pyc:
        flags = int.from_bytes(path.read_bytes()[4:8], "little")
        assert flags == 0b01, path  # hash-based, never checked against the source
    web = artifacts / "web"
    assert (web / "index.html").is_file() and (web / "vendor/hls.min.js").is_file()
    for absent in ("node_modules", "package.json", "package-lock.json", "README.md"):
        assert not (web / absent).exists()
    assert not (artifacts / "Makefile").exists()

    monkeypatch.setenv("WEB_CLIENT_DIR", str(web))
    body = web_stack(answers).create()
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert "web/vendor/hls.min.js" in objects(aws["s3"], "web/")
