"""View counting (de-duplication, concurrency) and the HMAC-signed webhook."""
from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.video_fixtures import sample_event
from tests.support.views import LONG_AGO, server_clock_moved, start_session, watch
from tuber_common.ids import parse_video_id

# --- views (the rules of view sessions: test_view_sessions.py) ---------------------------

def test_repeat_views_by_one_viewer_count_once(video_api, member, published_video):
    owner, fan = member(), member()
    video_id = published_video(owner)
    counts = [watch(video_api, video_id, token=fan.token).json["viewCount"] for _ in range(3)]
    assert counts == [1, 1, 1]
    # Anonymous viewers: one view per network and browser per window (and a few per network).
    assert watch(video_api, video_id).json["viewCount"] == 2
    assert watch(video_api, video_id).json["viewCount"] == 2
    assert watch(video_api, video_id, source_ip="198.51.100.99").json["viewCount"] == 3
    assert watch(video_api, video_id, headers={"user-agent": "other"}).json["viewCount"] == 4
    assert video_api.get(f"/video/{video_id}").json["video"]["viewCount"] == 4


def test_viewers_behind_cloudfront_are_told_apart_only_when_cloudfront_vouches(
        video_api, member, published_video, monkeypatch):
    """Behind the distribution every request comes from CloudFront's address: the viewer's is
    in CloudFront-Viewer-Address, believed only with the distribution's X-Origin-Verify."""
    from tuber_common.settings import get_settings

    origin_secret = "o" * 48
    monkeypatch.setenv("ORIGIN_VERIFY_SECRET", origin_secret)
    get_settings.cache_clear()
    video_id = published_video(member())
    edge = "130.176.1.1"  # one CloudFront edge in front of every viewer

    def view(viewer: str, proof: str | None) -> int:
        headers = {"cloudfront-viewer-address": viewer}
        if proof is not None:
            headers["x-origin-verify"] = proof
        return watch(video_api, video_id, headers=headers, source_ip=edge).json["viewCount"]

    assert view("198.51.100.1:50123", origin_secret) == 1
    assert view("2001:db8::7:443", origin_secret) == 2  # IPv6, unbracketed
    assert view("198.51.100.1:61000", origin_secret) == 2  # same viewer, other port
    # Sent straight to the API's own URL, the header is not believed: the address is the
    # caller's (here the edge, already counted for nobody yet), however many are forged.
    assert view("192.0.2.50:1", None) == 3
    assert view("192.0.2.51:1", "forged" * 8) == 3
    assert view("192.0.2.52:1", None) == 3


def test_a_view_counts_again_after_the_window(video_api, member, published_video, db,
                                              monkeypatch):
    from tuber_common.clock import utcnow
    from datetime import timedelta

    video_id = published_video(member())
    assert watch(video_api, video_id).json["viewCount"] == 1
    # The window ran out (the TTL monitor has not removed the marker yet).
    db.views.update_many({}, {"$set": {"expiresAt": utcnow() - timedelta(seconds=1)}})
    assert watch(video_api, video_id).json["viewCount"] == 2
    assert watch(video_api, video_id).json["viewCount"] == 2


def test_views_window_is_a_setting(video_api, member, published_video, db, monkeypatch):
    from tuber_common.settings import get_settings

    monkeypatch.setenv("VIEW_DEDUP_WINDOW_SECONDS", "1")
    get_settings.cache_clear()
    video_id = published_video(member())
    assert watch(video_api, video_id).json["viewCount"] == 1
    time.sleep(1.1)
    assert watch(video_api, video_id).json["viewCount"] == 2


def test_only_public_videos_count_views(video_api, member, new_video, db):
    owner = member()
    video_id = new_video(owner)["video"]["id"]
    started = start_session(video_api, video_id, token=owner.token)
    assert (started.status, started.error_code) == (409, "video_not_published")
    assert start_session(video_api, video_id).status == 404  # not published: unseen
    assert db.views.count_documents({}) == 0


def test_private_video_views_are_404_for_others(video_api, member, published_video):
    owner = member()
    video_id = published_video(owner, visibility="private")
    assert start_session(video_api, video_id).status == 404
    assert watch(video_api, video_id, token=owner.token).json["viewCount"] == 1
    assert video_api.post("/video/bad-id/view/start").status == 404
    assert video_api.post("/video/bad-id/view", {"viewSession": "v1.x.y"}).status == 404


def test_fifty_concurrent_distinct_viewers_count_exactly_fifty(db, member, published_video):
    # The domain functions from 50 threads: the handler object itself (Powertools resolver)
    # keeps the current event on the app, so one container serves one request at a time,
    # as Lambda does; the database is what concurrent containers share.
    from tuber_video.views import record_view, start

    video_id = published_video(member())
    users = [member() for _ in range(25)]

    def viewer(i):
        # 25 anonymous viewers (distinct IPs), 25 signed-in ones (all behind one IP).
        return (None, f"10.0.0.{i}", "browser") if i < 25 else \
            (users[i - 25].id, "10.9.9.9", "same")

    def sessions():
        with server_clock_moved(-LONG_AGO):
            return [start(db, video_id, viewer(i)[0], viewer(i)[1])["viewSession"]
                    for i in range(50)]

    def view(args):
        i, session = args
        user, ip, agent = viewer(i)
        return record_view(db, video_id, session, user, ip, agent)["counted"]

    with ThreadPoolExecutor(max_workers=50) as pool:
        first = sessions()
        assert sum(pool.map(view, enumerate(first))) == 50
        # The same 50 sessions again, and 50 new ones by the same viewers, all at once:
        # none of them counts twice.
        again = list(enumerate(first)) + list(enumerate(sessions()))
        assert sum(pool.map(view, again)) == 0
    assert db.videos.find_one({"_id": parse_video_id(video_id)})["viewCount"] == 50


