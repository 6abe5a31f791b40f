"""The media bucket on moto as the stack sets it up from template.yaml: public playback,
private uploads, and media that survives a restart of moto through the snapshot."""
from __future__ import annotations

from pathlib import Path

import boto3
import pytest
import requests

from local import services
from local.environment import media_bucket_name
from local.media import MediaSnapshot, create_bucket
from local.template import read_template

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


def start_moto_s3():
    port = services.free_port()
    proc = services.start_moto(port)
    url = f"http://127.0.0.1:{port}"
    return proc, url, boto3.client("s3", endpoint_url=url, region_name="us-east-1",
                                   aws_access_key_id="t", aws_secret_access_key="t")


@pytest.fixture
def media_bucket():
    template = read_template(TEMPLATE)
    bucket = media_bucket_name(template)
    proc, url, s3 = start_moto_s3()
    try:
        create_bucket(s3, bucket, "us-east-1",
                      template.resource("MediaBucket")["Properties"]["CorsConfiguration"])
        yield template, bucket, url, s3
    finally:
        services.stop(proc)


def test_nothing_in_the_local_bucket_is_served_anonymously(media_bucket):
    _template, bucket, url, s3 = media_bucket
    s3.put_object(Bucket=bucket, Key="hls/v1/master.m3u8", Body=b"#EXTM3U\n")
    s3.put_object(Bucket=bucket, Key="raw/v1/source", Body=b"private video")
    for key in ("hls/v1/master.m3u8", "raw/v1/source"):
        assert requests.get(f"{url}/{bucket}/{key}", timeout=10).status_code == 403, key


def test_snapshot_brings_playable_media_back_into_a_new_moto(media_bucket, tmp_path):
    template, bucket, _url, s3 = media_bucket
    s3.put_object(Bucket=bucket, Key="hls/v1/master.m3u8", Body=b"#EXTM3U\n",
                  ContentType="application/vnd.apple.mpegurl")
    s3.put_object(Bucket=bucket, Key="thumbs/v1.jpg", Body=b"jpeg")
    s3.put_object(Bucket=bucket, Key="raw/v1/source", Body=b"big upload")
    assert MediaSnapshot(s3, bucket, tmp_path).save() == 3  # uploads too (a retry needs them)

    proc, _url2, fresh = start_moto_s3()
    try:
        create_bucket(fresh, bucket, "us-east-1", None)
        assert MediaSnapshot(fresh, bucket, tmp_path).restore() == 3
        master = fresh.get_object(Bucket=bucket, Key="hls/v1/master.m3u8")
        assert master["Body"].read() == b"#EXTM3U\n"
        assert master["ContentType"] == "application/vnd.apple.mpegurl"
        keys = [o["Key"] for o in fresh.list_objects_v2(Bucket=bucket)["Contents"]]
        assert sorted(keys) == ["hls/v1/master.m3u8", "raw/v1/source", "thumbs/v1.jpg"]
    finally:
        services.stop(proc)


def test_snapshot_forgets_deleted_objects(media_bucket, tmp_path):
    _template, bucket, _url, s3 = media_bucket
    s3.put_object(Bucket=bucket, Key="hls/v1/master.m3u8", Body=b"#EXTM3U\n")
    snapshot = MediaSnapshot(s3, bucket, tmp_path)
    snapshot.save()
    s3.delete_object(Bucket=bucket, Key="hls/v1/master.m3u8")
    assert snapshot.save() == 0
    assert not (tmp_path / "objects" / "hls" / "v1" / "master.m3u8").exists()
