"""Video ids nobody can guess (issue 14, item 3), and the ids from before that keep working.

The attack that worked on ObjectIds: from the ids of one's own public videos, try the ids
next to them (same timestamp and process value, counter +-1...) on GET /video/{id} and on
the media keys (hls/{id}/..., thumbs/{id}/...). The same attack is first run against ids
minted the old way, to show it finds the victim's videos there; then against the real ids,
where it finds nothing."""
from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from bson import ObjectId

from tests.support.video_fixtures import failed_part_record
from tests.support.views import watch
from tuber_common import publishing
from tuber_common.clock import utcnow
from tuber_common.ids import is_random_video_id, parse_video_id
from tuber_common.settings import get_settings

COUNTER_REACH = 16  # counter steps tried on each side of a known ObjectId
SECONDS_REACH = 1   # timestamps tried on each side


# --- the attack ------------------------------------------------------------------------

def _object_id_neighbours(known: ObjectId) -> set[str]:
    """ObjectIds minted around `known` by the same process: same 5-byte process value,
    timestamp +-SECONDS_REACH, counter +-COUNTER_REACH."""
    raw = known.binary
    seconds, process, counter = (int.from_bytes(raw[:4], "big"), raw[4:9],
                                 int.from_bytes(raw[9:], "big"))
    return {str(ObjectId((seconds + ds).to_bytes(4, "big") + process +
                         ((counter + dc) % 2**24).to_bytes(3, "big")))
            for ds in range(-SECONDS_REACH, SECONDS_REACH + 1)
            for dc in range(-COUNTER_REACH, COUNTER_REACH + 1)}


def _random_id_neighbours(known: str) -> set[str]:
    """What one could try from a random id: its value +-COUNTER_REACH, every single-bit
    flip, the other spellings of its last character."""
    value = int.from_bytes(base64.urlsafe_b64decode(known + "=="), "big")
    values = {value + d for d in range(-COUNTER_REACH, COUNTER_REACH + 1)}
    values |= {value ^ (1 << bit) for bit in range(128)}
    out = {base64.urlsafe_b64encode((v % 2**128).to_bytes(16, "big")).decode().rstrip("=")
           for v in values}
    return out | {known[:-1] + last for last in "AQgw"}


def candidates(known_ids: list[str]) -> set[str]:
    """Every guess the attacker derives from the ids it knows, plus ObjectIds minted right
    now around a fresh one from this very process (the server's process in these tests):
    the best an ObjectId guess can be."""
    guesses = _object_id_neighbours(ObjectId())
    for known in known_ids:
        guesses |= (_object_id_neighbours(ObjectId(known)) if ObjectId.is_valid(known)
                    else _random_id_neighbours(known))
    return guesses - set(known_ids)


def _publish_with_media(db, s3, video_id: str) -> None:
    """Publish as the pipeline would, and store media under the video's keys."""
    bucket = get_settings().media_bucket
    for key in (f"raw/{video_id}/source", f"hls/{video_id}/master.m3u8",
                f"hls/{video_id}/240p/index.m3u8", f"hls/{video_id}/240p/seg_00000.ts",
                f"hls/{video_id}/thumb.jpg", f"thumbs/{video_id}/custom-0123456789abcdef.png"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"media")
    assert publishing.publish(db, parse_video_id(video_id),
                              hls_key=f"hls/{video_id}/master.m3u8", renditions=[],
                              thumbnail_key=f"hls/{video_id}/thumb.jpg", duration_seconds=2.0)


def _create(video_api, owner, visibility: str) -> str:
    answer = video_api.post("/video", {"title": f"{visibility} video", "visibility": visibility,
                                       "contentType": "video/mp4", "sizeBytes": 1000},
                            token=owner.token)
    assert answer.status == 201, answer.body
    return answer.json["video"]["id"]


