"""The media bucket on moto, set up like the template's MediaBucket: CORS for browser
uploads, and ObjectCreated notifications to an SQS queue (S3 -> Lambda is S3 -> queue ->
event pump locally).

moto keeps objects in memory; `MediaSnapshot` keeps a copy of every object in the data
folder, written as the object is (the event pump hands it each ObjectCreated/ObjectRemoved
event), so uploads and media survive a restart, a kill -9 included, and puts them back at
start (local/recovery.py decides which before the notification exists, and which after, so
that their event starts the transcode again).
"""
from __future__ import annotations

import json
import logging
import os
import queue
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterable
from urllib.parse import unquote_plus

from botocore.exceptions import ClientError

from .template import S3Subscription

log = logging.getLogger("tuber.local")

QUEUE_NAME = "tuber-media-events"


def s3_cors_rules(cfn_cors: dict | None) -> list[dict]:
    """The template's CorsConfiguration (CloudFormation names) in S3 API names."""
    rules = []
    for rule in (cfn_cors or {}).get("CorsRules", []):
        out = {"AllowedOrigins": rule["AllowedOrigins"], "AllowedMethods": rule["AllowedMethods"]}
        if "AllowedHeaders" in rule:
            out["AllowedHeaders"] = rule["AllowedHeaders"]
        if "ExposedHeaders" in rule:
            out["ExposeHeaders"] = rule["ExposedHeaders"]
        if "MaxAge" in rule:
            out["MaxAgeSeconds"] = int(rule["MaxAge"])
        rules.append(out)
    return rules


def create_bucket(s3, bucket: str, region: str, cfn_cors: dict | None,
                  policy: dict | None = None) -> None:
    kwargs = {} if region == "us-east-1" else {
        "CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=bucket, **kwargs)
    rules = s3_cors_rules(cfn_cors)
    if rules:
        s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": rules})
    if policy:
        # moto enforces it for unsigned requests.
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17",
                                                               **policy}))


def connect_notifications(s3, sqs, bucket: str, subscriptions: list[S3Subscription],
                          also: Iterable[str] = ()) -> str:
    """One queue gets every event type the template's S3 events ask for (and `also`: the
    snapshot's ObjectRemoved); the pump filters per function (each S3 event's prefix/suffix),
    as S3 does per notification."""
    queue_url = sqs.create_queue(QueueName=QUEUE_NAME)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    events = sorted({event for sub in subscriptions for event in sub.events} | set(also))
    if events:
        s3.put_bucket_notification_configuration(
            Bucket=bucket,
            NotificationConfiguration={"QueueConfigurations": [
                {"Id": "local-event-pump", "QueueArn": queue_arn, "Events": events}]})
    return queue_url


