"""GET /video/search against the real test database: word prefixes in titles, tags and
descriptions, title matches first then newest, a cursor across both tiers, listed videos
only; the terms stored by create and PATCH; the backfill."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from bson import ObjectId

from tuber_common.clock import utcnow
from tuber_common.ids import new_video_id
from tuber_common.search_terms import backfill, refresh, terms_fields, video_terms


@pytest.fixture
def listed(db, member):
    """A video written straight into the database with its terms, published `age` minutes
    ago (distinct times: the order under test is the publishing time)."""
    owner = member()

    def _make(title: str, *, tags: list[str] | None = None, description: str = "",
              age: int = 0, visibility: str = "public", status: str = "PUBLIC",
              moderation: dict | None = None, legacy_id: bool = False) -> str:
        published = utcnow() - timedelta(minutes=age)
        doc = {
            "_id": ObjectId() if legacy_id else new_video_id(), "ownerId": ObjectId(owner.id),
            "title": title, "tags": tags or [], "description": description,
            "visibility": visibility, "status": status, "viewCount": 0, "likeCount": 0,
            "dislikeCount": 0, "commentCount": 0, "renditions": [], "createdAt": published,
            "updatedAt": published, "publishedAt": published if status == "PUBLIC" else None,
            **terms_fields(title, tags, description)}
        if moderation:
            doc["moderation"] = moderation
        return str(db.videos.insert_one(doc).inserted_id)
    return _make


@pytest.fixture
def search(video_api):
    def _search(q: str, **params) -> list[str]:
        answer = video_api.get("/video/search", query={"q": q, **params})
        assert answer.status == 200, answer.body
        return [item["id"] for item in answer.json["items"]]
    return _search


def all_pages(video_api, q: str, limit: int) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        query = {"q": q, "limit": str(limit), **({"cursor": cursor} if cursor else {})}
        answer = video_api.get("/video/search", query=query)
        assert answer.status == 200, answer.body
        pages.append([item["id"] for item in answer.json["items"]])
        cursor = answer.json["nextCursor"]
        if cursor is None:
            return pages
        assert len(pages) < 50


def test_word_prefixes_match_in_title_tags_and_description(listed, search):
    zebra = listed("Zebra crossing")
    tagged = listed("Stripes", tags=["zebras of kenya"])
    described = listed("Savanna", description="Herds of zebra and gnu.")
    listed("Lions")
    assert set(search("zebr")) == {zebra, tagged, described}
    assert search("ZEBRA cross") == [zebra]
    assert search("kenya") == [tagged]
    assert search("gn") == [described]
    assert search("ebra") == []  # a prefix of a word, not any part of it
    assert search("lion zebra") == []  # every word must match


def test_accents_and_case_fold_both_ways(listed, search):
    cafe = listed("Café au lait")
    naive = listed("NAIVE art", description="Straße")
    assert search("cafe") == [cafe]
    assert search("CAFÉ AU") == [cafe]
    assert search("naïve") == [naive]
    assert search("strasse") == [naive]
    assert search("STRAß") == [naive]


def test_title_matches_first_then_newest(listed, search):
    old_title = listed("Zebra documentary", age=30)
    new_description = listed("Wildlife", description="a zebra", age=1)
    new_title = listed("Zebras at night", age=10)
    old_tag = listed("Plains", tags=["zebra"], age=50)
    assert search("zebra") == [new_title, old_title, new_description, old_tag]


def test_every_word_in_the_title_makes_a_title_match(listed, search):
    both_in_title = listed("Zebra crossing", age=20)
    split = listed("Zebra", description="crossing the road", age=1)
    assert search("zebra cross") == [both_in_title, split]


@pytest.mark.parametrize("limit", [1, 2, 3, 4, 5, 7])
def test_cursor_pages_through_both_tiers_without_duplicates_or_gaps(db, listed, video_api,
                                                                    limit):
    titles = [listed(f"Zebra {i}", age=i) for i in range(4)]
    # Same publishing time for two of the rest: the cursor breaks ties by id.
    rest = [listed(f"Other {i}", description="zebra", age=10 + i) for i in range(3)]
    same = utcnow() - timedelta(minutes=20)
    tied = [listed("Tied", tags=["zebra"]), listed("Tied", tags=["zebra"], legacy_id=True)]
    for video_id in tied:
        key = ObjectId(video_id) if ObjectId.is_valid(video_id) else video_id
        db.videos.update_one({"_id": key}, {"$set": {"publishedAt": same}})
    listed("Unrelated")
    pages = all_pages(video_api, "zebra", limit)
    seen = [video_id for page in pages for video_id in page]
    assert seen[:4] == titles and seen[4:7] == rest and set(seen[7:]) == set(tied)
    assert len(seen) == len(set(seen)) == 9
    assert all(len(page) == limit for page in pages[:-1]) and pages[-1]


def test_a_page_that_ends_with_the_title_tier_says_whether_more_follow(listed, video_api):
    first = listed("Zebra")
    answer = video_api.get("/video/search", query={"q": "zebra", "limit": "1"})
    assert [v["id"] for v in answer.json["items"]] == [first]
    assert answer.json["nextCursor"] is None  # nothing else matches: no empty page to ask for
    other = listed("Stripes", description="zebra", age=5)
    assert all_pages(video_api, "zebra", 1) == [[first], [other]]


def test_only_listed_public_videos_are_found(listed, search):
    public = listed("Zebra public")
    listed("Zebra private", visibility="private")
    listed("Zebra unlisted", visibility="unlisted")
    listed("Zebra uploading", status="UPLOADING")
    listed("Zebra processing", status="PROCESSING")
    listed("Zebra taken down", moderation={"status": "takedown", "reason": "spam",
                                           "at": utcnow()})
    listed("Hidden", description="zebra", visibility="private")
    assert search("zebra") == [public]


def test_list_items_are_the_feed_s_video_shape(listed, video_api):
    listed("Zebra", tags=["zebra"])
    item = video_api.get("/video/search", query={"q": "zebra"}).json["items"][0]
    feed_item = video_api.get("/video").json["items"][0]
    assert item == feed_item


@pytest.mark.parametrize("q, status, code", [
    ("x" * 201, 400, "query_too_long"),
    (" ".join(["word"] * 4 + [f"w{i}" for i in range(9)]), 400, "query_too_long"),
    (" ?! ", 400, "empty_query"),
])
def test_bad_queries_are_400_with_a_code(video_api, q, status, code):
    answer = video_api.get("/video/search", query={"q": q})
    assert (answer.status, answer.error_code) == (status, code), answer.body


@pytest.mark.parametrize("cursor", ["x", "1.", "3.abc", "1.!!!", "2.eyJhIjoxfQ",
                                    "a.sometoken"])
def test_bad_cursors_are_400(video_api, cursor):
    answer = video_api.get("/video/search", query={"q": "zebra", "cursor": cursor})
    assert (answer.status, answer.error_code) == (400, "invalid_cursor"), answer.body


def test_regex_metacharacters_in_a_query_match_literally(listed, search):
    cpp = listed("C++ in 10 minutes", description="a.k.a. (cpp)")
    assert search("c++") == [cpp]
    assert search("(cpp) .*a|k") == [cpp]  # the words cpp, a and k
    assert search("(cpp|zzz)") == []  # cpp and zzz: no alternation


def test_create_and_patch_store_the_terms(db, video_api, member, search):
    from tuber_common import publishing
    from tuber_common.ids import parse_video_id

    owner = member()
    created = video_api.post("/video", {
        "title": "Zebra crossing", "description": "Stripes", "tags": ["Kenya"],
        "visibility": "public", "contentType": "video/mp4", "sizeBytes": 1000},
        token=owner.token)
    assert created.status == 201, created.body
    video_id = created.json["video"]["id"]
    key = parse_video_id(video_id)
    assert publishing.publish(db, key, hls_key=f"hls/{video_id}/master.m3u8",
                              renditions=[{"name": "240p", "width": 426, "height": 240}],
                              thumbnail_key=f"hls/{video_id}/thumb.jpg", duration_seconds=2.0)
    assert search("kenya stripes zebra") == [video_id]
    patched = video_api.patch(f"/video/{video_id}", {"title": "Giraffe"}, token=owner.token)
    assert patched.status == 200, patched.body
    assert search("zebra") == []
    assert search("giraf strip ken") == [video_id]
    video_api.patch(f"/video/{video_id}", {"description": "Savanna", "tags": ["tall"]},
                    token=owner.token)
    assert search("strip") == [] and search("tall sav gir") == [video_id]
    stored = db.videos.find_one({"_id": key})
    assert stored["searchTitle"] == ["giraffe"]
    assert sorted(stored["searchTerms"]) == ["giraffe", "savanna", "tall"]


def test_refresh_follows_the_last_of_concurrent_edits(db, listed):
    """Threads rename one video and refresh its terms at once: whatever order the writes
    land in, the stored terms are those of the title that stayed."""
    video_id = listed("Start")
    key = ObjectId(video_id) if ObjectId.is_valid(video_id) else video_id
    barrier = threading.Barrier(8)

    def rename(i: int) -> None:
        barrier.wait()
        after = db.videos.find_one_and_update(
            {"_id": key}, {"$set": {"title": f"title{i}", "description": f"words{i}"}},
            return_document=True)
        refresh(db.videos, after)

    threads = [threading.Thread(target=rename, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    final = db.videos.find_one({"_id": key})
    assert {k: final[k] for k in ("searchTitle", "searchTerms")} == video_terms(final)


def test_backfill_is_idempotent_and_covers_both_id_kinds(db, listed, search):
    videos = [listed(f"Zebra {i}", legacy_id=i % 2 == 0, age=i) for i in range(7)]
    db.videos.update_many({}, {"$unset": {"searchTitle": "", "searchTerms": ""}})
    assert search("zebra") == []
    assert backfill(db.videos, batch=2, log=lambda _: None) == 7
    assert search("zebra") == videos
    assert backfill(db.videos, batch=2, log=lambda _: None) == 0


def test_ensure_indexes_gives_terms_to_videos_that_have_none(db, listed, search):
    from tuber_common.indexes import ensure_indexes

    video_id = listed("Zebra", description="stripes")
    db.videos.update_many({}, {"$unset": {"searchTitle": "", "searchTerms": ""}})
    ensure_indexes(db)
    assert search("zebra strip") == [video_id]
