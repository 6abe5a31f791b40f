"""/playlist: playlists, their items in order, Watch later, visibility and ownership."""
from __future__ import annotations

import pytest
from bson import ObjectId

from tuber_common.ids import parse_video_id


def ids_in(answer) -> list[str]:
    return [entry["video"]["id"] for entry in answer.json["playlist"]["items"]]


def order(playlist_api, playlist_id, token) -> list[str]:
    return ids_in(playlist_api.get(f"/playlist/{playlist_id}", token=token,
                                   query={"limit": 100}))


def test_create_add_and_read_in_order(playlist_api, member, make_video, make_playlist,
                                      add_to_playlist):
    owner, creator = member(), member("creator")
    pid = make_playlist(owner, title="  Road trip ", description="songs", visibility="public")
    videos = [make_video(creator, title=f"clip {i}") for i in range(3)]
    for n, vid in enumerate(videos):
        added = add_to_playlist(owner, pid, vid)
        assert added.status == 201, added.body
        assert added.json["item"]["position"] == n and added.json["itemCount"] == n + 1

    got = playlist_api.get(f"/playlist/{pid}")
    assert got.status == 200, got.body
    playlist = got.json["playlist"]
    assert playlist["title"] == "Road trip" and playlist["description"] == "songs"
    assert playlist["kind"] == "playlist" and playlist["visibility"] == "public"
    assert playlist["owner"]["id"] == owner.id
    assert playlist["itemCount"] == 3 and playlist["hiddenCount"] == 0
    assert [e["position"] for e in playlist["items"]] == [0, 1, 2]
    assert ids_in(got) == videos
    first = playlist["items"][0]["video"]
    assert first["title"] == "clip 0" and first["owner"]["username"] == "creator"
    assert playlist["nextCursor"] is None


def test_insert_move_and_remove_keep_positions_contiguous(playlist_api, member, make_video,
                                                          make_playlist, add_to_playlist):
    owner = member()
    pid = make_playlist(owner)
    a, b, c, d, e = (make_video(owner, title=name) for name in "abcde")
    for vid in (a, b, c):
        add_to_playlist(owner, pid, vid)
    # Inserting at a position shifts the items from there on.
    assert add_to_playlist(owner, pid, d, position=0).json["item"]["position"] == 0
    assert add_to_playlist(owner, pid, e, position=2).json["item"]["position"] == 2
    assert order(playlist_api, pid, owner.token) == [d, a, e, b, c]
    # Past the end: last.
    f = make_video(owner)
    assert add_to_playlist(owner, pid, f, position=99).json["item"]["position"] == 5

    moved = playlist_api.put(f"/playlist/{pid}/items/{d}", {"position": 3}, token=owner.token)
    assert moved.status == 200, moved.body
    assert moved.json["item"] == {**moved.json["item"], "videoId": d, "position": 3}
    assert moved.json["itemCount"] == 6
    assert order(playlist_api, pid, owner.token) == [a, e, b, d, c, f]
    playlist_api.put(f"/playlist/{pid}/items/{f}", {"position": 0}, token=owner.token)
    playlist_api.put(f"/playlist/{pid}/items/{a}", {"position": 50}, token=owner.token)
    assert order(playlist_api, pid, owner.token) == [f, e, b, d, c, a]
    # Moving to where it is changes nothing.
    same = playlist_api.put(f"/playlist/{pid}/items/{b}", {"position": 2}, token=owner.token)
    assert same.json["item"]["position"] == 2

    removed = playlist_api.delete(f"/playlist/{pid}/items/{e}", token=owner.token)
    assert removed.status == 204
    got = playlist_api.get(f"/playlist/{pid}", token=owner.token).json["playlist"]
    assert [x["video"]["id"] for x in got["items"]] == [f, b, d, c, a]
    assert [x["position"] for x in got["items"]] == [0, 1, 2, 3, 4]
    assert got["itemCount"] == 5
    again = playlist_api.delete(f"/playlist/{pid}/items/{e}", token=owner.token)
    assert again.status == 404 and again.error_code == "not_in_playlist"


