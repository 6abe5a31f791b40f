"""The /video routes through the real handler: create + upload, visibility, lists, edits."""
from __future__ import annotations

import pytest
from bson import ObjectId

from tests.support.views import watch
from tuber_common.ids import parse_video_id


# --- create ---------------------------------------------------------------------------

def test_create_returns_uploading_video_and_a_scoped_presigned_post(video_api, member, db):
    # Given a signed-in user
    alice = member("alice")
    # When she creates a video
    answer = video_api.post("/video", {"title": "  My  first clip ", "description": "hi",
                                       "contentType": "video/mp4", "sizeBytes": 12345},
                            token=alice.token)
    # Then it waits for its upload, and the upload is bound to one key, type and size
    assert answer.status == 201, answer.body
    video, upload = answer.json["video"], answer.json["upload"]
    assert video["status"] == "UPLOADING"
    assert video["title"] == "My first clip"
    assert video["visibility"] == "public"
    assert video["owner"]["username"] == "alice"
    assert video["hlsUrl"] is None and video["viewCount"] == 0
    assert upload["method"] == "POST" and upload["expiresIn"] > 0
    fields = upload["fields"]
    assert fields["key"] == f"raw/{video['id']}/source"
    assert fields["Content-Type"] == "video/mp4"
    import base64, json
    policy = json.loads(base64.b64decode(fields["policy"]))
    assert ["content-length-range", 1, 12345] in policy["conditions"]
    assert {"Content-Type": "video/mp4"} in policy["conditions"]
    assert {"key": f"raw/{video['id']}/source"} in policy["conditions"]
    stored = db.videos.find_one({"_id": parse_video_id(video["id"])})
    assert stored["searchTitle"] == ["my", "first", "clip"]


@pytest.mark.parametrize("body, status, code", [
    ({"title": "x", "contentType": "image/png", "sizeBytes": 10}, 422, "validation_error"),
    ({"title": "x", "contentType": "application/pdf", "sizeBytes": 10}, 422,
     "validation_error"),
    ({"title": "x", "contentType": "video/mp4", "sizeBytes": 0}, 422, "validation_error"),
    ({"title": "   ", "contentType": "video/mp4", "sizeBytes": 10}, 422, "validation_error"),
    ({"title": "x", "contentType": "video/mp4", "sizeBytes": 10, "visibility": "secret"}, 422,
     "validation_error"),
    ({"title": "x", "contentType": "video/mp4", "sizeBytes": 10**13}, 413, "upload_too_large"),
])
def test_create_rejects_bad_input(video_api, member, db, body, status, code):
    answer = video_api.post("/video", body, token=member().token)
    assert (answer.status, answer.error_code) == (status, code), answer.body
    assert db.videos.count_documents({}) == 0


def test_create_needs_a_signed_in_user(video_api, db):
    answer = video_api.post("/video", {"title": "x", "contentType": "video/mp4",
                                       "sizeBytes": 10})
    assert (answer.status, answer.error_code) == (401, "authentication_required")


def test_maximum_upload_size_is_a_setting(video_api, member, monkeypatch):
    from tuber_common.settings import get_settings

    monkeypatch.setenv("MAX_UPLOAD_BYTES", "5000")
    get_settings.cache_clear()
    user = member()
    too_big = video_api.post("/video", {"title": "x", "contentType": "video/webm",
                                        "sizeBytes": 5001}, token=user.token)
    fits = video_api.post("/video", {"title": "x", "contentType": "video/webm",
                                     "sizeBytes": 5000}, token=user.token)
    assert too_big.status == 413 and fits.status == 201


# --- visibility -----------------------------------------------------------------------

@pytest.fixture
def matrix(member, published_video):
    owner, other = member("owner"), member("other")
    ids = {vis: published_video(owner, f"clip {vis}", vis)
           for vis in ("public", "unlisted", "private")}
    return owner, other, ids


@pytest.mark.parametrize("who, vis, visible", [
    ("owner", "public", True), ("owner", "unlisted", True), ("owner", "private", True),
    ("other", "public", True), ("other", "unlisted", True), ("other", "private", False),
    ("anon", "public", True), ("anon", "unlisted", True), ("anon", "private", False),
])
def test_get_follows_visibility(video_api, matrix, who, vis, visible):
    owner, other, ids = matrix
    token = {"owner": owner.token, "other": other.token, "anon": None}[who]
    answer = video_api.get(f"/video/{ids[vis]}", token=token)
    if visible:
        assert answer.status == 200, answer.body
        assert answer.json["video"]["hlsUrl"].endswith(f"hls/{ids[vis]}/master.m3u8")
        assert ("myRating" in answer.json["video"]) == (who != "anon")
    else:
        assert (answer.status, answer.error_code) == (404, "video_not_found")


