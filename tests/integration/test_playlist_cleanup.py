"""What goes with a video, a playlist and an account: a deleted video leaves every playlist
(counts and positions follow), a deleted account takes its playlists and Watch later with
it, and an add that races a playlist's deletion leaves nothing behind."""
from __future__ import annotations

from bson import ObjectId

from tests.support.api import DEFAULT_PASSWORD as PASSWORD, register_user
from tests.support.people import Member


def entries(playlist_api, pid, token):
    answer = playlist_api.get(f"/playlist/{pid}", token=token, query={"limit": 100})
    assert answer.status == 200, answer.body
    playlist = answer.json["playlist"]
    return [e["video"]["id"] for e in playlist["items"]], playlist["itemCount"]


def test_a_deleted_video_leaves_every_playlist(video_api, playlist_api, member, published_video,
                                               make_video, make_playlist, add_to_playlist, db):
    creator = member()
    doomed = published_video(creator, "doomed")
    kept = make_video(creator)
    fans = [member() for _ in range(12)]
    lists = []
    for fan in fans:
        pid = make_playlist(fan, visibility="private")
        add_to_playlist(fan, pid, kept)
        assert add_to_playlist(fan, pid, doomed, position=0).status == 201
        assert add_to_playlist(fan, "watch-later", doomed).status == 201
        lists.append((fan, pid))

    assert video_api.delete(f"/video/{doomed}", token=creator.token).status == 204

    for fan, pid in lists:
        assert entries(playlist_api, pid, fan.token) == ([kept], 1)
        wl = playlist_api.get("/playlist/watch-later", token=fan.token).json["playlist"]
        assert (wl["itemCount"], wl["hiddenCount"], wl["items"]) == (0, 0, [])
        first = playlist_api.get(f"/playlist/{pid}", token=fan.token).json["playlist"]["items"]
        assert first[0]["position"] == 0  # the gap closed
    assert db.playlist_items.count_documents({"videoId": doomed}) == 0


def test_a_deleted_account_takes_its_playlists_and_leaves_others(
        auth_api, playlist_api, make_video, add_to_playlist, make_playlist, db, s3):
    ada_session, bob_session = register_user(auth_api, "ada"), register_user(auth_api, "bob")
    ada = Member(ada_session["user"]["id"], "ada", ada_session["accessToken"])
    bob = Member(bob_session["user"]["id"], "bob", bob_session["accessToken"])
    adas_video, bobs_video = make_video(ada), make_video(bob)
    adas_list = make_playlist(ada, visibility="public")
    add_to_playlist(ada, adas_list, bobs_video)
    add_to_playlist(ada, "watch-later", bobs_video)
    bobs_list = make_playlist(bob)
    add_to_playlist(bob, bobs_list, adas_video)
    add_to_playlist(bob, bobs_list, bobs_video)

    answer = auth_api.delete("/auth/me", json_body={"password": PASSWORD}, token=ada.token)
    assert answer.status == 202, answer.body

    assert db.playlists.count_documents({"ownerId": ObjectId(ada.id)}) == 0
    assert db.playlist_items.count_documents({"playlistId": ObjectId(adas_list)}) == 0
    assert playlist_api.get(f"/playlist/{adas_list}", token=bob.token).status == 404
    # Ada's video left Bob's playlist with her account.
    assert entries(playlist_api, bobs_list, bob.token) == ([bobs_video], 1)


def test_a_playlist_made_after_the_account_went_is_removed_while_settling(auth_api, db):
    from tuber_auth import deletion
    from tuber_playlist import playlists

    ada = register_user(auth_api, "ada")
    assert auth_api.delete("/auth/me", json_body={"password": PASSWORD},
                           token=ada["accessToken"]).status == 202
    # A request past its token check when the account went.
    playlists.create(db, ada["user"]["id"], "late", "", "public")
    deletion.finish_pending(db)
    assert db.playlists.count_documents({"ownerId": ObjectId(ada["user"]["id"])}) == 0


def test_an_add_racing_a_playlist_deletion_leaves_nothing(db, member, make_video,
                                                         make_playlist, monkeypatch):
    """The add read the playlist before the deletion marked it: its own check after the
    insert takes the item out again."""
    from tuber_common.errors import NotFound
    from tuber_common.playlists import delete_playlist
    from tuber_playlist import items

    owner = member()
    pid = make_playlist(owner)
    vid = make_video(owner)
    real_touch = items._touch

    def deleted_meanwhile(d, playlist_id):
        delete_playlist(d, playlist_id)
        return real_touch(d, playlist_id)

    monkeypatch.setattr(items, "_touch", deleted_meanwhile)
    try:
        items.add(db, owner.id, pid, vid, None)
        raise AssertionError("the add should have found the playlist gone")
    except NotFound as exc:
        assert exc.code == "playlist_not_found"
    assert db.playlist_items.count_documents({}) == 0
    assert db.playlists.count_documents({}) == 0


def test_a_deletion_that_stopped_half_way_is_finished_by_deleting_again(
        playlist_api, member, make_video, make_playlist, add_to_playlist, db):
    owner, other = member(), member()
    pid = make_playlist(owner)
    add_to_playlist(owner, pid, make_video(owner))
    # As a request that died after marking the playlist leaves it.
    db.playlists.update_one({"_id": ObjectId(pid)}, {"$set": {"deletingAt": db.playlists
                                                              .find_one()["createdAt"]}})
    assert playlist_api.get(f"/playlist/{pid}", token=owner.token).status == 404
    assert playlist_api.delete(f"/playlist/{pid}", token=other.token).status == 404
    assert playlist_api.delete(f"/playlist/{pid}", token=owner.token).status == 204
    assert db.playlists.count_documents({}) == 0 and db.playlist_items.count_documents({}) == 0
