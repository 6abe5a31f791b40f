"""The sample events events/like_*.json drive the real like handler (they serve
`sam local invoke -e` too, so they must stay valid)."""
import json
from pathlib import Path

from bson import ObjectId

from tuber_common.ids import parse_video_id

EVENTS = Path(__file__).resolve().parents[2] / "events"
SAMPLE_VIDEO = "65f1a2b3c4d5e6f708090a0b"


def invoke(name: str, token: str | None = None) -> dict:
    from local.lambda_context import LambdaContext
    from tuber_like.handler import lambda_handler

    event = json.loads((EVENTS / f"{name}.json").read_text())
    if token:
        event["headers"]["authorization"] = f"Bearer {token}"
    return lambda_handler(event, LambdaContext())


def test_sample_events_rate_read_and_list(db, member, make_video):
    fan = member()
    made = make_video(member())
    db.videos.insert_one({**db.videos.find_one({"_id": parse_video_id(made)}),
                          "_id": ObjectId(SAMPLE_VIDEO)})

    assert invoke("like_rate", fan.token)["statusCode"] == 200
    read = invoke("like_read", fan.token)
    assert json.loads(read["body"]) == {"likeCount": 1, "dislikeCount": 0, "myRating": "like"}
    mine = json.loads(invoke("like_me", fan.token)["body"])
    assert [v["id"] for v in mine["items"]] == [SAMPLE_VIDEO]


def test_sample_events_with_placeholder_tokens_are_refused_cleanly(db):
    for name in ("like_rate", "like_me"):
        answer = invoke(name)
        assert answer["statusCode"] == 401, name
        assert json.loads(answer["body"])["error"]["code"] == "invalid_token"
    # Reading needs no token; the sample video does not exist in an empty database.
    assert invoke("like_read")["statusCode"] == 404
