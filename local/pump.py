"""The event pump: S3 event notifications from the SQS queue to the functions whose template
S3 events match, as S3 -> Lambda does it.

One thread long-polls the queue; a few worker threads run the functions, so a transcode runs
in the background while the API keeps answering. A message is deleted only after its
functions returned; a function that raises is retried twice (Lambda's asynchronous retries)
and then given up on, with a log line, and, given a `DeadLetterQueue`, the event goes there as
the record Lambda sends an on-failure destination (scripts/redrive replays it).
`invoke_async` runs any event the same way (the local Lambda Invoke API: local/lambda_api.py).

Given `objects` (the media snapshot, local/media.py), every S3 event record also goes to its
`object_event` as the poll thread reads it, and a worker waits for an object to be kept
before a function gets its event: what a function has seen is on disk.
"""
from __future__ import annotations

import json
import logging
import queue
import threading
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Callable
from urllib.parse import quote_plus, unquote_plus

from .functions import FunctionNotInCheckout
from .template import S3Subscription

log = logging.getLogger("tuber.local")

Invoke = Callable[[str, dict], Any]
ObjectEvent = Callable[[dict, bool], None]


def subscription_matches(subscription: S3Subscription, record: dict) -> bool:
    """S3's rule: event type pattern, then key prefix and suffix on the decoded key."""
    event_name = "s3:" + record.get("eventName", "")
    if not any(event_name == pattern or
               (pattern.endswith("*") and event_name.startswith(pattern[:-1]))
               for pattern in subscription.events):
        return False
    key = unquote_plus(record["s3"]["object"]["key"])
    return key.startswith(subscription.prefix) and key.endswith(subscription.suffix)


def as_aws_sends_it(record: dict) -> dict:
    """S3 URL-encodes the key in events but keeps its slashes ("raw/v1/my+clip.mp4"); moto
    encodes the slashes too ("raw%2Fv1%2Fmy+clip.mp4"). Functions get AWS's form."""
    obj = record.get("s3", {}).get("object", {})
    if "key" in obj:
        obj["key"] = quote_plus(unquote_plus(obj["key"]), safe="/")
    return record


def targets_for(subscriptions: list[S3Subscription], record: dict) -> list[str]:
    return [s.function for s in subscriptions if subscription_matches(s, record)]


def error_type(error: BaseException) -> str:
    """What Lambda reports as the errorType: the function's exception's type name (a
    local/containers.FunctionError carries the one raised in the container)."""
    return getattr(error, "error_type", None) or type(error).__name__


def describe_event(event: dict) -> str:
    records = event.get("Records") if isinstance(event, dict) else None
    if records and isinstance(records[0], dict) and "s3" in records[0]:
        return (f"{records[0].get('eventName')} "
                f"{unquote_plus(records[0]['s3']['object'].get('key', '?'))}")
    if isinstance(event, dict):
        return str(event.get("detail-type") or "with keys " + ",".join(sorted(event)[:4]))
    return type(event).__name__


class DeadLetterQueue:
    """An SQS queue that gets, for each event given up on, the record Lambda sends an SQS
    on-failure destination: `requestPayload` is the event, `requestContext.functionArn` the
    function (its logical id as the name), `responsePayload` the error."""

    def __init__(self, sqs, queue_url: str, *, account: str, region: str):
        self.sqs = sqs
        self.queue_url = queue_url
        self.account = account
        self.region = region

    def record(self, function: str, event: dict, error: BaseException, attempts: int) -> dict:
        now = datetime.now(timezone.utc)
        return {
            "version": "1.0",
            "timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": f"arn:aws:lambda:{self.region}:{self.account}:function:"
                               f"{function}:$LATEST",
                "condition": "RetriesExhausted", "approximateInvokeCount": attempts},
            "requestPayload": event,
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST",
                                "functionError": "Unhandled"},
            "responsePayload": {"errorMessage": str(error), "errorType": error_type(error)},
        }

    def send(self, function: str, event: dict, error: BaseException, attempts: int) -> None:
        self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=json.dumps(
            self.record(function, event, error, attempts), default=str))