@pytest.mark.parametrize("who", ["owner", "other", "anon"])
def test_lists_show_only_public_videos_except_own_channel(video_api, matrix, who):
    owner, other, ids = matrix
    token = {"owner": owner.token, "other": other.token, "anon": None}[who]
    feed = video_api.get("/video", token=token).json["items"]
    found = video_api.get("/video/search", query={"q": "CLIP"}, token=token).json["items"]
    chan = video_api.get(f"/video/user/{owner.id}", token=token).json["items"]
    assert [v["id"] for v in feed] == [ids["public"]]
    assert [v["id"] for v in found] == [ids["public"]]
    expected = set(ids.values()) if who == "owner" else {ids["public"]}
    assert {v["id"] for v in chan} == expected
    assert all(v["owner"]["username"] == "owner" for v in feed + found + chan)


def test_unpublished_videos_are_the_owners_alone(video_api, member, new_video):
    owner, other = member(), member()
    video = new_video(owner)["video"]
    assert video_api.get(f"/video/{video['id']}", token=owner.token).status == 200
    assert video_api.get(f"/video/{video['id']}", token=other.token).status == 404
    assert video_api.get("/video").json["items"] == []
    assert [v["id"] for v in video_api.get(f"/video/user/{owner.id}",
                                           token=owner.token).json["items"]] == [video["id"]]


def test_get_includes_my_rating_from_ratings(video_api, member, published_video, db):
    owner, fan = member(), member()
    video_id = published_video(owner)
    db.ratings.insert_one({"videoId": parse_video_id(video_id), "userId": ObjectId(fan.id),
                           "rating": "dislike"})
    assert video_api.get(f"/video/{video_id}", token=fan.token).json["video"]["myRating"] \
        == "dislike"
    assert video_api.get(f"/video/{video_id}", token=owner.token).json["video"]["myRating"] \
        == "none"


@pytest.mark.parametrize("path", ["/video/nothex", "/video/123", f"/video/{ObjectId()}",
                                  "/video/user/zzz", f"/video/user/{ObjectId()}"],
                         ids=["nothex", "123", "unknown_video", "user_zzz", "unknown_user"])
def test_unknown_or_malformed_ids_are_404(video_api, path):
    answer = video_api.get(path)
    assert answer.status == 404 and answer.error_code.endswith("not_found"), answer.body


@pytest.mark.parametrize("query, status, code", [
    ({"cursor": "!!!not-a-cursor"}, 400, "invalid_cursor"),
    ({"cursor": "eyJhIjoxfQ"}, 400, "invalid_cursor"),
    ({"limit": "0"}, 422, "validation_error"),
    ({"limit": "101"}, 422, "validation_error"),
    ({"limit": "ten"}, 422, "validation_error"),
])
def test_bad_list_parameters_are_4xx(video_api, query, status, code):
    answer = video_api.get("/video", query=query)
    assert (answer.status, answer.error_code) == (status, code), answer.body


def test_search_needs_words(video_api):
    assert video_api.get("/video/search", query={"q": " ?! "}).error_code == "empty_query"
    assert video_api.get("/video/search").status == 422


def test_search_matches_all_words_case_and_accent_insensitively(video_api, member,
                                                                published_video):
    owner = member()
    cafe = published_video(owner, "Café au lait tutorial")
    published_video(owner, "Tea tutorial")
    hits = lambda q: [v["id"] for v in video_api.get("/video/search",
                                                     query={"q": q}).json["items"]]
    assert hits("CAFE tutorial") == [cafe]
    assert hits("tutorial lait") == [cafe]
    assert len(hits("tutorial")) == 2
    assert hits("coffee") == []


# --- pagination -----------------------------------------------------------------------

def test_feed_pages_have_no_duplicates_or_gaps_while_videos_arrive(video_api, member,
                                                                   published_video):
    owner = member()
    before = [published_video(owner, f"v{i}") for i in range(7)]
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        answer = video_api.get("/video", query=query)
        assert answer.status == 200, answer.body
        seen += [v["id"] for v in answer.json["items"]]
        cursor = answer.json["nextCursor"]
        pages += 1
        if pages == 1:
            published_video(owner, "arrived while paging")  # newer: belongs before page 1
        if not cursor:
            break
    assert seen == list(reversed(before))


