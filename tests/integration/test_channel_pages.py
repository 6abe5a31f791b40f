"""GET /channel/{handle}: a channel by @username (any case) or user id, with its counts."""
from __future__ import annotations

from bson import ObjectId

from tuber_channel.response_models import ChannelResponse
from tuber_common.clock import utcnow


def test_a_channel_by_handle_or_id_with_its_counts(channel_api, member, make_video, follow):
    ada, fan = member("Ada"), member()
    make_video(ada)
    make_video(ada, title="second")
    # Not counted: what a visitor cannot find on the channel.
    make_video(ada, visibility="private")
    make_video(ada, visibility="unlisted")
    make_video(ada, status="PROCESSING")
    follow(fan, ada)

    for handle in ("@Ada", "@ada", "@ADA", "%40ada", ada.id):
        answer = channel_api.get(f"/channel/{handle}")
        assert answer.status == 200, (handle, answer.body)
        channel = answer.json["channel"]
        assert channel["user"]["id"] == ada.id and channel["user"]["username"] == "Ada"
        assert (channel["subscriberCount"], channel["videoCount"]) == (1, 2)
        assert "subscribed" not in channel  # anonymous

    signed_in = channel_api.get("/channel/@ada", token=fan.token).json
    assert signed_in["channel"]["subscribed"]
    # The answers are what the API document says (extra fields refused).
    ChannelResponse.model_validate(signed_in)
    ChannelResponse.model_validate(answer.json)
    assert not channel_api.get("/channel/@ada", token=ada.token).json["channel"]["subscribed"]


def test_unknown_deleted_and_suspended_users_are_no_channel(db, channel_api, member):
    gone, banned = member(), member()
    db.users.update_one({"_id": ObjectId(gone.id)}, {"$set": {"deletedAt": utcnow()}})
    db.users.update_one({"_id": ObjectId(banned.id)}, {"$set": {"suspendedAt": utcnow()}})
    for handle in ("@nobody", str(ObjectId()), "not-an-id", gone.id, f"@{gone.username}",
                   banned.id, f"@{banned.username}"):
        answer = channel_api.get(f"/channel/{handle}")
        assert (answer.status, answer.error_code) == (404, "channel_not_found"), handle
