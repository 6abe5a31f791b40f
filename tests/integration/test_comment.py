"""/comment: create, list (threads, pagination), edit, delete, permissions and bad input."""
from __future__ import annotations

import pytest
from bson import ObjectId

from tuber_common.ids import parse_video_id


def comment_count(db, video_id):
    return db.videos.find_one({"_id": parse_video_id(video_id)})["commentCount"]


@pytest.fixture
def post(comment_api):
    def _post(who, video_id, text="hello", parent_id=None):
        body = {"text": text} | ({"parentId": parent_id} if parent_id else {})
        answer = comment_api.post(f"/comment/{video_id}", body, token=who.token)
        assert answer.status == 201, answer.body
        return answer.json["comment"]
    return _post


def test_create_and_read_back(comment_api, member, make_video, db):
    owner, fan = member(), member("fan")
    vid = make_video(owner)

    answer = comment_api.post(f"/comment/{vid}", {"text": "  first!  "}, token=fan.token)

    assert answer.status == 201, answer.body
    comment = answer.json["comment"]
    assert comment["text"] == "first!"  # trimmed
    assert comment["videoId"] == vid and comment["parentId"] is None
    assert comment["author"] == {"id": fan.id, "username": "fan", "displayName": "fan"}
    assert comment["replyCount"] == 0 and comment["edited"] is False
    assert comment["createdAt"].endswith("Z")
    listed = comment_api.get(f"/comment/{vid}").json
    assert listed == {"items": [comment], "nextCursor": None}
    assert comment_count(db, vid) == 1


def test_replies_thread_one_level(comment_api, member, make_video, db, post):
    owner, a, b = member(), member(), member()
    vid = make_video(owner)
    top = post(a, vid, "top")
    r1 = post(b, vid, "reply 1", top["id"])
    # A reply to a reply joins the top-level thread.
    r2 = post(a, vid, "reply 2", r1["id"])
    assert r1["parentId"] == top["id"] and r2["parentId"] == top["id"]

    tops = comment_api.get(f"/comment/{vid}").json["items"]
    assert [c["id"] for c in tops] == [top["id"]]  # replies are not top-level
    assert tops[0]["replyCount"] == 2
    replies = comment_api.get(f"/comment/{vid}", query={"parentId": top["id"]}).json["items"]
    assert [c["text"] for c in replies] == ["reply 1", "reply 2"]  # oldest first
    assert comment_count(db, vid) == 3  # replies count too


def test_top_level_newest_first_and_pages_without_gaps(comment_api, member, make_video, post):
    owner = member()
    vid = make_video(owner)
    made = [post(owner, vid, f"c{i}")["id"] for i in range(7)]
    seen, cursor = [], None
    while True:
        query = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        answer = comment_api.get(f"/comment/{vid}", query=query)
        assert answer.status == 200, answer.body
        assert len(answer.json["items"]) <= 3
        seen += [c["id"] for c in answer.json["items"]]
        cursor = answer.json["nextCursor"]
        if not cursor:
            break
    assert seen == list(reversed(made))


def test_replies_page_oldest_first_without_gaps(comment_api, member, make_video, post):
    owner = member()
    vid = make_video(owner)
    top = post(owner, vid)
    made = [post(owner, vid, f"r{i}", top["id"])["id"] for i in range(5)]
    seen, cursor = [], None
    while True:
        query = {"limit": 2, "parentId": top["id"]} | ({"cursor": cursor} if cursor else {})
        answer = comment_api.get(f"/comment/{vid}", query=query)
        seen += [c["id"] for c in answer.json["items"]]
        cursor = answer.json["nextCursor"]
        if not cursor:
            break
    assert seen == made


def test_list_hydrates_authors_in_one_query(comment_api, member, make_video, post, monkeypatch):
    from tuber_common import users

    vid = make_video(member())
    authors = [member() for _ in range(4)]
    for who in authors:
        post(who, vid)
    calls = []
    real = users.hydrate_users
    monkeypatch.setattr("tuber_comment.comments.hydrate_users",
                        lambda d, ids: calls.append(list(ids)) or real(d, ids))
    items = comment_api.get(f"/comment/{vid}").json["items"]
    assert len(calls) == 1 and len(calls[0]) == 4
    assert {c["author"]["username"] for c in items} == {a.username for a in authors}


def test_edit_by_author(comment_api, member, make_video, post):
    owner, author = member(), member()
    vid = make_video(owner)
    comment = post(author, vid, "tpyo")
    answer = comment_api.patch(f"/comment/{comment['id']}", {"text": "typo"}, token=author.token)
    assert answer.status == 200, answer.body
    edited = answer.json["comment"]
    assert edited["text"] == "typo" and edited["edited"] is True and edited["editedAt"]
    assert edited["id"] == comment["id"] and edited["createdAt"] == comment["createdAt"]
    assert comment_api.get(f"/comment/{vid}").json["items"][0]["text"] == "typo"


