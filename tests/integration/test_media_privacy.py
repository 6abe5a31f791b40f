"""Private means private, for the media too: the rules of docs/API.md "Media", checked end to
end on one machine. The video function hands out signed URLs and cookies; the local media
origin (local/origin.py, what CloudFront does on AWS, with the template's behaviours and the
same verifying code) decides, with a clock the tests move:

- anonymous requests for a private video's playlist, segment or thumbnail get 403; the owner
  gets 200;
- cookies for one video open nothing of another (scope), and nothing once expired;
- making a video private: no new cookies for others, the old ones die within 5 minutes;
- deleting: the media answers 404 at once, and the distribution is asked to drop it;
- public media is one cache entry whoever views it (the cache key has no cookie, no query).
"""
from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest

from local.cdn import media_behaviours
from local.origin import MediaOrigin
from local.template import read_template
from tests.support.video_fixtures import EVENTS_DIR

TEMPLATE = EVENTS_DIR.parent / "template.yaml"
MASTER = "master.m3u8"
PLAYLIST = "240p/index.m3u8"
SEGMENT = "240p/seg_00000.ts"


class Clock:
    def __init__(self):
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def origin(s3, clock):
    from tests.conftest import TEST_MEDIA_KEY
    from tuber_common import media_signing
    from tuber_common.settings import get_settings

    settings = get_settings()
    return MediaOrigin(s3, settings.media_bucket, media_behaviours(read_template(TEMPLATE)),
                       {settings.media_signing_key_id: media_signing.public_key_pem(
                           TEST_MEDIA_KEY)},
                       clock=clock, scheme="https")


@pytest.fixture
def video_with_media(published_video, s3):
    """A published video whose master, playlist, segment and thumbnail are in the bucket."""
    from tuber_common.settings import get_settings

    def _make(owner, visibility="public") -> str:
        video_id = published_video(owner, visibility=visibility)
        for name, body, kind in ((MASTER, b"#EXTM3U\n240p/index.m3u8\n", "application/x-mpegURL"),
                                 (PLAYLIST, b"#EXTM3U\nseg_00000.ts\n", "application/x-mpegURL"),
                                 (SEGMENT, b"\x47" * 188, "video/mp2t"),
                                 ("thumb.jpg", b"\xff\xd8jpeg", "image/jpeg")):
            s3.put_object(Bucket=get_settings().media_bucket, Key=f"hls/{video_id}/{name}",
                          Body=body, ContentType=kind,
                          CacheControl="public, max-age=31536000, immutable")
        return video_id
    return _make


def jar(answer) -> dict[str, str]:
    """The cookies an answer sets, as a browser would send them back."""
    return {c.split(";")[0].split("=", 1)[0]: c.split(";")[0].split("=", 1)[1]
            for c in answer.cookies}


