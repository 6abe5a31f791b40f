"""Reading videos: one by id, the feed (all or one category), a channel, a tag (search is
tuber_video.search). Who may see a video is tuber_common.videos.can_see (private or not yet
PUBLIC: the owner alone; unlisted: anyone with the id, never in a list). Lists page on an
indexed key and hydrate their owners with one query per page."""
from __future__ import annotations

from pymongo.database import Database

from tuber_common import moderation
from tuber_common.errors import NotFound
from tuber_common.captions import captions_out
from tuber_common.ids import VideoId, parse_id, try_parse_id
from tuber_common.chapters import parse_chapters
from tuber_common.pagination import page
from tuber_common.tags import categories_out, check_category, normalize_tag
from tuber_common.users import hydrate_users
from tuber_common.videos import PUBLIC, find_visible_video, owner_ids, video_out

# Taken-down videos (and a suspended account's) are left out (tuber_common.moderation).
LISTED = {"status": PUBLIC, "visibility": "public", **moderation.LISTABLE}


def my_rating(db: Database, video_id: VideoId, viewer_id: str) -> str:
    user = try_parse_id(viewer_id)
    found = db.ratings.find_one({"videoId": video_id, "userId": user}, {"rating": 1}) \
        if user else None
    return found["rating"] if found else "none"


def shape(db: Database, doc: dict, viewer_id: str | None) -> dict:
    """One video as every VideoResponse answers it: with what the watch page alone needs."""
    owner = hydrate_users(db, [doc["ownerId"]]).get(str(doc["ownerId"]))
    rating = my_rating(db, doc["_id"], viewer_id) if viewer_id else None
    out = video_out(doc, owner, rating, include_my_rating=viewer_id is not None)
    # Read from the description each time (tuber_common.chapters says why).
    out["chapters"] = parse_chapters(doc.get("description", ""), doc.get("durationSeconds"))
    out["captions"] = captions_out(doc)
    return out


def get_video(db: Database, video_id: str, viewer_id: str | None) -> dict:
    return shape(db, find_visible_video(db, video_id, viewer_id), viewer_id)


def _shape_page(db: Database, docs: list[dict], next_cursor: str | None) -> dict:
    owners = hydrate_users(db, owner_ids(docs))
    return {"items": [video_out(d, owners.get(str(d["ownerId"]))) for d in docs],
            "nextCursor": next_cursor}


def feed(db: Database, limit: int, cursor: str | None, category: str | None = None) -> dict:
    """Listed videos, newest published first; of one category when given (index
    "category")."""
    query = dict(LISTED)
    if category is not None:
        query["category"] = check_category(category)
    docs, nxt = page(db.videos, query, sort_field="publishedAt", limit=limit, cursor=cursor)
    return _shape_page(db, docs, nxt)


def by_tag(db: Database, tag: str, limit: int, cursor: str | None) -> dict:
    """Listed videos with this tag (normalized as stored), newest published first: one
    range of the multikey index "tag"."""
    query = {"tags": normalize_tag(tag), **LISTED}
    docs, nxt = page(db.videos, query, sort_field="publishedAt", limit=limit, cursor=cursor)
    return _shape_page(db, docs, nxt)


def categories() -> dict:
    return {"categories": categories_out()}


def channel(db: Database, user_id: str, viewer_id: str | None, limit: int,
            cursor: str | None) -> dict:
    """A user's videos, newest first: all of them for the owner, listed ones for others."""
    owner = parse_id(user_id, "user")
    if db.users.count_documents({"_id": owner}, limit=1) == 0:
        raise NotFound("user not found", code="user_not_found")
    query = {"ownerId": owner} if viewer_id == str(owner) else {"ownerId": owner, **LISTED}
    docs, nxt = page(db.videos, query, sort_field="createdAt", limit=limit, cursor=cursor)
    return _shape_page(db, docs, nxt)
