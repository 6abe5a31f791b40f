"""The owner's own channel ("my videos") and deleting a video with everything it owns."""
from __future__ import annotations

import pytest
from bson import ObjectId

from tuber_common.ids import parse_video_id


def test_my_channel_shows_every_video_of_mine_with_its_status(video_api, member, new_video,
                                                              published_video, db):
    owner, other = member(), member()
    public = published_video(owner, "public one")
    private = published_video(owner, "private one", visibility="private")
    unlisted = published_video(owner, "unlisted one", visibility="unlisted")
    uploading = new_video(owner, "still uploading", visibility="private")["video"]["id"]
    processing, failed = new_video(owner)["video"]["id"], new_video(owner)["video"]["id"]
    db.videos.update_one({"_id": parse_video_id(processing)}, {"$set": {"status": "PROCESSING"}})
    db.videos.update_one({"_id": parse_video_id(failed)},
                         {"$set": {"status": "FAILED", "failureReason": "not a video"}})

    mine = video_api.get(f"/video/user/{owner.id}", token=owner.token).json["items"]

    by_id = {v["id"]: v for v in mine}
    assert {i: (v["status"], v["visibility"]) for i, v in by_id.items()} == {
        public: ("PUBLIC", "public"), private: ("PUBLIC", "private"),
        unlisted: ("PUBLIC", "unlisted"), uploading: ("UPLOADING", "private"),
        processing: ("PROCESSING", "public"), failed: ("FAILED", "public")}
    assert by_id[failed]["failureReason"] == "not a video"
    # Others see the listed one only.
    for token in (other.token, None):
        seen = video_api.get(f"/video/user/{owner.id}", token=token).json["items"]
        assert [v["id"] for v in seen] == [public]


@pytest.mark.parametrize("status", ["UPLOADING", "PROCESSING", "FAILED"])
def test_a_never_processed_video_can_be_deleted_with_everything_it_owns(
        video_api, member, new_video, published_video, db, s3, status):
    from tuber_common.settings import get_settings

    bucket = get_settings().media_bucket
    owner, fan = member(), member()
    video_id = new_video(owner)["video"]["id"]
    kept = published_video(owner)
    db.videos.update_one({"_id": parse_video_id(video_id)}, {"$set": {"status": status}})
    # Whatever a half-finished pipeline and a keen owner may have left behind.
    for vid in (video_id, kept):
        for key in (f"raw/{vid}/source", f"hls/{vid}/360p/seg_000.ts", f"hls/{vid}/thumb.jpg",
                    f"thumbs/{vid}/custom-0123456789abcdef.png"):
            s3.put_object(Bucket=bucket, Key=key, Body=b"x")
        oid = parse_video_id(vid)
        db.ratings.insert_one({"videoId": oid, "userId": ObjectId(fan.id), "rating": "like"})
        db.views.insert_one({"_id": f"dedup-{vid}", "videoId": oid})
        db.comments.insert_one({"videoId": oid, "parentId": None, "text": "hi"})
    db.videos.update_one({"_id": parse_video_id(video_id)},
                         {"$set": {"customThumbnailKey":
                                   f"thumbs/{video_id}/custom-0123456789abcdef.png"}})

    answer = video_api.delete(f"/video/{video_id}", token=owner.token)

    assert answer.status == 204, answer.body
    assert video_api.get(f"/video/{video_id}", token=owner.token).status == 404
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert len(keys) == 4 and all(f"/{kept}/" in k for k in keys)
    for name in ("videos", "ratings", "views", "comments"):
        field = "_id" if name == "videos" else "videoId"
        assert db[name].count_documents({field: parse_video_id(video_id)}) == 0, name
        assert db[name].count_documents({field: parse_video_id(kept)}) == 1, name
