"""Deleting an account (issue 16, item 1; docs/API.md "Deleting an account"): confirmed with
the password; videos and their media go; comments go as if deleted one by one (threads with
others' replies stay as placeholders); ratings and counts are repaired; tokens stop at once;
the username is retired, the address freed; a deletion that stops half way is finished by
the schedule."""
from __future__ import annotations

from bson import ObjectId

from tests.support.api import DEFAULT_PASSWORD as PASSWORD, register_user
from tests.support.people import Member


def as_member(session: dict) -> Member:
    user = session["user"]
    return Member(user["id"], user["username"], session["accessToken"])


def media_keys(s3) -> list[str]:
    from tuber_common.settings import get_settings

    listing = s3.list_objects_v2(Bucket=get_settings().media_bucket)
    return sorted(o["Key"] for o in listing.get("Contents", []))


def put_media(s3, video_id: str) -> None:
    from tuber_common.settings import get_settings

    for key in (f"raw/{video_id}/source", f"hls/{video_id}/master.m3u8",
                f"hls/{video_id}/240p/seg_00000.ts", f"thumbs/{video_id}/custom-1.png",
                f"incoming/thumbs/{video_id}/custom-2.png"):
        s3.put_object(Bucket=get_settings().media_bucket, Key=key, Body=b"x")


def counters(db, video_id: str) -> dict:
    from tuber_common.ids import parse_video_id

    doc = db.videos.find_one({"_id": parse_video_id(video_id)})
    return {k: doc[k] for k in ("likeCount", "dislikeCount", "commentCount")}


def recounted(db, video_id: str) -> dict:
    """The counters as the documents say (the like and comment functions' own recounts)."""
    from tuber_comment import comments
    from tuber_like import ratings
    from tuber_common.ids import parse_video_id

    vid = parse_video_id(video_id)
    return {**ratings.recount(db, vid), **comments.recount(db, vid, lambda: False)}


def build_world(auth_api, video_api, like_api, comment_api, published_video, s3, mailbox):
    """Ada (to be deleted) and Bob, each with a video, rating and commenting on each other."""
    ada = as_member(register_user(auth_api, "ada", mailbox=mailbox))
    bob = as_member(register_user(auth_api, "bob", mailbox=mailbox))
    adas_video, bobs_video = published_video(ada, "Ada's"), published_video(bob, "Bob's")
    put_media(s3, adas_video)
    put_media(s3, bobs_video)

    def comment(who, video, text, parent=None):
        body = {"text": text, **({"parentId": parent} if parent else {})}
        answer = comment_api.post(f"/comment/{video}", body, token=who.token)
        assert answer.status == 201, answer.body
        return answer.json["comment"]["id"]

    assert like_api.put(f"/like/{bobs_video}", {"rating": "like"}, token=ada.token).status == 200
    assert like_api.put(f"/like/{adas_video}", {"rating": "dislike"},
                        token=bob.token).status == 200
    ids = {
        "ada_thread": comment(ada, bobs_video, "Ada's thread"),        # Bob replies to it
        "ada_alone": comment(ada, bobs_video, "Ada's lone comment"),   # nobody replies
        "bob_thread": comment(bob, bobs_video, "Bob's thread"),        # Ada replies to it
        "on_adas": comment(bob, adas_video, "Bob on Ada's video"),
    }
    ids["bob_reply"] = comment(bob, bobs_video, "Bob's reply", ids["ada_thread"])
    ids["ada_reply"] = comment(ada, bobs_video, "Ada's reply", ids["bob_thread"])
    ids["ada_own_reply"] = comment(ada, bobs_video, "Ada replies to herself", ids["ada_thread"])
    pin = video_api.put(f"/video/{bobs_video}/pin", {"commentId": ids["ada_alone"]},
                        token=bob.token)
    assert pin.status == 200, pin.body
    return ada, bob, adas_video, bobs_video, ids


