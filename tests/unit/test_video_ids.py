"""Video ids (tuber_common.ids): the random format, the parser that also takes a legacy
ObjectId, the places that read a video id out of an S3 key, and cursors that carry either."""
from __future__ import annotations

import base64
import re
from datetime import datetime, timezone

import pytest
from bson import ObjectId

from tuber_common.errors import BadRequest, NotFound
from tuber_common.ids import (is_random_video_id, new_video_id, parse_video_id,
                              try_parse_video_id)
from tuber_common.pagination import _ids_beyond, decode_cursor, encode_cursor

OBJECT_ID_TEXT = re.compile(r"[0-9a-fA-F]{24}")


def test_a_new_id_is_16_random_bytes_in_canonical_base64url():
    for _ in range(200):
        video_id = new_video_id()
        assert len(video_id) == 22 and re.fullmatch(r"[A-Za-z0-9_-]{22}", video_id)
        raw = base64.urlsafe_b64decode(video_id + "==")
        assert len(raw) == 16  # 128 bits
        assert base64.urlsafe_b64encode(raw).rstrip(b"=").decode() == video_id
        assert is_random_video_id(video_id)


def test_a_new_id_is_never_mistaken_for_an_object_id():
    for _ in range(2000):
        video_id = new_video_id()
        assert not OBJECT_ID_TEXT.fullmatch(video_id) and not ObjectId.is_valid(video_id)
        assert try_parse_video_id(video_id) == video_id  # stays a string, never an ObjectId


def test_ids_made_one_after_another_share_nothing():
    # ObjectIds made together share a timestamp and a process value and differ by a counter;
    # these must not: no common prefix or suffix beyond chance, no arithmetic relation.
    ids = [new_video_id() for _ in range(500)]
    assert len(set(ids)) == len(ids)
    assert len({i[:6] for i in ids}) == len(ids)  # 36 bits each: a repeat is ~2e-6 likely
    assert len({i[-7:-1] for i in ids}) == len(ids)
    values = [int.from_bytes(base64.urlsafe_b64decode(i + "=="), "big") for i in ids]
    steps = {b - a for a, b in zip(values, values[1:])}
    assert len(steps) == len(values) - 1 and not any(abs(s) < 2**64 for s in steps)


def test_the_parser_takes_both_formats():
    new, legacy = new_video_id(), ObjectId()
    assert parse_video_id(new) == new and isinstance(parse_video_id(new), str)
    assert parse_video_id(str(legacy)) == legacy
    assert parse_video_id(str(legacy).upper()) == legacy  # as ObjectId() always took it
    assert parse_video_id(legacy) == legacy  # a document's own _id passes through


@pytest.mark.parametrize("value", [
    None, 42, b"x" * 12, "", "search", "quota", "me", "not-an-id",
    "A" * 21, "A" * 23, "Z" * 24, "A" * 21 + "B",  # non-canonical last character
    "A" * 20 + "==", "A" * 21 + "Q\n", " " + "A" * 21, "A" * 21 + "+", "A/" + "A" * 20,
    "0" * 23, "0" * 25, "g" * 24, "../" + "0" * 21,
])
def test_anything_else_is_a_video_that_does_not_exist(value):
    assert try_parse_video_id(value) is None
    with pytest.raises(NotFound) as caught:
        parse_video_id(value)
    assert caught.value.code == "video_not_found"


def test_media_keys_name_their_video_in_either_format():
    from tuber_common.media_keys import raw_video_id as video_id_of
    from tuber_transcode.parts import address
    from tuber_video.thumbnails import _STAGED_KEY

    def part(video_id):
        # A transcode part's event names its video the same way (then its run, track, chunk).
        found = address({"videoId": video_id, "runId": "r1", "track": "240p", "index": 2})
        return found[0] if found else None

    for video_id in (new_video_id(), str(ObjectId())):
        expected = try_parse_video_id(video_id)
        assert video_id_of(f"raw/{video_id}/source") == expected
        assert part(video_id) == expected
        staged = _STAGED_KEY.match(f"incoming/thumbs/{video_id}/custom-0123456789abcdef.png")
        assert staged and staged["video"] == video_id
    for key in ("raw/nothex/source", "raw/" + "A" * 23 + "/source"):
        assert video_id_of(key) is None
    for bad in ("nothex", "A" * 23, "A" * 21 + "B", "../" + "0" * 21, None, 7):
        assert part(bad) is None
    assert _STAGED_KEY.match("incoming/thumbs/" + "A" * 23 + "/custom-0123456789abcdef.png") \
        is None


# --- cursors ---------------------------------------------------------------------------

WHEN = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("last_id", [new_video_id(), ObjectId()], ids=["video_id", "object_id"])
def test_a_cursor_round_trips_either_id_type(last_id):
    value, decoded = decode_cursor(encode_cursor({"_id": last_id, "publishedAt": WHEN},
                                                 "publishedAt"))
    assert value == WHEN and decoded == last_id and type(decoded) is type(last_id)


def test_a_cursor_issued_before_the_new_ids_still_decodes():
    # The format is unchanged: [sort value, str(_id)], base64url without padding.
    last = ObjectId()
    old = base64.urlsafe_b64encode(
        f'[{{"$d":{WHEN.timestamp()}}},"{last}"]'.encode()).decode().rstrip("=")
    assert decode_cursor(old) == (WHEN, last)


@pytest.mark.parametrize("last_id", ["nothex", "A" * 23, 12])
def test_a_cursor_with_a_malformed_id_is_invalid(last_id):
    raw = base64.urlsafe_b64encode(f'[1,{last_id!r}]'.replace("'", '"').encode()).decode()
    with pytest.raises(BadRequest) as caught:
        decode_cursor(raw)
    assert caught.value.code == "invalid_cursor"


def test_after_an_id_of_one_type_the_other_type_is_named_where_the_sort_puts_it():
    # BSON sorts every string before every ObjectId, and $lt/$gt never cross types.
    string_id, object_id = new_video_id(), ObjectId()
    assert _ids_beyond(object_id, descending=True) == [{"$lt": object_id},
                                                        {"$type": "string"}]
    assert _ids_beyond(string_id, descending=True) == [{"$lt": string_id}]
    assert _ids_beyond(string_id, descending=False) == [{"$gt": string_id},
                                                         {"$type": "objectId"}]
    assert _ids_beyond(object_id, descending=False) == [{"$gt": object_id}]
