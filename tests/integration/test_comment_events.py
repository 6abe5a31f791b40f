"""The sample events events/comment_*.json drive the real comment handler (they serve
`sam local invoke -e` too, so they must stay valid)."""
import json
from pathlib import Path

from bson import ObjectId

from tuber_common.ids import parse_video_id

EVENTS = Path(__file__).resolve().parents[2] / "events"
SAMPLE_VIDEO = "65f1a2b3c4d5e6f708090a0b"
SAMPLE_COMMENT = "65f1a2b3c4d5e6f708090a0c"
NAMES = ("comment_create", "comment_reply", "comment_list", "comment_replies", "comment_edit",
         "comment_delete")


def invoke(name: str, token: str | None = None) -> dict:
    from local.lambda_context import LambdaContext
    from tuber_comment.handler import lambda_handler

    event = json.loads((EVENTS / f"{name}.json").read_text())
    if token:
        event["headers"]["authorization"] = f"Bearer {token}"
    return lambda_handler(event, LambdaContext())


def test_sample_events_drive_every_route(db, member, make_video):
    from tuber_comment import comments

    author = member()
    made = make_video(author)
    db.videos.insert_one({**db.videos.find_one({"_id": parse_video_id(made)}),
                          "_id": ObjectId(SAMPLE_VIDEO)})
    # The comment the samples reply to, edit and delete.
    top = comments.create(db, author.id, SAMPLE_VIDEO, "the sample comment")
    db.comments.insert_one({**top, "_id": ObjectId(SAMPLE_COMMENT)})
    db.comments.delete_one({"_id": top["_id"]})

    statuses = {name: invoke(name, author.token)["statusCode"] for name in NAMES}

    assert statuses == {"comment_create": 201, "comment_reply": 201, "comment_list": 200,
                        "comment_replies": 200, "comment_edit": 200, "comment_delete": 204}


def test_sample_events_with_placeholder_tokens_are_refused_cleanly(db):
    for name in ("comment_create", "comment_reply", "comment_edit", "comment_delete"):
        answer = invoke(name)
        assert answer["statusCode"] == 401, name
        assert json.loads(answer["body"])["error"]["code"] == "invalid_token"
    # Listing needs no token; the sample video does not exist in an empty database.
    for name in ("comment_list", "comment_replies"):
        assert invoke(name)["statusCode"] == 404, name