def test_a_video_is_in_a_playlist_once(playlist_api, member, make_video, make_playlist,
                                       add_to_playlist, db):
    owner = member()
    pid = make_playlist(owner)
    vid = make_video(member())
    assert add_to_playlist(owner, pid, vid).status == 201
    twice = add_to_playlist(owner, pid, vid, position=0)
    assert twice.status == 409 and twice.error_code == "already_in_playlist"
    assert db.playlist_items.count_documents({}) == 1


def test_playlist_size_limit(playlist_api, member, make_video, make_playlist, add_to_playlist,
                             monkeypatch):
    from tuber_playlist import items

    monkeypatch.setattr(items, "MAX_ITEMS", 3)
    owner = member()
    pid = make_playlist(owner)
    for _ in range(3):
        assert add_to_playlist(owner, pid, make_video(owner)).status == 201
    full = add_to_playlist(owner, pid, make_video(owner))
    assert full.status == 409 and full.error_code == "playlist_full"
    assert full.json["error"]["details"] == {"maxItems": 3}
    assert playlist_api.get(f"/playlist/{pid}").json["playlist"]["itemCount"] == 3


# Who may see a playlist and who may change it: visibility x caller.
MATRIX = [
    # (visibility, caller, GET status, listed on the owner's page, write status)
    ("public", "owner", 200, True, 201),
    ("public", "other", 200, True, 403),
    ("public", "anonymous", 200, True, 401),
    ("unlisted", "owner", 200, True, 201),
    ("unlisted", "other", 200, False, 403),
    ("unlisted", "anonymous", 200, False, 401),
    ("private", "owner", 200, True, 201),
    ("private", "other", 404, False, 404),
    ("private", "anonymous", 404, False, 401),
]


@pytest.mark.parametrize("visibility,caller,get_status,listed,write_status", MATRIX)
def test_visibility_and_ownership_matrix(playlist_api, member, make_video, make_playlist, db,
                                         visibility, caller, get_status, listed,
                                         write_status):
    owner, other = member(), member()
    pid = make_playlist(owner, visibility=visibility)
    vid = make_video(owner)
    token = {"owner": owner.token, "other": other.token, "anonymous": None}[caller]

    got = playlist_api.get(f"/playlist/{pid}", token=token)
    assert got.status == get_status, got.body
    if get_status == 404:
        assert got.error_code == "playlist_not_found"
    page = playlist_api.get(f"/playlist/user/{owner.id}", token=token)
    assert page.status == 200
    assert ([p["id"] for p in page.json["items"]] == [pid]) is listed

    codes = {401: "authentication_required", 403: "not_owner", 404: "playlist_not_found"}
    add = playlist_api.post(f"/playlist/{pid}/items", {"videoId": vid}, token=token)
    assert add.status == write_status, add.body
    if write_status != 201:
        assert add.error_code == codes[write_status]
        # Every other write is refused the same way, and nothing changed.
        db.playlist_items.insert_one({"playlistId": ObjectId(pid),
                                      "videoId": parse_video_id(vid), "rank": "V000000",
                                      "addedAt": db.playlists.find_one()["createdAt"]})
        for answer in (
                playlist_api.put(f"/playlist/{pid}/items/{vid}", {"position": 0}, token=token),
                playlist_api.delete(f"/playlist/{pid}/items/{vid}", token=token),
                playlist_api.patch(f"/playlist/{pid}", {"title": "mine now"}, token=token),
                playlist_api.delete(f"/playlist/{pid}", token=token)):
            assert (answer.status, answer.error_code) == (write_status, codes[write_status])
        assert db.playlists.find_one({"_id": ObjectId(pid)})["title"] == "My list"
        assert db.playlist_items.count_documents({}) == 1


