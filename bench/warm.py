"""Warm handler overhead: a request through the real handler (event parsing, routing,
validation, auth, response shaping) against the same database calls made directly with
pymongo, in the same run. Overhead = handler median - direct median."""
from __future__ import annotations

import json

from bson import ObjectId

from bench.common import configure, median_ms, mongo, table, timed
from tuber_common.clock import utcnow


def _seed(db) -> tuple[dict, list[dict]]:
    from tuber_common.passwords import hash_password

    now = utcnow()
    user = {"_id": ObjectId(), "username": "bench", "usernameLower": "bench",
            "email": "bench@example.com", "emailLower": "bench@example.com",
            "displayName": "Bench", "passwordHash": hash_password("x" * 12), "createdAt": now}
    db.users.insert_one(user)
    videos = [{"_id": ObjectId(), "ownerId": user["_id"], "title": f"clip {i}",
               "titleWords": ["clip", str(i)], "description": "", "visibility": "public",
               "status": "PUBLIC", "viewCount": 0, "likeCount": 0, "dislikeCount": 0,
               "commentCount": 0, "hlsKey": f"hls/{i}/master.m3u8", "renditions": [],
               "createdAt": now, "updatedAt": now, "publishedAt": now} for i in range(200)]
    db.videos.insert_many(videos)
    return user, videos


def measure(repeat: int = 300) -> tuple[str, dict]:
    from local.apigw import http_api_event
    from local.lambda_context import LambdaContext
    from pymongo import ReturnDocument
    from tuber_common.db import get_db
    from tuber_common.indexes import ensure_indexes
    from tuber_common.tokens import issue_access_token

    with mongo() as uri:
        configure(uri, "tuber_bench_warm")
        db = get_db()
        ensure_indexes(db)
        user, videos = _seed(db)
        token, _ = issue_access_token(str(user["_id"]))
        from tuber_like.handler import lambda_handler as like_handler
        from tuber_video.handler import lambda_handler as video_handler

        video = videos[0]
        headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
        get_event = http_api_event("GET", f"/video/{video['_id']}", headers=headers)
        feed_event = http_api_event("GET", "/video", query="limit=20")
        like_events = [http_api_event("PUT", f"/like/{video['_id']}", headers=headers,
                                      body=json.dumps({"rating": r})) for r in ("like", "none")]
        context = LambdaContext()
        state = {"i": 0}

        def via_handler(handler, event):
            def call():
                answer = handler(event, context)
                assert answer["statusCode"] == 200, answer
            return call

        def like_via_handler():
            state["i"] += 1
            answer = like_handler(like_events[state["i"] % 2], context)
            assert answer["statusCode"] == 200, answer

        # The same database work, straight through pymongo.
        def get_direct():
            doc = db.videos.find_one({"_id": video["_id"]})
            list(db.users.find({"_id": {"$in": [doc["ownerId"]]}}))
            db.ratings.find_one({"videoId": video["_id"], "userId": user["_id"]})

        def feed_direct():
            docs = list(db.videos.find({"status": "PUBLIC", "visibility": "public"})
                        .sort([("publishedAt", -1), ("_id", -1)]).limit(21))
            list(db.users.find({"_id": {"$in": list({d["ownerId"] for d in docs})}}))

        def like_direct():
            state["i"] += 1
            db.videos.find_one({"_id": video["_id"]})
            if state["i"] % 2:
                before = db.ratings.find_one_and_update(
                    {"videoId": video["_id"], "userId": user["_id"]},
                    {"$set": {"rating": "like", "ratedAt": utcnow()}}, upsert=True,
                    return_document=ReturnDocument.BEFORE)
                if before is None:
                    db.videos.update_one({"_id": video["_id"]}, {"$inc": {"likeCount": 1}})
            else:
                if db.ratings.find_one_and_delete({"videoId": video["_id"],
                                                   "userId": user["_id"]}):
                    db.videos.update_one({"_id": video["_id"]}, {"$inc": {"likeCount": -1}})
            db.videos.find_one({"_id": video["_id"]}, {"likeCount": 1, "dislikeCount": 1})

        cases = [("GET /video/{id}", via_handler(video_handler, get_event), get_direct),
                 ("GET /video (feed)", via_handler(video_handler, feed_event), feed_direct),
                 ("PUT /like/{id}", like_via_handler, like_direct)]
        rows, results = [], {}
        for name, handler_call, direct_call in cases:
            for fn in (handler_call, direct_call):  # warm both paths
                timed(fn, 20)
            # Interleave the two so that machine noise hits both alike.
            h_samples, d_samples = [], []
            for _ in range(repeat // 10):
                h_samples += timed(handler_call, 10)
                d_samples += timed(direct_call, 10)
            h, d = median_ms(h_samples), median_ms(d_samples)
            results[name] = {"handler_ms": h, "direct_ms": d, "overhead_ms": h - d}
            rows.append([name, f"{h:.2f}", f"{d:.2f}", f"{h - d:.2f}", f"{h / d:.2f}x",
                         "ok" if h - d < 1 else "MISSED"])
        db.client.drop_database(db.name)
    return table(["request", "handler ms", "direct pymongo ms", "overhead ms",
                  "handler/direct", "target (<1 ms)"], rows), results


if __name__ == "__main__":
    print(measure()[0])
