"""200 concurrent clients for 30 s against a fresh local stack: reads, views, likes switching
between like / dislike / none, comments created and deleted, all on a handful of public
videos. No answer may be a 5xx, and afterwards every counter on every video must equal its
recount from the ratings, comments and views collections (counters move only by $inc)."""
from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import pytest
import requests
from pymongo import MongoClient

from tests.support.stack_fixtures import StackProcess, sign_up
from tuber_common.ids import parse_video_id

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CLIENTS = 200
USERS = 40  # several clients per user: the same (video, user) rating races with itself
VIDEOS = 4
DURATION_S = 30
# Views by the server's clock (docs/API.md, "Views"): a client starts view sessions and
# reports each once this much time has passed (the stack's VIEW_MIN_SECONDS).
VIEW_MIN_SECONDS = 2.0


@dataclass
class Tally:
    statuses: Counter = field(default_factory=Counter)
    server_errors: list = field(default_factory=list)
    counted_views: Counter = field(default_factory=Counter)
    errors: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, answer: requests.Response) -> None:
        with self.lock:
            self.statuses[(kind, answer.status_code)] += 1
            if answer.status_code >= 500:
                self.server_errors.append((kind, answer.request.method, answer.request.url,
                                           answer.status_code, answer.text[:300]))


def _public_videos(api: str, database, owner: dict) -> list[str]:
    """Created through the API, then published as on_transcoded does (no transcoding: the
    load is on the API, not ffmpeg)."""
    from tuber_common import publishing

    ids = []
    for n in range(VIDEOS):
        created = requests.post(f"{api}/video", timeout=30, json={
            "title": f"load {n}", "visibility": "public", "contentType": "video/mp4",
            "sizeBytes": 1000}, headers={"Authorization": f"Bearer {owner['accessToken']}"})
        assert created.status_code == 201, created.text
        video_id = created.json()["video"]["id"]
        assert publishing.publish(database, parse_video_id(video_id),
                                  hls_key=f"hls/{video_id}/master.m3u8", thumbnail_key=None,
                                  renditions=[{"name": "240p", "width": 426, "height": 240}],
                                  duration_seconds=60.0)
        ids.append(video_id)
    return ids


def _client(number: int, api: str, token: str, videos: list[str], deadline: float,
            tally: Tally) -> None:
    rng = random.Random(number)  # reproducible mix per client
    session = requests.Session()
    auth = {"Authorization": f"Bearer {token}"}
    # Anonymous viewers all share 127.0.0.1 here: a browser (user agent) each, the
    # network's cap above them.
    anonymous = {"User-Agent": f"load-client-{number}"}
    mine: list[str] = []
    sessions: list[tuple[float, str, str, dict]] = []  # (started, video, session, headers)
    try:
        while time.monotonic() < deadline:
            video = rng.choice(videos)
            roll = rng.random()
            if roll < 0.12:
                kind, answer = "feed", session.get(f"{api}/video", timeout=30)
            elif roll < 0.24:
                kind, answer = "get", session.get(f"{api}/video/{video}", timeout=30,
                                                  headers=auth)
            elif roll < 0.36:
                kind, answer = "comments", session.get(f"{api}/comment/{video}", timeout=30)
            elif roll < 0.50:
                kind = "view"
                if sessions and time.monotonic() - sessions[0][0] > VIEW_MIN_SECONDS + 0.2:
                    _started, viewed, view_session, headers = sessions.pop(0)
                    answer = session.post(f"{api}/video/{viewed}/view", timeout=30,
                                          json={"viewSession": view_session}, headers=headers)
                    if answer.status_code == 200 and answer.json().get("counted"):
                        with tally.lock:
                            tally.counted_views[viewed] += 1
                else:
                    headers = auth if rng.random() < 0.5 else anonymous
                    answer = session.post(f"{api}/video/{video}/view/start", timeout=30,
                                          headers=headers)
                    if answer.status_code == 201:
                        sessions.append((time.monotonic(), video, answer.json()["viewSession"],
                                         headers))
            elif roll < 0.78:
                kind = "rate"
                answer = session.put(f"{api}/like/{video}", timeout=30, headers=auth,
                                     json={"rating": rng.choice(["like", "dislike", "none"])})
            elif roll < 0.93 or not mine:
                kind = "comment"
                answer = session.post(f"{api}/comment/{video}", timeout=30, headers=auth,
                                      json={"text": f"client {number} says hi"})
                if answer.status_code == 201:
                    mine.append(answer.json()["comment"]["id"])
            else:
                kind = "delete"
                answer = session.delete(f"{api}/comment/{mine.pop(rng.randrange(len(mine)))}",
                                        timeout=30, headers=auth)
            tally.record(kind, answer)
    except Exception as exc:  # a timeout or a reset connection is a finding too
        with tally.lock:
            tally.errors.append(f"client {number}: {exc!r}")
    finally:
        session.close()


