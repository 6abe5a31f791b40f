"""Custom::WebClient: the static web client, uploaded by the deploy and pointed at the API.

The function's artifact carries the built client in web/ (functions/deploy_hooks/Makefile
copies it there after scripts/build-web.sh). Properties:

- `Bucket`, `Prefix` (e.g. `web/`): where the client goes. The prefix must end with `/`
  and may not be one of the media prefixes: Delete empties it.
- `ApiBaseUrl`: where the client sends API requests; empty = the page's own origin (the
  CloudFront distribution that serves both).
- `MediaBaseUrl`: the media's base URL (the distribution), for the client's information.
- `DistributionId` (optional): on Update, the paths whose content changed or went away are
  invalidated in that distribution, so its caches serve the new client at once.

Create and Update upload every file with its Content-Type and Cache-Control (assets first,
then config.js, index.html last, so a page never names a file not yet there), then delete
objects under the prefix that the new client no longer has. config.js is written from the
properties (`window.TUBER_API_BASE`, `window.TUBER_MEDIA_BASE`), never taken from the
artifact. Delete removes every object under the prefix, so the bucket can be deleted.

The physical id is `s3://{Bucket}/{Prefix}`: moving the client to another bucket or prefix
is a new resource, and CloudFormation's Delete of the old id empties the old location.
"""
from __future__ import annotations

import hashlib
import json
import mimetypes
import os
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from tuber_common import media_keys

from .custom_resource import InvalidRequest, Request, Result, logger

# The object keys of media (tuber_common.media_keys): the client must never share them,
# since Delete empties the client's prefix.
MEDIA_PREFIXES = media_keys.FOLDERS
# What the artifact may hold besides the client (the Makefile already leaves them out).
EXCLUDED_NAMES = frozenset({"node_modules", "package.json", "package-lock.json", "README.md"})
CONFIG = "config.js"
INDEX = "index.html"

# index.html and config.js change meaning with every deploy: browsers and CloudFront
# revalidate them on every load. Names carrying a content hash never change content: a year.
# Every other name (js/app.js, styles.css, vendor/hls.min.js) keeps its name across
# versions: cached a short while only, so a deploy reaches everyone within minutes.
NO_CACHE = "no-cache"
LONG_CACHE = "public, max-age=31536000, immutable"
SHORT_CACHE = "public, max-age=300"
_VERSIONED_NAME = re.compile(r"[.-][0-9a-f]{8,}\.[A-Za-z0-9]+$")

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".woff2": "font/woff2",
    ".webmanifest": "application/manifest+json",
}
_DELETE_BATCH = 1000