class EventPump:
    def __init__(self, sqs, queue_url: str, subscriptions: list[S3Subscription], invoke: Invoke,
                 *, workers: int = 2, retries: int = 2, retry_delay_s: float = 1.0,
                 wait_seconds: int = 2, visibility_timeout_s: int = 900,
                 dead_letters: DeadLetterQueue | None = None,
                 on_failure: dict[str, str] | None = None,
                 objects: ObjectEvent | None = None):
        self.sqs = sqs
        self.queue_url = queue_url
        self.subscriptions = subscriptions
        self.invoke = invoke
        self.retries = retries
        self.retry_delay_s = retry_delay_s
        self.wait_seconds = wait_seconds
        self.visibility_timeout_s = visibility_timeout_s
        self.dead_letters = dead_letters
        self.on_failure = on_failure or {}
        self.objects = objects
        self._stopping = threading.Event()
        self._work: queue.Queue = queue.Queue()
        self._in_flight = 0
        self._idle = threading.Condition()
        # Daemon threads: Ctrl-C must not wait for a long transcode to finish.
        self._threads = [threading.Thread(target=self._poll, name="pump-poll", daemon=True)]
        self._threads += [threading.Thread(target=self._work_loop, name=f"pump-worker-{i}",
                                           daemon=True) for i in range(workers)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self, grace_s: float = 5) -> None:
        """Stop polling; give running functions `grace_s` to finish."""
        self._stopping.set()
        self._threads[0].join(timeout=self.wait_seconds + 5)
        with self._idle:
            self._idle.wait_for(lambda: self._in_flight == 0, timeout=grace_s)
        for _ in self._threads[1:]:
            self._work.put(None)

    def wait_idle(self, timeout: float) -> bool:
        """Until no message is being handled (tests)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0 and self._work.empty(),
                                       timeout=timeout)

    def invoke_async(self, function: str, event: dict) -> None:
        """Run `function` with `event` on a worker, retried and dead-lettered like an S3
        event (an asynchronous invocation)."""
        with self._idle:
            self._in_flight += 1
        self._work.put({"Invoke": (function, event)})

    def _poll(self) -> None:
        while not self._stopping.is_set():
            try:
                answer = self.sqs.receive_message(
                    QueueUrl=self.queue_url, MaxNumberOfMessages=10,
                    WaitTimeSeconds=self.wait_seconds, VisibilityTimeout=self.visibility_timeout_s)
            except Exception as exc:  # moto going away at shutdown, or a hiccup
                if not self._stopping.is_set():
                    log.warning("event pump: cannot read the queue (%s)", type(exc).__name__)
                    time.sleep(1)
                continue
            for message in answer.get("Messages", []):
                self._note_objects(message)
                with self._idle:
                    self._in_flight += 1
                self._work.put(message)

    def _records(self, message: dict) -> list[dict]:
        try:
            body = json.loads(message["Body"])
        except (KeyError, TypeError, ValueError):
            return []
        # S3 sends one s3:TestEvent when the notification is configured: not an upload.
        if not isinstance(body, dict) or body.get("Event") == "s3:TestEvent":
            return []
        return [as_aws_sends_it(r) for r in body.get("Records") or [] if isinstance(r, dict)]

    def _note_objects(self, message: dict) -> None:
        """Every record goes to `objects` as soon as it is read: busy workers must not hold
        up keeping an upload, or the segments a transcode writes."""
        if self.objects is not None:
            for record in self._records(message):
                self.objects(record, False)

    def _work_loop(self) -> None:
        while True:
            message = self._work.get()
            if message is None:
                return
            try:
                if "Invoke" in message:
                    self._invoke_with_retries(*message["Invoke"])
                else:
                    self._deliver(message)
            except Exception:
                log.exception("event pump: message %s not delivered", message.get("MessageId"))
            finally:
                with self._idle:
                    self._in_flight -= 1
                    self._idle.notify_all()

    def _deliver(self, message: dict) -> None:
        for record in self._records(message):
            functions = targets_for(self.subscriptions, record)
            if functions and self.objects is not None:
                self.objects(record, True)
            for function in functions:
                self._invoke_with_retries(function, {"Records": [record]})
        self.sqs.delete_message(QueueUrl=self.queue_url,
                                ReceiptHandle=message["ReceiptHandle"])

    def _invoke_with_retries(self, function: str, event: dict) -> None:
        what = describe_event(event)
        attempts = 1 + self.retries
        for attempt in range(1, attempts + 1):
            started = time.perf_counter()
            try:
                self.invoke(function, event)
            except FunctionNotInCheckout:
                log.warning("event %s -> %s skipped: not in this checkout", what, function)
                return
            except Exception as exc:
                elapsed = (time.perf_counter() - started) * 1000
                # A function's own error (it ran in its container, whose log has the
                # traceback) is named by its type; an error of the pump's own gets its traceback.
                log.error("event %s -> %s failed %.0fms (attempt %d/%d): %s", what, function,
                          elapsed, attempt, attempts, error_type(exc),
                          exc_info=attempt == attempts and not hasattr(exc, "error_type"))
                if attempt < attempts and not self._stopping.is_set():
                    time.sleep(self.retry_delay_s * attempt)
                    continue
                self._dead_letter(function, event, exc, attempt, what)
                return
            log.info("event %s -> %s ok %.0fms", what, function,
                     (time.perf_counter() - started) * 1000)
            return

    def _dead_letter(self, function: str, event: dict, error: Exception, attempts: int,
                     what: str) -> None:
        if self.dead_letters is None:
            return
        destination = self.on_failure.get(function)
        if destination:
            # An on-failure destination that is a function: it gets the record, as an
            # asynchronous event of its own (retried, then dead-lettered, like any).
            log.warning("event %s -> %s given up on: sent to %s", what, function, destination)
            self.invoke_async(destination, self.dead_letters.record(function, event, error,
                                                                    attempts))
            return
        try:
            self.dead_letters.send(function, event, error, attempts)
        except Exception as exc:
            log.error("event %s -> %s lost: not written to the dead-letter queue (%s)", what,
                      function, type(exc).__name__)
            return
        log.warning("event %s -> %s kept in the dead-letter queue (scripts/redrive replays it)",
                    what, function)
