"""The /history answers are what the function's own OpenAPI document (its routes'
decorators, tuber_history/response_models.py) says they are, as test_openapi.py checks the
merged document for the other functions."""
from __future__ import annotations

import json

from tests.integration.test_openapi import schema_errors


def test_history_answers_match_the_document(history_api, member, long_video):
    from tuber_history.handler import app

    document = json.loads(app.get_openapi_json_schema())
    owner, viewer = member(), member()
    vid = long_video(owner)
    answers = {
        "PUT /history/{video_id}": [
            history_api.put(f"/history/{vid}", {"positionSeconds": 12.5}, token=viewer.token),
            history_api.put(f"/history/{vid}", {"positionSeconds": 599}, token=viewer.token),
            history_api.put(f"/history/{vid}", {"positionSeconds": 3, "playbackId": "p",
                                                "sequence": 2}, token=viewer.token),
            history_api.put(f"/history/{vid}", {"positionSeconds": 2, "playbackId": "p",
                                                "sequence": 1}, token=viewer.token)],
        "GET /history": [history_api.get("/history", token=viewer.token),
                         history_api.get("/history", token=owner.token)],
        "GET /history/settings": [history_api.get("/history/settings", token=viewer.token)],
        "PUT /history/settings": [history_api.put("/history/settings", {"paused": True},
                                                  token=viewer.token)],
    }
    answers["PUT /history/{video_id}"].append(
        history_api.put(f"/history/{vid}", {"positionSeconds": 1}, token=viewer.token))
    answers["GET /history"].append(history_api.get("/history", token=viewer.token))
    answers["DELETE /history/{video_id}"] = [history_api.delete(f"/history/{vid}",
                                                                token=viewer.token)]
    answers["DELETE /history"] = [history_api.delete("/history", token=viewer.token)]
    reasons = {a.json.get("reason") for a in answers["PUT /history/{video_id}"]}
    assert reasons == {None, "stale_report", "history_paused"}
    for key, given in answers.items():
        for answer in given:
            assert 200 <= answer.status < 300, (key, answer.body)
            if answer.status == 204:
                assert answer.body == ""
                continue
            assert schema_errors(document, key, answer) == [], (key, answer.body)