@dataclass(frozen=True)
class Location:
    bucket: str
    prefix: str

    @property
    def physical_id(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    @classmethod
    def from_properties(cls, properties: dict) -> "Location":
        bucket = str(properties.get("Bucket") or "")
        prefix = str(properties.get("Prefix") or "")
        if not bucket:
            raise InvalidRequest("Custom::WebClient needs the property Bucket")
        if not prefix.endswith("/") or prefix.startswith("/") or prefix == "/" \
                or "//" in prefix:
            raise InvalidRequest(f"Custom::WebClient Prefix must be a folder like 'web/' "
                                 f"(got {prefix!r}): Delete empties it")
        if any(prefix.startswith(p) or p.startswith(prefix) for p in MEDIA_PREFIXES):
            raise InvalidRequest(f"Custom::WebClient Prefix {prefix!r} overlaps the media "
                                 f"prefixes {', '.join(MEDIA_PREFIXES)}")
        return cls(bucket, prefix)

    @classmethod
    def from_physical_id(cls, physical_id: str | None) -> "Location | None":
        """The location a physical id names, or None for one this hook did not make."""
        if not physical_id or not physical_id.startswith("s3://"):
            return None
        bucket, _, prefix = physical_id[len("s3://"):].partition("/")
        try:
            return cls.from_properties({"Bucket": bucket, "Prefix": prefix})
        except InvalidRequest:
            return None


@dataclass(frozen=True)
class WebFile:
    relative: str  # "js/app.js"
    body: bytes
    content_type: str
    cache_control: str

    @property
    def md5(self) -> str:
        return hashlib.md5(self.body, usedforsecurity=False).hexdigest()


def physical_id(request: Request) -> str:
    return Location.from_properties(request.properties).physical_id


def handle(request: Request, s3, source_dir: Path, cloudfront=None) -> Result:
    if request.request_type == "Delete":
        location = Location.from_physical_id(request.physical_id)
        if location is None:
            logger.info("nothing to delete: the client was never uploaded")
            return Result(request.physical_id or "web-client-not-created")
        removed = remove(s3, location)
        logger.info("web client removed", extra={"location": location.physical_id,
                                                 "objects": removed})
        return Result(location.physical_id)

    location = Location.from_properties(request.properties)
    api_base = _base_url(request.prop("ApiBaseUrl", ""), "ApiBaseUrl")
    media_base = _base_url(request.prop("MediaBaseUrl", ""), "MediaBaseUrl")
    files = client_files(source_dir, api_base, media_base)
    moved = request.request_type == "Update" and request.physical_id != location.physical_id
    try:
        changed, removed = publish(s3, location, files)
    except Exception:
        if moved:
            # A failed Update keeps the previous physical id, so no Delete will ever name
            # the new location: clean it up now. (A failed Create answers with the new
            # location's id, and the rollback's Delete empties it.)
            _best_effort_remove(s3, location)
        raise
    paths = []
    distribution = str(request.prop("DistributionId", "") or "")
    if request.request_type == "Update" and distribution and cloudfront is not None:
        paths = viewer_paths(location, [*changed, *removed])
        if paths:
            cloudfront.create_invalidation(DistributionId=distribution, InvalidationBatch={
                "Paths": {"Quantity": len(paths), "Items": paths},
                # The same request repeated is the same invalidation.
                "CallerReference": f"tuber-web-{request.request_id}"})
    logger.info("web client published", extra={
        "location": location.physical_id, "files": len(files), "changed": len(changed),
        "removed": len(removed), "invalidated": len(paths)})
    return Result(location.physical_id, {
        "Bucket": location.bucket, "Prefix": location.prefix, "Files": str(len(files))})


# --- the files -----------------------------------------------------------------------------

def client_files(source_dir: Path, api_base: str, media_base: str) -> list[WebFile]:
    """Every file to upload, in upload order: assets, config.js, index.html."""
    source_dir = Path(source_dir)
    if not (source_dir / INDEX).is_file():
        raise FileNotFoundError(f"no built web client in the function's artifact "
                                f"({source_dir.name}/{INDEX} missing): build with sam build")
    files: list[WebFile] = []
    for folder, dirs, names in os.walk(source_dir):
        dirs[:] = sorted(d for d in dirs if not _excluded(d))
        for name in sorted(names):
            path = Path(folder) / name
            relative = path.relative_to(source_dir).as_posix()
            if _excluded(name) or relative in (CONFIG, INDEX) or not path.is_file():
                continue
            files.append(_web_file(relative, path.read_bytes()))
    files.append(_web_file(CONFIG, config_js(api_base, media_base)))
    files.append(_web_file(INDEX, (source_dir / INDEX).read_bytes()))
    return files


def _excluded(name: str) -> bool:
    return name in EXCLUDED_NAMES or name.startswith(".")


def config_js(api_base: str, media_base: str) -> bytes:
    return (
        "// Written by the deploy (Custom::WebClient): where this client finds the API and\n"
        "// the media. Empty = the page's own origin.\n"
        f"window.TUBER_API_BASE = {json.dumps(api_base)};\n"
        f"window.TUBER_MEDIA_BASE = {json.dumps(media_base)};\n"
    ).encode("utf-8")


def content_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def cache_control(name: str) -> str:
    if name in (INDEX, CONFIG):
        return NO_CACHE
    return LONG_CACHE if _VERSIONED_NAME.search(name) else SHORT_CACHE


def _web_file(name: str, body: bytes) -> WebFile:
    return WebFile(name, body, content_type(name), cache_control(name))


def _base_url(value, name: str) -> str:
    value = str(value or "").strip()
    if not value:
        return ""
    parsed = urllib.parse.urlsplit(value)
    if parsed.scheme not in ("https", "http") or not parsed.netloc or parsed.query \
            or parsed.fragment:
        raise InvalidRequest(f"Custom::WebClient {name} must be empty or an http(s) URL "
                             f"without query or fragment")
    return value.rstrip("/")


# --- S3 ------------------------------------------------------------------------------------

def publish(s3, location: Location, files: list[WebFile]) -> tuple[list[str], list[str]]:
    """Upload `files` under the location, then delete what the new version does not have.
    Returns the keys whose content changed (new ones included) and the keys removed."""
    before = _list(s3, location)
    changed = []
    for file in files:
        key = location.prefix + file.relative
        s3.put_object(Bucket=location.bucket, Key=key, Body=file.body,
                      ContentType=file.content_type, CacheControl=file.cache_control)
        if before.get(key) != file.md5:
            changed.append(key)
    wanted = {location.prefix + f.relative for f in files}
    stale = sorted(set(before) - wanted)
    _delete(s3, location.bucket, stale)
    return changed, stale


def remove(s3, location: Location) -> int:
    """Delete every object under the location; a bucket already gone is nothing to do."""
    try:
        keys = sorted(_list(s3, location))
    except s3.exceptions.NoSuchBucket:
        return 0
    _delete(s3, location.bucket, keys)
    return len(keys)


def viewer_paths(location: Location, keys: list[str]) -> list[str]:
    """CloudFront paths of object keys, for a distribution whose origin path is the prefix
    (web/index.html is /index.html, and / too)."""
    paths = set()
    for key in keys:
        relative = key[len(location.prefix):]
        paths.add("/" + urllib.parse.quote(relative, safe="/~-._"))
        if relative == INDEX:
            paths.add("/")
    return sorted(paths)


def _list(s3, location: Location) -> dict[str, str]:
    """key -> ETag (without quotes; the MD5 of objects PUT in one piece)."""
    objects = {}
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=location.bucket, Prefix=location.prefix):
        for item in page.get("Contents", []):
            objects[item["Key"]] = item.get("ETag", "").strip('"')
    return objects


def _delete(s3, bucket: str, keys: list[str]) -> None:
    for start in range(0, len(keys), _DELETE_BATCH):
        batch = keys[start:start + _DELETE_BATCH]
        answer = s3.delete_objects(Bucket=bucket, Delete={
            "Objects": [{"Key": k} for k in batch], "Quiet": True})
        errors = answer.get("Errors") or []
        if errors:
            first = errors[0]
            raise RuntimeError(f"could not delete {len(errors)} object(s), first "
                               f"{first.get('Key')}: {first.get('Code')}")


def _best_effort_remove(s3, location: Location) -> None:
    try:
        remove(s3, location)
    except Exception:  # noqa: BLE001 - the original failure is what CloudFormation must see
        logger.exception("could not clean up a half-published location")
