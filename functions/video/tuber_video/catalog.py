"""Reading videos: one by id, the feed, a channel, title search. Who may see a video is
tuber_common.videos.can_see (private or not yet PUBLIC: the owner alone; unlisted: anyone
with the id, never in a list). Lists page on an indexed key and hydrate their owners with one query per page."""
from __future__ import annotations

from pymongo.database import Database

from tuber_common import moderation
from tuber_common.errors import BadRequest, NotFound
from tuber_common.ids import VideoId, parse_id, try_parse_id
from tuber_common.pagination import page
from tuber_common.users import hydrate_users
from tuber_common.videos import PUBLIC, find_visible_video, owner_ids, video_out, words

# Taken-down videos (and a suspended account's) are left out (tuber_common.moderation).
LISTED = {"status": PUBLIC, "visibility": "public", **moderation.LISTABLE}
MAX_QUERY_WORDS = 8


def my_rating(db: Database, video_id: VideoId, viewer_id: str) -> str:
    user = try_parse_id(viewer_id)
    found = db.ratings.find_one({"videoId": video_id, "userId": user}, {"rating": 1}) \
        if user else None
    return found["rating"] if found else "none"


def shape(db: Database, doc: dict, viewer_id: str | None) -> dict:
    owner = hydrate_users(db, [doc["ownerId"]]).get(str(doc["ownerId"]))
    rating = my_rating(db, doc["_id"], viewer_id) if viewer_id else None
    return video_out(doc, owner, rating, include_my_rating=viewer_id is not None)


def get_video(db: Database, video_id: str, viewer_id: str | None) -> dict:
    return shape(db, find_visible_video(db, video_id, viewer_id), viewer_id)


def _shape_page(db: Database, docs: list[dict], next_cursor: str | None) -> dict:
    owners = hydrate_users(db, owner_ids(docs))
    return {"items": [video_out(d, owners.get(str(d["ownerId"]))) for d in docs],
            "nextCursor": next_cursor}


def feed(db: Database, limit: int, cursor: str | None) -> dict:
    docs, nxt = page(db.videos, dict(LISTED), sort_field="publishedAt", limit=limit,
                     cursor=cursor)
    return _shape_page(db, docs, nxt)


def channel(db: Database, user_id: str, viewer_id: str | None, limit: int,
            cursor: str | None) -> dict:
    """A user's videos, newest first: all of them for the owner, listed ones for others."""
    owner = parse_id(user_id, "user")
    if db.users.count_documents({"_id": owner}, limit=1) == 0:
        raise NotFound("user not found", code="user_not_found")
    query = {"ownerId": owner} if viewer_id == str(owner) else {"ownerId": owner, **LISTED}
    docs, nxt = page(db.videos, query, sort_field="createdAt", limit=limit, cursor=cursor)
    return _shape_page(db, docs, nxt)


def search(db: Database, q: str, limit: int, cursor: str | None) -> dict:
    """Listed videos whose title holds every word of `q` (case- and accent-insensitive),
    newest first. Words are matched on the indexed `titleWords` array: no $text needed."""
    terms = words(q)[:MAX_QUERY_WORDS]
    if not terms:
        raise BadRequest("give at least one word to search for", code="empty_query")
    query = {"titleWords": {"$all": terms}, **LISTED}
    docs, nxt = page(db.videos, query, sort_field="publishedAt", limit=limit, cursor=cursor)
    return _shape_page(db, docs, nxt)