def test_items_i_may_not_see_are_hidden_and_counted(playlist_api, member, make_video,
                                                    make_playlist, add_to_playlist, db):
    owner, creator, viewer = member(), member(), member()
    pid = make_playlist(owner)
    shown, made_private, own_private = (make_video(creator), make_video(creator),
                                        make_video(owner))
    for vid in (shown, made_private):
        add_to_playlist(owner, pid, vid)
    processing = make_video(owner, status="PROCESSING")
    db.videos.update_one({"_id": parse_video_id(own_private)}, {"$set": {"visibility": "private"}})
    for vid in (own_private, processing):
        assert add_to_playlist(owner, pid, vid).status == 201  # the owner's own: allowed
    db.videos.update_one({"_id": parse_video_id(made_private)},
                         {"$set": {"visibility": "private"}})

    seen = playlist_api.get(f"/playlist/{pid}", token=viewer.token).json["playlist"]
    assert [e["video"]["id"] for e in seen["items"]] == [shown]
    assert (seen["itemCount"], seen["hiddenCount"]) == (4, 3)
    mine = playlist_api.get(f"/playlist/{pid}", token=owner.token).json["playlist"]
    # The owner sees their own private and unpublished videos, not the creator's private one;
    # positions count the hidden item.
    assert [(e["position"], e["video"]["id"]) for e in mine["items"]] == [
        (0, shown), (2, own_private), (3, processing)]
    assert (mine["itemCount"], mine["hiddenCount"]) == (4, 1)
    # Someone else's private video cannot be added at all.
    other_list = make_playlist(viewer)
    refused = add_to_playlist(viewer, other_list, made_private)
    assert refused.status == 404 and refused.error_code == "video_not_found"


def test_an_item_whose_video_is_gone_is_hidden_then_removed(playlist_api, member, make_video,
                                                            make_playlist, add_to_playlist,
                                                            db):
    owner = member()
    pid = make_playlist(owner)
    kept, gone = make_video(owner), make_video(owner)
    add_to_playlist(owner, pid, gone)
    add_to_playlist(owner, pid, kept)
    # As if a video were deleted while being added (video_removal cleans up otherwise).
    db.videos.delete_one({"_id": parse_video_id(gone)})
    got = playlist_api.get(f"/playlist/{pid}", token=owner.token).json["playlist"]
    assert [e["video"]["id"] for e in got["items"]] == [kept]
    assert got["hiddenCount"] == 1
    again = playlist_api.get(f"/playlist/{pid}", token=owner.token).json["playlist"]
    assert (again["itemCount"], again["hiddenCount"]) == (1, 0)


def test_items_page_with_a_cursor(playlist_api, member, make_video, make_playlist,
                                  add_to_playlist, db):
    owner = member()
    pid = make_playlist(owner)
    videos = [make_video(owner) for _ in range(7)]
    for vid in videos:
        add_to_playlist(owner, pid, vid)
    seen, positions, cursor = [], [], None
    while True:
        query = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        answer = playlist_api.get(f"/playlist/{pid}", query=query).json["playlist"]
        assert len(answer["items"]) <= 3 and answer["itemCount"] == 7
        seen += [e["video"]["id"] for e in answer["items"]]
        positions += [e["position"] for e in answer["items"]]
        cursor = answer["nextCursor"]
        if cursor is None:
            break
    assert seen == videos and positions == list(range(7))
    # hiddenCount: the items of this page left out (the second page holds videos[3:6]).
    db.videos.update_one({"_id": parse_video_id(videos[4])}, {"$set": {"visibility": "private"}})
    first = playlist_api.get(f"/playlist/{pid}", query={"limit": 3}).json["playlist"]
    second = playlist_api.get(f"/playlist/{pid}", query={"limit": 3,
                                                         "cursor": first["nextCursor"]})
    second = second.json["playlist"]
    assert (first["hiddenCount"], second["hiddenCount"]) == (0, 1)
    assert [(e["position"], e["video"]["id"]) for e in second["items"]] == [
        (3, videos[3]), (5, videos[5])]
    assert second["itemCount"] == 7
    bad = playlist_api.get(f"/playlist/{pid}", query={"cursor": "garbage!!"})
    assert bad.status == 400 and bad.error_code == "invalid_cursor"