# --- webhook --------------------------------------------------------------------------

def _signed(body: dict, timestamp: int | None = None, secret: str | None = None) -> dict:
    from tuber_common.settings import get_settings
    from tuber_video.webhook import sign

    raw = json.dumps(body)
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {"raw_body": raw, "headers": {
        "x-tuber-timestamp": ts,
        "x-tuber-signature": sign(secret or get_settings().webhook_secret, ts, raw.encode())}}


@pytest.fixture
def uploading_video(member, new_video):
    return lambda: new_video(member())["video"]["id"]


def test_good_signature_publishes_and_replay_is_rejected(video_api, uploading_video, db):
    video_id = uploading_video()
    body = {"videoId": video_id, "status": "PUBLIC", "durationSeconds": 3.5,
            "renditions": [{"name": "360p", "width": 640, "height": 360}]}
    request = _signed(body)
    answer = video_api.call("POST", "/video/webhook", **request)
    assert answer.status == 200 and answer.json == {"result": "published"}, answer.body
    doc = db.videos.find_one({"_id": parse_video_id(video_id)})
    assert doc["status"] == "PUBLIC" and doc["hlsKey"] == f"hls/{video_id}/master.m3u8"
    replay = video_api.call("POST", "/video/webhook", **request)
    assert (replay.status, replay.error_code) == (409, "webhook_replayed")
    # A fresh signature of the same news is accepted and changes nothing.
    again = video_api.call("POST", "/video/webhook", **_signed(body, int(time.time()) + 1))
    assert again.json == {"result": "unchanged"}


@pytest.mark.parametrize("tamper, code", [
    ("secret", "invalid_signature"), ("body", "invalid_signature"),
    ("stale", "stale_signature"), ("future", "stale_signature"),
    ("no_headers", "invalid_signature"), ("bad_timestamp", "invalid_signature"),
])
def test_bad_signatures_are_401_and_change_nothing(video_api, uploading_video, db, tamper,
                                                   code):
    video_id = uploading_video()
    body = {"videoId": video_id, "status": "FAILED", "failureReason": "nope"}
    now = int(time.time())
    request = {
        "secret": lambda: _signed(body, secret="not-the-secret" * 4),
        "body": lambda: {**_signed(body), "raw_body": json.dumps({**body, "status": "PUBLIC"})},
        "stale": lambda: _signed(body, now - 301),
        "future": lambda: _signed(body, now + 301),
        "no_headers": lambda: {"raw_body": json.dumps(body)},
        "bad_timestamp": lambda: {**_signed(body), "headers": {
            **_signed(body)["headers"], "x-tuber-timestamp": "yesterday"}},
    }[tamper]()
    answer = video_api.call("POST", "/video/webhook", **request)
    assert (answer.status, answer.error_code) == (401, code)
    assert db.videos.find_one({"_id": parse_video_id(video_id)})["status"] == "UPLOADING"


def test_webhook_fails_a_video_and_checks_its_body(video_api, uploading_video, db):
    video_id = uploading_video()
    answer = video_api.call("POST", "/video/webhook", **_signed(
        {"videoId": video_id, "status": "FAILED", "failureReason": "codec unsupported"}))
    assert answer.json == {"result": "failed"}
    assert db.videos.find_one({"_id": parse_video_id(video_id)})["failureReason"] == \
        "codec unsupported"
    bad = video_api.call("POST", "/video/webhook", **_signed({"videoId": video_id,
                                                              "status": "DONE"}))
    assert (bad.status, bad.error_code) == (422, "validation_error")
    elsewhere = video_api.call("POST", "/video/webhook", **_signed(
        {"videoId": uploading_video(), "status": "PUBLIC", "hlsKey": "hls/other/master.m3u8"}))
    assert (elsewhere.status, elsewhere.error_code) == (400, "invalid_media_key")
    unknown = video_api.call("POST", "/video/webhook", **_signed(
        {"videoId": "nope", "status": "PUBLIC"}))
    assert unknown.json == {"result": "unknown"}


def test_webhook_accepts_a_mediaconvert_job_state_change(video_api, uploading_video, db):
    video_id = uploading_video()
    sample = sample_event("mediaconvert_complete")
    event = json.loads(json.dumps(sample).replace(sample["detail"]["userMetadata"]["videoId"],
                                                  video_id))
    answer = video_api.call("POST", "/video/webhook", **_signed(event))
    assert answer.json == {"result": "published"}, answer.body
    assert db.videos.find_one({"_id": parse_video_id(video_id)})["renditions"][-1]["height"] == 720


def test_sample_webhook_event_routes_to_the_webhook(video_api, db):
    # The sample's placeholders are not a valid signature: the route answers 401, not 404.
    from tests.support.video_fixtures import sample_event as load

    from local.lambda_context import LambdaContext
    from tuber_video.handler import lambda_handler

    result = lambda_handler(load("video_webhook"), LambdaContext())
    assert result["statusCode"] == 401
