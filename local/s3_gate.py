"""moto's server behind a signature check: the local S3 (and SQS) answer only requests signed
with the stack's own credentials, as AWS does, so nothing in the bucket is reachable
anonymously (the media is served by the gateway's media origin, which checks CloudFront
signatures and reads the bucket with those credentials).

    python -m local.s3_gate --port 41235      (credentials in TUBER_S3_ACCESS_KEY_ID and
                                               TUBER_S3_SECRET_ACCESS_KEY)

Accepted, each verified with the stack's secret key (AWS Signature Version 4):
- `Authorization: AWS4-HMAC-SHA256 ...` (boto3: the functions, the pump, the stack);
- presigned URLs, `X-Amz-Signature` in the query (multipart part uploads from the browser),
  until `X-Amz-Date + X-Amz-Expires`;
- presigned POST forms (browser uploads): the signature over the form's `policy`, the policy's
  expiration, and its conditions (bucket, key, Content-Type, content-length-range), which S3
  enforces and moto does not;
- CORS preflights (OPTIONS carry no credentials; moto answers from the bucket's CORS rules).
Everything else gets S3's 403 AccessDenied, and moto's own /moto-api (reset, state dump) is
closed. Why not moto's IAM mode (INITIAL_NO_AUTH_ACTION_COUNT): moto 5.2 reads the
Authorization header for every authenticated action, so presigned URLs and presigned POSTs
(no such header) fail with a server error there, and /moto-api/reset-auth would turn the
check off for anyone.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import io
import json
import os
import re
import sys
import time
from calendar import timegm
from dataclasses import dataclass
from typing import Any, Callable, Iterable
from urllib.parse import parse_qsl, quote, unquote

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW_SECONDS = 15 * 60  # S3's RequestTimeTooSkewed
_AUTH = re.compile(r"AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+)\s*,\s*"
                   r"SignedHeaders=(?P<signed>[^,\s]+)\s*,\s*Signature=(?P<signature>[0-9a-f]+)")


class Refused(Exception):
    pass


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = _hmac(f"AWS4{secret}".encode(), date)
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    return key


def _amz_time(stamp: str) -> float:
    try:
        return float(timegm(time.strptime(stamp, "%Y%m%dT%H%M%SZ")))
    except (TypeError, ValueError):
        raise Refused("malformed X-Amz-Date") from None


def _scope(credential: str, creds: Credentials) -> tuple[str, str, str]:
    """(date, region, service) of `AKID/date/region/service/aws4_request`, our key only."""
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        raise Refused("malformed credential")
    if not hmac.compare_digest(parts[0], creds.access_key_id):
        raise Refused("unknown access key")
    return parts[1], parts[2], parts[3]


def _canonical_headers(names: list[str], headers: dict[str, str]) -> str:
    lines = []
    for name in names:
        if name not in headers:
            raise Refused(f"signed header {name} is missing")
        lines.append(f"{name}:{' '.join(headers[name].split())}\n")
    return "".join(lines)


def _check(string_to_sign: str, signature: str, creds: Credentials, date: str, region: str,
           service: str) -> None:
    expected = hmac.new(signing_key(creds.secret_access_key, date, region, service),
                        string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise Refused("signature does not match")


def _canonical_path(raw_path: str, service: str) -> str:
    if service == "s3":
        return raw_path or "/"  # S3 signs the path as sent (encoded once)
    return quote(unquote(raw_path) or "/", safe="/~")


def verify_header_auth(method: str, raw_path: str, raw_query: str, headers: dict[str, str],
                       body: bytes, creds: Credentials, now: float) -> None:
    found = _AUTH.fullmatch(headers.get("authorization", "").strip())
    if not found:
        raise Refused("malformed Authorization")
    date, region, service = _scope(found["credential"], creds)
    stamp = headers.get("x-amz-date", "")
    if abs(now - _amz_time(stamp)) > MAX_SKEW_SECONDS or stamp[:8] != date:
        raise Refused("request time too skewed")
    signed = found["signed"].split(";")
    if "host" not in signed:
        raise Refused("host is not signed")
    payload = headers.get("x-amz-content-sha256") or hashlib.sha256(body).hexdigest()
    if re.fullmatch(r"[0-9a-f]{64}", payload) and payload != hashlib.sha256(body).hexdigest():
        raise Refused("body does not match x-amz-content-sha256")
    pairs = sorted(tuple(pair.partition("=")[::2]) for pair in raw_query.split("&") if pair)
    canonical = "\n".join([
        method, _canonical_path(raw_path, service), "&".join(f"{k}={v}" for k, v in pairs),
        _canonical_headers(signed, headers), ";".join(signed), payload])
    string_to_sign = "\n".join([ALGORITHM, stamp, f"{date}/{region}/{service}/aws4_request",
                                hashlib.sha256(canonical.encode("utf-8")).hexdigest()])
    _check(string_to_sign, found["signature"], creds, date, region, service)


def verify_query_auth(method: str, raw_path: str, raw_query: str, headers: dict[str, str],
                      creds: Credentials, now: float) -> None:
    params = parse_qsl(raw_query, keep_blank_values=True)
    given = dict(params)
    if given.get("X-Amz-Algorithm") != ALGORITHM:
        raise Refused("unsupported algorithm")
    date, region, service = _scope(given.get("X-Amz-Credential", ""), creds)
    issued = _amz_time(given.get("X-Amz-Date", ""))
    try:
        lifetime = int(given.get("X-Amz-Expires", ""))
    except ValueError:
        raise Refused("malformed X-Amz-Expires") from None
    if not 1 <= lifetime <= 7 * 24 * 3600:
        raise Refused("X-Amz-Expires out of range")
    if now > issued + lifetime:
        raise Refused("request has expired")
    if issued > now + MAX_SKEW_SECONDS:
        raise Refused("request time too skewed")
    signed = given.get("X-Amz-SignedHeaders", "").split(";")
    if "host" not in signed:
        raise Refused("host is not signed")
    query = sorted((quote(k, safe="-_.~"), quote(v, safe="-_.~"))
                   for k, v in params if k != "X-Amz-Signature")
    canonical = "\n".join([
        method, _canonical_path(raw_path, service), "&".join(f"{k}={v}" for k, v in query),
        _canonical_headers(signed, headers), ";".join(signed), "UNSIGNED-PAYLOAD"])
    string_to_sign = "\n".join([ALGORITHM, given["X-Amz-Date"],
                                f"{date}/{region}/{service}/aws4_request",
                                hashlib.sha256(canonical.encode("utf-8")).hexdigest()])
    _check(string_to_sign, given.get("X-Amz-Signature", ""), creds, date, region, service)


def verify_post_policy(bucket: str, fields: dict[str, str], file_size: int,
                       creds: Credentials, now: float) -> None:
    """A browser's presigned POST: the policy's signature, expiry and conditions."""
    lowered = {k.lower(): v for k, v in fields.items()}
    if lowered.get("x-amz-algorithm") != ALGORITHM:
        raise Refused("unsupported algorithm")
    date, region, service = _scope(lowered.get("x-amz-credential", ""), creds)
    policy_b64 = lowered.get("policy", "")
    _check(policy_b64, lowered.get("x-amz-signature", ""), creds, date, region, service)
    try:
        policy = json.loads(base64.b64decode(policy_b64))
        expires = time.strptime(policy["expiration"][:19], "%Y-%m-%dT%H:%M:%S")
    except (ValueError, KeyError, TypeError):
        raise Refused("malformed policy") from None
    if now >= timegm(expires):
        raise Refused("policy expired")
    values = {**lowered, "bucket": bucket}
    for condition in policy.get("conditions", []):
        if isinstance(condition, dict):
            for name, value in condition.items():
                if values.get(name.lower()) != value:
                    raise Refused(f"policy condition failed: {name}")
        elif condition[0] == "content-length-range":
            if not int(condition[1]) <= file_size <= int(condition[2]):
                raise Refused("file size outside content-length-range")
        elif condition[0] in ("eq", "starts-with"):
            name, value = condition[1].lstrip("$").lower(), condition[2]
            have = values.get(name, "")
            if (condition[0] == "eq" and have != value) or \
                    (condition[0] == "starts-with" and not have.startswith(value)):
                raise Refused(f"policy condition failed: {name}")
        else:
            raise Refused("unknown policy condition")


def _headers(environ: dict) -> dict[str, str]:
    headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items()
               if key.startswith("HTTP_")}
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = environ[key]
    return headers


def _denied(start_response: Callable, reason: str) -> Iterable[bytes]:
    body = ('<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>'
            f"<Message>Access Denied ({reason})</Message></Error>").encode()
    start_response("403 Forbidden", [("Content-Type", "application/xml"),
                                     ("Content-Length", str(len(body)))])
    return [body]


class SignatureGate:
    """WSGI middleware in front of moto's app: only requests signed with `creds` pass."""

    def __init__(self, app: Callable, creds: Credentials, clock: Callable[[], float] = time.time):
        self.app = app
        self.creds = creds
        self.clock = clock

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or (
            quote(environ.get("PATH_INFO", "")) + "?" + environ.get("QUERY_STRING", ""))
        raw_path, _, raw_query = raw_uri.partition("?")
        method = environ["REQUEST_METHOD"]
        if raw_path.startswith("/moto-api"):
            return _denied(start_response, "moto's admin API is closed")
        if method == "OPTIONS":
            return self.app(environ, start_response)  # CORS preflight: no credentials
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if environ.get("wsgi.input_terminated"):  # chunked: read to the end
            body = environ["wsgi.input"].read()
        else:
            body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        headers = _headers(environ)
        try:
            if "authorization" in headers:
                verify_header_auth(method, raw_path, raw_query, headers, body, self.creds,
                                   self.clock())
            elif "X-Amz-Signature=" in raw_query:
                verify_query_auth(method, raw_path, raw_query, headers, self.creds,
                                  self.clock())
            elif method == "POST" and headers.get("content-type", "").startswith(
                    "multipart/form-data"):
                self._verify_post(environ, raw_path, body)
            else:
                raise Refused("anonymous request")
        except Refused as refused:
            return _denied(start_response, str(refused))
        environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)

    def _verify_post(self, environ: dict, raw_path: str, body: bytes) -> None:
        from werkzeug.formparser import parse_form_data

        copy = {**environ, "wsgi.input": io.BytesIO(body)}
        _stream, form, files = parse_form_data(copy)
        upload = files.get("file")
        size = len(upload.read()) if upload is not None else 0
        bucket = unquote(raw_path).strip("/").split("/")[0]
        verify_post_policy(bucket, {k: form[k] for k in form}, size, self.creds,
                           self.clock())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m local.s3_gate")
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args(argv)
    creds = Credentials(os.environ["TUBER_S3_ACCESS_KEY_ID"],
                        os.environ["TUBER_S3_SECRET_ACCESS_KEY"])
    os.environ.setdefault("MOTO_PORT", str(args.port))

    from moto.moto_server.threaded_moto_server import MotoRequestHandler
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import run_simple

    app: Any = SignatureGate(DomainDispatcherApplication(create_backend_app), creds)
    run_simple(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    sys.exit(main())