def test_watch_later(playlist_api, member, make_video, add_to_playlist, make_playlist):
    me, other = member(), member()
    first = playlist_api.get("/playlist/watch-later", token=me.token)
    assert first.status == 200, first.body
    wl = first.json["playlist"]
    assert (wl["kind"], wl["title"], wl["visibility"], wl["itemCount"]) == (
        "watchLater", "Watch later", "private", 0)
    # Made once: the same playlist every time.
    assert playlist_api.get("/playlist/watch-later", token=me.token).json["playlist"]["id"] \
        == wl["id"]
    vid = make_video(other)
    # "watch-later" names the caller's own in the item routes.
    assert add_to_playlist(me, "watch-later", vid).status == 201
    again = add_to_playlist(me, wl["id"], vid)
    assert again.status == 409 and again.error_code == "already_in_playlist"
    assert ids_in(playlist_api.get("/playlist/watch-later", token=me.token)) == [vid]
    # Always private, never changed or deleted, not among the user's playlists.
    assert playlist_api.get(f"/playlist/{wl['id']}", token=other.token).status == 404
    for answer in (playlist_api.patch(f"/playlist/{wl['id']}", {"visibility": "public"},
                                      token=me.token),
                   playlist_api.patch("/playlist/watch-later", {"title": "x"}, token=me.token),
                   playlist_api.delete("/playlist/watch-later", token=me.token)):
        assert answer.status == 409 and answer.error_code == "watch_later_fixed"
    make_playlist(me)
    listed = playlist_api.get(f"/playlist/user/{me.id}", token=me.token).json["items"]
    assert [p["kind"] for p in listed] == ["playlist"]
    assert playlist_api.get("/playlist/watch-later").status == 401
    assert playlist_api.delete(f"/playlist/watch-later/items/{vid}", token=me.token).status == 204
    # Someone else's "watch-later" is their own.
    assert playlist_api.get("/playlist/watch-later", token=other.token).json["playlist"]["id"] \
        != wl["id"]


def test_edit_and_delete(playlist_api, member, make_video, make_playlist, add_to_playlist, db):
    owner, other = member(), member()
    pid = make_playlist(owner, title="Old")
    add_to_playlist(owner, pid, make_video(owner))
    edited = playlist_api.patch(f"/playlist/{pid}", {"title": " New ", "visibility": "private",
                                                     "description": "d"}, token=owner.token)
    assert edited.status == 200, edited.body
    assert {k: edited.json["playlist"][k] for k in ("title", "visibility", "description",
                                                    "itemCount")} == {
        "title": "New", "visibility": "private", "description": "d", "itemCount": 1}
    assert playlist_api.get(f"/playlist/{pid}", token=other.token).status == 404

    assert playlist_api.delete(f"/playlist/{pid}", token=owner.token).status == 204
    assert playlist_api.get(f"/playlist/{pid}", token=owner.token).status == 404
    assert db.playlist_items.count_documents({}) == 0 and db.playlists.count_documents({}) == 0
    assert playlist_api.delete(f"/playlist/{pid}", token=owner.token).status == 404


