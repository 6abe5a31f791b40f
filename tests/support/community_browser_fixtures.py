"""Browser fixtures for the community pages (issue 17): a channel with one PUBLIC video and a
viewer, made through the API, shared by tests/e2e/test_browser_community*.py."""
from __future__ import annotations

import uuid

import pytest

from tests.support.browser_fixtures import new_member, publish, wait_status
from tests.support.media import make_clip


@pytest.fixture(scope="module")
def community(web_base_url, tmp_path_factory):
    """A channel ("Channel Person") with two PUBLIC videos, and a viewer who follows nobody."""
    folder = tmp_path_factory.mktemp("community")
    owner = new_member(web_base_url, "Channel Person")
    viewer = new_member(web_base_url, "Viewer Person")
    clip = make_clip(str(folder / "clip.mp4"), 320, 180, seconds=2)
    videos = []
    # One after the other: feeds order by publishedAt, and two transcodes at once may finish
    # in either order.
    for n in (1, 2):
        title = f"Community clip {n} {uuid.uuid4().hex[:6]}"
        videos.append({"id": publish(owner, clip, title), "title": title})
        wait_status(owner, videos[-1]["id"], "PUBLIC")
    return {"owner": owner, "viewer": viewer, "videos": videos, "folder": folder}


@pytest.fixture(scope="module")
def community_long_video(community):
    """A 30 s PUBLIC video of the community channel: long enough to stop in the middle."""
    owner = community["owner"]
    clip = make_clip(str(community["folder"] / "long.mp4"), 320, 180, seconds=30)
    title = f"Long community clip {uuid.uuid4().hex[:6]}"
    video_id = publish(owner, clip, title)
    wait_status(owner, video_id, "PUBLIC")
    return {"id": video_id, "title": title}


@pytest.fixture(scope="module")
def community_moderator(local_stack):
    """A member made a moderator, as the operator's `promote` command does (the role field)."""
    from pymongo import MongoClient

    member = new_member(local_stack.url, "Moderator Person")
    client = MongoClient(local_stack.mongo_uri)
    try:
        db = client[local_stack.extra_env.get("MONGODB_DB") or "tuber"]
        assert db.users.update_one({"username": member.username},
                                   {"$set": {"role": "moderator"}}).matched_count == 1
    finally:
        client.close()
    return member