def test_channel_pages_cover_every_video_once(video_api, member, new_video):
    owner = member()
    made = [new_video(owner, f"c{i}")["video"]["id"] for i in range(5)]
    seen, cursor = [], None
    while True:
        answer = video_api.get(f"/video/user/{owner.id}", token=owner.token,
                               query={"limit": "2", **({"cursor": cursor} if cursor else {})})
        seen += [v["id"] for v in answer.json["items"]]
        cursor = answer.json["nextCursor"]
        if not cursor:
            break
    assert seen == list(reversed(made))


def test_owners_are_hydrated_with_one_query_per_page(video_api, member, published_video,
                                                     monkeypatch):
    for i in range(4):
        published_video(member(f"user{i}"))
    import tuber_video.catalog as catalog
    from tuber_common.users import hydrate_users
    calls = []
    monkeypatch.setattr(catalog, "hydrate_users",
                        lambda db, ids: calls.append(1) or hydrate_users(db, ids))
    items = video_api.get("/video").json["items"]
    assert len(items) == 4 and calls == [1]
    assert {v["owner"]["username"] for v in items} == {f"user{i}" for i in range(4)}


# --- update / delete ------------------------------------------------------------------

def test_owner_updates_title_description_and_visibility(video_api, member, published_video):
    owner = member()
    video_id = published_video(owner, "Old name")
    answer = video_api.patch(f"/video/{video_id}", {"title": "Brand new name",
                                                    "visibility": "unlisted"},
                             token=owner.token)
    assert answer.status == 200, answer.body
    assert answer.json["video"]["title"] == "Brand new name"
    assert answer.json["video"]["visibility"] == "unlisted"
    assert video_api.get("/video/search", query={"q": "brand"}).json["items"] == []
    video_api.patch(f"/video/{video_id}", {"visibility": "public"}, token=owner.token)
    assert [v["id"] for v in video_api.get("/video/search", query={"q": "brand"}
                                           ).json["items"]] == [video_id]


def test_only_the_owner_may_update_or_delete(video_api, member, published_video):
    owner, other = member(), member()
    public_id = published_video(owner)
    private_id = published_video(owner, visibility="private")
    assert video_api.patch(f"/video/{public_id}", {"title": "mine"},
                           token=other.token).status == 403
    assert video_api.delete(f"/video/{public_id}", token=other.token).status == 403
    assert video_api.patch(f"/video/{public_id}", {"title": "mine"}).status == 401
    assert video_api.delete(f"/video/{public_id}").status == 401
    # Someone else's private video does not exist for them.
    assert video_api.delete(f"/video/{private_id}", token=other.token).status == 404
    assert video_api.get(f"/video/{public_id}").json["video"]["title"] == "A video"
    assert video_api.patch(f"/video/{public_id}", {}, token=owner.token).status == 422


def test_delete_removes_media_ratings_views_and_comments(video_api, member, published_video,
                                                         db, s3):
    from tuber_common.settings import get_settings

    owner, other = member(), member()
    video_id, keep_id = published_video(owner), published_video(owner)
    bucket = get_settings().media_bucket
    for vid in (video_id, keep_id):
        for key in (f"raw/{vid}/source", f"hls/{vid}/master.m3u8", f"hls/{vid}/240p/seg_0.ts",
                    f"hls/{vid}/thumb.jpg"):
            s3.put_object(Bucket=bucket, Key=key, Body=b"x")
        db.ratings.insert_one({"videoId": parse_video_id(vid), "userId": ObjectId(other.id),
                               "rating": "like"})
        db.comments.insert_one({"videoId": parse_video_id(vid), "text": "hi", "parentId": None})
    assert watch(video_api, video_id, token=other.token).json["counted"] is True

    answer = video_api.delete(f"/video/{video_id}", token=owner.token)

    assert answer.status == 204, answer.body
    assert video_api.get(f"/video/{video_id}", token=owner.token).status == 404
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert keys and all(keep_id in k for k in keys)
    for name in ("ratings", "views", "comments"):
        assert db[name].count_documents({"videoId": parse_video_id(video_id)}) == 0, name
    assert db.ratings.count_documents({"videoId": parse_video_id(keep_id)}) == 1


@pytest.mark.parametrize("status", ["UPLOADING", "PROCESSING", "FAILED"])
def test_delete_works_in_any_status(video_api, member, new_video, db, status):
    owner = member()
    video_id = new_video(owner)["video"]["id"]
    db.videos.update_one({"_id": parse_video_id(video_id)}, {"$set": {"status": status}})
    assert video_api.delete(f"/video/{video_id}", token=owner.token).status == 204
    assert db.videos.count_documents({}) == 0
