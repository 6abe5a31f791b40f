"""Reports and their resolution through the moderation handler (docs/API.md "Moderation"):
who may report what, one open report per reporter and target, the hourly limit, the queue
(grouped per target, most reported first), roles, resolutions and the audit log."""
from __future__ import annotations

from bson import ObjectId


def _reporters(member, n):
    return [member() for _ in range(n)]


# --- filing ----------------------------------------------------------------------------------
def test_a_report_needs_sign_in_and_a_valid_body(moderation_api, member, make_video):
    owner, viewer = member(), member()
    video = make_video(owner)
    body = {"targetType": "video", "targetId": video, "reason": "spam"}
    assert moderation_api.post("/report", body).status == 401
    for bad in ({**body, "reason": "boring"}, {**body, "targetType": "playlist"},
                {**body, "note": "x" * 1001}, {"targetType": "video", "targetId": video}):
        answer = moderation_api.post("/report", bad, token=viewer.token)
        assert answer.status == 422 and answer.error_code == "validation_error", bad
    answer = moderation_api.post("/report", {**body, "note": "x" * 1000}, token=viewer.token)
    assert answer.status == 201
    report = answer.json["report"]
    assert (report["targetType"], report["targetId"], report["reason"], report["status"]) == (
        "video", video, "spam", "open")


def test_only_visible_targets_can_be_reported(moderation_api, member, make_video,
                                              comment_api, db):
    owner, viewer = member(), member()
    private = make_video(owner, visibility="private")
    processing = make_video(owner, status="PROCESSING")
    cases = [("video", private), ("video", processing), ("video", "nope"),
             ("video", "A" * 22), ("comment", str(ObjectId())), ("comment", "x"),
             ("user", str(ObjectId())), ("user", "x")]
    for target_type, target_id in cases:
        answer = moderation_api.post("/report", {"targetType": target_type,
                                                 "targetId": target_id, "reason": "spam"},
                                     token=viewer.token)
        assert answer.status == 404, (target_type, target_id, answer.body)
        assert answer.error_code == f"{target_type}_not_found"
    # A comment on a private video is as invisible as the video.
    commented = make_video(owner)
    said = comment_api.post(f"/comment/{commented}", {"text": "hello"},
                            token=owner.token).json["comment"]
    db.videos.update_one({"_id": commented}, {"$set": {"visibility": "private"}})
    answer = moderation_api.post("/report", {"targetType": "comment", "targetId": said["id"],
                                             "reason": "spam"}, token=viewer.token)
    assert answer.status == 404 and answer.error_code == "comment_not_found"


def test_nobody_reports_their_own_content(moderation_api, member, make_video, comment_api):
    owner = member()
    video = make_video(owner)
    said = comment_api.post(f"/comment/{video}", {"text": "mine"}, token=owner.token)
    for target_type, target_id in (("video", video), ("comment", said.json["comment"]["id"]),
                                   ("user", owner.id)):
        answer = moderation_api.post("/report", {"targetType": target_type,
                                                 "targetId": target_id, "reason": "spam"},
                                     token=owner.token)
        assert answer.status == 409 and answer.error_code == "cannot_report_own"


def test_one_open_report_per_reporter_and_target(moderation_api, member, make_video,
                                                 file_report, staff):
    owner, viewer, moderator = member(), member(), staff()
    video = make_video(owner)
    first = file_report(viewer, "video", video)
    again = moderation_api.post("/report", {"targetType": "video", "targetId": video,
                                            "reason": "hate"}, token=viewer.token)
    assert again.status == 409 and again.error_code == "already_reported"
    # Once resolved, the same person may report it again.
    assert moderation_api.post(f"/report/{first['id']}/resolve", {"action": "dismiss"},
                               token=moderator.token).status == 200
    file_report(viewer, "video", video)


def test_reports_per_hour_are_limited(moderation_api, member, make_video):
    from tuber_moderation.reports import REPORTS_PER_HOUR

    owner, viewer = member(), member()
    videos = [make_video(owner) for _ in range(REPORTS_PER_HOUR + 1)]
    for video in videos[:REPORTS_PER_HOUR]:
        answer = moderation_api.post("/report", {"targetType": "video", "targetId": video,
                                                 "reason": "spam"}, token=viewer.token)
        assert answer.status == 201
    # A duplicate was refused without spending the allowance... and the limit holds.
    over = moderation_api.post("/report", {"targetType": "video", "targetId": videos[-1],
                                           "reason": "spam"}, token=viewer.token)
    assert over.status == 429 and over.error_code == "report_throttled"
    assert 0 < int(over.headers["retry-after"]) <= 3601
    # Someone else is not limited by it.
    assert moderation_api.post("/report", {"targetType": "video", "targetId": videos[-1],
                                           "reason": "spam"}, token=member().token).status == 201


