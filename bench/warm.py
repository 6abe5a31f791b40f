"""Warm handler overhead: a request through the real handler (API Gateway event parsing,
routing, validation, token check, response shaping) against the domain function that the
route calls, called directly with the same arguments: the very same database calls through
the same pymongo API. Overhead = handler median - direct median, interleaved in one run.
A database call varies by more than the overhead itself, so the handler is also timed with
its domain function replaced by a stub that returns a recorded answer: the framework alone
(event parsing to JSON body), with no database noise in it."""
from __future__ import annotations

import json
from contextlib import contextmanager

from bson import ObjectId

from bench.common import configure, median_ms, mongo, table, timed
from tuber_common.clock import utcnow
from tuber_common.ids import new_video_id


def _seed(db) -> tuple[dict, list[dict]]:
    from tuber_common.passwords import hash_password

    now = utcnow()
    user = {"_id": ObjectId(), "username": "bench", "usernameLower": "bench",
            "email": "bench@example.com", "emailLower": "bench@example.com",
            "displayName": "Bench", "passwordHash": hash_password("x" * 12), "createdAt": now}
    db.users.insert_one(user)
    videos = [{"_id": new_video_id(), "ownerId": user["_id"], "title": f"clip {i}",
               "description": "", "visibility": "public",
               "status": "PUBLIC", "viewCount": 0, "likeCount": 0, "dislikeCount": 0,
               "commentCount": 0, "hlsKey": f"hls/{i}/master.m3u8", "renditions": [],
               "createdAt": now, "updatedAt": now, "publishedAt": now} for i in range(200)]
    db.videos.insert_many(videos)
    return user, videos


@contextmanager
def answering(module, name: str, answer):
    """`module.name` returns `answer` without touching the database, for the time being."""
    real = getattr(module, name)
    setattr(module, name, lambda *args, **kwargs: answer)
    try:
        yield
    finally:
        setattr(module, name, real)


def measure(repeat: int = 400) -> tuple[str, dict]:
    from local.apigw import http_api_event
    from local.lambda_context import LambdaContext
    from tuber_common.db import get_db
    from tuber_common.indexes import ensure_indexes
    from tuber_common.tokens import issue_access_token

    with mongo() as uri:
        configure(uri, "tuber_bench_warm")
        db = get_db()
        ensure_indexes(db)
        user, videos = _seed(db)
        token, _ = issue_access_token(str(user["_id"]))
        from tuber_like import ratings
        from tuber_like.handler import lambda_handler as like_handler
        from tuber_video import catalog
        from tuber_video.handler import lambda_handler as video_handler

        user_id, video_id = str(user["_id"]), str(videos[0]["_id"])
        headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
        context = LambdaContext()

        def through(handler, *events):
            def call():
                for event in events:
                    answer = handler(event, context)
                    assert answer["statusCode"] == 200, answer
            return call

        # A like and its undo: the state is the same from one call to the next.
        like_events = [http_api_event("PUT", f"/like/{video_id}", headers=headers,
                                      body=json.dumps({"rating": r})) for r in ("like", "none")]
        cases = [
            ("GET /video/{id}",
             through(video_handler, http_api_event("GET", f"/video/{video_id}",
                                                   headers=headers)),
             lambda: catalog.get_video(db, video_id, user_id), 1,
             (catalog, "get_video", (db, video_id, user_id))),
            ("GET /video (feed, 20)",
             through(video_handler, http_api_event("GET", "/video", query="limit=20")),
             lambda: catalog.feed(db, 20, None), 1, (catalog, "feed", (db, 20, None))),
            ("PUT /like/{id}",
             through(like_handler, *like_events),
             lambda: [ratings.rate(db, user_id, video_id, r) for r in ("like", "none")], 2,
             (ratings, "rate", (db, user_id, video_id, "none"))),
        ]
        rows, results = [], {}
        for name, handler_call, direct_call, per_call, stub in cases:
            timed(handler_call, 20)  # warm up both paths
            timed(direct_call, 20)
            # Interleaved so that machine noise hits both alike.
            # The overhead is the median of paired differences (batch by batch), which
            # drifts less with the machine's load than a difference of two medians.
            h_samples, d_samples, differences = [], [], []
            for _ in range(repeat // 10):
                h_batch, d_batch = timed(handler_call, 10), timed(direct_call, 10)
                h_samples += h_batch
                d_samples += d_batch
                differences.append(sum(h_batch) / 10 - sum(d_batch) / 10)
            h, d = median_ms(h_samples) / per_call, median_ms(d_samples) / per_call
            over = median_ms(differences) / per_call
            module, domain, arguments = stub  # the domain call the route makes
            with answering(module, domain, getattr(module, domain)(*arguments)):
                timed(handler_call, 50)
                alone = median_ms(timed(handler_call, repeat * 2)) / per_call
            results[name] = {"handler_ms": h, "direct_ms": d, "overhead_ms": over,
                             "framework_alone_ms": alone}
            rows.append([name, f"{h:.2f}", f"{d:.2f}", f"{over:.2f}", f"{h / d:.2f}x",
                         f"{alone:.2f}", "ok" if over < 1 else "MISSED"])
        db.client.drop_database(db.name)
    return table(["request", "handler ms", "same calls direct ms", "overhead ms",
                  "handler/direct", "framework alone ms (domain stubbed)",
                  "target (<1 ms overhead)"], rows), results


if __name__ == "__main__":
    print(measure()[0])