def test_deleting_an_account_removes_it_and_repairs_everything_else(
        auth_api, video_api, like_api, comment_api, published_video, s3, mailbox, db):
    ada, bob, adas_video, bobs_video, ids = build_world(
        auth_api, video_api, like_api, comment_api, published_video, s3, mailbox)
    assert counters(db, bobs_video) == {"likeCount": 1, "dislikeCount": 0, "commentCount": 6}

    # The password confirms it.
    wrong = auth_api.delete("/auth/me", json_body={"password": "not mine"}, token=ada.token)
    assert (wrong.status, wrong.error_code) == (403, "wrong_password")
    missing = auth_api.delete("/auth/me", token=ada.token)
    assert missing.status == 422
    answer = auth_api.delete("/auth/me", json_body={"password": PASSWORD}, token=ada.token)
    assert answer.status == 202, answer.body
    deletion = answer.json["deletion"]
    assert deletion["status"] == "complete"
    assert deletion["removed"] == {"videos": 1, "ratings": 1, "comments": 4}

    # The account is gone: its tokens stop on every route, sign-in finds nothing.
    assert auth_api.get("/auth/me", token=ada.token).error_code == "account_not_found"
    created = video_api.post("/video", {"title": "x", "contentType": "video/mp4",
                                        "sizeBytes": 10}, token=ada.token)
    assert created.status == 401
    assert auth_api.post("/auth/login", {"username": "ada", "password": PASSWORD}).status == 401
    assert db.users.count_documents({"_id": ObjectId(ada.id)}) == 0
    assert mailbox.last("ada@example.com")["kind"] == "account_deleted"

    # Its video and every object of it are gone; Bob's stay.
    assert video_api.get(f"/video/{adas_video}").status == 404
    assert media_keys(s3) and all(bobs_video in key for key in media_keys(s3))
    assert db.comments.count_documents({"videoId": {"$ne": db.videos.find_one(
        {"_id": {"$ne": None}})["_id"]}}) == 0  # Bob's comment on Ada's video went with it

    # Ratings and counts: Ada's like is gone from Bob's video, counts equal a recount.
    assert db.ratings.count_documents({"userId": ObjectId(ada.id)}) == 0
    assert counters(db, bobs_video) == recounted(db, bobs_video) == {
        "likeCount": 0, "dislikeCount": 0, "commentCount": 2}
    listed = comment_api.get(f"/comment/{bobs_video}").json["items"]
    by_id = {c["id"]: c for c in listed}
    # Ada's thread with Bob's reply stays as a placeholder; her lone comment is gone and
    # unpinned; her reply in Bob's thread is gone, and the thread counts one reply less.
    placeholder = by_id[ids["ada_thread"]]
    assert placeholder["deleted"] and placeholder["author"] is None and placeholder["text"] == ""
    assert placeholder["replyCount"] == 1
    assert ids["ada_alone"] not in by_id and not any(c["pinned"] for c in listed)
    assert by_id[ids["bob_thread"]]["replyCount"] == 0
    replies = comment_api.get(f"/comment/{bobs_video}",
                              query={"parentId": ids["ada_thread"]}).json["items"]
    assert [r["id"] for r in replies] == [ids["bob_reply"]]
    assert db.comments.count_documents({"authorId": ObjectId(ada.id)}) == 0
    video = video_api.get(f"/video/{bobs_video}").json["video"]
    assert video["pinnedCommentId"] is None


def test_the_username_is_retired_and_the_address_freed(auth_api, mailbox, db):
    ada = register_user(auth_api, "ada", mailbox=mailbox)
    assert auth_api.delete("/auth/me", json_body={"password": PASSWORD},
                           token=ada["accessToken"]).status == 202
    for name in ("ada", "ADA", "Ada_"):
        again = auth_api.post("/auth/register", {"username": name, "email": "new@example.com",
                                                 "password": PASSWORD})
        assert (again.status, again.error_code) == (409, "username_taken"), name
    imitation = auth_api.post("/auth/register", {"username": "someone", "displayName": "Ada",
                                                 "email": "s@example.com",
                                                 "password": PASSWORD})
    assert imitation.error_code == "display_name_imitates"
    # The address may start a new account, and verify it.
    mailbox.clear()
    session = register_user(auth_api, "ada_lovelace", email="ada@example.com", mailbox=mailbox)
    assert auth_api.get("/auth/me", token=session["accessToken"]).json["user"]["emailVerified"]
    # Nothing personal is kept with the retired name.
    retired = db.retired_usernames.find_one({"_id": "ada"})
    assert set(retired) == {"_id", "skeleton", "retiredAt"}


def test_refresh_tokens_of_a_deleted_account_are_refused(auth_api):
    ada = register_user(auth_api, "ada")
    other = auth_api.post("/auth/login", {"username": "ada", "password": PASSWORD}).json
    assert auth_api.delete("/auth/me", json_body={"password": PASSWORD},
                           token=ada["accessToken"]).status == 202
    for session in (ada, other):
        assert auth_api.post("/auth/refresh",
                             {"refreshToken": session["refreshToken"]}).status == 401
        assert auth_api.get("/auth/me", token=session["accessToken"]).status == 401


