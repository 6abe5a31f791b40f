"""Custom thumbnails: the owner asks for a presigned upload, uploads the image straight to S3
(a private staging key under incoming/), confirms it; the checked image is published under
thumbs/ and the video then shows it instead of the generated one."""
from __future__ import annotations

import base64
import json
import struct
import zlib

import pytest
import requests
from bson import ObjectId

from tuber_common.ids import parse_video_id


def png_bytes() -> bytes:
    """A real 1x1 PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


PNG = png_bytes()
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9"


def bucket() -> str:
    from tuber_common.settings import get_settings

    return get_settings().media_bucket


def keys_under(s3, prefix: str) -> list[str]:
    return sorted(o["Key"] for o in
                  s3.list_objects_v2(Bucket=bucket(), Prefix=prefix).get("Contents", []))


def ask(video_api, video_id, token, content_type="image/png", size=len(PNG)):
    return video_api.post(f"/video/{video_id}/thumbnail",
                          {"contentType": content_type, "sizeBytes": size}, token=token)


def upload(answer: dict, content: bytes, content_type: str) -> None:
    # As a browser does it: the form fields first, the file last.
    sent = requests.post(answer["upload"]["url"], data=answer["upload"]["fields"],
                         files={"file": ("thumb", content, content_type)}, timeout=10)
    assert sent.status_code in (200, 201, 204), sent.text


def set_thumbnail(video_api, video_id, owner, content=PNG, content_type="image/png") -> str:
    asked = ask(video_api, video_id, owner.token, content_type, len(content))
    assert asked.status == 201, asked.body
    upload(asked.json, content, content_type)
    confirmed = video_api.put(f"/video/{video_id}/thumbnail",
                              {"thumbnailKey": asked.json["thumbnailKey"]}, token=owner.token)
    assert confirmed.status == 200, confirmed.body
    url = confirmed.json["video"]["thumbnailUrl"].split("?")[0]  # signed URL: path = key
    return url[url.index("/thumbs/") + 1:]  # the published key


def test_owner_uploads_confirms_replaces_and_removes_a_thumbnail(video_api, member,
                                                                 published_video, s3):
    owner = member()
    video_id = published_video(owner)
    generated = video_api.get(f"/video/{video_id}").json["video"]["thumbnailUrl"].split("?")[0]
    assert generated.endswith(f"/hls/{video_id}/thumb.jpg")

    first = set_thumbnail(video_api, video_id, owner)
    assert first.startswith(f"thumbs/{video_id}/custom-") and first.endswith(".png")
    assert keys_under(s3, "incoming/") == []  # the staged upload went with publishing
    seen = video_api.get(f"/video/{video_id}").json["video"]  # anonymous viewer
    assert seen["thumbnailUrl"].split("?")[0].endswith("/" + first) and seen["customThumbnail"] is True
    head = s3.head_object(Bucket=bucket(), Key=first)
    assert head["ContentType"] == "image/png" and head["ContentLength"] == len(PNG)

    # A new one gets a new key (no stale CDN copy) and the old object is deleted.
    second = set_thumbnail(video_api, video_id, owner, JPEG, "image/jpeg")
    assert second != first and second.endswith(".jpg")
    assert video_api.get(f"/video/{video_id}").json["video"]["thumbnailUrl"].split("?")[0].endswith(second)
    assert keys_under(s3, f"thumbs/{video_id}/") == [second]

    removed = video_api.delete(f"/video/{video_id}/thumbnail", token=owner.token)
    assert removed.status == 200, removed.body
    assert removed.json["video"]["thumbnailUrl"].split("?")[0] == generated
    assert removed.json["video"]["customThumbnail"] is False
    assert video_api.get(f"/video/{video_id}").json["video"]["thumbnailUrl"].split("?")[0] == generated
    assert keys_under(s3, f"thumbs/{video_id}/") == []


def test_confirming_the_same_upload_twice_keeps_the_image(video_api, member,
                                                          published_video, s3):
    owner = member()
    video_id = published_video(owner)
    asked = ask(video_api, video_id, owner.token).json
    upload(asked, PNG, "image/png")
    for _ in range(2):  # a retried request: the staged object is gone the second time
        answer = video_api.put(f"/video/{video_id}/thumbnail",
                               {"thumbnailKey": asked["thumbnailKey"]}, token=owner.token)
        assert answer.status == 200, answer.body
    key = asked["thumbnailKey"].removeprefix("incoming/")
    assert answer.json["video"]["thumbnailUrl"].split("?")[0].endswith("/" + key)
    assert keys_under(s3, f"thumbs/{video_id}/") == [key]
    assert s3.head_object(Bucket=bucket(), Key=key)["ContentType"] == "image/png"


def test_the_upload_is_scoped_to_one_key_one_type_and_the_declared_size(video_api, member,
                                                                         published_video):
    owner = member()
    video_id = published_video(owner)
    answer = ask(video_api, video_id, owner.token, "image/webp", 5000).json
    fields = answer["upload"]["fields"]
    assert fields["key"] == answer["thumbnailKey"]
    assert fields["Content-Type"] == "image/webp"
    policy = json.loads(base64.b64decode(fields["policy"]))
    conditions = policy["conditions"]
    assert {"key": answer["thumbnailKey"]} in conditions
    # Private until checked: not under thumbs/, which the bucket policy makes public.
    assert answer["thumbnailKey"].startswith(f"incoming/thumbs/{video_id}/custom-")
    assert {"Content-Type": "image/webp"} in conditions
    assert ["content-length-range", 1, 5000] in conditions
    # Nothing lets the holder write anywhere else.
    assert not any(isinstance(c, list) and c[0] == "starts-with" for c in conditions)
    # Every request gets a fresh key.
    assert ask(video_api, video_id, owner.token).json["thumbnailKey"] != answer["thumbnailKey"]


def test_a_thumbnail_can_be_set_before_the_video_is_processed(video_api, member, new_video,
                                                              db, s3):
    from tuber_common import publishing

    owner = member()
    video_id = new_video(owner)["video"]["id"]
    key = set_thumbnail(video_api, video_id, owner)
    # The transcoder finishes later with its own thumbnail: the owner's choice stays.
    assert publishing.publish(db, parse_video_id(video_id), hls_key=f"hls/{video_id}/master.m3u8",
                              renditions=[], thumbnail_key=f"hls/{video_id}/thumb.jpg",
                              duration_seconds=1.0)
    assert video_api.get(f"/video/{video_id}").json["video"]["thumbnailUrl"].split("?")[0].endswith(key)


@pytest.mark.parametrize("content_type, size, status, code", [
    ("image/gif", 1000, 415, "unsupported_thumbnail_type"),
    ("text/html", 1000, 415, "unsupported_thumbnail_type"),
    ("image/svg+xml", 1000, 415, "unsupported_thumbnail_type"),
    ("image/png", 2 * 1024 * 1024 + 1, 413, "thumbnail_too_large"),
    ("image/png", 0, 422, "validation_error"),
])
def test_wrong_type_or_size_is_refused_at_request_time(video_api, member, published_video, s3,
                                                       content_type, size, status, code):
    owner = member()
    video_id = published_video(owner)
    answer = ask(video_api, video_id, owner.token, content_type, size)
    assert (answer.status, answer.error_code) == (status, code), answer.body
    assert keys_under(s3, "thumbs/") == keys_under(s3, "incoming/") == []


def test_content_type_parameters_and_case_are_tolerated(video_api, member, published_video):
    owner = member()
    video_id = published_video(owner)
    answer = ask(video_api, video_id, owner.token, "Image/JPEG; charset=binary", 100)
    assert answer.status == 201, answer.body
    assert answer.json["thumbnailKey"].endswith(".jpg")
    assert answer.json["upload"]["fields"]["Content-Type"] == "image/jpeg"


def test_only_the_owner_may_ask_confirm_or_remove(video_api, member, published_video, s3, db):
    owner, stranger = member(), member()
    video_id = published_video(owner)
    key = set_thumbnail(video_api, video_id, owner)
    private_id = published_video(owner, visibility="private")
    before = db.videos.find_one({"_id": parse_video_id(video_id)})
    for method, body in (("POST", {"contentType": "image/png", "sizeBytes": 10}),
                         ("PUT", {"thumbnailKey": key}), ("DELETE", None)):
        path = f"/video/{video_id}/thumbnail"
        other = video_api.call(method, path, json_body=body, token=stranger.token)
        assert (other.status, other.error_code) == (403, "not_owner"), (method, other.body)
        anonymous = video_api.call(method, path, json_body=body)
        assert anonymous.status == 401, (method, anonymous.body)
        hidden = video_api.call(method, f"/video/{private_id}/thumbnail", json_body=body,
                                token=stranger.token)
        assert (hidden.status, hidden.error_code) == (404, "video_not_found"), method
        missing = video_api.call(method, f"/video/{ObjectId()}/thumbnail", json_body=body,
                                 token=owner.token)
        assert missing.status == 404, method
    assert db.videos.find_one({"_id": parse_video_id(video_id)}) == before
    assert keys_under(s3, f"thumbs/{video_id}/") == [key]


def test_confirm_refuses_keys_of_other_videos_and_other_folders(video_api, member,
                                                                published_video, s3, db):
    owner = member()
    mine, other = published_video(owner), published_video(owner)
    # A real upload, issued for the other video (same owner): not this video's thumbnail.
    issued = ask(video_api, other, owner.token).json
    upload(issued, PNG, "image/png")
    s3.put_object(Bucket=bucket(), Key=f"hls/{mine}/thumb.jpg", Body=JPEG,
                  ContentType="image/jpeg")
    for key in (issued["thumbnailKey"], f"hls/{mine}/thumb.jpg", f"raw/{mine}/source",
                f"thumbs/{mine}/../{other}/x.png", f"thumbs/{mine}/custom-zz.png",
                issued["thumbnailKey"].replace(other, mine).replace(".png", ".gif"),
                # The public form of a key: only a staged upload is confirmed (and checked).
                issued["thumbnailKey"].replace(other, mine).removeprefix("incoming/")):
        answer = video_api.put(f"/video/{mine}/thumbnail", {"thumbnailKey": key},
                               token=owner.token)
        assert (answer.status, answer.error_code) == (400, "invalid_thumbnail_key"), key
    assert db.videos.find_one({"_id": parse_video_id(mine)}).get("customThumbnailKey") is None
    # The other video's upload is untouched.
    assert keys_under(s3, f"incoming/thumbs/{other}/") == [issued["thumbnailKey"]]


def test_a_confirm_that_fails_midway_can_be_retried(video_api, member, published_video, s3,
                                                    monkeypatch):
    from pymongo.errors import AutoReconnect

    from tuber_video import thumbnails

    owner = member()
    video_id = published_video(owner)
    asked = ask(video_api, video_id, owner.token).json
    upload(asked, PNG, "image/png")
    real = thumbnails.set_fields

    def database_drops(*args, **kwargs):  # once: the database goes away mid-request
        monkeypatch.setattr(thumbnails, "set_fields", real)
        raise AutoReconnect("connection closed")

    monkeypatch.setattr(thumbnails, "set_fields", database_drops)
    body = {"thumbnailKey": asked["thumbnailKey"]}
    failed = video_api.put(f"/video/{video_id}/thumbnail", body, token=owner.token)
    assert (failed.status, failed.error_code) == (503, "database_unavailable")

    retried = video_api.put(f"/video/{video_id}/thumbnail", body, token=owner.token)
    assert retried.status == 200, retried.body
    assert retried.json["video"]["customThumbnail"] is True
    assert keys_under(s3, "incoming/") == []
    published = asked["thumbnailKey"].removeprefix("incoming/")
    assert keys_under(s3, f"thumbs/{video_id}/") == [published]


def test_confirm_refuses_a_missing_object(video_api, member, published_video, db):
    owner = member()
    video_id = published_video(owner)
    issued = ask(video_api, video_id, owner.token).json  # never uploaded
    answer = video_api.put(f"/video/{video_id}/thumbnail",
                           {"thumbnailKey": issued["thumbnailKey"]}, token=owner.token)
    assert (answer.status, answer.error_code) == (409, "thumbnail_not_uploaded")
    assert db.videos.find_one({"_id": parse_video_id(video_id)}).get("customThumbnailKey") is None


@pytest.mark.parametrize("content, stored_type", [
    (b"<html><script>alert(1)</script></html>", "image/png"),  # not a PNG at all
    (JPEG, "image/png"),  # a JPEG under a .png name
    (PNG, "text/html"),  # served with the wrong type
])
def test_confirm_refuses_an_object_that_is_not_the_image_it_claims(
        video_api, member, published_video, s3, db, content, stored_type):
    owner = member()
    video_id = published_video(owner)
    key = ask(video_api, video_id, owner.token).json["thumbnailKey"]
    # Written behind the policy's back (as a lax S3 implementation might allow).
    s3.put_object(Bucket=bucket(), Key=key, Body=content, ContentType=stored_type)
    answer = video_api.put(f"/video/{video_id}/thumbnail", {"thumbnailKey": key},
                           token=owner.token)
    assert (answer.status, answer.error_code) == (422, "invalid_thumbnail"), answer.body
    assert db.videos.find_one({"_id": parse_video_id(video_id)}).get("customThumbnailKey") is None
    assert keys_under(s3, f"thumbs/{video_id}/") == []  # never published
    assert keys_under(s3, f"incoming/thumbs/{video_id}/") == []  # not kept


def test_the_size_limit_is_a_setting_and_holds_at_confirm(video_api, member, published_video,
                                                          s3, monkeypatch):
    from tuber_common.settings import get_settings

    owner = member()
    video_id = published_video(owner)
    key = ask(video_api, video_id, owner.token).json["thumbnailKey"]
    s3.put_object(Bucket=bucket(), Key=key, Body=PNG + b"\x00" * 100, ContentType="image/png")
    monkeypatch.setenv("THUMBNAIL_MAX_BYTES", "100")
    get_settings.cache_clear()
    too_big = ask(video_api, video_id, owner.token, size=101)
    assert (too_big.status, too_big.error_code) == (413, "thumbnail_too_large")
    assert too_big.json["error"]["details"] == {"maxBytes": 100}
    answer = video_api.put(f"/video/{video_id}/thumbnail", {"thumbnailKey": key},
                           token=owner.token)
    assert (answer.status, answer.error_code) == (422, "invalid_thumbnail")


def test_deleting_the_video_removes_its_custom_thumbnails(video_api, member, published_video,
                                                          s3):
    owner = member()
    video_id, kept = published_video(owner), published_video(owner)
    set_thumbnail(video_api, video_id, owner)
    abandoned = ask(video_api, video_id, owner.token).json  # uploaded, never confirmed
    upload(abandoned, PNG, "image/png")
    other_key = set_thumbnail(video_api, kept, owner)
    assert video_api.delete(f"/video/{video_id}", token=owner.token).status == 204
    assert keys_under(s3, f"thumbs/{video_id}/") == []
    assert keys_under(s3, f"incoming/thumbs/{video_id}/") == []
    assert keys_under(s3, f"thumbs/{kept}/") == [other_key]
