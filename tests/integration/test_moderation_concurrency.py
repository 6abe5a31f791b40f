"""Moderators racing (each a process, as Lambda containers are, against the real database):
one decision per target, taken once; reports filed while it is taken are never lost."""
from __future__ import annotations

from collections import Counter

from bson import ObjectId

from tests.support.concurrent_calls import run_in_processes

PROCESSES = 6


def _bearer(person) -> dict:
    return {"authorization": f"Bearer {person.token}"}


def test_moderators_resolving_one_target_at_once_take_one_action(
        db, member, staff, make_video, file_report):
    owner = member()
    video = make_video(owner)
    reports = [file_report(member(), "video", video, "spam") for _ in range(PROCESSES)]
    moderators = [staff() for _ in range(PROCESSES)]
    calls = [("POST", f"/report/{r['id']}/resolve", {"action": "takedown"}, "203.0.113.9",
              _bearer(m)) for r, m in zip(reports, moderators)]
    answers = run_in_processes("moderation", calls, processes=PROCESSES)
    assert [status for status, _, _ in answers] == [200] * PROCESSES, answers
    # Everyone was told of the one decision: the same moderator, time and count.
    decisions = {(a["resolution"]["moderatorId"], a["resolution"]["resolvedAt"],
                  a["resolution"]["reportCount"]) for _, a, _ in answers}
    assert len(decisions) == 1 and next(iter(decisions))[2] == PROCESSES
    assert db.moderation_audit.count_documents({}) == 1
    assert db.reports.count_documents({"status": "open"}) == 0
    assert db.videos.find_one({"_id": video})["moderation"]["status"] == "taken_down"


def test_different_decisions_at_once_one_wins(db, member, staff, make_video, file_report):
    owner = member()
    video = make_video(owner)
    reports = [file_report(member(), "video", video, "spam") for _ in range(PROCESSES)]
    actions = ["dismiss", "suspend"] * (PROCESSES // 2)
    calls = [("POST", f"/report/{r['id']}/resolve", {"action": action}, "203.0.113.9",
              _bearer(staff())) for r, action in zip(reports, actions)]
    answers = run_in_processes("moderation", calls, processes=PROCESSES)
    won = {a["resolution"]["action"] for status, a, _ in answers if status == 200}
    assert len(won) == 1, answers
    winner = won.pop()
    for (status, body, _), action in zip(answers, actions):
        if action == winner:
            assert status == 200
        else:
            assert status == 409 and body["error"]["code"] == "report_already_resolved"
            assert body["error"]["details"] == {"action": winner}
    entries = list(db.moderation_audit.find())
    assert [e["action"] for e in entries] == [winner]
    suspended = db.users.find_one({"_id": ObjectId(owner.id)}).get("suspendedAt") is not None
    assert suspended == (winner == "suspend")


def test_reports_filed_while_a_target_is_resolved_are_not_lost(
        db, member, staff, make_video, file_report):
    owner = member()
    video = make_video(owner)
    first = file_report(member(), "video", video, "spam")
    moderator = staff()
    reporters = [member() for _ in range(PROCESSES * 2)]
    calls = [("POST", "/report", {"targetType": "video", "targetId": video, "reason": "hate"},
              "203.0.113.9", _bearer(r)) for r in reporters]
    calls.insert(PROCESSES // 2, ("POST", f"/report/{first['id']}/resolve",
                                  {"action": "dismiss"}, "203.0.113.9", _bearer(moderator)))
    answers = run_in_processes("moderation", calls, processes=PROCESSES)
    assert Counter(status for status, _, _ in answers) == {201: len(reporters), 200: 1}
    # Every report is either closed by the decision or open on an open case that counts it.
    open_reports = db.reports.count_documents({"status": "open"})
    closed = db.reports.count_documents({"status": "resolved"})
    assert open_reports + closed == len(reporters) + 1
    case = db.report_cases.find_one({"targetKey": f"video:{video}"})
    if open_reports:
        assert case["status"] == "open" and case["openCount"] == open_reports
        assert case["reasons"] == {"hate": open_reports}
    else:
        assert case["status"] == "resolved"
    audit = list(db.moderation_audit.find())
    # The decision counts the reports it saw counted; it closed those and any filed meanwhile.
    assert len(audit) == 1 and 1 <= audit[0]["reportCount"] <= closed