def test_a_refused_duplicate_gives_its_allowance_back(moderation_api, member, make_video, db):
    owner, viewer = member(), member()
    video = make_video(owner)
    body = {"targetType": "video", "targetId": video, "reason": "spam"}
    assert moderation_api.post("/report", body, token=viewer.token).status == 201
    for _ in range(3):
        assert moderation_api.post("/report", body, token=viewer.token).status == 409
    assert [d["count"] for d in db.report_quota.find()] == [1]


# --- roles -------------------------------------------------------------------------------------
def test_users_cannot_moderate(moderation_api, member, make_video, file_report):
    owner, viewer = member(), member()
    report = file_report(viewer, "video", make_video(owner))
    for answer in (moderation_api.get("/report", token=viewer.token),
                   moderation_api.get("/report/audit", token=viewer.token),
                   moderation_api.post(f"/report/{report['id']}/resolve",
                                       {"action": "takedown"}, token=viewer.token)):
        assert answer.status == 403 and answer.error_code == "moderator_only", answer.body
    for path in ("/report", "/report/audit"):
        assert moderation_api.get(path).status == 401


def test_only_admins_change_roles(moderation_api, member, staff, db):
    admin, moderator, someone = staff("admin"), staff("moderator"), member()
    body = {"role": "moderator"}
    for caller in (moderator, someone):
        answer = moderation_api.put(f"/admin/users/{someone.id}/role", body, token=caller.token)
        assert answer.status == 403 and answer.error_code == "admin_only"
    answer = moderation_api.put(f"/admin/users/{someone.id}/role", body, token=admin.token)
    assert answer.status == 200 and answer.json["user"]["role"] == "moderator"
    assert answer.json["user"]["username"] == someone.username
    # The new moderator reads the queue at once.
    assert moderation_api.get("/report", token=someone.token).status == 200
    answer = moderation_api.put(f"/admin/users/{admin.id}/role", {"role": "user"},
                                token=admin.token)
    assert answer.status == 409 and answer.error_code == "own_role"
    for bad_id in (str(ObjectId()), "x"):
        answer = moderation_api.put(f"/admin/users/{bad_id}/role", body, token=admin.token)
        assert answer.status == 404 and answer.error_code == "user_not_found"
    answer = moderation_api.put(f"/admin/users/{someone.id}/role", {"role": "god"},
                                token=admin.token)
    assert answer.status == 422
    # Back to a plain user: the role field goes.
    moderation_api.put(f"/admin/users/{someone.id}/role", {"role": "user"}, token=admin.token)
    assert "role" not in db.users.find_one({"_id": ObjectId(someone.id)})
    assert moderation_api.get("/report", token=someone.token).status == 403


def test_the_first_admin_comes_from_the_command_line(db, member, moderation_api):
    from tuber_common import moderation

    person = member("Founder")
    assert moderation.main(["promote", "founder", "admin"]) == 0
    assert moderation.role_of(db, person.id) == "admin"
    assert moderation.main(["promote", "nobody_here", "admin"]) == 1
    assert moderation.main(["promote", "founder", "emperor"]) == 1
    assert moderation.main(["promote"]) == 2
    log = moderation_api.get("/report/audit", token=person.token).json["items"]
    assert [(e["action"], e["targetId"], e["actor"]) for e in log] == [("role", person.id, None)]


# --- the queue ---------------------------------------------------------------------------------
def test_the_queue_groups_reports_per_target_most_reported_first(
        moderation_api, member, make_video, file_report, staff):
    owner, moderator = member(), staff()
    quiet, loud = make_video(owner, title="quiet"), make_video(owner, title="loud")
    people = _reporters(member, 3)
    file_report(people[0], "video", quiet, "spam")
    for person, reason in zip(people, ("hate", "hate", "violence")):
        file_report(person, "video", loud, reason, note=f"by {person.username}")
    file_report(people[1], "user", owner.id, "harassment")
    items = moderation_api.get("/report", token=moderator.token).json["items"]
    assert [(i["targetType"], i["targetSummary"], i["reportCount"]) for i in items][0] == (
        "video", "loud", 3)
    top = items[0]
    assert top["reasons"] == {"hate": 2, "violence": 1}
    assert top["owner"]["id"] == owner.id and top["lastNote"] == f"by {people[2].username}"
    assert sorted((i["targetType"], i["reportCount"]) for i in items[1:]) == [
        ("user", 1), ("video", 1)]
    assert {i["targetSummary"] for i in items} == {"loud", "quiet", owner.username}
    # Paged: every target once.
    first = moderation_api.get("/report", token=moderator.token, query={"limit": 2}).json
    rest = moderation_api.get("/report", token=moderator.token,
                              query={"limit": 2, "cursor": first["nextCursor"]}).json
    assert len(first["items"]) == 2 and len(rest["items"]) == 1 and rest["nextCursor"] is None
    assert {i["id"] for i in first["items"] + rest["items"]} == {i["id"] for i in items}
    assert moderation_api.get("/report", token=moderator.token,
                              query={"status": "closed"}).status == 422