def test_a_deletion_that_runs_out_of_time_is_finished_by_the_schedule(
        auth_api, video_api, like_api, comment_api, published_video, s3, mailbox, db,
        monkeypatch):
    from tuber_auth import deletion
    from tuber_auth.handler import lambda_handler
    from tuber_common.settings import get_settings

    monkeypatch.setenv("ACCOUNT_DELETION_SETTLE_SECONDS", "0")
    get_settings.cache_clear()
    ada, bob, adas_video, bobs_video, ids = build_world(
        auth_api, video_api, like_api, comment_api, published_video, s3, mailbox)
    monkeypatch.setattr(deletion, "REQUEST_BUDGET_SECONDS", 0.0)
    answer = auth_api.delete("/auth/me", json_body={"password": PASSWORD}, token=ada.token)
    assert answer.status == 202 and answer.json["deletion"]["status"] == "in_progress"
    # The account itself is already gone; its content is not yet.
    assert auth_api.get("/auth/me", token=ada.token).status == 401
    assert db.videos.count_documents({"ownerId": ObjectId(ada.id)}) == 1

    from local.lambda_context import LambdaContext

    done = lambda_handler({"detail-type": "Scheduled Event", "source": "aws.events"},
                          LambdaContext())
    assert done == {"deletionsChecked": 1, "deletionsFinished": 1}
    from tuber_common.account_removal import leftovers

    assert leftovers(db, ObjectId(ada.id)) == {"videos": 0, "ratings": 0, "comments": 0}
    assert counters(db, bobs_video) == recounted(db, bobs_video)
    record = db.account_deletions.find_one({"_id": ObjectId(ada.id)})
    assert record["finishedAt"] is not None and record["removed"]["videos"] == 1
    # Nothing left to do.
    assert lambda_handler({"detail-type": "Scheduled Event"}, LambdaContext()) == {
        "deletionsChecked": 0, "deletionsFinished": 0}


def test_a_request_that_died_before_removing_the_account_is_carried_through(auth_api, db):
    """The record is written first: a deletion confirmed with the password is finished even
    if its request stopped right after (here: only the record exists)."""
    from tuber_auth import deletion
    from tuber_common.clock import utcnow

    ada = register_user(auth_api, "ada")
    oid = ObjectId(ada["user"]["id"])
    db.account_deletions.insert_one({"_id": oid, "username": "ada", "requestedAt": utcnow(),
                                     "settleUntil": utcnow(), "finishedAt": None, "runs": 0})
    assert deletion.finish_pending(db) == {"deletionsChecked": 1, "deletionsFinished": 1}
    assert db.users.count_documents({"_id": oid}) == 0
    assert auth_api.get("/auth/me", token=ada["accessToken"]).status == 401


def test_content_written_with_an_old_token_after_deletion_is_removed_while_settling(
        auth_api, db, make_video, s3):
    """A request already past its token check when the account went may still write: the
    schedule keeps looking until the settle time has passed."""
    from tuber_auth import deletion

    ada = register_user(auth_api, "ada")
    oid = ObjectId(ada["user"]["id"])
    assert auth_api.delete("/auth/me", json_body={"password": PASSWORD},
                           token=ada["accessToken"]).status == 202
    late = make_video(Member(str(oid), "ada", ada["accessToken"]))  # written "meanwhile"
    assert deletion.finish_pending(db) == {"deletionsChecked": 1, "deletionsFinished": 0}
    assert late and db.videos.count_documents({"ownerId": oid}) == 0
    record = db.account_deletions.find_one({"_id": oid})
    assert record["finishedAt"] is None  # settles for ACCOUNT_DELETION_SETTLE_SECONDS


def test_deleting_twice_at_once_is_one_deletion(auth_api, db):
    from concurrent.futures import ThreadPoolExecutor

    ada = register_user(auth_api, "ada")
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: auth_api.delete(
            "/auth/me", json_body={"password": PASSWORD}, token=ada["accessToken"]), range(4)))
    assert {a.status for a in answers} <= {202, 401}
    assert any(a.status == 202 for a in answers)
    assert db.account_deletions.count_documents({}) == 1
    assert db.users.count_documents({}) == 0
