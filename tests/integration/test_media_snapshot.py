"""The media snapshot keeps each object as its event arrives, so a stack killed without a
word (no save at stop) still finds its uploads and media on disk, against a real moto."""
from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from local import services
from local.environment import media_bucket_name
from local.media import MediaSnapshot, connect_notifications, create_bucket
from local.pump import EventPump
from local.template import read_template
from tests.support.local_fixtures import wait_for

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
BUCKET = media_bucket_name(read_template(TEMPLATE))


def _moto():
    port = services.free_port()
    proc = services.start_moto(port)
    url = f"http://127.0.0.1:{port}"
    clients = {name: boto3.client(name, endpoint_url=url, region_name="us-east-1",
                                  aws_access_key_id="t", aws_secret_access_key="t")
               for name in ("s3", "sqs")}
    create_bucket(clients["s3"], BUCKET, "us-east-1", None)
    return proc, clients


@pytest.fixture
def moto():
    proc, clients = _moto()
    try:
        yield clients
    finally:
        services.stop(proc)


def _record(event: str, key: str, etag: str | None = None) -> dict:
    return {"eventName": event, "s3": {"bucket": {"name": BUCKET},
                                       "object": {"key": key, "eTag": etag}}}


def _keys(s3) -> list[str]:
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_objects_kept_as_their_events_come_survive_a_kill(moto, tmp_path):
    """A kill leaves no save at stop: the next start restores from what events kept, with
    each object's type and cache headers; what was deleted stays deleted."""
    s3, sqs = moto["s3"], moto["sqs"]
    queue_url = connect_notifications(s3, sqs, BUCKET, [], also=MediaSnapshot.EVENTS)
    snapshot = MediaSnapshot(s3, BUCKET, tmp_path)
    # The pump with no function: it only hands each record to the snapshot.
    pump = EventPump(sqs, queue_url, [], lambda *_: None, wait_seconds=1,
                     objects=snapshot.object_event)
    pump.start()
    try:
        s3.put_object(Bucket=BUCKET, Key="raw/v1/source", Body=b"the upload")
        s3.put_object(Bucket=BUCKET, Key="hls/v1/master.m3u8", Body=b"#EXTM3U\n",
                      ContentType="application/vnd.apple.mpegurl", CacheControl="no-cache")
        s3.put_object(Bucket=BUCKET, Key="incoming/thumbs/v1/custom-a.jpg", Body=b"jpeg")
        s3.put_object(Bucket=BUCKET, Key="hls/v2/gone.ts", Body=b"ts")
        wait_for(lambda: len(snapshot.keys()) == 4)
        s3.delete_object(Bucket=BUCKET, Key="hls/v2/gone.ts")
        wait_for(lambda: len(snapshot.keys()) == 3)
    finally:
        pump.stop(grace_s=1)
    # A kill: never saved, a journal line cut short, a download left half-written.
    assert not (tmp_path / "index.json").exists()
    with open(tmp_path / "journal.jsonl", "a") as journal:
        journal.write('{"key": "hls/v3/half')
    (tmp_path / "tmp").mkdir(exist_ok=True)
    (tmp_path / "tmp" / "partial").write_bytes(b"half")

    proc, fresh = _moto()
    try:
        again = MediaSnapshot(fresh["s3"], BUCKET, tmp_path)
        again.tidy()
        again.drop(["incoming/thumbs/v1/custom-a.jpg"])  # journaled after the half line
        assert MediaSnapshot(fresh["s3"], BUCKET, tmp_path).keys() == [
            "hls/v1/master.m3u8", "raw/v1/source"]
        assert again.restore() == 2
        assert _keys(fresh["s3"]) == ["hls/v1/master.m3u8", "raw/v1/source"]
        master = fresh["s3"].get_object(Bucket=BUCKET, Key="hls/v1/master.m3u8")
        assert master["Body"].read() == b"#EXTM3U\n"
        assert (master["ContentType"], master["CacheControl"]) == (
            "application/vnd.apple.mpegurl", "no-cache")
        assert fresh["s3"].get_object(Bucket=BUCKET, Key="raw/v1/source")["Body"].read() == \
            b"the upload"
        assert not list((tmp_path / "tmp").iterdir())
        # The journal went into the index.
        assert sorted(json.loads((tmp_path / "index.json").read_text())) == _keys(fresh["s3"])
        assert not (tmp_path / "journal.jsonl").exists()
    finally:
        services.stop(proc)


def test_a_large_upload_is_copied_once_each_way(moto, tmp_path):
    """Restored in parts (a new ETag), it is not downloaded again when its event comes back
    after the restore, nor at the next save."""
    s3 = moto["s3"]
    data = bytes(range(256)) * (9 * 4096)  # 9 MiB: a multipart put on the way back
    s3.put_object(Bucket=BUCKET, Key="raw/big/source", Body=data)
    snapshot = MediaSnapshot(s3, BUCKET, tmp_path)
    snapshot.object_event(_record("ObjectCreated:Put", "raw/big/source",
                                  s3.head_object(Bucket=BUCKET, Key="raw/big/source")["ETag"]),
                          wait=True)
    assert snapshot.path("raw/big/source").read_bytes() == data

    proc, fresh = _moto()
    try:
        again = MediaSnapshot(fresh["s3"], BUCKET, tmp_path)
        assert again.restore() == 1
        head = fresh["s3"].head_object(Bucket=BUCKET, Key="raw/big/source")
        assert head["ContentLength"] == len(data) and "-" in head["ETag"]  # in parts
        downloads = []
        real = again.s3.get_object
        again.s3.get_object = lambda **kw: downloads.append(kw["Key"]) or real(**kw)
        again.object_event(_record("ObjectCreated:CompleteMultipartUpload", "raw/big/source",
                                   head["ETag"].strip('"')), wait=True)
        assert again.save() == 1
        assert downloads == []
    finally:
        services.stop(proc)


def test_an_object_replaced_before_it_is_kept_waits_for_its_own_event(moto, tmp_path):
    s3 = moto["s3"]
    s3.put_object(Bucket=BUCKET, Key="hls/v1/master.m3u8", Body=b"first")
    first = s3.head_object(Bucket=BUCKET, Key="hls/v1/master.m3u8")["ETag"]
    s3.put_object(Bucket=BUCKET, Key="hls/v1/master.m3u8", Body=b"second")
    snapshot = MediaSnapshot(s3, BUCKET, tmp_path)
    assert snapshot.keep("hls/v1/master.m3u8", first) is False
    assert snapshot.keys() == []
    assert snapshot.keep("raw/none/source") is False  # deleted before its turn
    assert snapshot.keep("../outside") is False


def test_a_save_keeps_what_was_left_out_of_the_bucket_on_purpose(moto, tmp_path):
    """A published video's upload stays on disk only (local/recovery.py): the save at stop,
    which forgets what the bucket no longer lists, keeps it."""
    s3 = moto["s3"]
    s3.put_object(Bucket=BUCKET, Key="raw/v1/source", Body=b"published long ago")
    s3.put_object(Bucket=BUCKET, Key="raw/v2/source", Body=b"deleted meanwhile")
    MediaSnapshot(s3, BUCKET, tmp_path).save()
    s3.delete_object(Bucket=BUCKET, Key="raw/v1/source")
    s3.delete_object(Bucket=BUCKET, Key="raw/v2/source")
    snapshot = MediaSnapshot(s3, BUCKET, tmp_path)
    snapshot.dormant = {"raw/v1/source"}
    assert snapshot.save() == 1
    assert snapshot.keys() == ["raw/v1/source"]
    assert snapshot.path("raw/v1/source").read_bytes() == b"published long ago"