def test_delete_leaf_and_reply(comment_api, member, make_video, db, post):
    owner, a = member(), member()
    vid = make_video(owner)
    lone = post(a, vid)
    top = post(a, vid)
    reply = post(a, vid, "r", top["id"])
    assert comment_count(db, vid) == 3

    assert comment_api.delete(f"/comment/{lone['id']}", token=a.token).status == 204
    assert comment_api.delete(f"/comment/{reply['id']}", token=a.token).status == 204

    assert comment_count(db, vid) == 1
    (only,) = comment_api.get(f"/comment/{vid}").json["items"]
    assert only["id"] == top["id"] and only["replyCount"] == 0
    # Deleting again: it is gone.
    again = comment_api.delete(f"/comment/{lone['id']}", token=a.token)
    assert again.status == 404 and again.error_code == "comment_not_found"
    assert comment_count(db, vid) == 1


def test_deleting_a_thread_leaves_a_placeholder(comment_api, member, make_video, db, post):
    owner, a, b = member(), member(), member()
    vid = make_video(owner)
    top = post(a, vid, "secret words")
    reply = post(b, vid, "answer", top["id"])

    assert comment_api.delete(f"/comment/{top['id']}", token=a.token).status == 204

    (shown,) = comment_api.get(f"/comment/{vid}").json["items"]
    assert shown["id"] == top["id"] and shown["deleted"] is True
    assert shown["text"] == "" and shown["author"] is None and shown["replyCount"] == 1
    replies = comment_api.get(f"/comment/{vid}", query={"parentId": top["id"]}).json["items"]
    assert [r["text"] for r in replies] == ["answer"]
    assert comment_count(db, vid) == 1  # the placeholder is not a live comment
    # The placeholder can be neither edited, deleted again nor replied to directly...
    assert comment_api.patch(f"/comment/{top['id']}", {"text": "x"}, token=a.token).status == 404
    assert comment_api.delete(f"/comment/{top['id']}", token=a.token).status == 404
    direct = comment_api.post(f"/comment/{vid}", {"text": "hi", "parentId": top["id"]},
                              token=b.token)
    assert direct.status == 409 and direct.error_code == "comment_deleted"
    # ...and goes away with its last reply.
    assert comment_api.delete(f"/comment/{reply['id']}", token=b.token).status == 204
    assert comment_api.get(f"/comment/{vid}").json["items"] == []
    assert db.comments.count_documents({}) == 0 and comment_count(db, vid) == 0


# Who may comment and read: owner / other user / anonymous x public / unlisted / private.
MATRIX = [
    ("public", "owner", 201, 200), ("public", "other", 201, 200),
    ("public", "anonymous", 401, 200),
    ("unlisted", "owner", 201, 200), ("unlisted", "other", 201, 200),
    ("unlisted", "anonymous", 401, 200),
    ("private", "owner", 201, 200), ("private", "other", 404, 404),
    ("private", "anonymous", 401, 404),
]


@pytest.mark.parametrize("visibility,caller,post_status,get_status", MATRIX)
def test_visibility_matrix(comment_api, member, make_video, db, visibility, caller, post_status,
                           get_status):
    owner, other = member(), member()
    vid = make_video(owner, visibility=visibility)
    token = {"owner": owner.token, "other": other.token, "anonymous": None}[caller]
    created = comment_api.post(f"/comment/{vid}", {"text": "hi"}, token=token)
    assert created.status == post_status, created.body
    if post_status == 404:
        assert created.error_code == "video_not_found"
    assert comment_count(db, vid) == (1 if post_status == 201 else 0)
    listed = comment_api.get(f"/comment/{vid}", token=token)
    assert listed.status == get_status, listed.body


# Who may edit and delete: the author, the video's owner, a stranger, nobody.
@pytest.mark.parametrize("caller,edit_status,delete_status", [
    ("author", 200, 204), ("video_owner", 403, 204), ("stranger", 403, 403),
    ("anonymous", 401, 401),
])
def test_edit_delete_matrix(comment_api, member, make_video, db, post, caller, edit_status,
                            delete_status):
    video_owner, author, stranger = member(), member(), member()
    vid = make_video(video_owner)
    comment = post(author, vid, "original")
    token = {"author": author.token, "video_owner": video_owner.token,
             "stranger": stranger.token, "anonymous": None}[caller]

    edited = comment_api.patch(f"/comment/{comment['id']}", {"text": "changed"}, token=token)
    assert edited.status == edit_status, edited.body
    if edit_status == 403:
        assert edited.error_code == "not_author"
    stored = db.comments.find_one({"_id": ObjectId(comment["id"])})
    assert stored["text"] == ("changed" if edit_status == 200 else "original")

    deleted = comment_api.delete(f"/comment/{comment['id']}", token=token)
    assert deleted.status == delete_status, deleted.body
    if delete_status == 403:
        assert deleted.error_code == "not_allowed"
    assert comment_count(db, vid) == (0 if delete_status == 204 else 1)