def _scene(db, s3, video_api, member) -> tuple[list[str], list[str]]:
    """The attacker's public videos created around the victim's unlisted and private ones,
    in one process, as fast as the API goes; all published with media."""
    attacker, victim = member("attacker"), member("victim")
    mine, theirs = [], []
    for _ in range(3):
        mine.append(_create(video_api, attacker, "public"))
        theirs.append(_create(video_api, victim, "unlisted"))
        mine.append(_create(video_api, attacker, "public"))
        theirs.append(_create(video_api, victim, "private"))
    mine.append(_create(video_api, attacker, "public"))
    for video_id in mine + theirs:
        _publish_with_media(db, s3, video_id)
    return mine, theirs


def _found(video_api, s3, guesses: set[str]) -> tuple[set[str], set[str]]:
    """(guesses the API shows anonymously, guesses with media objects): the attack."""
    bucket = get_settings().media_bucket
    stored = {obj["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
              for obj in page.get("Contents", [])}
    by_api, by_media = set(), set()
    for guess in guesses:
        answer = video_api.get(f"/video/{guess}")
        if answer.status != 404 or answer.error_code != "video_not_found":
            assert answer.status == 200, answer.body
            by_api.add(guess)
        # Straight at the media keys the video would have (S3 itself, with credentials:
        # a key that does not exist is found by no one, signed or not).
        if (f"hls/{guess}/master.m3u8" in stored or f"hls/{guess}/thumb.jpg" in stored
                or any(key.startswith((f"thumbs/{guess}/", f"hls/{guess}/", f"raw/{guess}/"))
                       for key in stored)):
            by_media.add(guess)
    return by_api, by_media


def test_the_attack_finds_the_victims_videos_when_ids_are_object_ids(db, s3, video_api,
                                                                     member, monkeypatch):
    # Given ids minted the old way (the control: the attack below is the one that worked)
    import tuber_video.uploads

    monkeypatch.setattr(tuber_video.uploads, "new_video_id", lambda: ObjectId())
    mine, theirs = _scene(db, s3, video_api, member)
    unlisted, private = theirs[0::2], theirs[1::2]

    by_api, by_media = _found(video_api, s3, candidates(mine))

    # Then every unlisted video is found through the API, every private one's media in S3
    assert set(unlisted) <= by_api and not by_api & set(private)
    assert set(theirs) <= by_media


def test_neighbouring_ids_find_nothing_of_the_victims(db, s3, video_api, member):
    # Given the attacker's public videos made around the victim's unlisted and private ones
    mine, theirs = _scene(db, s3, video_api, member)
    assert all(is_random_video_id(v) for v in mine + theirs)
    guesses = candidates(mine)
    assert len(guesses) > 1000

    # When it tries every neighbour of its own ids on the API and on the media keys
    by_api, by_media = _found(video_api, s3, guesses)

    # Then nothing answers: no video, no media
    assert by_api == set() and by_media == set()
    # ... while the victim's videos do exist for whoever has their ids
    assert all(video_api.get(f"/video/{v}").status == 200 for v in theirs[0::2])
    bucket = get_settings().media_bucket
    for video_id in theirs:
        assert s3.head_object(Bucket=bucket, Key=f"hls/{video_id}/master.m3u8")
        assert not set(video_id) - set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                       "0123456789-_")


def test_media_keys_carry_the_random_id(db, s3, video_api, member, new_video):
    # Every key the API hands out or builds for a new video sits under its random id.
    owner = member()
    created = new_video(owner, visibility="private")
    video_id = created["video"]["id"]
    assert is_random_video_id(video_id)
    assert created["upload"]["fields"]["key"] == f"raw/{video_id}/source"
    doc = db.videos.find_one({"_id": video_id})
    assert doc is not None and doc["rawKey"] == f"raw/{video_id}/source"
    staged = video_api.post(f"/video/{video_id}/thumbnail",
                            {"contentType": "image/png", "sizeBytes": 100}, token=owner.token)
    assert staged.status == 201, staged.body
    assert staged.json["thumbnailKey"].startswith(f"incoming/thumbs/{video_id}/custom-")
    _publish_with_media(db, s3, video_id)
    doc = db.videos.find_one({"_id": video_id})
    assert doc["hlsKey"].startswith(f"hls/{video_id}/")
    assert doc["thumbnailKey"].startswith(f"hls/{video_id}/")