def test_resolving_one_report_resolves_the_target(moderation_api, member, make_video,
                                                  file_report, staff, db):
    owner, moderator = member(), staff()
    video = make_video(owner)
    reports = [file_report(p, "video", video, r)
               for p, r in zip(_reporters(member, 3), ("spam", "spam", "hate"))]
    answer = moderation_api.post(f"/report/{reports[0]['id']}/resolve",
                                 {"action": "dismiss", "note": "fine"}, token=moderator.token)
    assert answer.status == 200, answer.body
    assert answer.json["resolution"]["action"] == "dismiss"
    assert answer.json["resolution"]["reportCount"] == 3
    assert db.reports.count_documents({"status": "open"}) == 0
    assert moderation_api.get("/report", token=moderator.token).json["items"] == []
    done = moderation_api.get("/report", token=moderator.token,
                              query={"status": "resolved"}).json["items"]
    assert [(d["targetId"], d["reportCount"], d["resolution"]["action"]) for d in done] == [
        (video, 3, "dismiss")]
    # Repeating it (any of the reports) is the same answer; another decision is a conflict.
    again = moderation_api.post(f"/report/{reports[2]['id']}/resolve", {"action": "dismiss"},
                                token=moderator.token)
    assert again.status == 200 and again.json == answer.json
    other = moderation_api.post(f"/report/{reports[1]['id']}/resolve", {"action": "takedown"},
                                token=moderator.token)
    assert other.status == 409 and other.error_code == "report_already_resolved"
    assert other.json["error"]["details"] == {"action": "dismiss"}
    for bad in (str(ObjectId()), "x"):
        answer = moderation_api.post(f"/report/{bad}/resolve", {"action": "dismiss"},
                                     token=moderator.token)
        assert answer.status == 404 and answer.error_code == "report_not_found"
    # Reported again later: a new case, counted from one.
    file_report(member(), "video", video, "violence")
    items = moderation_api.get("/report", token=moderator.token).json["items"]
    assert [(i["reportCount"], i["reasons"]) for i in items] == [(1, {"violence": 1})]


def test_moderators_cannot_act_on_staff(moderation_api, member, make_video, file_report,
                                        staff):
    admin, moderator, other_mod = staff("admin"), staff(), staff()
    reporter = member()
    on_admin = file_report(reporter, "video", make_video(admin))
    on_mod = file_report(reporter, "user", other_mod.id)
    on_self = file_report(reporter, "user", moderator.id)
    for report in (on_admin, on_mod, on_self):
        for action in ("takedown", "suspend") if report is on_admin else ("suspend",):
            answer = moderation_api.post(f"/report/{report['id']}/resolve", {"action": action},
                                         token=moderator.token)
            assert answer.status == 403 and answer.error_code == "target_protected"
    # Dismissing is always allowed; an admin may act on a moderator.
    assert moderation_api.post(f"/report/{on_admin['id']}/resolve", {"action": "dismiss"},
                               token=moderator.token).status == 200
    assert moderation_api.post(f"/report/{on_mod['id']}/resolve", {"action": "suspend"},
                               token=admin.token).status == 200


def test_an_account_is_suspended_not_taken_down(moderation_api, member, file_report, staff):
    moderator, someone = staff(), member()
    report = file_report(member(), "user", someone.id)
    answer = moderation_api.post(f"/report/{report['id']}/resolve", {"action": "takedown"},
                                 token=moderator.token)
    assert answer.status == 422 and answer.error_code == "action_not_applicable"


