"""The local media origin: what CloudFront does on AWS for /hls/* and /thumbs/*, on the
gateway's own port (one origin for the web client, the API and the media, as on AWS).

For each request it (1) picks the template's cache behaviour for the path (local/cdn.py),
(2) checks the CloudFront signature exactly as CloudFront does, with the same code that signs
them (tuber_common.media_signing.verify) and the local public key: 403 for an unsigned,
expired, tampered or out-of-scope request, (3) reads the object from the bucket with the
stack's credentials (the bucket itself is private): 404 when there is no such object, and
(4) answers with the object's own headers as CloudFront passes them through (Content-Type,
Cache-Control, ETag, Last-Modified, Range and conditional requests), plus `X-Cache-Key`: the
cache key the behaviour's cache policy makes, never a cookie or the signature in it.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Callable, Mapping
from urllib.parse import unquote, urlsplit

from .cdn import Behaviour, Request, behaviour_for, cache_key

log = logging.getLogger("tuber.local")

# Headers of the S3 answer CloudFront passes to viewers (and the boto3 names they come in).
_PASSED = (("ContentType", "Content-Type"), ("CacheControl", "Cache-Control"),
           ("ETag", "ETag"), ("ContentRange", "Content-Range"),
           ("ContentEncoding", "Content-Encoding"), ("ContentDisposition", "Content-Disposition"),
           ("ContentLanguage", "Content-Language"))


def _xml_error(status: int, code: str, message: str):
    from .gateway import HttpAnswer

    body = (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
            f"<Message>{message}</Message></Error>").encode()
    return HttpAnswer(status, [("Content-Type", "text/xml"), ("Cache-Control", "no-store")],
                      body)


class MediaOrigin:
    """`s3`: a client that may read the bucket; `public_keys`: {key pair id: public key
    PEM} (the key group); `clock`: seconds since the epoch (tests move it)."""

    def __init__(self, s3: Any, bucket: str, behaviours: tuple[Behaviour, ...],
                 public_keys: Mapping[str, str], clock: Callable[[], float] = time.time,
                 scheme: str = "http"):
        # The layer's module (imported here: the stack puts layers/common on sys.path first).
        from tuber_common import media_signing

        self.signing = media_signing
        self.s3 = s3
        self.bucket = bucket
        self.behaviours = behaviours
        self.public_keys = {kid: media_signing.load_public_key(pem)
                            for kid, pem in public_keys.items()}
        self.clock = clock
        self.scheme = scheme

    def behaviour(self, path: str) -> Behaviour | None:
        return behaviour_for(self.behaviours, path)

    def serve(self, method: str, target: str, headers: Mapping[str, str],
              source_ip: str | None = None):
        url = urlsplit(target)
        path = url.path or "/"
        behaviour = self.behaviour(path)
        if behaviour is None:
            return None
        if method not in behaviour.methods:
            return _xml_error(403, "MethodNotAllowed",
                              "This distribution is not configured to allow the HTTP "
                              "request method that was used for this request.")
        host = headers.get("host", "")
        cookies = self.signing.parse_cookie_header(headers.get("cookie"))
        if behaviour.signed:
            full_url = f"{self.scheme}://{host}{target}"
            try:
                self.signing.verify(full_url, cookies, self.public_keys, now=self.clock(),
                                     source_ip=source_ip)
            except self.signing.Denied as denied:
                log.info("media %s refused: %s", path, denied.reason)
                return _xml_error(403, denied.code, "Access denied")
        key = unquote(path).lstrip("/")
        if not key or ".." in key.split("/"):
            return _xml_error(404, "NoSuchKey", "The specified key does not exist.")
        answer = self._get(method, key, headers)
        request = Request(host=host, path=path, query=url.query, headers=headers,
                          cookies=cookies)
        cache = cache_key(behaviour.cache_policy, request)
        answer.headers.append(("X-Cache-Key", cache if cache is not None else "-"))
        return answer

    def _get(self, method: str, key: str, headers: Mapping[str, str]):
        from botocore.exceptions import ClientError

        from .gateway import HttpAnswer

        options: dict[str, str] = {}
        for header, name in (("range", "Range"), ("if-none-match", "IfNoneMatch"),
                             ("if-modified-since", "IfModifiedSince")):
            if headers.get(header):
                options[name] = headers[header]
        try:
            # GET for HEAD too: the gateway sends the length and not the body.
            found = self.s3.get_object(Bucket=self.bucket, Key=key, **options)
        except ClientError as exc:
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 500)
            code = exc.response.get("Error", {}).get("Code", "")
            if status == 304 or code == "304":
                return HttpAnswer(304, [], b"")
            if status == 404 or code in ("NoSuchKey", "404"):
                return _xml_error(404, "NoSuchKey", "The specified key does not exist.")
            if status == 416:
                return _xml_error(416, "InvalidRange", "The requested range is not satisfiable")
            raise
        body = found["Body"].read()
        out = [(header, str(found[name])) for name, header in _PASSED if found.get(name)]
        if found.get("LastModified"):
            out.append(("Last-Modified",
                        found["LastModified"].strftime("%a, %d %b %Y %H:%M:%S GMT")))
        out.append(("Accept-Ranges", "bytes"))
        return HttpAnswer(206 if found.get("ContentRange") else 200, out, body)