def test_comments_of_a_video_made_private_vanish_for_others(comment_api, member, make_video, db,
                                                             post):
    owner, author = member(), member()
    vid = make_video(owner)
    comment = post(author, vid)
    db.videos.update_one({"_id": parse_video_id(vid)}, {"$set": {"visibility": "private"}})
    # The author can no longer see the video, so neither can they touch the comment.
    assert comment_api.patch(f"/comment/{comment['id']}", {"text": "x"},
                             token=author.token).status == 404
    assert comment_api.delete(f"/comment/{comment['id']}", token=author.token).status == 404
    assert comment_api.get(f"/comment/{vid}", token=author.token).status == 404
    # The owner still can.
    assert comment_api.delete(f"/comment/{comment['id']}", token=owner.token).status == 204


@pytest.mark.parametrize("status", ["UPLOADING", "PROCESSING", "FAILED"])
def test_only_published_videos_take_comments(comment_api, member, make_video, db, status):
    owner, other = member(), member()
    vid = make_video(owner, status=status)
    answer = comment_api.post(f"/comment/{vid}", {"text": "hi"}, token=owner.token)
    assert answer.status == 409 and answer.error_code == "video_not_published"
    assert comment_api.get(f"/comment/{vid}", token=owner.token).json["items"] == []
    # To anyone else an unpublished video does not exist (as on GET /video/{id}).
    hidden = comment_api.post(f"/comment/{vid}", {"text": "hi"}, token=other.token)
    assert hidden.status == 404 and hidden.error_code == "video_not_found"
    for token in (other.token, None):
        assert comment_api.get(f"/comment/{vid}", token=token).status == 404
    assert db.comments.count_documents({}) == 0


@pytest.mark.parametrize("body", [{"text": ""}, {"text": "   \n\t "}, {"text": "x" * 2001},
                                  {}, {"text": None}, {"text": 5}, [], "hi"])
def test_bad_text_is_422(comment_api, member, make_video, db, post, body):
    owner = member()
    vid = make_video(owner)
    answer = comment_api.post(f"/comment/{vid}", body, token=owner.token)
    assert answer.status == 422, answer.body
    assert answer.error_code == "validation_error"
    comment = post(owner, vid, "kept")
    edit = comment_api.patch(f"/comment/{comment['id']}", body, token=owner.token)
    assert edit.status == 422, edit.body
    assert db.comments.find_one({"_id": ObjectId(comment["id"])})["text"] == "kept"
    assert comment_count(db, vid) == 1


def test_longest_text_is_accepted(comment_api, member, make_video):
    owner = member()
    vid = make_video(owner)
    answer = comment_api.post(f"/comment/{vid}", {"text": "é" * 2000}, token=owner.token)
    assert answer.status == 201 and len(answer.json["comment"]["text"]) == 2000


def test_malformed_json_is_400(comment_api, member, make_video, post):
    owner = member()
    vid = make_video(owner)
    answer = comment_api.call("POST", f"/comment/{vid}", raw_body="{text", token=owner.token)
    assert answer.status == 400 and answer.error_code == "invalid_json"
    comment = post(owner, vid)
    answer = comment_api.call("PATCH", f"/comment/{comment['id']}", raw_body="{",
                              token=owner.token)
    assert answer.status == 400 and answer.error_code == "invalid_json"


@pytest.mark.parametrize("bad_id", ["nope", "123", str(ObjectId())],
                         ids=["nope", "123", "unknown_object_id"])
def test_unknown_or_malformed_ids_are_404(comment_api, member, make_video, post, bad_id):
    owner = member()
    vid = make_video(owner)
    top = post(owner, vid)

    def code(answer):
        assert answer.status == 404, answer.body
        return answer.error_code

    assert code(comment_api.post(f"/comment/{bad_id}", {"text": "x"},
                                 token=owner.token)) == "video_not_found"
    assert code(comment_api.get(f"/comment/{bad_id}")) == "video_not_found"
    assert code(comment_api.patch(f"/comment/{bad_id}", {"text": "x"},
                                  token=owner.token)) == "comment_not_found"
    assert code(comment_api.delete(f"/comment/{bad_id}", token=owner.token)) == "comment_not_found"
    assert code(comment_api.post(f"/comment/{vid}", {"text": "x", "parentId": bad_id},
                                 token=owner.token)) == "comment_not_found"
    assert code(comment_api.get(f"/comment/{vid}",
                                query={"parentId": bad_id})) == "comment_not_found"
    assert top["replyCount"] == 0


def test_parent_must_belong_to_the_video(comment_api, member, make_video, post, db):
    owner = member()
    one, two = make_video(owner), make_video(owner)
    elsewhere = post(owner, one)
    answer = comment_api.post(f"/comment/{two}", {"text": "x", "parentId": elsewhere["id"]},
                              token=owner.token)
    assert answer.status == 404 and answer.error_code == "comment_not_found"
    assert comment_api.get(f"/comment/{two}", query={"parentId": elsewhere["id"]}).status == 404
    assert comment_count(db, two) == 0


def test_bad_cursor_and_limit(comment_api, member, make_video):
    vid = make_video(member())
    bad = comment_api.get(f"/comment/{vid}", query={"cursor": "%%%"})
    assert bad.status == 400 and bad.error_code == "invalid_cursor"
    for limit in ("0", "101", "x"):
        assert comment_api.get(f"/comment/{vid}", query={"limit": limit}).status == 422
