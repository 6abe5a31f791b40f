"""What the owner of taken-down content reads (its `moderation`: why it is hidden) is what
the video and comment functions' OpenAPI documents say (docs/API.md "Moderation")."""
from __future__ import annotations

import json

from tests.integration.test_openapi import schema_errors


def _document(function: str) -> dict:
    app = __import__(f"tuber_{function}.handler", fromlist=["app"]).app
    return json.loads(app.get_openapi_json_schema())


def test_the_owners_view_of_taken_down_content_matches_the_document(
        member, staff, make_video, file_report, moderation_api, video_api, comment_api):
    owner, moderator = member(), staff()
    video, kept = make_video(owner, title="taken"), make_video(owner, title="kept")
    said = comment_api.post(f"/comment/{kept}", {"text": "buy pills"}, token=owner.token)
    assert said.status == 201, said.body
    for target_type, target_id, reason in (("video", video, "violence"),
                                           ("comment", said.json["comment"]["id"], "spam")):
        report = file_report(member(), target_type, target_id, reason)
        resolved = moderation_api.post(f"/report/{report['id']}/resolve",
                                       {"action": "takedown"}, token=moderator.token)
        assert resolved.status == 200, resolved.body

    read = video_api.get(f"/video/{video}", token=owner.token)
    channel = video_api.get(f"/video/user/{owner.id}", token=owner.token)
    comments = comment_api.get(f"/comment/{kept}", token=owner.token)
    assert read.json["video"]["moderation"] == {"status": "taken_down", "reason": "violence"}
    assert [c["moderation"] for c in comments.json["items"]] == [
        {"status": "taken_down", "reason": "spam"}]
    assert any("moderation" in v for v in channel.json["items"])
    videos, comment_doc = _document("video"), _document("comment")
    for document, key, answer in ((videos, "GET /video/{videoId}", read),
                                  (videos, "GET /video/user/{userId}", channel),
                                  (comment_doc, "GET /comment/{video_id}", comments)):
        assert answer.status == 200, (key, answer.body)
        assert schema_errors(document, key, answer) == [], (key, answer.body)
