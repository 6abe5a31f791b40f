"""Resumable uploads: S3 multipart with presigned part URLs, used the way a browser uses
them (plain HTTP PUTs), on moto S3; the completed object goes through the real transcode."""
from __future__ import annotations

import os
from datetime import timedelta

import pytest
import requests
from bson import ObjectId

from tests.support import media
from tests.support.upload_fixtures import MIB, pad_mp4
from tuber_common.ids import parse_video_id


def _read_part(path: str, number: int, part_size: int) -> bytes:
    with open(path, "rb") as fh:
        fh.seek((number - 1) * part_size)
        return fh.read(part_size)


def _put(url: str, data: bytes) -> str:
    answer = requests.put(url, data=data, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.headers["ETag"]


def _start(video_api, owner, video_id):
    answer = video_api.post(f"/video/{video_id}/upload/multipart", token=owner.token)
    assert answer.status == 201, answer.body
    return answer.json["multipart"]


def _urls(video_api, owner, video_id, upload_id, numbers):
    answer = video_api.post(f"/video/{video_id}/upload/multipart/part-urls",
                            {"uploadId": upload_id, "partNumbers": numbers}, token=owner.token)
    assert answer.status == 200, answer.body
    return {p["partNumber"]: p for p in answer.json["parts"]}


@pytest.mark.slow
def test_a_resumed_upload_with_a_lost_part_completes_and_transcodes(
        tmp_path, video_api, member, new_video, small_parts, raw_events, transcode_event,
        s3, db):
    from tuber_common.settings import get_settings

    bucket = get_settings().media_bucket
    # Given an 11 MiB video: three parts of 5, 5 and 1 MiB
    clip = pad_mp4(media.make_clip(str(tmp_path / "big.mp4"), 320, 240, seconds=2),
                   11 * MIB + 12345)
    size = os.path.getsize(clip)
    owner = member()
    video_id = new_video(owner, "Big one", size=size)["video"]["id"]
    upload = _start(video_api, owner, video_id)
    assert (upload["partSize"], upload["partCount"], upload["sizeBytes"]) == \
        (5 * MIB, 3, size)

    # When part 1 is uploaded, part 2 twice (a retried request), and part 3 is lost
    urls = _urls(video_api, owner, video_id, upload["uploadId"], [1, 2, 3])
    assert [urls[n]["sizeBytes"] for n in (1, 2, 3)] == [5 * MIB, 5 * MIB, size - 10 * MIB]
    etags = {1: _put(urls[1]["url"], _read_part(clip, 1, 5 * MIB))}
    _put(urls[2]["url"], _read_part(clip, 2, 5 * MIB))
    etags[2] = _put(urls[2]["url"], _read_part(clip, 2, 5 * MIB))

    # Then after a reload the client sees what S3 holds, and completing too early is refused
    held = video_api.get(f"/video/{video_id}/upload/multipart", token=owner.token).json
    assert held["multipart"]["uploadId"] == upload["uploadId"]
    assert [p["partNumber"] for p in held["parts"]] == [1, 2]
    assert held["uploadedBytes"] == 10 * MIB
    early = video_api.post(f"/video/{video_id}/upload/multipart/complete",
                           {"uploadId": upload["uploadId"]}, token=owner.token)
    assert early.status == 409 and early.error_code == "upload_incomplete"
    assert early.json["error"]["details"]["missingParts"] == [3]
    assert raw_events() == []  # nothing was assembled, nothing triggered

    # When the lost part is asked for again and uploaded, the upload completes
    retried = _urls(video_api, owner, video_id, upload["uploadId"], [3])
    etags[3] = _put(retried[3]["url"], _read_part(clip, 3, 5 * MIB))
    done = video_api.post(f"/video/{video_id}/upload/multipart/complete",
                          {"uploadId": upload["uploadId"],
                           "parts": [{"partNumber": n, "etag": e} for n, e in etags.items()]},
                          token=owner.token)
    assert done.status == 200, done.body
    key = f"raw/{video_id}/source"
    assert s3.head_object(Bucket=bucket, Key=key)["ContentLength"] == size
    with open(clip, "rb") as fh:
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == fh.read()
    assert video_api.get(f"/video/{video_id}/upload/multipart",
                         token=owner.token).error_code == "upload_not_found"

    # Then S3's own ObjectCreated event drives the real transcode to PUBLIC: the transcoder
    # publishes the video itself (moto also sends an ObjectCreated:Put for it; S3 delivers
    # at least once anyway).
    events = raw_events()
    names = [e["Records"][0]["eventName"] for e in events]
    assert "ObjectCreated:CompleteMultipartUpload" in names
    assert [transcode_event(e)["results"] for e in events] == \
        [["transcoded"]] + [["ignored"]] * (len(events) - 1)
    video = video_api.get(f"/video/{video_id}", token=owner.token).json["video"]
    assert video["status"] == "PUBLIC" and video["progressPercent"] == 100


def test_an_aborted_upload_leaves_no_parts(video_api, member, new_video, small_parts, s3):
    from tuber_common.settings import get_settings

    bucket = get_settings().media_bucket
    owner = member()
    video_id = new_video(owner, size=7 * MIB)["video"]["id"]
    upload = _start(video_api, owner, video_id)
    urls = _urls(video_api, owner, video_id, upload["uploadId"], [1])
    _put(urls[1]["url"], b"x" * (5 * MIB))

    assert video_api.delete(f"/video/{video_id}/upload/multipart", token=owner.token).status \
        == 204

    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
    assert video_api.get(f"/video/{video_id}/upload/multipart",
                         token=owner.token).error_code == "upload_not_found"
    # The video still waits for an upload: a new one may start.
    assert _start(video_api, owner, video_id)["uploadId"] != upload["uploadId"]


def test_deleting_a_video_aborts_its_unfinished_upload(video_api, member, new_video,
                                                       small_parts, s3):
    from tuber_common.settings import get_settings

    bucket = get_settings().media_bucket
    owner = member()
    video_id = new_video(owner, size=7 * MIB)["video"]["id"]
    upload = _start(video_api, owner, video_id)
    _put(_urls(video_api, owner, video_id, upload["uploadId"], [1])[1]["url"], b"x" * (5 * MIB))

    assert video_api.delete(f"/video/{video_id}", token=owner.token).status == 204

    # No stored part is left waiting for the sweep or the bucket's lifecycle rule.
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_parts_of_the_wrong_size_are_named_and_can_be_replaced(video_api, member, new_video,
                                                               small_parts, s3):
    owner = member()
    video_id = new_video(owner, size=6 * MIB)["video"]["id"]
    upload = _start(video_api, owner, video_id)
    urls = _urls(video_api, owner, video_id, upload["uploadId"], [1, 2])
    # (Real S3 refuses these PUTs outright: the URL is signed for the exact length.)
    _put(urls[1]["url"], b"a" * (5 * MIB))
    _put(urls[2]["url"], b"b" * (2 * MIB))
    bad = video_api.post(f"/video/{video_id}/upload/multipart/complete",
                         {"uploadId": upload["uploadId"]}, token=owner.token)
    assert bad.status == 409 and bad.json["error"]["details"] == {"wrongSizeParts": [2]}
    _put(urls[2]["url"], b"b" * MIB)
    good = video_api.post(f"/video/{video_id}/upload/multipart/complete",
                          {"uploadId": upload["uploadId"]}, token=owner.token)
    assert good.status == 200, good.body


def test_stale_etags_are_refused(video_api, member, new_video, small_parts):
    owner = member()
    video_id = new_video(owner, size=MIB)["video"]["id"]
    upload = _start(video_api, owner, video_id)
    url = _urls(video_api, owner, video_id, upload["uploadId"], [1])[1]["url"]
    old = _put(url, b"1" * MIB)
    _put(url, b"2" * MIB)  # uploaded again, other bytes: S3 keeps the last
    answer = video_api.post(f"/video/{video_id}/upload/multipart/complete",
                            {"uploadId": upload["uploadId"],
                             "parts": [{"partNumber": 1, "etag": old}]}, token=owner.token)
    assert answer.status == 409 and answer.error_code == "parts_mismatch"


def test_only_the_owner_of_an_uploading_video_runs_an_upload(video_api, member, new_video,
                                                            published_video, small_parts):
    owner, stranger = member(), member()
    video_id = new_video(owner, size=MIB)["video"]["id"]
    path = f"/video/{video_id}/upload/multipart"
    assert video_api.post(path).status == 401
    assert video_api.post(path, token=stranger.token).error_code == "not_owner"
    upload = _start(video_api, owner, video_id)
    again = video_api.post(path, token=owner.token)
    assert again.status == 409 and again.error_code == "upload_in_progress"
    assert again.json["error"]["details"]["uploadId"] == upload["uploadId"]
    for method, suffix, body in (("GET", "", None), ("DELETE", "", None),
                                 ("POST", "/part-urls", {"uploadId": upload["uploadId"],
                                                         "partNumbers": [1]}),
                                 ("POST", "/complete", {"uploadId": upload["uploadId"]})):
        answer = video_api.call(method, path + suffix, json_body=body, token=stranger.token)
        assert answer.status == 403, (method, suffix, answer.body)
    out_of_range = video_api.post(path + "/part-urls", {"uploadId": upload["uploadId"],
                                                        "partNumbers": [0, 2]},
                                  token=owner.token)
    assert out_of_range.status == 422 and out_of_range.error_code == "invalid_part_number"
    wrong_id = video_api.post(path + "/part-urls", {"uploadId": "nope", "partNumbers": [1]},
                              token=owner.token)
    assert wrong_id.status == 404 and wrong_id.error_code == "upload_not_found"
    done = published_video(owner)
    assert video_api.post(f"/video/{done}/upload/multipart",
                          token=owner.token).error_code == "not_uploading"


def test_the_part_size_fits_the_file():
    from tuber_common.multipart import MAX_PARTS, plan

    assert plan(1, 8 * MIB) == (8 * MIB, 1)
    assert plan(8 * MIB + 1, 8 * MIB) == (8 * MIB, 2)
    size, count = plan(200 * 1024**3, 8 * MIB)  # 200 GiB: parts grow, at most 10,000
    assert count <= MAX_PARTS and size % MIB == 0 and size * count >= 200 * 1024**3


def test_the_sweep_aborts_old_and_orphaned_uploads_and_fails_their_videos(
        video_api, member, new_video, small_parts, s3, db, run_on_transcoded):
    from tests.support.video_fixtures import sample_event
    from tuber_common.clock import utcnow
    from tuber_common.settings import get_settings

    bucket = get_settings().media_bucket
    owner = member()
    young, old = (new_video(owner, size=MIB)["video"]["id"] for _ in range(2))
    kept = _start(video_api, owner, young)["uploadId"]
    _start(video_api, owner, old)
    too_old = utcnow() - timedelta(seconds=get_settings().multipart_max_age_seconds + 60)
    db.videos.update_one({"_id": parse_video_id(old)}, {"$set": {"multipart.createdAt": too_old}})
    # An upload no video records (its video was deleted): S3's Initiated date tells its age.
    s3.create_multipart_upload(Bucket=bucket, Key=f"raw/{ObjectId()}/source")

    answer = run_on_transcoded(sample_event("video_sweep_scheduled"))

    assert answer["swept"] == 1
    left = s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    assert [u["UploadId"] for u in left] == [kept]
    expired = video_api.get(f"/video/{old}", token=owner.token).json["video"]
    assert expired["status"] == "FAILED" and "not finished in time" in expired["failureReason"]
    assert video_api.get(f"/video/{young}", token=owner.token).json["video"]["status"] == \
        "UPLOADING"