def test_two_hundred_clients_leave_every_counter_equal_to_its_recount(tmp_path):
    stack = StackProcess(tmp_path / "data", extra_env={
        "BCRYPT_ROUNDS": "4", "VIEW_MIN_SECONDS": str(VIEW_MIN_SECONDS)})
    stack.start()
    mongo = MongoClient(stack.mongo_uri, serverSelectionTimeoutMS=10_000, tz_aware=True)
    try:
        api = stack.url
        database = mongo[stack.extra_env.get("MONGODB_DB", "tuber")]
        run = uuid.uuid4().hex[:6]
        owner = sign_up(api, f"load_owner_{run}")
        videos = _public_videos(api, database, owner)
        tokens = [sign_up(api, f"load_{run}_{n}")["accessToken"] for n in range(USERS)]

        tally = Tally()
        started = time.monotonic()
        deadline = started + DURATION_S
        clients = [threading.Thread(target=_client, daemon=True, name=f"load-{n}",
                                    args=(n, api, tokens[n % USERS], videos, deadline, tally))
                   for n in range(CLIENTS)]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join(timeout=max(1.0, deadline + 60 - time.monotonic()))
        elapsed = time.monotonic() - started
        assert not any(t.is_alive() for t in clients), "clients still running after 90 s"

        total = sum(tally.statuses.values())
        by_kind = Counter()
        for (kind, _status), count in tally.statuses.items():
            by_kind[kind] += count
        print(f"\nload: {total} requests in {elapsed:.1f}s = {total / elapsed:.0f} req/s "
              f"with {CLIENTS} clients; {dict(by_kind)}")
        assert tally.server_errors == []
        assert tally.errors == []
        unexpected = {key: n for key, n in tally.statuses.items() if key[1] >= 300}
        assert unexpected == {}
        # Every kind of request really ran (else the recount below proves little).
        assert all(by_kind[kind] >= 20 for kind in
                   ("feed", "get", "comments", "view", "rate", "comment", "delete")), by_kind

        for video_id in videos:
            oid = parse_video_id(video_id)
            doc = database.videos.find_one({"_id": oid})
            recount = {
                "likeCount": database.ratings.count_documents({"videoId": oid,
                                                               "rating": "like"}),
                "dislikeCount": database.ratings.count_documents({"videoId": oid,
                                                                  "rating": "dislike"}),
                "commentCount": database.comments.count_documents(
                    {"videoId": oid, "deleted": {"$ne": True}}),
                # One de-duplication window per counted view (tuber_video.views): not the
                # sessions ("s:...") nor the networks' counters (which hold a `count`).
                "viewCount": database.views.count_documents({
                    "videoId": oid, "count": {"$exists": False},
                    "_id": {"$not": {"$regex": "^s:"}}}),
            }
            assert {k: doc.get(k, 0) for k in recount} == recount, video_id
            assert doc["viewCount"] == tally.counted_views[video_id], video_id
            # And the API says the same as the database.
            shown = requests.get(f"{api}/video/{video_id}", timeout=30).json()["video"]
            assert {k: shown[k] for k in recount} == recount
    finally:
        mongo.close()
        stack.stop()
