"""Deleting an account that filed reports (docs/API.md "Deleting an account", "Moderation"):
its reports still count, but no longer name it or keep its words."""
from __future__ import annotations

from bson import ObjectId

from tests.integration.test_account_deletion import as_member
from tests.support.api import DEFAULT_PASSWORD as PASSWORD, register_user


def test_a_deleted_reporters_reports_count_without_its_name_or_note(
        db, auth_api, moderation_api, video_api, member, staff, make_video, file_report):
    owner, moderator = member(), staff()
    video = make_video(owner)
    reporter = as_member(register_user(auth_api, "reporter_ada"))
    file_report(member(), "video", video, "hate", note="their words")
    filed = file_report(reporter, "video", video, "spam", note="my words")

    def queue() -> list[dict]:
        answer = moderation_api.get("/report", token=moderator.token)
        assert answer.status == 200, answer.body
        return answer.json["items"]
    assert [i["lastNote"] for i in queue()] == ["my words"]

    gone = auth_api.delete("/auth/me", json_body={"password": PASSWORD}, token=reporter.token)
    assert gone.status == 202 and gone.json["deletion"]["status"] == "complete", gone.body

    [case] = queue()
    assert (case["reportCount"], case["reasons"]) == (2, {"hate": 1, "spam": 1})
    assert case["lastNote"] is None  # not the deleted account's words
    assert db.reports.count_documents({"reporterId": ObjectId(reporter.id)}) == 0
    assert db.reports.count_documents({"note": "my words"}) == 0
    assert db.reports.count_documents({"note": "their words"}) == 1
    # The decision still applies to every report of the target.
    resolved = moderation_api.post(f"/report/{filed['id']}/resolve", {"action": "takedown"},
                                   token=moderator.token)
    assert resolved.status == 200 and resolved.json["resolution"]["reportCount"] == 2
    assert video_api.get(f"/video/{video}").status == 404
