"""A video's tags and category: the one normalization every path uses (create, PATCH, the
tag page's path, search terms) and the fixed list of categories (docs/API.md "Tags and
categories").

A tag is stored as it is normalized, so equal tags are equal strings and `GET
/video/tag/{tag}` is one equality on the multikey `tags` index (tuber_common.indexes):
NFKC (full-width and compatibility forms fold), case-folded ("Straße" -> "strasse"), leading
'#' dropped, whitespace collapsed to one space and trimmed; then 1 to MAX_TAG_CHARS
characters of letters, digits, spaces and `- _ . + & '`, with at least one letter or digit.
A tag is a path segment of `GET /video/tag/{tag}`, which API Gateway hands over decoded and
Powertools matches with RFC 3986's characters, letters, digits and spaces: so no "/", "?",
"#", "%" and never ".." (a client would resolve it away). A list keeps the first of equal
tags, in order, and holds at most MAX_TAGS.
"""
from __future__ import annotations

import unicodedata

from .errors import BadRequest

MAX_TAGS = 15
MAX_TAG_CHARS = 30
# Bounds on what is looked at before normalizing (NFKC may lengthen a string): anything
# beyond them is refused outright.
_MAX_RAW_TAGS = 100
_MAX_RAW_CHARS = 200
_PUNCTUATION = frozenset("-_.+&'")

# (id, label), in the order GET /video/categories lists them (YouTube's categories).
CATEGORIES: tuple[tuple[str, str], ...] = (
    ("film-animation", "Film & Animation"),
    ("autos-vehicles", "Autos & Vehicles"),
    ("music", "Music"),
    ("pets-animals", "Pets & Animals"),
    ("sports", "Sports"),
    ("travel-events", "Travel & Events"),
    ("gaming", "Gaming"),
    ("people-blogs", "People & Blogs"),
    ("comedy", "Comedy"),
    ("entertainment", "Entertainment"),
    ("news-politics", "News & Politics"),
    ("howto-style", "Howto & Style"),
    ("education", "Education"),
    ("science-technology", "Science & Technology"),
    ("nonprofits-activism", "Nonprofits & Activism"),
)
CATEGORY_IDS: tuple[str, ...] = tuple(cid for cid, _ in CATEGORIES)


def _invalid(message: str, **details) -> BadRequest:
    return BadRequest(message, code="invalid_tag",
                      details={**details, "maxLength": MAX_TAG_CHARS})


def _allowed(ch: str) -> bool:
    return ch == " " or ch in _PUNCTUATION or unicodedata.category(ch)[0] in "LNM"


def normalize_tag(raw: str) -> str:
    """One tag as it is stored and matched; 400 invalid_tag when nothing valid is left."""
    if len(raw) > _MAX_RAW_CHARS:
        raise _invalid(f"a tag is at most {MAX_TAG_CHARS} characters")
    # NFKC again after casefold: folding can leave a string that is not NFKC.
    tag = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", raw).casefold())
    tag = " ".join(tag.split()).lstrip("#").strip()
    if not tag:
        raise _invalid("a tag cannot be empty")
    if len(tag) > MAX_TAG_CHARS:
        raise _invalid(f"a tag is at most {MAX_TAG_CHARS} characters")
    if not all(_allowed(ch) for ch in tag):
        raise _invalid("a tag holds letters, digits, spaces and - _ . + & ' only")
    if not any(ch.isalnum() for ch in tag):
        raise _invalid("a tag needs a letter or a digit")
    return tag


def normalize_tags(raw: list[str]) -> list[str]:
    """A video's tags: each normalized (invalid_tag names the index of the first bad one),
    duplicates after normalization dropped (the first kept, order kept), at most MAX_TAGS
    (400 too_many_tags)."""
    too_many = BadRequest(f"a video has at most {MAX_TAGS} tags", code="too_many_tags",
                          details={"maxTags": MAX_TAGS})
    if len(raw) > _MAX_RAW_TAGS:
        raise too_many
    tags: list[str] = []
    for index, value in enumerate(raw):
        try:
            tag = normalize_tag(value)
        except BadRequest as exc:
            exc.details = {**exc.details, "index": index}
            raise
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise too_many
    return tags


def check_category(raw: str | None) -> str | None:
    """A category id (surrounding spaces and case forgiven), None for none; 400
    unknown_category for anything else."""
    if raw is None:
        return None
    category = raw.strip().lower()
    if category not in CATEGORY_IDS:
        raise BadRequest("unknown category: GET /video/categories lists them",
                         code="unknown_category", details={"categories": list(CATEGORY_IDS)})
    return category


def categories_out() -> list[dict]:
    return [{"id": cid, "label": label} for cid, label in CATEGORIES]
