"""oEmbed 1.0 (https://oembed.com) for this site's videos: GET /oembed?url=...&format=json.

A consumer (a blog, a chat app) hands us a URL it found; we answer a `video` with the
iframe of the embed page (/embed/{videoId}) sized within maxwidth/maxheight. Accepted URLs
are this site's (SITE_URL, else the media origin: tuber_common.mail.site_url), in either form:
- the watch page, a hash route of the single page app: `{site}/#/watch/{id}[?t=90]`
  (`/index.html#/watch/...` too);
- the embed page: `{site}/embed/{id}[?t=90]`.
Anything else, and any video an anonymous viewer may not see (private, not yet PUBLIC, taken
down, unknown), is 404 alike, so the answer never says a private video exists. Only JSON is
implemented: format=xml (or anything else) is 501, as the spec asks.
"""
from __future__ import annotations

import html
import re
import time
from urllib.parse import parse_qs, urlsplit

from pymongo.database import Database

from tuber_common.errors import ApiError, NotFound
from tuber_common.ids import try_parse_video_id
from tuber_common.mail import site_url
from tuber_common.media_signing import signed_thumbnail_url, thumbnail_expiry
from tuber_common.users import deleted_user, hydrate_users
from tuber_common.videos import can_see

PROVIDER_NAME = "Tuber"
# The player's size when the consumer sets no bounds (16:9 unless the video says otherwise).
DEFAULT_WIDTH = 640
# The generated poster is at most 640 pixels wide (the transcoder's scale='min(640,iw)').
THUMBNAIL_WIDTH = 640
MAX_URL_CHARS = 2048

_WATCH_ROUTE = re.compile(r"/watch/([A-Za-z0-9_-]{1,64})(?:\?(.*))?")
_EMBED_PATH = re.compile(r"/embed/([A-Za-z0-9_-]{1,64})/?")
_PROJECTION = {"title": 1, "ownerId": 1, "visibility": 1, "status": 1, "moderation": 1,
               "renditions": 1, "thumbnailKey": 1, "customThumbnailKey": 1, "hlsKey": 1}


class FormatNotImplemented(ApiError):
    status, code = 501, "format_not_implemented"


def not_ours() -> NotFound:
    return NotFound("no video of this site at that URL", code="video_not_found")


def video_reference(url: str, site: str) -> tuple[str, int | None]:
    """(video id, start seconds or None) named by a watch or embed URL of `site`; 404
    otherwise. http and https both name the site (a consumer may drop the scheme's s)."""
    try:
        given, home = urlsplit(url.strip()), urlsplit(site)
        given.port  # noqa: B018 - a malformed port raises here
    except ValueError:
        raise not_ours() from None
    if given.scheme.lower() not in ("http", "https") or \
            given.netloc.lower() != home.netloc.lower():
        raise not_ours()
    base = home.path.rstrip("/")
    if not given.path.startswith(base):
        raise not_ours()
    path = given.path[len(base):]
    if (found := _EMBED_PATH.fullmatch(path)) is not None:
        return found.group(1), start_seconds(given.query)
    if path in ("", "/", "/index.html") and \
            (found := _WATCH_ROUTE.fullmatch(given.fragment)) is not None:
        return found.group(1), start_seconds(found.group(2) or "")
    raise not_ours()


def start_seconds(query: str) -> int | None:
    """`t` of a watch or embed URL: whole seconds ("90", "90.5"), else None."""
    values = parse_qs(query).get("t") or [""]
    try:
        seconds = int(float(values[0]))
    except (ValueError, OverflowError):
        return None
    return seconds if seconds > 0 else None


def aspect_ratio(doc: dict) -> float:
    """The video's width / height from its largest rung; 16:9 when it says nothing."""
    rungs = [r for r in doc.get("renditions") or [] if r.get("width") and r.get("height")]
    if not rungs:
        return 16 / 9
    top = max(rungs, key=lambda r: r["height"])
    return top["width"] / top["height"]


def fit(ratio: float, max_width: int | None, max_height: int | None) -> tuple[int, int]:
    """The player's (width, height): DEFAULT_WIDTH wide at `ratio`, shrunk (never grown) to
    fit within the consumer's maxwidth and maxheight."""
    width = float(DEFAULT_WIDTH)
    if max_width is not None:
        width = min(width, max_width)
    height = width / ratio
    if max_height is not None and height > max_height:
        height = float(max_height)
        width = min(round(height * ratio), width)  # 16:9 at 180 high is 320, not 319
    return max(1, int(width)), max(1, int(height))


def embed_url(site: str, video_id: str, start: int | None = None) -> str:
    return f"{site}/embed/{video_id}" + (f"?t={start}" if start else "")


def iframe(src: str, width: int, height: int, title: str) -> str:
    """The markup a consumer pastes: every value escaped for an attribute."""
    attr = lambda value: html.escape(str(value), quote=True)  # noqa: E731
    return (f'<iframe src="{attr(src)}" width="{width}" height="{height}" '
            f'title="{attr(title)}" frameborder="0" '
            f'allow="autoplay; fullscreen; picture-in-picture; encrypted-media" '
            f'allowfullscreen></iframe>')


def oembed(db: Database, url: str, *, fmt: str = "json", max_width: int | None = None,
           max_height: int | None = None, now: float | None = None) -> dict:
    """The oEmbed `video` answer for a watch or embed URL (module docstring)."""
    if fmt != "json":
        raise FormatNotImplemented("only format=json is implemented")
    site = site_url()
    video_id, start = video_reference(url, site)
    key = try_parse_video_id(video_id)
    doc = db.videos.find_one({"_id": key}, _PROJECTION) if key is not None else None
    # As an anonymous viewer sees it: the consumer shows it to anyone.
    if doc is None or not can_see(doc, None) or not doc.get("hlsKey"):
        raise not_ours()
    owner = hydrate_users(db, [doc["ownerId"]]).get(str(doc["ownerId"]))
    ratio = aspect_ratio(doc)
    width, height = fit(ratio, max_width, max_height)
    answer = {
        "version": "1.0",
        "type": "video",
        "provider_name": PROVIDER_NAME,
        "provider_url": f"{site}/",
        "title": doc["title"],
        "html": iframe(embed_url(site, str(doc["_id"]), start), width, height, doc["title"]),
        "width": width,
        "height": height,
    }
    if owner and owner["username"] != deleted_user("")["username"]:
        answer["author_name"] = owner["displayName"]
        answer["author_url"] = f"{site}/#/@{owner['username']}"
    now = time.time() if now is None else now
    thumbnail = signed_thumbnail_url(doc.get("customThumbnailKey") or doc.get("thumbnailKey"),
                                     now)
    if thumbnail:
        answer.update(thumbnail_url=thumbnail, thumbnail_width=THUMBNAIL_WIDTH,
                      thumbnail_height=max(1, round(THUMBNAIL_WIDTH / ratio)))
    # The thumbnail's URL is signed and dies within minutes (media_signing.thumbnail_expiry),
    # and a video made private must leave consumers' caches as soon: keep it no longer.
    answer["cache_age"] = max(0, thumbnail_expiry(now) - int(now))
    return answer