# --- ids from before -------------------------------------------------------------------

def test_a_video_stored_with_an_object_id_still_works_everywhere(db, video_api, like_api,
                                                                 comment_api, member,
                                                                 make_video):
    # Given a video inserted the old way (ObjectId _id) next to a new one
    owner, fan = member("legacy_owner"), member("legacy_fan")
    old = make_video(owner, title="Vintage reel", legacy_id=True)
    new = make_video(owner, title="Fresh reel")
    assert ObjectId.is_valid(old) and isinstance(db.videos.find_one({"_id": ObjectId(old)})
                                                 ["_id"], ObjectId)
    assert is_random_video_id(new)

    # It reads, for anyone
    got = video_api.get(f"/video/{old}")
    assert got.status == 200 and got.json["video"]["id"] == old
    assert video_api.get(f"/video/{old.upper()}").json["video"]["id"] == old

    # It is listed: feed, channel, search, recommendations
    def ids(answer):
        assert answer.status == 200, answer.body
        return [v["id"] for v in answer.json["items"]]

    assert ids(video_api.get("/video")) == [new, old]
    assert ids(video_api.get(f"/video/user/{owner.id}")) == [new, old]
    assert ids(video_api.get("/video/search", query={"q": "reel"})) == [new, old]
    assert ids(video_api.get(f"/video/{new}/recommended")) == [old]
    assert ids(video_api.get(f"/video/{old}/recommended")) == [new]

    # It takes ratings, and shows up among the fan's likes
    liked = like_api.put(f"/like/{old}", {"rating": "like"}, token=fan.token)
    assert liked.status == 200 and liked.json["likeCount"] == 1, liked.body
    assert like_api.get(f"/like/{old}", token=fan.token).json["myRating"] == "like"
    assert db.ratings.find_one({"videoId": ObjectId(old)}) is not None
    assert [v["id"] for v in like_api.get("/like/me", token=fan.token).json["items"]] == [old]
    assert video_api.get(f"/video/{old}", token=fan.token).json["video"]["myRating"] == "like"

    # It takes comments and replies, listed under it
    top = comment_api.post(f"/comment/{old}", {"text": "classic"}, token=fan.token)
    assert top.status == 201 and top.json["comment"]["videoId"] == old, top.body
    reply = comment_api.post(f"/comment/{old}", {"text": "indeed",
                                                 "parentId": top.json["comment"]["id"]},
                             token=owner.token)
    assert reply.status == 201, reply.body
    listed = comment_api.get(f"/comment/{old}")
    assert [c["id"] for c in listed.json["items"]] == [top.json["comment"]["id"]]
    edited = comment_api.patch(f"/comment/{top.json['comment']['id']}", {"text": "a classic"},
                               token=fan.token)
    assert edited.status == 200, edited.body
    pinned = video_api.put(f"/video/{old}/pin", {"commentId": top.json["comment"]["id"]},
                           token=owner.token)
    assert pinned.status == 200, pinned.body

    # Views count; the owner edits it
    assert watch(video_api, old).json["counted"] is True
    renamed = video_api.patch(f"/video/{old}", {"title": "Vintage reel, restored"},
                              token=owner.token)
    assert renamed.status == 200 and renamed.json["video"]["id"] == old
    doc = db.videos.find_one({"_id": ObjectId(old)})
    assert (doc["viewCount"], doc["likeCount"], doc["commentCount"]) == (1, 1, 2)

    # Unlisted, it leaves the lists and stays readable by id
    video_api.patch(f"/video/{old}", {"visibility": "unlisted"}, token=owner.token)
    assert ids(video_api.get("/video")) == [new]
    assert video_api.get(f"/video/{old}").status == 200

    # Deleted, it goes with everything that hung on it
    assert video_api.delete(f"/video/{old}", token=owner.token).status == 204
    assert video_api.get(f"/video/{old}").status == 404
    for name in ("ratings", "comments", "views"):
        assert db[name].count_documents({"videoId": ObjectId(old)}) == 0, name
    assert db.videos.count_documents({"_id": new}) == 1


