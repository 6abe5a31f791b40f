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
  expiration, its conditions (bucket, key, Content-Type, content-length-range) and that every
  form field is covered by one, which S3 enforces and moto does not;
- CORS preflights (OPTIONS carry no credentials; moto answers from the bucket's CORS rules).
Refusals carry S3's own status and code (AccessDenied, SignatureDoesNotMatch,
InvalidAccessKeyId, RequestTimeTooSkewed, EntityTooLarge...) and, as S3's do, the bucket's CORS
headers (so a browser reads the code rather than a network error), and moto's own /moto-api (reset,
state dump) is closed. Why not moto's IAM mode (INITIAL_NO_AUTH_ACTION_COUNT): moto 5.2 reads
the Authorization header for every authenticated action, so presigned URLs and presigned POSTs
(no such header) fail with a server error there, and /moto-api/reset-auth would turn the
check off for anyone.

What S3 also enforces and moto 5.2 does not, checked here: a PUT carries a Content-Length
(411 MissingContentLength) of at most 5 GiB (400 EntityTooLarge, answered before the body is
read); an UploadPart's partNumber is 1..10000 (400 InvalidArgument); a Content-MD5 matches the
body (400 InvalidDigest / BadDigest). A part URL the app signs with its Content-Length takes a
body of that length only (the signature covers the header: 403 SignatureDoesNotMatch).
And what S3 accepts that moto does not: a PUT body of any Content-Type. moto reads an
`application/x-www-form-urlencoded` body as a form (curl --data-binary's default type), losing
the bytes: a 500, or a request that never gets an answer (moto_app says where).
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
from xml.sax.saxutils import escape

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW_SECONDS = 15 * 60  # S3's RequestTimeTooSkewed
_AUTH = re.compile(r"AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+)\s*,\s*"
                   r"SignedHeaders=(?P<signed>[^,\s]+)\s*,\s*Signature=(?P<signature>[0-9a-f]+)")
MAX_PUT_BYTES = 5 * 1024**3   # S3's limit for one PutObject or one part
MAX_PART_NUMBER = 10_000
_STATUS = {400: "400 Bad Request", 403: "403 Forbidden", 411: "411 Length Required"}
_SIGNATURE_MESSAGE = ("The request signature we calculated does not match the signature you "
                      "provided. Check your key and signing method.")


class Refused(Exception):
    """S3's refusal: its HTTP status, error code and message."""

    def __init__(self, message: str, code: str = "AccessDenied", status: int = 403,
                 **details: str):
        super().__init__(message)
        self.code = code
        self.status = status
        self.details = details  # extra elements of S3's <Error>, e.g. HeadersNotSigned


def _mismatch(detail: str) -> Refused:
    return Refused(f"{_SIGNATURE_MESSAGE} ({detail})", "SignatureDoesNotMatch")


def _policy_refusal(reason: str) -> Refused:
    return Refused(f"Invalid according to Policy: {reason}")


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
        raise Refused("X-Amz-Date must be in the ISO8601 Long Format") from None


def _scope(credential: str, creds: Credentials) -> tuple[str, str, str]:
    """(date, region, service) of `AKID/date/region/service/aws4_request`, our key only."""
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        raise Refused("the credential is malformed", "AuthorizationHeaderMalformed", 400)
    if not hmac.compare_digest(parts[0], creds.access_key_id):
        raise Refused("The AWS Access Key Id you provided does not exist in our records.",
                      "InvalidAccessKeyId")
    return parts[1], parts[2], parts[3]


def _all_amz_headers_signed(signed: list[str], headers: dict[str, str]) -> None:
    """S3 refuses x-amz-* headers the signature does not cover (x-amz-content-sha256 aside):
    the holder of a part URL must not add, say, x-amz-copy-source and copy another object
    into the upload, nor set tags, ACLs or metadata nobody signed."""
    unsigned = sorted(name for name in headers if name.startswith("x-amz-")
                      and name != "x-amz-content-sha256" and name not in signed)
    if unsigned:
        raise Refused("There were headers present in the request which were not signed",
                      HeadersNotSigned=", ".join(unsigned))


def _canonical_headers(names: list[str], headers: dict[str, str]) -> str:
    lines = []
    for name in names:
        if name not in headers:
            raise _mismatch(f"signed header {name} is missing")
        lines.append(f"{name}:{' '.join(headers[name].split())}\n")
    return "".join(lines)


def _check(string_to_sign: str, signature: str, creds: Credentials, date: str, region: str,
           service: str) -> None:
    expected = hmac.new(signing_key(creds.secret_access_key, date, region, service),
                        string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise _mismatch("signature")


def _canonical_path(raw_path: str, service: str) -> str:
    if service == "s3":
        return raw_path or "/"  # S3 signs the path as sent (encoded once)
    return quote(unquote(raw_path) or "/", safe="/~")


def verify_header_auth(method: str, raw_path: str, raw_query: str, headers: dict[str, str],
                       body: bytes, creds: Credentials, now: float) -> None:
    found = _AUTH.fullmatch(headers.get("authorization", "").strip())
    if not found:
        raise Refused("the Authorization header is malformed",
                      "AuthorizationHeaderMalformed", 400)
    date, region, service = _scope(found["credential"], creds)
    stamp = headers.get("x-amz-date", "")
    if abs(now - _amz_time(stamp)) > MAX_SKEW_SECONDS or stamp[:8] != date:
        raise Refused("The difference between the request time and the current time is too "
                      "large.", "RequestTimeTooSkewed")
    signed = found["signed"].split(";")
    if "host" not in signed:
        raise _mismatch("host is not signed")
    payload = headers.get("x-amz-content-sha256") or hashlib.sha256(body).hexdigest()
    if re.fullmatch(r"[0-9a-f]{64}", payload) and payload != hashlib.sha256(body).hexdigest():
        raise Refused("The provided 'x-amz-content-sha256' header does not match what was "
                      "computed.", "XAmzContentSHA256Mismatch", 400)
    pairs = sorted(tuple(pair.partition("=")[::2]) for pair in raw_query.split("&") if pair)
    canonical = "\n".join([
        method, _canonical_path(raw_path, service), "&".join(f"{k}={v}" for k, v in pairs),
        _canonical_headers(signed, headers), ";".join(signed), payload])
    string_to_sign = "\n".join([ALGORITHM, stamp, f"{date}/{region}/{service}/aws4_request",
                                hashlib.sha256(canonical.encode("utf-8")).hexdigest()])
    _check(string_to_sign, found["signature"], creds, date, region, service)
    _all_amz_headers_signed(signed, headers)


def verify_query_auth(method: str, raw_path: str, raw_query: str, headers: dict[str, str],
                      creds: Credentials, now: float) -> None:
    params = parse_qsl(raw_query, keep_blank_values=True)
    given = dict(params)
    if given.get("X-Amz-Algorithm") != ALGORITHM:
        raise Refused("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"",
                      "AuthorizationQueryParametersError", 400)
    date, region, service = _scope(given.get("X-Amz-Credential", ""), creds)
    issued = _amz_time(given.get("X-Amz-Date", ""))
    try:
        lifetime = int(given.get("X-Amz-Expires", ""))
    except ValueError:
        raise Refused("X-Amz-Expires should be a number",
                      "AuthorizationQueryParametersError", 400) from None
    # S3's bounds and messages (a week is SigV4's longest presigned lifetime).
    if lifetime < 0:
        raise Refused("X-Amz-Expires must be non-negative", "AuthorizationQueryParametersError",
                      400)
    if lifetime > 7 * 24 * 3600:
        raise Refused("X-Amz-Expires must be less than a week (in seconds) that is 604800",
                      "AuthorizationQueryParametersError", 400)
    if now > issued + lifetime:
        raise Refused("Request has expired")
    if issued > now + MAX_SKEW_SECONDS:
        raise Refused("Request is not valid yet")
    signed = given.get("X-Amz-SignedHeaders", "").split(";")
    if "host" not in signed:
        raise _mismatch("host is not signed")
    query = sorted((quote(k, safe="-_.~"), quote(v, safe="-_.~"))
                   for k, v in params if k != "X-Amz-Signature")
    canonical = "\n".join([
        method, _canonical_path(raw_path, service), "&".join(f"{k}={v}" for k, v in query),
        _canonical_headers(signed, headers), ";".join(signed), "UNSIGNED-PAYLOAD"])
    string_to_sign = "\n".join([ALGORITHM, given["X-Amz-Date"],
                                f"{date}/{region}/{service}/aws4_request",
                                hashlib.sha256(canonical.encode("utf-8")).hexdigest()])
    _check(string_to_sign, given.get("X-Amz-Signature", ""), creds, date, region, service)
    _all_amz_headers_signed(signed, headers)


# Form fields a POST policy need not name (S3's POST policy docs: "Each form field that you
# specify in a form (except x-amz-signature, file, policy, and field names that have an
# x-ignore- prefix) must appear in the list of conditions").
_UNCOVERED_FIELDS = {"x-amz-signature", "file", "policy"}


def verify_post_policy(bucket: str, fields: dict[str, str], file_size: int | None,
                       creds: Credentials, now: float) -> None:
    """A browser's presigned POST, as S3 checks it: the policy's signature, its expiry, each
    condition, and no form field the policy does not name. `file_size` is None without a
    file field."""
    lowered = {k.lower(): v for k, v in fields.items()}
    if lowered.get("x-amz-algorithm") != ALGORITHM:
        raise _policy_refusal("the x-amz-algorithm field must be AWS4-HMAC-SHA256")
    date, region, service = _scope(lowered.get("x-amz-credential", ""), creds)
    policy_b64 = lowered.get("policy", "")
    _check(policy_b64, lowered.get("x-amz-signature", ""), creds, date, region, service)
    try:
        policy = json.loads(base64.b64decode(policy_b64))
        expires = time.strptime(policy["expiration"][:19], "%Y-%m-%dT%H:%M:%S")
        conditions = list(policy.get("conditions", []))
    except (ValueError, KeyError, TypeError):
        raise Refused("Invalid Policy: the policy is not valid JSON", "InvalidPolicyDocument",
                      400) from None
    if now >= timegm(expires):
        raise _policy_refusal("Policy expired.")
    if file_size is None:
        raise Refused("POST requires exactly one file upload per request.", "InvalidArgument",
                      400)
    # The bucket is an input too (S3 answers "Extra input fields: bucket" to a policy
    # without a bucket condition: aws/aws-sdk-php#3292).
    values = {**lowered, "bucket": bucket}
    covered = set()
    for condition in conditions:
        failed = _policy_refusal(f"Policy Condition failed: {json.dumps(condition)}")
        if isinstance(condition, dict):
            for name, value in condition.items():
                covered.add(name.lower())
                if values.get(name.lower()) != value:
                    raise failed
        elif isinstance(condition, list) and len(condition) == 3 \
                and condition[0] == "content-length-range":
            if file_size > int(condition[2]):
                raise Refused("Your proposed upload exceeds the maximum allowed size",
                              "EntityTooLarge", 400)
            if file_size < int(condition[1]):
                raise Refused("Your proposed upload is smaller than the minimum allowed size",
                              "EntityTooSmall", 400)
        elif isinstance(condition, list) and len(condition) == 3 \
                and condition[0] in ("eq", "starts-with") and str(condition[1]).startswith("$"):
            name, value = condition[1][1:].lower(), condition[2]
            covered.add(name)
            have = values.get(name, "")
            if (condition[0] == "eq" and have != value) or \
                    (condition[0] == "starts-with" and not have.startswith(value)):
                raise failed
        else:
            raise failed
    extra = sorted(name for name in values if name not in covered
                   and name not in _UNCOVERED_FIELDS and not name.startswith("x-ignore-"))
    if extra:
        raise _policy_refusal(f"Extra input fields: {', '.join(extra)}")


def _headers(environ: dict) -> dict[str, str]:
    headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items()
               if key.startswith("HTTP_")}
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = environ[key]
    return headers


def _refuse(start_response: Callable, refused: Refused, body_read: bool = True,
            cors: list[tuple[str, str]] = ()) -> Iterable[bytes]:
    details = "".join(f"<{name}>{escape(value)}</{name}>"
                      for name, value in refused.details.items())
    body = ('<?xml version="1.0" encoding="UTF-8"?><Error>'
            f"<Code>{escape(refused.code)}</Code><Message>{escape(str(refused))}</Message>"
            f"{details}</Error>").encode()
    headers = [("Content-Type", "application/xml"), ("Content-Length", str(len(body))),
               *cors]
    if not body_read:  # the rest of the request is still on the wire: end the connection
        headers.append(("Connection", "close"))
    start_response(_STATUS[refused.status], headers)
    return [body]


def check_put_size(environ: dict) -> None:
    """Before the body is read: a PUT (object or part) declares its length, at most 5 GiB
    (S3's MissingContentLength and EntityTooLarge; docs: "Amazon S3 multipart upload
    limits", part size 5 MiB to 5 GiB; PutObject up to 5 GB). aws-chunked bodies declare it
    in x-amz-decoded-content-length."""
    declared = environ.get("HTTP_X_AMZ_DECODED_CONTENT_LENGTH") or environ.get("CONTENT_LENGTH")
    if not declared:
        raise Refused("You must provide the Content-Length HTTP header.",
                      "MissingContentLength", 411)
    if not declared.isdigit():
        raise Refused("Invalid Content-Length", "InvalidArgument", 400)
    if int(declared) > MAX_PUT_BYTES:
        raise Refused("Your proposed upload exceeds the maximum allowed size",
                      "EntityTooLarge", 400)


def check_request(method: str, raw_query: str, headers: dict[str, str], body: bytes) -> None:
    """After the signature: what S3 checks and moto does not."""
    params = dict(parse_qsl(raw_query, keep_blank_values=True))
    if method == "PUT" and "uploadId" in params and "partNumber" in params:
        number = params["partNumber"]
        if not (number.isdigit() and 1 <= int(number) <= MAX_PART_NUMBER):
            raise Refused("Part number must be an integer between 1 and 10000, inclusive",
                          "InvalidArgument", 400)
    md5 = headers.get("content-md5")
    if md5 is not None and "aws-chunked" not in headers.get("content-encoding", ""):
        try:
            digest = base64.b64decode(md5, validate=True)
        except ValueError:
            digest = b""
        if len(digest) != 16:
            raise Refused("The Content-MD5 you specified was invalid.", "InvalidDigest", 400)
        if not hmac.compare_digest(digest, hashlib.md5(body).digest()):
            raise Refused("The Content-MD5 you specified did not match what we received.",
                          "BadDigest", 400)


class SignatureGate:
    """WSGI middleware in front of moto's app: only requests signed with `creds` pass, and
    only those S3 itself would serve."""

    def __init__(self, app: Callable, creds: Credentials, clock: Callable[[], float] = time.time):
        self.app = app
        self.creds = creds
        self.clock = clock

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        def refuse(refused: Refused, body_read: bool = True) -> Iterable[bytes]:
            return _refuse(start_response, refused, body_read, self._cors_headers(environ))

        raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or (
            quote(environ.get("PATH_INFO", "")) + "?" + environ.get("QUERY_STRING", ""))
        raw_path, _, raw_query = raw_uri.partition("?")
        method = environ["REQUEST_METHOD"]
        if raw_path.startswith("/moto-api"):
            return refuse(Refused("Access Denied (moto's admin API is closed)"), body_read=False)
        if method == "PUT":
            try:
                check_put_size(environ)
            except Refused as refused:
                return refuse(refused, body_read=False)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if environ.get("wsgi.input_terminated"):  # chunked: read to the end
            body = environ["wsgi.input"].read()
        else:
            body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)  # moto's app reads the bytes read here
        if method == "OPTIONS":
            return self.app(environ, start_response)  # CORS preflight: no credentials
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
                raise Refused("Access Denied")
            check_request(method, raw_query, headers, body)
        except Refused as refused:
            return refuse(refused)
        return self.app(environ, start_response)

    def _cors_headers(self, environ: dict) -> list[tuple[str, str]]:
        """The CORS headers S3 adds to an answer, refusals included, when the bucket's rules
        allow the request's origin (so a browser can read S3's error code): asked of moto as
        a preflight of the same method and path."""
        if not environ.get("HTTP_ORIGIN"):
            return []
        preflight = {key: value for key, value in environ.items()
                     if not key.startswith("HTTP_") and key not in ("CONTENT_LENGTH",
                                                                    "CONTENT_TYPE")}
        preflight.update(REQUEST_METHOD="OPTIONS", HTTP_ORIGIN=environ["HTTP_ORIGIN"],
                         HTTP_ACCESS_CONTROL_REQUEST_METHOD=environ["REQUEST_METHOD"],
                         QUERY_STRING="", **{"wsgi.input": io.BytesIO()})
        answered: list[tuple[str, str]] = []
        b"".join(self.app(preflight, lambda _status, headers, *_: answered.extend(headers)))
        return [(name, value) for name, value in answered
                if name.lower() in ("access-control-allow-origin",
                                    "access-control-expose-headers", "vary")]

    def _verify_post(self, environ: dict, raw_path: str, body: bytes) -> None:
        from werkzeug.formparser import parse_form_data

        copy = {**environ, "wsgi.input": io.BytesIO(body)}
        _stream, form, files = parse_form_data(copy)
        upload = files.get("file")
        size = len(upload.read()) if upload is not None else None
        bucket = unquote(raw_path).strip("/").split("/")[0]
        verify_post_policy(bucket, {k: form[k] for k in form}, size, self.creds,
                           self.clock())


