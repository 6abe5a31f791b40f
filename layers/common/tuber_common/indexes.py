"""Every index Tuber relies on, created by an idempotent command, not on cold start.

    python -m tuber_common.indexes        # uses MONGODB_URI / MONGODB_DB

Only index features that both MongoDB Atlas and the embedded SecantusDB serve
(single/compound, unique, sparse, partial, TTL); no text indexes.
"""
from __future__ import annotations

from pymongo import ASCENDING as ASC, DESCENDING as DESC, IndexModel
from pymongo.database import Database

INDEXES: dict[str, list[IndexModel]] = {
    "users": [
        IndexModel([("usernameLower", ASC)], unique=True, name="username_unique"),
        # An address is unique among verified ones only: anyone may claim an address, only
        # its owner verifies it (tuber_common.users, docs/API.md "Accounts").
        IndexModel([("emailLower", ASC)], name="email"),
        IndexModel([("verifiedEmail", ASC)], unique=True, sparse=True,
                   name="verified_email_unique"),
        # Look-alike names (tuber_common.users.skeleton).
        IndexModel([("usernameSkeleton", ASC)], sparse=True, name="username_skeleton"),
        IndexModel([("displayNameSkeleton", ASC)], sparse=True, name="display_name_skeleton"),
        # Counter repair (tuber_common.counters): channels whose subscriptions changed.
        IndexModel([("subscriptionsChangingAt", ASC)], sparse=True,
                   name="subscriptions_changing"),
    ],
    # Account lifecycle (functions/auth/tuber_auth/lifecycle*.py): one-time mail tokens
    # (hashed), mails per address per hour, password confirmations, deletions, and the
    # usernames of deleted accounts (never given out again).
    "account_tokens": [
        IndexModel([("userId", ASC), ("purpose", ASC)], name="user_purpose"),
        IndexModel([("expiresAt", ASC)], expireAfterSeconds=0, name="expiry_ttl"),
    ],
    "mail_quota": [
        IndexModel([("expiresAt", ASC)], expireAfterSeconds=0, name="expiry_ttl"),
    ],
    "reauth_failures": [
        IndexModel([("expiresAt", ASC)], expireAfterSeconds=0, name="expiry_ttl"),
    ],
    "account_deletions": [
        IndexModel([("finishedAt", ASC), ("requestedAt", ASC)], name="unfinished"),
    ],
    "retired_usernames": [
        IndexModel([("skeleton", ASC)], name="skeleton"),
    ],
    "refresh_tokens": [
        IndexModel([("familyId", ASC)], name="family"),
        IndexModel([("expiresAt", ASC)], expireAfterSeconds=0, name="expiry_ttl"),
    ],
    "token_families": [
        IndexModel([("expiresAt", ASC)], expireAfterSeconds=0, name="expiry_ttl"),
    ],
    "login_failures": [
        IndexModel([("expiresAt", ASC)], expireAfterSeconds=0, name="expiry_ttl"),
    ],
    "known_clients": [
        # Devices and networks that signed in to an account (tuber_auth.throttle).
        IndexModel([("userId", ASC)], name="user"),
        IndexModel([("expiresAt", ASC)], expireAfterSeconds=0, name="expiry_ttl"),
    ],
    # One document per finished transcode part (tuber_transcode.assembly), removed when the
    # video is complete or failed; a week's TTL catches what a crash left.
    "transcode_parts": [
        IndexModel([("videoId", ASC), ("runId", ASC), ("track", ASC), ("index", ASC)],
                   name="parts_of_track"),
        IndexModel([("createdAt", ASC)], expireAfterSeconds=7 * 24 * 3600, name="age_ttl"),
    ],
    "videos": [
        # Feed: PUBLIC + public, newest published first.
        IndexModel([("status", ASC), ("visibility", ASC), ("publishedAt", DESC), ("_id", DESC)],
                   name="feed"),
        # Channel page: one owner's videos, newest first.
        IndexModel([("ownerId", ASC), ("createdAt", DESC), ("_id", DESC)], name="channel"),
        # Search (tuber_common.search_terms): listed videos by their title's terms / all their
        # terms, multikey; an anchored prefix regex per query word is a range on the terms.
        IndexModel([("status", ASC), ("visibility", ASC), ("searchTitle", ASC),
                    ("publishedAt", DESC), ("_id", DESC)], name="search_title"),
        IndexModel([("status", ASC), ("visibility", ASC), ("searchTerms", ASC),
                    ("publishedAt", DESC), ("_id", DESC)], name="search_terms"),
        # A tag's page and a category's feed (tuber_video.catalog): one equality (a multikey
        # one for tags), then the feed's keys, so a page is one bounded range in feed order.
        IndexModel([("tags", ASC), ("status", ASC), ("visibility", ASC), ("publishedAt", DESC),
                    ("_id", DESC)], name="tag"),
        IndexModel([("category", ASC), ("status", ASC), ("visibility", ASC),
                    ("publishedAt", DESC), ("_id", DESC)], name="category"),
        # Recommendations: one owner's listed videos, newest first; listed videos by views.
        IndexModel([("ownerId", ASC), ("status", ASC), ("visibility", ASC),
                    ("publishedAt", DESC), ("_id", DESC)], name="owner_listed"),
        # Equal views, newest first. A new name: an index whose keys change under the same
        # name makes create_indexes fail; drop the old "popular" once this one exists.
        IndexModel([("status", ASC), ("visibility", ASC), ("viewCount", DESC),
                    ("publishedAt", DESC), ("_id", DESC)], name="popular_newest"),
        # Sweeper: videos stuck in a state.
        IndexModel([("status", ASC), ("updatedAt", ASC)], name="status_age"),
        # Multipart sweep: which video records an S3 upload id.
        IndexModel([("multipart.uploadId", ASC)], name="multipart_upload"),
        # Counter repair (tuber_common.counters): videos whose ratings / comments changed.
        IndexModel([("ratingsChangingAt", ASC)], sparse=True, name="ratings_changing"),
        # Sweeper: published videos still waiting for higher rungs.
        IndexModel([("encodingSince", ASC)], sparse=True, name="encoding_since"),
        IndexModel([("commentsChangingAt", ASC)], sparse=True, name="comments_changing"),
        # Trending (tuber_video.trending): listed videos with a score, highest first; partial:
        # only videos with views in the window are in it. The refresh reads the scores it
        # may change or clear through the sparse one.
        IndexModel([("status", ASC), ("visibility", ASC), ("trendingScore", DESC), ("_id", DESC)],
                   partialFilterExpression={"trendingScore": {"$gt": 0}}, name="trending"),
        IndexModel([("trendingScore", DESC)], sparse=True, name="trending_scored"),
    ],
    "upload_quota": [
        # _id is (user, UTC day); the counter goes once its day is over.
        IndexModel([("expiresAt", ASC)], expireAfterSeconds=0, name="expiry_ttl"),
    ],
    "ratings": [
        IndexModel([("videoId", ASC), ("userId", ASC)], unique=True, name="one_rating_per_user"),
        IndexModel([("userId", ASC), ("rating", ASC), ("ratedAt", DESC), ("_id", DESC)],
                   name="my_ratings"),
        # Counter repair counts one video's likes and dislikes from the index alone.
        IndexModel([("videoId", ASC), ("rating", ASC)], name="video_rating"),
    ],
    "views": [
        # _id is the de-duplication key (video, viewer, window); this one cleans up.
        IndexModel([("videoId", ASC)], name="video"),
        IndexModel([("expiresAt", ASC)], expireAfterSeconds=0, name="expiry_ttl"),
    ],
    # Counted views per (video, hour) for trending (_id is the pair); gone after the window.
    "view_hours": [
        IndexModel([("expiresAt", ASC)], expireAfterSeconds=0, name="expiry_ttl"),
        # Trending's refresh: the videos with buckets of some hours (covered), then their
        # buckets in the window; a deleted video's buckets.
        IndexModel([("hour", ASC), ("videoId", ASC)], name="hour_video"),
        IndexModel([("videoId", ASC), ("hour", ASC)], name="video_hour"),
    ],
    "webhook_deliveries": [
        # _id is the signature of a delivery already accepted (replay protection).
        IndexModel([("expiresAt", ASC)], expireAfterSeconds=0, name="expiry_ttl"),
    ],
    # Playlists (tuber_common.playlists, functions/playlist): a user's page, newest first
    # (theirs: all; anyone else's: public ones); one Watch later per user.
    "playlists": [
        IndexModel([("ownerId", ASC), ("createdAt", DESC), ("_id", DESC)], name="owner"),
        IndexModel([("ownerId", ASC), ("visibility", ASC), ("createdAt", DESC), ("_id", DESC)],
                   name="owner_visibility"),
        IndexModel([("watchLaterOf", ASC)], unique=True, sparse=True, name="watch_later_unique"),
    ],
    # Items in order (pages, positions and counts from the index alone), at most once per
    # playlist; one video's items (removed with the video).
    "playlist_items": [
        IndexModel([("playlistId", ASC), ("rank", ASC)], unique=True, name="order"),
        IndexModel([("playlistId", ASC), ("videoId", ASC)], unique=True, name="once_per_playlist"),
        IndexModel([("videoId", ASC)], name="video"),
    ],
    "comments": [
        IndexModel([("videoId", ASC), ("parentId", ASC), ("createdAt", DESC), ("_id", DESC)],
                   name="thread"),
        # One author's comments: account deletion and export.
        IndexModel([("authorId", ASC), ("createdAt", ASC)], name="author"),
    ],
    # Channels (functions/channel, tuber_common.subscriptions): one per (subscriber, channel);
    # "my subscriptions" newest first; a channel's subscribers walked by _id (fan-out).
    "subscriptions": [
        IndexModel([("subscriberId", ASC), ("channelId", ASC)], unique=True,
                   name="one_subscription"),
        IndexModel([("subscriberId", ASC), ("createdAt", DESC), ("_id", DESC)],
                   name="my_subscriptions"),
        IndexModel([("channelId", ASC), ("_id", ASC)], name="subscribers"),
    ],
    # tuber_common.notifications: one per (recipient, kind, source); a user's newest first;
    # unread ones counted from the index; removed with their video or comment; expire.
    "notifications": [
        IndexModel([("userId", ASC), ("kind", ASC), ("sourceId", ASC)], unique=True,
                   name="one_per_event"),
        IndexModel([("userId", ASC), ("createdAt", DESC), ("_id", DESC)], name="inbox"),
        IndexModel([("userId", ASC), ("readAt", ASC)], name="unread"),
        IndexModel([("videoId", ASC)], name="about_video"),
        IndexModel([("commentId", ASC)], sparse=True, name="about_comment"),
        # notifications.TTL_DAYS
        IndexModel([("createdAt", ASC)], expireAfterSeconds=90 * 24 * 3600, name="age_ttl"),
    ],
    # Fan-out jobs (_id "video:{id}"); the schedule restarts running ones that stalled.
    "notification_jobs": [
        IndexModel([("state", ASC), ("updatedAt", ASC)], name="state_age"),
    ],
    # Watch history (tuber_common.watch_history): one entry per (video, user), also the
    # resume point GET /video reads and a deleted video's clean-up; a user's list, last
    # watched first (also clear, account deletion, export). Kept until cleared, no TTL
    # (at most tuber_history.history.MAX_ENTRIES per user).
    "watch_history": [
        IndexModel([("videoId", ASC), ("userId", ASC)], unique=True, name="one_per_user"),
        IndexModel([("userId", ASC), ("lastWatchedAt", DESC), ("_id", DESC)],
                   name="my_history"),
    ],
    # Moderation (functions/moderation/tuber_moderation): one open report per reporter and
    # target (`openKey` exists only while open); a target's open reports (resolve closes
    # them all); the queue, most reported first or newest resolution first; reports per
    # reporter per hour (TTL); the audit log, newest first, `key` written once per decision.
    "reports": [
        IndexModel([("openKey", ASC)], unique=True, sparse=True, name="one_open_per_reporter"),
        IndexModel([("targetKey", ASC), ("status", ASC)], name="target_status"),
        # A deleted account's reports (tuber_common.moderation.forget_reporter).
        IndexModel([("reporterId", ASC)], name="reporter"),
    ],
    "report_cases": [
        IndexModel([("targetKey", ASC)], unique=True, name="one_per_target"),
        IndexModel([("status", ASC), ("openCount", DESC), ("_id", DESC)], name="queue"),
        IndexModel([("status", ASC), ("resolvedAt", DESC), ("_id", DESC)], name="resolved"),
    ],
    "report_quota": [
        IndexModel([("expiresAt", ASC)], expireAfterSeconds=0, name="expiry_ttl"),
    ],
    "moderation_audit": [
        IndexModel([("at", DESC), ("_id", DESC)], name="newest"),
        IndexModel([("key", ASC)], unique=True, sparse=True, name="once_per_decision"),
    ],
}

# Indexes of earlier versions that now stand in the way, dropped by ensure_indexes:
# "email_unique" made an address unique among all accounts, verified or not; "search" was
# the whole-word title search's index (titleWords).
OBSOLETE: dict[str, list[str]] = {"users": ["email_unique"], "videos": ["search"]}


def ensure_indexes(db: Database) -> None:
    for collection, names in OBSOLETE.items():
        existing = db[collection].index_information()
        for name in names:
            if name in existing:
                db[collection].drop_index(name)
    for collection, models in INDEXES.items():
        db[collection].create_indexes(models)
    # Derived fields older documents lack (a no-op once every account and video has them).
    from .search_terms import backfill_missing
    from .users import backfill_keys

    backfill_keys(db)
    backfill_missing(db.videos)


def main() -> None:
    from .db import get_db

    db = get_db()
    ensure_indexes(db)
    print(f"indexes ensured on database {db.name!r}: {', '.join(sorted(INDEXES))}")


if __name__ == "__main__":
    main()