def test_users_playlists_page_newest_first_with_counts_and_thumbnails(
        playlist_api, member, make_video, make_playlist, add_to_playlist, db):
    owner, viewer = member(), member()
    made = [make_playlist(owner, title=f"list {i}") for i in range(5)]
    hidden_first, shown = make_video(owner, visibility="private"), make_video(owner)
    db.videos.update_one({"_id": parse_video_id(shown)}, {"$set": {"thumbnailKey": "t.jpg"}})
    add_to_playlist(owner, made[0], hidden_first)
    add_to_playlist(owner, made[0], shown)
    seen, cursor = [], None
    while True:
        query = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        answer = playlist_api.get(f"/playlist/user/{owner.id}", query=query, token=viewer.token)
        assert answer.status == 200, answer.body
        seen += answer.json["items"]
        cursor = answer.json["nextCursor"]
        if cursor is None:
            break
    assert [p["id"] for p in seen] == list(reversed(made))
    oldest = seen[-1]
    assert oldest["itemCount"] == 2 and oldest["owner"]["id"] == owner.id
    # The first video the viewer may see gives the thumbnail.
    assert "t.jpg" in oldest["thumbnailUrl"]
    assert all(p["thumbnailUrl"] is None for p in seen[:-1])
    assert playlist_api.get(f"/playlist/user/{ObjectId()}").status == 404
    assert playlist_api.get("/playlist/user/nope").error_code == "user_not_found"


@pytest.mark.parametrize("path", ["/playlist/nope", "/playlist/6b0a699fca9f8d32058eb954", "/playlist/123"])
def test_unknown_or_malformed_playlist_is_404(playlist_api, member, path):
    me = member()
    for answer in (playlist_api.get(path, token=me.token),
                   playlist_api.post(f"{path}/items", {"videoId": "x"}, token=me.token),
                   playlist_api.delete(path, token=me.token)):
        assert answer.status == 404 and answer.error_code == "playlist_not_found"


def test_unknown_video_and_items_not_in_the_playlist(playlist_api, member, make_video,
                                                     make_playlist, add_to_playlist):
    me = member()
    pid = make_playlist(me)
    for vid in ("nope", str(ObjectId()), "A" * 22):
        assert add_to_playlist(me, pid, vid).error_code == "video_not_found"
    absent = make_video(me)
    for answer in (playlist_api.put(f"/playlist/{pid}/items/{absent}", {"position": 0},
                                    token=me.token),
                   playlist_api.put(f"/playlist/{pid}/items/nope", {"position": 0},
                                    token=me.token),
                   playlist_api.delete(f"/playlist/{pid}/items/{absent}", token=me.token)):
        assert answer.status == 404 and answer.error_code == "not_in_playlist"


@pytest.mark.parametrize("body", [
    {"visibility": "public"}, {"title": "", "visibility": "public"},
    {"title": "   ", "visibility": "public"}, {"title": "x" * 151, "visibility": "public"},
    {"title": "ok", "visibility": "friends"}, {"title": "ok"},
    {"title": "ok", "visibility": "public", "description": "d" * 5001},
    {"title": 5, "visibility": "public"}, [], "a list"])
def test_bad_playlist_bodies_are_422(playlist_api, member, db, body):
    answer = playlist_api.post("/playlist", body, token=member().token)
    assert answer.status == 422 and answer.error_code == "validation_error", answer.body
    assert db.playlists.count_documents({}) == 0


def test_bad_edits_and_positions_are_422(playlist_api, member, make_video, make_playlist,
                                         add_to_playlist):
    me = member()
    pid = make_playlist(me)
    vid = make_video(me)
    add_to_playlist(me, pid, vid)
    for body in ({}, {"title": " "}, {"visibility": "secret"}, {"title": "x" * 151}):
        assert playlist_api.patch(f"/playlist/{pid}", body, token=me.token).status == 422
    for body in ({"position": -1}, {}, {"position": "first"}, {"position": 10**6}):
        assert playlist_api.put(f"/playlist/{pid}/items/{vid}", body, token=me.token).status \
            == 422
    for body in ({"videoId": vid, "position": -1}, {}, {"videoId": ""}):
        assert playlist_api.post(f"/playlist/{pid}/items", body, token=me.token).status == 422
    assert playlist_api.post("/playlist", {"title": "t", "visibility": "public"}).status == 401