def fetch(origin, url: str, cookies: dict | None = None, method: str = "GET"):
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = {"host": parts.netloc}
    if cookies:
        headers["cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    return origin.serve(method, target, headers, "203.0.113.9")


def media(video_id: str, name: str) -> str:
    from tuber_common.media_signing import media_base_url

    return f"{media_base_url()}/hls/{video_id}/{name}"


def thumbnail_url(video_api, video_id, token=None) -> str:
    return video_api.get(f"/video/{video_id}", token=token).json["video"]["thumbnailUrl"]


def test_anonymous_requests_for_a_private_videos_media_get_403(video_api, member, origin,
                                                               video_with_media):
    owner = member()
    video_id = video_with_media(owner, visibility="private")
    for name in (MASTER, PLAYLIST, SEGMENT, "thumb.jpg"):
        answer = fetch(origin, media(video_id, name))
        assert answer.status == 403, name
        assert b"MissingKey" in answer.body
    # Nor can an anonymous caller get a signature: the video is not there for them.
    assert video_api.get(f"/video/{video_id}").status == 404
    refused = video_api.post(f"/video/{video_id}/playback")
    assert refused.status == 404 and refused.cookies == []


def test_the_owner_plays_a_private_video(video_api, member, origin, video_with_media):
    owner = member()
    video_id = video_with_media(owner, visibility="private")
    watched = video_api.get(f"/video/{video_id}", token=owner.token)
    assert watched.status == 200
    cookies = jar(watched)
    assert set(cookies) == {"CloudFront-Policy", "CloudFront-Signature",
                            "CloudFront-Key-Pair-Id"}
    for header in watched.cookies:
        assert f"Path=/hls/{video_id}/" in header and "HttpOnly" in header
        assert "SameSite=Strict" in header and "Secure" in header  # the base is https
        assert "Max-Age=300" in header
    video = watched.json["video"]
    assert video["hlsUrl"] == media(video_id, MASTER)
    for name in (MASTER, PLAYLIST, SEGMENT):
        answer = fetch(origin, media(video_id, name), cookies)
        assert answer.status == 200, name
    segment = fetch(origin, media(video_id, SEGMENT), cookies)
    assert segment.body == b"\x47" * 188
    assert ("Cache-Control", "public, max-age=31536000, immutable") in segment.headers
    assert ("Content-Type", "video/mp2t") in segment.headers
    assert fetch(origin, video["thumbnailUrl"]).status == 200  # the signed URL, no cookie
    refreshed = video_api.post(f"/video/{video_id}/playback", token=owner.token)
    assert refreshed.status == 200 and refreshed.json["hlsUrl"] == video["hlsUrl"]
    assert refreshed.json["expiresIn"] == 300 and len(refreshed.cookies) == 3


def test_cookies_for_one_video_open_no_other(video_api, member, origin, video_with_media):
    """A stranger with valid cookies for his own video tries the victim's media paths."""
    victim, stranger = member(), member()
    private = video_with_media(victim, visibility="private")
    own = video_with_media(stranger)
    cookies = jar(video_api.get(f"/video/{own}", token=stranger.token))
    assert fetch(origin, media(own, SEGMENT), cookies).status == 200
    for name in (MASTER, PLAYLIST, SEGMENT, "thumb.jpg"):
        assert fetch(origin, media(private, name), cookies).status == 403
    # Nor does a thumbnail URL signed for one video open another's file.
    signed = thumbnail_url(video_api, own, stranger.token)
    assert fetch(origin, signed.replace(own, private)).status == 403
    assert fetch(origin, signed.replace("thumb.jpg", SEGMENT)).status == 403


def test_expired_cookies_and_urls_get_403(video_api, member, origin, clock, video_with_media):
    owner = member()
    video_id = video_with_media(owner, visibility="private")
    cookies = jar(video_api.get(f"/video/{video_id}", token=owner.token))
    signed = thumbnail_url(video_api, video_id, owner.token)
    expires = int(dict(p.split("=", 1) for p in urlsplit(signed).query.split("&"))["Expires"])
    assert 55 <= expires - time.time() <= 300
    clock.now = time.time() + 290  # cookies expire 300 s after they were issued
    assert fetch(origin, media(video_id, SEGMENT), cookies).status == 200
    clock.now = time.time() + 301
    assert fetch(origin, media(video_id, SEGMENT), cookies).status == 403
    clock.now = expires - 1
    assert fetch(origin, signed).status == 200
    clock.now = expires
    assert fetch(origin, signed).status == 403


def test_making_a_video_private_cuts_others_off_within_5_minutes(video_api, member, origin,
                                                                 clock, video_with_media):
    owner, viewer = member(), member()
    video_id = video_with_media(owner)
    before = jar(video_api.get(f"/video/{video_id}", token=viewer.token))
    anonymous = jar(video_api.get(f"/video/{video_id}"))  # public: anyone gets cookies
    assert fetch(origin, media(video_id, SEGMENT), anonymous).status == 200

    changed = video_api.patch(f"/video/{video_id}", {"visibility": "private"},
                              token=owner.token)
    assert changed.status == 200
    for token in (viewer.token, None):
        again = video_api.get(f"/video/{video_id}", token=token)
        assert again.status == 404 and again.cookies == []
        refresh = video_api.post(f"/video/{video_id}/playback", token=token)
        assert refresh.status == 404 and refresh.cookies == []
    # What was handed out before works until it expires, 5 minutes at most...
    assert fetch(origin, media(video_id, SEGMENT), before).status == 200
    clock.now = time.time() + 300
    for cookies in (before, anonymous):
        assert fetch(origin, media(video_id, SEGMENT), cookies).status == 403
    # ...while the owner keeps playing with fresh cookies.
    mine = jar(video_api.post(f"/video/{video_id}/playback", token=owner.token))
    clock.now = time.time() + 60
    assert fetch(origin, media(video_id, SEGMENT), mine).status == 200


def test_a_deleted_videos_media_stops_at_once(video_api, member, origin, video_with_media,
                                              monkeypatch):
    from tuber_common import storage

    invalidated = []

    class FakeCloudFront:
        def create_invalidation(self, DistributionId, InvalidationBatch):
            invalidated.append((DistributionId, InvalidationBatch["Paths"]["Items"]))
            return {"Invalidation": {"Id": "I1"}}

    monkeypatch.setenv("MEDIA_DISTRIBUTION_ID", "E2EXAMPLE")
    from tuber_common.settings import get_settings
    get_settings.cache_clear()
    monkeypatch.setattr(storage, "_cloudfront", lambda region: FakeCloudFront())

    owner = member()
    video_id = video_with_media(owner)
    cookies = jar(video_api.get(f"/video/{video_id}", token=owner.token))
    signed = thumbnail_url(video_api, video_id, owner.token)
    assert fetch(origin, media(video_id, SEGMENT), cookies).status == 200
    assert video_api.delete(f"/video/{video_id}", token=owner.token).status == 204
    for url in (media(video_id, MASTER), media(video_id, SEGMENT), signed):
        assert fetch(origin, url, cookies).status == 404  # signed, but nothing to serve
    assert invalidated == [("E2EXAMPLE", [f"/hls/{video_id}/*", f"/thumbs/{video_id}/*"])]


def test_unlisted_plays_for_anyone_with_the_id_and_unpublished_for_nobody_else(
        video_api, member, origin, video_with_media, new_video):
    owner, stranger = member(), member()
    unlisted = video_with_media(owner, visibility="unlisted")
    cookies = jar(video_api.post(f"/video/{unlisted}/playback"))
    assert fetch(origin, media(unlisted, SEGMENT), cookies).status == 200

    uploading = new_video(owner, "not yet")["video"]["id"]
    assert video_api.post(f"/video/{uploading}/playback", token=stranger.token).status == 404
    mine = video_api.post(f"/video/{uploading}/playback", token=owner.token)
    assert mine.status == 409 and mine.error_code == "video_not_playable"
    assert mine.cookies == []
    assert video_api.get(f"/video/{uploading}", token=owner.token).cookies == []


def test_public_media_is_one_cache_entry_whoever_views_it(video_api, member, origin,
                                                         clock, video_with_media):
    owner, viewer = member(), member()
    video_id = video_with_media(owner)
    keys = set()
    for token in (None, viewer.token, owner.token):
        cookies = jar(video_api.post(f"/video/{video_id}/playback", token=token))
        answer = fetch(origin, media(video_id, SEGMENT), {**cookies, "other": "x"})
        assert answer.status == 200
        keys.add(dict(answer.headers)["X-Cache-Key"])
    assert keys == {f"media.tuber.test/hls/{video_id}/{SEGMENT}"}
    # Thumbnails: URLs signed in different windows (different queries) share the entry.
    from tuber_common import media_signing

    first = thumbnail_url(video_api, video_id)
    later = media_signing.get_signer().signed_url(
        first.split("?")[0], media_signing.thumbnail_expiry(clock.now + 240))
    assert later != first
    answers = [fetch(origin, url) for url in (first, later)]
    assert [a.status for a in answers] == [200, 200]
    assert {dict(a.headers)["X-Cache-Key"] for a in answers} == {
        f"media.tuber.test/hls/{video_id}/thumb.jpg"}


def test_the_templates_media_behaviours_are_signed_and_keyed_on_the_path_only():
    """What the local origin follows is what is deployed: /hls/* and /thumbs/* need a
    signature, and their cache policy keeps cookies, query strings and headers out of the
    key (so signatures, which differ per viewer and window, never split the cache)."""
    behaviours = {b.path_pattern: b for b in media_behaviours(read_template(TEMPLATE))}
    assert {"/hls/*", "/thumbs/*"} <= set(behaviours)
    for pattern in ("/hls/*", "/thumbs/*"):
        behaviour = behaviours[pattern]
        assert behaviour.signed
        policy = behaviour.cache_policy
        assert policy.caching
        assert (policy.query_strings, policy.cookies, policy.headers) == ("none",) * 3
        assert set(behaviour.methods) <= {"GET", "HEAD", "OPTIONS"}
