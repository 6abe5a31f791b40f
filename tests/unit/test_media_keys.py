"""The media bucket's key layout (tuber_common.media_keys) and template.yaml agree: the S3
event that starts a transcode, every IAM and bucket policy resource on the media bucket,
the CDN's media paths and the lifecycle rule of unconfirmed uploads name the module's
folders, and nothing else. (Which function may touch which folder is checked against the
code by tests/integration/test_function_permissions.py.)"""
from __future__ import annotations

import re
from pathlib import Path

from bson import ObjectId

from local.template import Tagged, load_template
from tuber_common import media_keys
from tuber_common.ids import new_video_id, try_parse_video_id

ROOT = Path(__file__).resolve().parents[2]
# An object (or objects) of the media bucket, however the template names the bucket.
MEDIA_OBJECT_ARN = re.compile(
    r"^arn:\$\{AWS::Partition\}:s3:::(?:\$\{AWS::StackName\}-media-\$\{AWS::AccountId\}"
    r"|\$\{MediaBucket\})/(?P<key>.*)$")


def resources() -> dict:
    return load_template(ROOT / "template.yaml")["Resources"]


def strings(node, path=""):
    """(path, text) of every string in a template node, intrinsics unwrapped."""
    if isinstance(node, Tagged):
        yield from strings(node.value, f"{path}!{node.tag}")
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from strings(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from strings(value, f"{path}[{index}]")
    elif isinstance(node, str):
        yield path, node


def web_prefix() -> str:
    return resources()["WebClient"]["Properties"]["Prefix"]


def test_the_web_client_never_shares_a_media_folder():
    prefix = web_prefix()
    assert not any(prefix.startswith(f) or f.startswith(prefix) for f in media_keys.FOLDERS)


def test_only_uploads_under_raw_start_a_transcode():
    filters = []
    for name, resource in resources().items():
        for event in (resource.get("Properties") or {}).get("Events", {}).values():
            if event.get("Type") == "S3":
                rules = event["Properties"]["Filter"]["S3Key"]["Rules"]
                filters += [(name, r["Value"]) for r in rules if r["Name"] == "prefix"]
    assert filters == [("TranscodeFunction", media_keys.RAW)]
    assert media_keys.raw_key("x").startswith(media_keys.RAW)


def test_every_policy_on_media_objects_names_a_media_folder_or_the_whole_bucket():
    allowed = {f"{folder}*" for folder in media_keys.FOLDERS} | {"*", f"{web_prefix()}*"}
    seen = set()
    for name, resource in resources().items():
        for path, text in strings(resource.get("Properties") or {}):
            found = MEDIA_OBJECT_ARN.match(text)
            if found:
                assert found["key"] in allowed, (name, path, text)
                seen.add(found["key"])
            elif path.endswith("]") and "/s3:prefix" in path:
                assert text in allowed, (name, path, text)
                seen.add(text)
    # The folders the functions write to are named, each by its module constant.
    assert {f"{media_keys.RAW}*", f"{media_keys.HLS}*"} <= seen


def test_the_cdn_serves_exactly_the_served_folders():
    served = {f"{folder}*" for folder in media_keys.SERVED}
    reads = next(s for s in resources()["MediaBucketPolicy"]["Properties"]["PolicyDocument"]
                 ["Statement"] if s.get("Sid") == "CloudFrontReads")
    keys = {MEDIA_OBJECT_ARN.match(r.value)["key"] for r in reads["Resource"]}
    assert keys - {f"{web_prefix()}*"} == served
    behaviors = resources()["Distribution"]["Properties"]["DistributionConfig"][
        "CacheBehaviors"]
    media_paths = {b["PathPattern"] for b in behaviors if b["TargetOriginId"] == "media"}
    assert media_paths == {f"/{key}" for key in served}
    assert media_keys.RAW not in media_keys.SERVED and media_keys.INCOMING not in \
        media_keys.SERVED


def test_unconfirmed_uploads_expire_from_the_staging_folder():
    rules = resources()["MediaBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    prefixes = [r["Prefix"] for r in rules if r.get("ExpirationInDays")]
    assert prefixes == [media_keys.INCOMING]
    assert media_keys.staged_thumbs_prefix("x").startswith(media_keys.INCOMING)
    assert media_keys.staged_captions_prefix("x").startswith(media_keys.INCOMING)


def test_the_layout():
    for video_id in (new_video_id(), ObjectId()):
        vid = str(video_id)
        assert media_keys.raw_key(video_id) == f"raw/{vid}/source"
        assert media_keys.raw_video_id(f"raw/{vid}/source") == try_parse_video_id(vid)
        assert media_keys.master_key(video_id) == f"hls/{vid}/master.m3u8"
        assert media_keys.storyboard_key(video_id) == f"hls/{vid}/storyboard.vtt"
        assert media_keys.poster_key(video_id) == f"hls/{vid}/thumb.jpg"
        assert media_keys.video_prefixes(video_id) == [
            f"raw/{vid}/", f"hls/{vid}/", f"thumbs/{vid}/", f"incoming/thumbs/{vid}/",
            f"incoming/captions/{vid}/"]
        assert media_keys.staged_caption_key(video_id, "pt-BR") == \
            f"incoming/captions/{vid}/pt-BR.vtt"
        folder = media_keys.caption_folder(video_id, "pt-BR", "00ff")
        assert folder == f"hls/{vid}/captions/pt-BR-00ff/"
        assert media_keys.caption_folder_uri(folder + media_keys.CAPTION_FILE) == \
            "captions/pt-BR-00ff/"
        assert media_keys.cdn_paths(video_id) == [f"/hls/{vid}/*", f"/thumbs/{vid}/*"]
        assert media_keys.playback_path(video_id) == f"/hls/{vid}/"
    assert media_keys.media_playlist_uri("720p") == "720p/index.m3u8"
    assert media_keys.iframe_playlist_uri("720p") == "720p/iframes.m3u8"
    assert media_keys.media_playlist_uri(media_keys.AUDIO) == "audio/index.m3u8"
    assert media_keys.sprite_uri(3) == "storyboard/00003.jpg"
    assert media_keys.caption_segment_uri(3) == "seg_00003.vtt"
    for key in ("hls/x/source", "raw/", "raw/nothex/source", "raw/" + "A" * 22 + "/"):
        assert media_keys.raw_video_id(key) is None