# --- the audit log -----------------------------------------------------------------------------
def test_every_decision_is_in_the_audit_log(moderation_api, member, make_video, file_report,
                                            staff, comment_api):
    admin, moderator, owner = staff("admin"), staff(), member()
    video, spam_video = make_video(owner), make_video(owner)
    said = comment_api.post(f"/comment/{video}", {"text": "buy now"}, token=owner.token)
    reporter = member()
    dismissed = file_report(reporter, "video", video, "other")
    taken = file_report(reporter, "comment", said.json["comment"]["id"], "spam")
    suspended = file_report(reporter, "video", spam_video, "spam")
    decisions = [(dismissed, "dismiss", "not a problem"), (taken, "takedown", None),
                 (suspended, "suspend", "repeat offender")]
    for report, action, note in decisions:
        body = {"action": action, **({"note": note} if note else {})}
        assert moderation_api.post(f"/report/{report['id']}/resolve", body,
                                   token=moderator.token).status == 200
        # Pressed twice: still one entry.
        assert moderation_api.post(f"/report/{report['id']}/resolve", body,
                                   token=moderator.token).status == 200
    moderation_api.put(f"/admin/users/{reporter.id}/role", {"role": "moderator"},
                       token=admin.token)
    log = moderation_api.get("/report/audit", token=moderator.token).json
    got = [(e["action"], e["targetType"], e["targetId"], e["note"], e["reason"],
            e["actor"]["id"]) for e in log["items"]]
    assert got == [
        ("role", "user", reporter.id, "moderator", None, admin.id),
        ("suspend", "video", spam_video, "repeat offender", "spam", moderator.id),
        ("takedown", "comment", said.json["comment"]["id"], None, "spam", moderator.id),
        ("dismiss", "video", video, "not a problem", "other", moderator.id),
    ]
    assert all(e["reportCount"] == 1 for e in log["items"][1:])
    page = moderation_api.get("/report/audit", token=moderator.token, query={"limit": 3}).json
    rest = moderation_api.get("/report/audit", token=moderator.token,
                              query={"limit": 3, "cursor": page["nextCursor"]}).json
    assert [e["id"] for e in page["items"] + rest["items"]] == [e["id"] for e in log["items"]]


def test_bad_cursors_and_ids_are_4xx(moderation_api, staff):
    import base64
    import json

    moderator = staff()

    def cursor(value, last_id) -> str:
        raw = json.dumps([value, last_id]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    for path in ("/report", "/report/audit"):
        for bad in ("x", cursor({"$gt": 1}, str(ObjectId())), cursor(True, str(ObjectId())),
                    cursor(1, "not an id"), cursor("text", str(ObjectId()))):
            answer = moderation_api.get(path, token=moderator.token, query={"cursor": bad})
            assert answer.status == 400 and answer.error_code == "invalid_cursor", (path, bad)
    for path, body in ((f"/report/{'z' * 30}/resolve", {"action": "dismiss"}),
                       ("/report/%00/resolve", {"action": "dismiss"})):
        assert moderation_api.post(path, body, token=moderator.token).status == 404


def test_content_deleted_since_its_report_can_still_be_decided(
        moderation_api, member, make_video, file_report, staff, db):
    owner, moderator = member(), staff()
    video = make_video(owner)
    report = file_report(member(), "video", video)
    db.videos.delete_one({"_id": video})
    answer = moderation_api.post(f"/report/{report['id']}/resolve", {"action": "suspend"},
                                 token=moderator.token)
    assert answer.status == 200, answer.body
    assert db.users.find_one({"_id": ObjectId(owner.id)})["suspendedAt"] is not None
    items = moderation_api.get("/report", token=moderator.token,
                               query={"status": "resolved"}).json["items"]
    assert [(i["targetSummary"], i["owner"]["id"]) for i in items] == [(None, owner.id)]


def test_a_deleted_reporters_reports_stay_without_their_name(
        moderation_api, member, make_video, file_report, staff, db):
    from tuber_common.moderation import forget_reporter

    owner, reporter, moderator = member(), member(), staff()
    video = make_video(owner)
    file_report(reporter, "video", video, "spam", note="my words")
    file_report(member(), "video", video, "hate")
    forget_reporter(db, ObjectId(reporter.id))
    assert db.reports.count_documents({"reporterId": ObjectId(reporter.id)}) == 0
    assert db.reports.count_documents({"note": "my words"}) == 0
    items = moderation_api.get("/report", token=moderator.token).json["items"]
    assert [(i["reportCount"], i["reasons"], i["lastNote"]) for i in items] == [
        (2, {"spam": 1, "hate": 1}, None)]  # the queue's copy of the note went too
