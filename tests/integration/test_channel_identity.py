"""Channel identity: a unique channel name (the username) and a display name the user may
change; both show wherever their videos and comments do."""
from __future__ import annotations

from tests.support.people import Member


def test_a_display_name_change_shows_on_videos_and_comments(auth_api, make_user, video_api,
                                                             comment_api, published_video):
    # Given a user with a published video and a comment on it
    session = make_user("ada")
    ada = Member(session["user"]["id"], "ada", session["accessToken"])
    video_id = published_video(ada, "Engines")
    assert comment_api.post(f"/comment/{video_id}", {"text": "first"},
                            token=ada.token).status == 201

    # When they change their display name
    changed = auth_api.patch("/auth/me", {"displayName": "Ada Lovelace"}, token=ada.token)
    assert changed.status == 200, changed.body

    # Then every place that shows them shows the new name, with the unchanged channel name
    expected = {"id": ada.id, "username": "ada", "displayName": "Ada Lovelace"}
    video = video_api.get(f"/video/{video_id}").json["video"]
    feed = video_api.get("/video").json["items"]
    channel = video_api.get(f"/video/user/{ada.id}").json["items"]
    comment = comment_api.get(f"/comment/{video_id}").json["items"][0]
    for owner in (video["owner"], feed[0]["owner"], channel[0]["owner"], comment["author"]):
        assert {k: owner[k] for k in expected} == expected


def test_the_channel_name_is_unique_whatever_the_case(auth_api, make_user):
    make_user("Grace")
    again = auth_api.post("/auth/register", {"username": "grace", "email": "g2@example.com",
                                             "password": "correct horse battery"})
    assert (again.status, again.error_code) == (409, "username_taken")