def test_a_legacy_video_finishes_its_transcode(db, s3, member, make_video, transcode_runs,
                                               run_on_transcoded):
    # Videos created the old way, still PROCESSING when the new code arrives: their parts
    # name them by that id, whether they finish...
    done, broken = (make_video(member(), status="PROCESSING", legacy_id=True) for _ in "ab")
    run = transcode_runs.start(done)
    for track in ("audio", "240p", "360p"):
        transcode_runs.finish(done, run, track)
    published = db.videos.find_one({"_id": ObjectId(done)})
    assert published["status"] == "PUBLIC" and published["progressPercent"] == 100
    assert published["hlsKey"] == f"hls/{done}/master.m3u8"
    assert [r["name"] for r in published["renditions"]] == ["240p", "360p"]
    assert f"hls/{done}/master.m3u8" in transcode_runs.keys(done)
    # ...or one fails for good (the on-failure destination's record)
    failing = transcode_runs.start(broken)
    record = failed_part_record({"videoId": broken, "runId": failing["runId"],
                                 "track": "240p", "index": 0})
    assert run_on_transcoded(record)["results"] == ["failed"]
    assert db.videos.find_one({"_id": ObjectId(broken)})["status"] == "FAILED"


# --- lists that hold both kinds --------------------------------------------------------

def _bson_order(video_id: str):
    """MongoDB's order of `_id` values: every string before every ObjectId."""
    key = parse_video_id(video_id)
    return (1, key.binary) if isinstance(key, ObjectId) else (0, key.encode())


@pytest.mark.parametrize("limit", [1, 2, 3, 5])
def test_a_feed_mixing_both_kinds_pages_without_duplicates_or_gaps(db, video_api, member,
                                                                   make_video, limit):
    # Given 12 videos, old and new ids alternating, in groups of 4 published at one instant
    owner = member()
    made = [make_video(owner, legacy_id=i % 2 == 0) for i in range(12)]
    base = utcnow()
    for i, video_id in enumerate(made):
        same = base - timedelta(seconds=i // 4)
        db.videos.update_one({"_id": parse_video_id(video_id)},
                             {"$set": {"publishedAt": same, "createdAt": same}})
    expected = sorted(made, key=lambda v: (base - timedelta(seconds=made.index(v) // 4),
                                           _bson_order(v)), reverse=True)

    for path in ("/video", f"/video/user/{owner.id}"):
        # When the feed is read page by page
        seen, cursor = [], None
        for _ in range(20):
            answer = video_api.get(path, query={"limit": limit,
                                                **({"cursor": cursor} if cursor else {})})
            assert answer.status == 200, answer.body
            seen += [v["id"] for v in answer.json["items"]]
            cursor = answer.json["nextCursor"]
            if cursor is None:
                break
        # Then every video comes exactly once, in the server's one order
        assert seen == expected, path
        assert seen == [v["id"] for v in video_api.get(path, query={"limit": 100})
                        .json["items"]]


@pytest.mark.parametrize("descending", [True, False])
def test_keyset_pages_cross_between_string_and_object_ids(db, descending):
    # Any collection: ties on the sort value between ids of both types, both directions
    from tuber_common.ids import new_video_id
    from tuber_common.pagination import page

    when = utcnow()
    docs = [{"_id": ObjectId() if i % 3 else new_video_id(), "at": when - timedelta(
        seconds=i // 5)} for i in range(15)]
    db.mixed_ids.insert_many(docs)
    expected = sorted(docs, key=lambda d: (d["at"], _bson_order(str(d["_id"]))),
                      reverse=descending)
    for limit in (1, 2, 4):
        seen, cursor = [], None
        while True:
            found, cursor = page(db.mixed_ids, {}, sort_field="at", descending=descending,
                                 limit=limit, cursor=cursor)
            seen += [d["_id"] for d in found]
            if cursor is None:
                break
        assert seen == [d["_id"] for d in expected], limit
