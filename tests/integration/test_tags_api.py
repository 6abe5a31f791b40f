"""Tags and categories through the real video handler and database: set on create and
PATCH (owner only), answered on the video and in lists, and the tag and category lists that
show only listed PUBLIC videos, newest first, page after page."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from bson import ObjectId

from tuber_common import moderation, publishing
from tuber_common.clock import utcnow
from tuber_common.ids import parse_video_id
from tuber_common.tags import CATEGORY_IDS


@pytest.fixture
def tagged_video(video_api, db):
    """POST /video with tags, category and description; published unless `publish=False`."""
    def _make(owner, title="A video", *, tags=(), category=None, description="",
              visibility="public", publish=True, duration=120.0) -> str:
        body = {"title": title, "description": description, "visibility": visibility,
                "contentType": "video/mp4", "sizeBytes": 1000, "tags": list(tags)}
        if category is not None:
            body["category"] = category
        answer = video_api.post("/video", body, token=owner.token)
        assert answer.status == 201, answer.body
        video_id = answer.json["video"]["id"]
        if publish:
            assert publishing.publish(
                db, parse_video_id(video_id), hls_key=f"hls/{video_id}/master.m3u8",
                renditions=[{"name": "240p", "width": 426, "height": 240}],
                thumbnail_key=f"hls/{video_id}/thumb.jpg", duration_seconds=duration)
        return video_id
    return _make


def ids(answer) -> list[str]:
    assert answer.status == 200, answer.body
    return [item["id"] for item in answer.json["items"]]


# --- create and PATCH -------------------------------------------------------------------

def test_create_stores_normalized_tags_and_the_category(video_api, member, db):
    alice = member("alice")
    answer = video_api.post("/video", {
        "title": "Night drive", "contentType": "video/mp4", "sizeBytes": 10,
        "tags": ["#LoFi", "Night  Drive", "lofi", "\uff23\uff41\uff52\uff53"],
        "category": "Music"}, token=alice.token)
    assert answer.status == 201, answer.body
    video = answer.json["video"]
    assert video["tags"] == ["lofi", "night drive", "cars"]
    assert video["category"] == "music"
    assert video["chapters"] == [] and video["captions"] == []
    stored = db.videos.find_one({"_id": parse_video_id(video["id"])})
    assert (stored["tags"], stored["category"]) == (["lofi", "night drive", "cars"], "music")


@pytest.mark.parametrize("extra", [{}, {"tags": None, "category": None},
                                   {"tags": [], "category": None}])
def test_create_without_tags_or_category_answers_none(video_api, member, extra):
    answer = video_api.post("/video", {"title": "Plain", "contentType": "video/mp4",
                                       "sizeBytes": 10, **extra}, token=member().token)
    assert answer.status == 201, answer.body
    assert (answer.json["video"]["tags"], answer.json["video"]["category"]) == ([], None)


@pytest.mark.parametrize("extra, code", [
    ({"tags": [f"t{i}" for i in range(16)]}, "too_many_tags"),
    ({"tags": ["fine", "not/fine"]}, "invalid_tag"),
    ({"tags": ["x" * 31]}, "invalid_tag"),
    ({"tags": ["#"]}, "invalid_tag"),
    ({"category": "cooking"}, "unknown_category"),
])
def test_create_refuses_bad_tags_and_categories_before_anything_is_stored(
        video_api, member, db, extra, code):
    answer = video_api.post("/video", {"title": "x", "contentType": "video/mp4",
                                       "sizeBytes": 10, **extra}, token=member().token)
    assert (answer.status, answer.error_code) == (400, code), answer.body
    assert db.videos.count_documents({}) == 0
    assert db.upload_quota.count_documents({}) == 0  # no daily slot spent


def test_the_owner_changes_tags_and_category_and_clears_them(video_api, member,
                                                             tagged_video):
    alice = member("alice")
    video_id = tagged_video(alice, tags=["one"], category="gaming")
    changed = video_api.patch(f"/video/{video_id}", {"tags": ["Two", "#three"],
                                                     "category": "comedy"}, token=alice.token)
    assert changed.status == 200, changed.body
    assert (changed.json["video"]["tags"], changed.json["video"]["category"]) == \
        (["two", "three"], "comedy")
    # Other changes leave them alone; null category and [] tags clear them.
    retitled = video_api.patch(f"/video/{video_id}", {"title": "New"}, token=alice.token)
    assert retitled.json["video"]["tags"] == ["two", "three"]
    assert retitled.json["video"]["category"] == "comedy"
    cleared = video_api.patch(f"/video/{video_id}", {"tags": [], "category": None},
                              token=alice.token)
    assert cleared.status == 200, cleared.body
    assert (cleared.json["video"]["tags"], cleared.json["video"]["category"]) == ([], None)
    seen = video_api.get(f"/video/{video_id}")
    assert (seen.json["video"]["tags"], seen.json["video"]["category"]) == ([], None)


def test_a_patch_of_only_a_null_category_is_a_change_but_an_empty_body_is_not(
        video_api, member, tagged_video):
    alice = member("alice")
    video_id = tagged_video(alice, category="sports")
    assert video_api.patch(f"/video/{video_id}", {"category": None},
                           token=alice.token).json["video"]["category"] is None
    empty = video_api.patch(f"/video/{video_id}", {}, token=alice.token)
    assert (empty.status, empty.error_code) == (422, "validation_error")


def test_only_the_owner_may_change_tags(video_api, member, tagged_video, db):
    alice, mallory = member("alice"), member("mallory")
    public = tagged_video(alice, tags=["mine"], category="music")
    private = tagged_video(alice, tags=["mine"], visibility="private")
    for video_id, status, code in [(public, 403, "not_owner"),
                                   (private, 404, "video_not_found")]:
        answer = video_api.patch(f"/video/{video_id}", {"tags": ["spam"], "category": None},
                                 token=mallory.token)
        assert (answer.status, answer.error_code) == (status, code)
        stored = db.videos.find_one({"_id": parse_video_id(video_id)})
        assert stored["tags"] == ["mine"]
    assert video_api.patch(f"/video/{public}", {"tags": ["x"]}).status == 401


@pytest.mark.parametrize("body, code", [
    ({"tags": ["ok"] + [f"t{i}" for i in range(15)]}, "too_many_tags"),
    ({"tags": ["what?"]}, "invalid_tag"),
    ({"category": "Film & Animation"}, "unknown_category"),
])
def test_patch_refuses_bad_values_and_changes_nothing(video_api, member, tagged_video, db,
                                                      body, code):
    alice = member("alice")
    video_id = tagged_video(alice, tags=["kept"], category="education")
    answer = video_api.patch(f"/video/{video_id}", {"title": "Not this", **body},
                             token=alice.token)
    assert (answer.status, answer.error_code) == (400, code)
    stored = db.videos.find_one({"_id": parse_video_id(video_id)})
    assert (stored["title"], stored["tags"], stored["category"]) == \
        ("A video", ["kept"], "education")


def test_two_patches_at_once_leave_one_of_them_whole(video_api, member, tagged_video, db):
    alice = member("alice")
    video_id = tagged_video(alice)
    bodies = [{"tags": [f"set{n}-a", f"set{n}-b"], "category": CATEGORY_IDS[n]}
              for n in range(8)]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(
            lambda body: video_api.patch(f"/video/{video_id}", body, token=alice.token),
            bodies))
    assert [a.status for a in answers] == [200] * 8
    stored = db.videos.find_one({"_id": parse_video_id(video_id)})
    n = CATEGORY_IDS.index(stored["category"])
    assert stored["tags"] == [f"set{n}-a", f"set{n}-b"]


def test_videos_from_before_tags_answer_none(video_api, member, tagged_video, db):
    alice = member("alice")
    video_id = tagged_video(alice, tags=["x"], category="music")
    db.videos.update_one({"_id": parse_video_id(video_id)},
                         {"$unset": {"tags": "", "category": ""}})
    video = video_api.get(f"/video/{video_id}").json["video"]
    assert (video["tags"], video["category"]) == ([], None)
    item = video_api.get("/video").json["items"][0]
    assert (item["tags"], item["category"]) == ([], None)


# --- categories ---------------------------------------------------------------------------

def test_the_categories_are_listed_for_anyone(video_api):
    answer = video_api.get("/video/categories")
    assert answer.status == 200
    categories = answer.json["categories"]
    assert [c["id"] for c in categories] == list(CATEGORY_IDS)
    assert {"id": "howto-style", "label": "Howto & Style"} in categories


# --- the tag and category lists -----------------------------------------------------------

@pytest.fixture
def catalogue(member, tagged_video, db):
    """Videos tagged "jazz" in category music, only one of them listed and PUBLIC."""
    alice, bob = member("alice"), member("bob")
    made = {
        "listed": tagged_video(alice, "Listed", tags=["Jazz", "live"], category="music"),
        "other_tag": tagged_video(alice, "Rock", tags=["rock"], category="music"),
        "other_category": tagged_video(bob, "Lesson", tags=["jazz"], category="education"),
        "private": tagged_video(alice, "Private", tags=["jazz"], category="music",
                                visibility="private"),
        "unlisted": tagged_video(alice, "Unlisted", tags=["jazz"], category="music",
                                 visibility="unlisted"),
        "unpublished": tagged_video(alice, "Uploading", tags=["jazz"], category="music",
                                    publish=False),
        "taken_down": tagged_video(bob, "Taken down", tags=["jazz"], category="music"),
        "suspended_owner": tagged_video(member("carol"), "Suspended", tags=["jazz"],
                                        category="music"),
    }
    assert moderation.take_down_video(db, parse_video_id(made["taken_down"]), "spam")
    carol = db.users.find_one({"username": "carol"})["_id"]
    assert moderation.suspend(db, carol, "spam")
    return made, alice


def test_a_tag_lists_only_listed_public_videos(video_api, catalogue):
    made, alice = catalogue
    expected = [made["other_category"], made["listed"]]  # newest first
    assert ids(video_api.get("/video/tag/jazz")) == expected
    # Not even their owner finds private, unlisted or unpublished videos in a list.
    assert ids(video_api.get("/video/tag/jazz", token=alice.token)) == expected
    # The path is normalized as the tags were.
    assert ids(video_api.get("/video/tag/%23JAZZ")) == expected
    assert ids(video_api.get("/video/tag/nothing")) == []


def test_a_tag_with_spaces_and_other_scripts_is_found(video_api, member, tagged_video):
    video_id = tagged_video(member(), tags=["Lo Fi", "\u6771\u4eac"])
    assert ids(video_api.get("/video/tag/lo%20fi")) == [video_id]
    assert ids(video_api.get("/video/tag/%E6%9D%B1%E4%BA%AC")) == [video_id]


@pytest.mark.parametrize("path", ["/video/tag/%23", "/video/tag/a%2Fb", "/video/tag/100%25",
                                  "/video/tag/" + "x" * 31])
def test_an_impossible_tag_is_invalid_tag(video_api, path):
    answer = video_api.get(path)
    assert (answer.status, answer.error_code) == (400, "invalid_tag"), answer.body


# Tags that are also the last segment of GET /video/{videoId}/...: the tag route is
# declared first (catalog_routes), as API Gateway prefers the literal "tag" segment.
@pytest.mark.parametrize("name", ["recommended", "embed"])
def test_a_tag_named_like_a_video_route_is_a_tag(video_api, member, tagged_video, name):
    video_id = tagged_video(member(), tags=[name])
    answer = video_api.get(f"/video/tag/{name}")
    assert ids(answer) == [video_id] and answer.json["nextCursor"] is None


def test_a_category_lists_only_listed_public_videos(video_api, catalogue):
    made, alice = catalogue
    expected = [made["other_tag"], made["listed"]]
    assert ids(video_api.get("/video", query={"category": "music"})) == expected
    assert ids(video_api.get("/video", query={"category": "music"},
                             token=alice.token)) == expected
    assert ids(video_api.get("/video", query={"category": "education"})) == \
        [made["other_category"]]
    assert ids(video_api.get("/video", query={"category": "gaming"})) == []
    # Without a category: the whole feed, as before.
    assert len(ids(video_api.get("/video"))) == 3


def test_an_unknown_category_is_refused(video_api):
    answer = video_api.get("/video", query={"category": "cooking"})
    assert (answer.status, answer.error_code) == (400, "unknown_category")
    assert answer.json["error"]["details"]["categories"] == list(CATEGORY_IDS)


def test_list_items_carry_tags_and_category_but_not_chapters(video_api, member,
                                                             tagged_video):
    tagged_video(member(), tags=["jazz"], category="music",
                 description="0:00 Intro\n0:30 Solo")
    for path, query in [("/video/tag/jazz", None), ("/video", {"category": "music"}),
                        ("/video", None)]:
        item, = video_api.get(path, query=query).json["items"]
        assert (item["tags"], item["category"]) == (["jazz"], "music")
        assert "chapters" not in item and "captions" not in item


def test_pages_follow_each_other_across_equal_publish_times(video_api, member,
                                                            tagged_video, db):
    owner = member()
    made = [tagged_video(owner, f"V{i}", tags=["same"], category="travel-events")
            for i in range(5)]
    # One published earlier, one later, the rest at the same instant; and a video from
    # before issue 14 (an ObjectId _id), at that instant too: ids of both kinds tie.
    instant = utcnow().replace(microsecond=0)
    db.videos.update_many({"_id": {"$in": [parse_video_id(v) for v in made]}},
                          {"$set": {"publishedAt": instant}})
    db.videos.update_one({"_id": parse_video_id(made[0])},
                         {"$set": {"publishedAt": instant - timedelta(hours=1)}})
    db.videos.update_one({"_id": parse_video_id(made[1])},
                         {"$set": {"publishedAt": instant + timedelta(hours=1)}})
    older = db.videos.find_one({"_id": parse_video_id(made[2])})
    older["_id"] = ObjectId()
    db.videos.insert_one(older)
    everything = made + [str(older["_id"])]
    for path, query in [("/video/tag/same", {}), ("/video", {"category": "travel-events"})]:
        seen, cursor = [], None
        while True:
            answer = video_api.get(path, query={**query, "limit": 2,
                                                **({"cursor": cursor} if cursor else {})})
            seen += ids(answer)
            cursor = answer.json["nextCursor"]
            if cursor is None:
                break
        assert sorted(seen) == sorted(everything) and len(seen) == len(everything)
        assert seen[0] == made[1] and seen[-1] == made[0]  # newest first


def test_a_bad_cursor_is_refused(video_api):
    answer = video_api.get("/video/tag/jazz", query={"cursor": "not-a-cursor"})
    assert (answer.status, answer.error_code) == (400, "invalid_cursor")
