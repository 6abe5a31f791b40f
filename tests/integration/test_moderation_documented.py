"""The /report and /admin answers are what the function's own OpenAPI document (its routes'
decorators, tuber_moderation/response_models.py) says they are."""
from __future__ import annotations

import json

from tests.integration.test_openapi import schema_errors


def test_moderation_answers_match_the_document(moderation_api, member, staff, make_video,
                                               comment_api):
    from tuber_moderation.handler import app

    document = json.loads(app.get_openapi_json_schema())
    admin, moderator, owner, reporter = staff("admin"), staff(), member(), member()
    video = make_video(owner, title="a title")
    said = comment_api.post(f"/comment/{video}", {"text": "words"}, token=owner.token)
    filed = [moderation_api.post("/report", body, token=reporter.token) for body in (
        {"targetType": "video", "targetId": video, "reason": "spam", "note": "why"},
        {"targetType": "comment", "targetId": said.json["comment"]["id"], "reason": "hate"},
        {"targetType": "user", "targetId": owner.id, "reason": "other"})]
    answers = {
        "POST /report": filed,
        "GET /report": [moderation_api.get("/report", token=moderator.token)],
        "POST /report/{reportId}/resolve": [
            moderation_api.post(f"/report/{filed[0].json['report']['id']}/resolve",
                                {"action": "takedown", "note": "gone"}, token=moderator.token),
            moderation_api.post(f"/report/{filed[1].json['report']['id']}/resolve",
                                {"action": "dismiss"}, token=moderator.token)],
        "PUT /admin/users/{userId}/role": [
            moderation_api.put(f"/admin/users/{reporter.id}/role", {"role": "moderator"},
                               token=admin.token)],
    }
    answers["GET /report"].append(moderation_api.get("/report", token=moderator.token,
                                                     query={"status": "resolved"}))
    answers["GET /report/audit"] = [moderation_api.get("/report/audit", token=moderator.token)]
    assert len(answers["GET /report/audit"][0].json["items"]) == 3
    for key, given in answers.items():
        for answer in given:
            assert 200 <= answer.status < 300, (key, answer.body)
            assert schema_errors(document, key, answer) == [], (key, answer.body)