def moto_app() -> Any:
    """moto's server app, reading S3 bodies as bytes whatever their Content-Type (S3 stores
    the bytes and keeps the type as the object's Content-Type). moto loses a form-typed body
    twice: its dispatcher reads an `application/x-www-form-urlencoded` body to guess the
    service and puts it back only if it decodes as UTF-8 (on the bare dev server the part
    request then waits forever for bytes already read: issue 19's hang; behind this gate, a
    400), and its S3 Flask app parses the body as a form (the bytes are lost and the form
    hides the query's partNumber: a 500). curl --data-binary sends that type by default."""
    from moto.moto_server.werkzeug_app import (BackendRequest, DomainDispatcherApplication,
                                               create_backend_app)

    class S3Request(BackendRequest):
        @property
        def want_form_data_parsed(self) -> bool:  # a browser's POST upload only
            return self.method == "POST" and self.mimetype == "multipart/form-data"

    def create(service: str) -> Any:
        app = create_backend_app(service)
        if service == "s3":
            app.request_class = S3Request
        return app

    class Dispatcher(DomainDispatcherApplication):
        def _get_body(self, environ: dict) -> str | None:
            raw = environ["wsgi.input"].getvalue()  # the gate's copy (io.BytesIO)
            return super()._get_body({**environ, "wsgi.input": io.BytesIO(raw)})

    return Dispatcher(create)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m local.s3_gate")
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args(argv)
    creds = Credentials(os.environ["TUBER_S3_ACCESS_KEY_ID"],
                        os.environ["TUBER_S3_SECRET_ACCESS_KEY"])
    os.environ.setdefault("MOTO_PORT", str(args.port))

    from moto.moto_server.threaded_moto_server import MotoRequestHandler
    from werkzeug.serving import run_simple

    app: Any = SignatureGate(moto_app(), creds)
    run_simple(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    sys.exit(main())