class MediaSnapshot:
    """Every object of the bucket, one file per key under `folder`/objects, with its ETag and
    headers in index.json plus journal.jsonl (one line per object kept or forgotten since the
    index was last written: appending is what keeps a save cheap while hundreds of segments
    arrive, and a line cut short by a kill is ignored).

    A file is written under tmp/ and renamed into place, then journaled: whatever a kill
    interrupts, the index names only whole files. Objects stream to and from disk in chunks,
    never whole in memory; an object whose ETag is already kept is not read again.
    """

    EVENTS = ("s3:ObjectCreated:*", "s3:ObjectRemoved:*")
    CHUNK_BYTES = 1024 * 1024
    RESTORE_WORKERS = 8

    def __init__(self, s3, bucket: str, folder: Path):
        self.s3 = s3
        self.bucket = bucket
        self.folder = folder
        self.objects = folder / "objects"
        self.index_path = folder / "index.json"
        self.journal_path = folder / "journal.jsonl"
        self._tmp = folder / "tmp"
        self._lock = threading.Lock()
        self._index = self._load()
        self._queue: queue.Queue = queue.Queue()
        self._pending: dict[tuple, threading.Event] = {}
        # Kept on disk but left out of the bucket on purpose: a save does not forget them.
        self.dormant: set[str] = set()
        self._thread: threading.Thread | None = None

    # --- what is kept -------------------------------------------------------------------
    def _load(self) -> dict:
        index = json.loads(self.index_path.read_text()) if self.index_path.exists() else {}
        if self.journal_path.exists():
            text = self.journal_path.read_text(errors="replace")
            if text and not text.endswith("\n"):
                with open(self.journal_path, "a") as journal:
                    journal.write("\n")  # the next line must not join a half one
            for line in text.splitlines():
                try:
                    entry = json.loads(line)
                    key = entry.pop("key")
                except (ValueError, KeyError, AttributeError):
                    continue  # the line a kill cut short
                if entry.get("removed"):
                    index.pop(key, None)
                else:
                    index[key] = entry
        return index

    def keys(self) -> list[str]:
        with self._lock:
            return sorted(self._index)

    def path(self, key: str) -> Path:
        return self.objects / key

    def _journal(self, key: str, entry: dict) -> None:
        with self._lock:
            if entry.get("removed"):
                self._index.pop(key, None)
            else:
                self._index[key] = entry
            with open(self.journal_path, "a") as journal:
                journal.write(json.dumps({"key": key, **entry}) + "\n")

    def compact(self) -> None:
        """index.json holds everything; the journal starts empty."""
        with self._lock:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.index_path.with_suffix(".json.tmp")
            tmp.write_text(json.dumps(self._index, indent=1))
            os.replace(tmp, self.index_path)
            self.journal_path.unlink(missing_ok=True)

    # --- keeping and forgetting ---------------------------------------------------------
    @staticmethod
    def _safe(key: str) -> bool:
        parts = key.split("/")
        return bool(key) and not key.startswith("/") and ".." not in parts and "" not in parts[:-1]

    def keep(self, key: str, etag: str | None = None) -> bool:
        """Copy the object to disk unless that version is kept already; False when it is gone
        (or replaced meanwhile: the newer version has an event of its own)."""
        if not self._safe(key):
            return False
        with self._lock:
            known = self._index.get(key)
        if known and etag and _same_etag(known["etag"], etag) and self.path(key).is_file():
            return True
        try:
            answer = self.s3.get_object(Bucket=self.bucket, Key=key,
                                        **({"IfMatch": etag} if etag else {}))
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code in ("NoSuchKey", "404", "PreconditionFailed", "412"):
                return False
            raise
        self._tmp.mkdir(parents=True, exist_ok=True)
        tmp = self._tmp / uuid.uuid4().hex
        try:
            with open(tmp, "wb") as out:
                for chunk in answer["Body"].iter_chunks(self.CHUNK_BYTES):
                    out.write(chunk)
            path = self.path(key)
            path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        self._journal(key, {"etag": answer["ETag"], "contentType": answer.get("ContentType"),
                            "cacheControl": answer.get("CacheControl")})
        return True

    def forget(self, key: str) -> None:
        if not self._safe(key):
            return
        self.path(key).unlink(missing_ok=True)
        with self._lock:
            known = key in self._index
        if known:
            self._journal(key, {"removed": True})

    def object_event(self, record: dict, wait: bool = False) -> None:
        """An S3 event record from the pump: keep what was created, forget what was removed,
        in the background, in the order the events came. `wait`: return once the object is
        on disk (the pump waits so before a function gets it), by the background copy
        already under way for this event, else here and now."""
        obj = (record.get("s3") or {}).get("object") or {}
        if "key" not in obj:
            return
        key = unquote_plus(obj["key"])
        name = record.get("eventName", "")
        if name.startswith("ObjectCreated:"):
            action = (self.keep, key, obj.get("eTag"))
        elif name.startswith("ObjectRemoved:"):
            action = (self.forget, key)
        else:
            return
        ident = (name.split(":")[0], key, obj.get("eTag"))
        if wait:
            with self._lock:
                queued = self._pending.get(ident)
            if queued is not None:
                queued.wait()
            else:
                self._run(action)
            return
        done = threading.Event()
        with self._lock:
            self._pending[ident] = done
        self._ensure_thread()
        self._queue.put((action, ident, done))

    def _run(self, action: tuple) -> None:
        try:
            action[0](*action[1:])
        except Exception as exc:  # moto going away at a stop; the stop's save catches up
            log.warning("media snapshot: %s %s failed (%s)", action[0].__name__, action[1],
                        type(exc).__name__)

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="media-snapshot",
                                                daemon=True)
                self._thread.start()

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                action, ident, done = item
                self._run(action)
                with self._lock:
                    if self._pending.get(ident) is done:
                        del self._pending[ident]
                done.set()
            finally:
                self._queue.task_done()

    def wait_idle(self) -> None:
        """Until every event handed over so far is on disk."""
        self._queue.join()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=60)
            self._thread = None

    # --- at start and at stop -----------------------------------------------------------
    def restore(self, keys: Iterable[str] | None = None) -> int:
        """Put `keys` (default: every kept object) into the bucket, streamed from disk; the
        index takes the ETags the bucket gives them (a multipart put has a new one), so the
        events they raise, and the next save, do not copy them again. Returns the count."""
        from boto3.s3.transfer import TransferConfig

        with self._lock:
            wanted = {k: dict(self._index[k]) for k in (self._index if keys is None else keys)
                      if k in self._index}
        config = TransferConfig(max_concurrency=2)

        def put(key: str) -> str | None:
            path, meta = self.path(key), wanted[key]
            if not path.is_file():
                return None
            extra = {"ContentType": meta.get("contentType") or "binary/octet-stream"}
            if meta.get("cacheControl"):
                extra["CacheControl"] = meta["cacheControl"]
            self.s3.upload_file(str(path), self.bucket, key, ExtraArgs=extra, Config=config)
            return key

        with ThreadPoolExecutor(max_workers=self.RESTORE_WORKERS) as pool:
            restored = {k for k in pool.map(put, sorted(wanted)) if k}
        for key in set(wanted) - restored:
            self.forget(key)  # its file is gone
        etags = {}
        if restored:
            for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
                etags.update({o["Key"]: o["ETag"] for o in page.get("Contents", [])})
        with self._lock:
            for key in restored:
                if key in etags and key in self._index:
                    self._index[key]["etag"] = etags[key]
        self.compact()
        return len(restored)

    def drop(self, keys: Iterable[str]) -> None:
        """Forget kept objects that must not come back (e.g. a deleted video's)."""
        for key in keys:
            self.forget(key)
            self.dormant.discard(key)

    def tidy(self) -> None:
        """Remove what a kill left half-written and files the index does not name."""
        if self._tmp.exists():
            for leftover in self._tmp.iterdir():
                leftover.unlink(missing_ok=True)
        if self.objects.exists():
            with self._lock:
                named = set(self._index)
            for path in self.objects.rglob("*"):
                if path.is_file() and path.relative_to(self.objects).as_posix() not in named:
                    path.unlink(missing_ok=True)

    def save(self) -> int:
        """Catch up with the bucket (at a clean stop): keep new or changed objects, forget
        deleted ones; returns the object count."""
        self.stop()
        listed = {}
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            listed.update({o["Key"]: o["ETag"] for o in page.get("Contents", [])})
        for key, etag in listed.items():
            self.keep(key, etag)
        for key in set(self.keys()) - set(listed) - self.dormant:
            self.forget(key)
        self.compact()
        return len(self._index)


def _same_etag(a: str, b: str) -> bool:
    return a.strip().strip('"') == b.strip().strip('"')
