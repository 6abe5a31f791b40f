"""Captions: the owner asks for a presigned upload of one WebVTT file (a private staging key
under incoming/), uploads it straight to S3, confirms it; the checked file is published under
hls/{videoId}/captions/ (so the video's playback cookies open it), recorded on the video and
listed by the master playlist as a SUBTITLES group of segmented WebVTT."""
from __future__ import annotations

import base64
import json
import re
import threading

import pytest
import requests

from tuber_common.ids import parse_video_id

VTT = ("WEBVTT\n\n1\n00:00:00.500 --> 00:00:01.500\nHello\n\n"
       "00:00:01.000 --> 00:00:05.000 line:90%\nWorld\n").encode()
RUN = "run-1"


def bucket() -> str:
    from tuber_common.settings import get_settings

    return get_settings().media_bucket


def keys_under(s3, prefix: str) -> list[str]:
    return sorted(o["Key"] for o in
                  s3.list_objects_v2(Bucket=bucket(), Prefix=prefix).get("Contents", []))


def text_of(s3, key: str) -> str:
    return s3.get_object(Bucket=bucket(), Key=key)["Body"].read().decode()


def ask(video_api, video_id, owner, language="en", size=len(VTT), label=None):
    body = {"language": language, "sizeBytes": size}
    if label is not None:
        body["label"] = label
    return video_api.post(f"/video/{video_id}/captions", body, token=owner.token)


def upload(answer: dict, content: bytes) -> None:
    # As a browser does it: the form fields first, the file last.
    sent = requests.post(answer["upload"]["url"], data=answer["upload"]["fields"],
                         files={"file": ("captions.vtt", content, "text/vtt")}, timeout=10)
    assert sent.status_code in (200, 201, 204), sent.text


def add_caption(video_api, video_id, owner, language="en", content=VTT, label=None):
    asked = ask(video_api, video_id, owner, language, len(content), label)
    assert asked.status == 201, asked.body
    upload(asked.json, content)
    return video_api.put(f"/video/{video_id}/captions/{asked.json['language']}",
                         token=owner.token)


@pytest.fixture
def playing_video(db, new_video):
    """A video the ffmpeg backend transcodes: 10 s long, 4 s segments, its 240p rung and
    audio in, so its master playlist is rendered from the document."""
    def _make(owner, rungs=("240p",)) -> str:
        video_id = new_video(owner)["video"]["id"]
        db.videos.update_one({"_id": parse_video_id(video_id)}, {"$set": {
            "status": "PUBLIC", "hlsKey": f"hls/{video_id}/master.m3u8", "durationSeconds": 10.0,
            "transcode": {"runId": RUN, "segmentSeconds": 4, "durationSeconds": 10.0,
                          "hasAudio": True,
                          "audio": {"uri": "audio/index.m3u8", "bandwidth": 140000,
                                    "averageBandwidth": 130000, "channels": 2}},
            "renditions": [rendition(name) for name in rungs]}})
        return video_id
    return _make


def rendition(name: str) -> dict:
    height = int(name[:-1])
    return {"name": name, "width": height * 16 // 9 // 2 * 2, "height": height,
            "bandwidth": height * 1000, "averageBandwidth": height * 900,
            "codecs": "avc1.4d401f", "frameRate": 30.0, "uri": f"{name}/index.m3u8",
            "iframeUri": f"{name}/iframes.m3u8", "iframeBandwidth": height * 100}


def master_of(s3, video_id) -> str:
    return text_of(s3, f"hls/{video_id}/master.m3u8")


def subtitle_lines(master: str) -> list[str]:
    return [line for line in master.splitlines() if "TYPE=SUBTITLES" in line]


def test_owner_uploads_and_confirms_captions_the_master_lists_them(video_api, member,
                                                                     playing_video, db, s3):
    from tuber_common.captions import captions_out

    owner = member()
    video_id = playing_video(owner)
    answer = add_caption(video_api, video_id, owner, "pt-br")
    assert answer.status == 200, answer.body
    assert answer.json["language"] == "pt-BR" and answer.json["label"] == "Português"
    url = answer.json["url"]
    match = re.search(rf"/hls/{video_id}/captions/pt-BR-[0-9a-f]{{16}}/captions\.vtt$", url)
    assert match, url
    folder = match.group(0)[1:].rsplit("/", 1)[0] + "/"
    assert keys_under(s3, folder) == sorted(folder + name for name in (
        "captions.vtt", "index.m3u8", "seg_00000.vtt", "seg_00001.vtt", "seg_00002.vtt"))
    assert keys_under(s3, "incoming/") == []  # the staged upload went with publishing
    whole = s3.get_object(Bucket=bucket(), Key=folder + "captions.vtt")
    assert whole["ContentType"] == "text/vtt"
    assert whole["Body"].read() == VTT

    # The subtitle playlist: 10 s in segments of the video's 4 s, each a WebVTT file that
    # maps its cue times onto the video's MPEG-TS clock.
    playlist = text_of(s3, folder + "index.m3u8").splitlines()
    assert [line for line in playlist if line.startswith("#EXTINF")] == [
        "#EXTINF:4.000000,", "#EXTINF:4.000000,", "#EXTINF:2.000000,"]
    assert playlist[-1] == "#EXT-X-ENDLIST" and "#EXT-X-PLAYLIST-TYPE:VOD" in playlist
    first = text_of(s3, folder + "seg_00000.vtt")
    assert first.startswith("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:1026000,LOCAL:00:00:00.000\n\n")
    assert "Hello" in first and "World" in first
    assert "World" in text_of(s3, folder + "seg_00001.vtt")  # it spans the boundary
    assert "Hello" not in text_of(s3, folder + "seg_00002.vtt")

    master = master_of(s3, video_id)
    assert subtitle_lines(master) == [
        '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="pt-BR",NAME="Português",'
        f'DEFAULT=NO,AUTOSELECT=YES,URI="{folder.removeprefix(f"hls/{video_id}/")}index.m3u8"']
    variants = [line for line in master.splitlines() if line.startswith("#EXT-X-STREAM-INF")]
    assert variants and all(line.endswith(',SUBTITLES="subs"') for line in variants)

    doc = db.videos.find_one({"_id": parse_video_id(video_id)})
    assert captions_out(doc) == [{"language": "pt-BR", "label": "Português", "url": url}]
    # What a viewer's GET /video/{videoId} lists.
    assert video_api.get(f"/video/{video_id}").json["video"]["captions"] == captions_out(doc)
    # The playback cookies open the video's hls/ folder: the captions are in it.
    from tuber_common.media_keys import playback_path
    assert playback_path(parse_video_id(video_id)) in url


def test_the_upload_is_one_private_key_of_the_declared_size_and_type(video_api, member,
                                                                      playing_video):
    owner = member()
    video_id = playing_video(owner)
    answer = ask(video_api, video_id, owner, "en", 1234, label="English (CC) ✓")
    assert answer.status == 201, answer.body
    assert answer.json["language"] == "en" and answer.json["label"] == "English (CC) ✓"
    fields = answer.json["upload"]["fields"]
    assert fields["key"] == f"incoming/captions/{video_id}/en.vtt"
    conditions = json.loads(base64.b64decode(fields["policy"]))["conditions"]
    assert {"key": fields["key"]} in conditions
    assert {"Content-Type": "text/vtt"} in conditions
    assert ["content-length-range", 1234, 1234] in conditions
    assert not any(isinstance(c, list) and c[0] == "starts-with" for c in conditions)


def test_a_new_upload_replaces_the_language_and_its_old_files(video_api, member,
                                                               playing_video, s3):
    owner = member()
    video_id = playing_video(owner)
    first = add_caption(video_api, video_id, owner, "en").json["url"]
    again = add_caption(video_api, video_id, owner, "en",
                        b"WEBVTT\n\n00:01.000 --> 00:02.000\nFixed typo\n", label="English")
    assert again.status == 200, again.body
    assert again.json["url"] != first and again.json["label"] == "English"
    folders = {k.rsplit("/", 2)[-2] for k in keys_under(s3, f"hls/{video_id}/captions/")}
    assert len(folders) == 1 and folders.pop() in again.json["url"]
    assert len(subtitle_lines(master_of(s3, video_id))) == 1


def test_confirming_twice_answers_the_same_caption(video_api, member, playing_video):
    owner = member()
    video_id = playing_video(owner)
    first = add_caption(video_api, video_id, owner, "fr")
    repeat = video_api.put(f"/video/{video_id}/captions/fr", token=owner.token)
    assert repeat.status == 200 and repeat.json == first.json


def test_removing_a_caption_takes_it_out_of_the_master_and_the_bucket(video_api, member,
                                                                       playing_video, db, s3):
    owner = member()
    video_id = playing_video(owner)
    add_caption(video_api, video_id, owner, "en")
    add_caption(video_api, video_id, owner, "de")
    gone = video_api.delete(f"/video/{video_id}/captions/en", token=owner.token)
    assert gone.status == 204, gone.body
    assert [line.split('LANGUAGE="')[1][:2] for line in subtitle_lines(master_of(s3, video_id))
            ] == ["de"]
    assert all("/de-" in k for k in keys_under(s3, f"hls/{video_id}/captions/"))
    gone = video_api.delete(f"/video/{video_id}/captions/de", token=owner.token)
    assert gone.status == 204
    master = master_of(s3, video_id)
    assert "SUBTITLES" not in master and "#EXT-X-STREAM-INF" in master
    assert keys_under(s3, f"hls/{video_id}/captions/") == []
    doc = db.videos.find_one({"_id": parse_video_id(video_id)})
    assert doc["captions"] == []
    again = video_api.delete(f"/video/{video_id}/captions/de", token=owner.token)
    assert again.status == 404 and again.error_code == "caption_not_found"


@pytest.mark.parametrize("content, code, line", [
    (b"WEBVTX\n\n00:01.000 --> 00:02.000\nx\n", "invalid_webvtt", 1),
    (b"WEBVTT\n\n00:01.000 -> 00:02.000\nx\n", "invalid_webvtt", 3),
    (b"WEBVTT\n\n00:03.000 --> 00:02.000\nx\n", "invalid_webvtt", 3),
    (b"WEBVTT\n\n00:03.000 --> 00:04.000\nx\n\n00:01.000 --> 00:02.000\ny\n", "invalid_webvtt",
     6),
    (b"WEBVTT\n\n00:01.000 --> 00:02.000\n\xff\xfe bad\n", "invalid_webvtt", 4),
    (b"WEBVTT\n\nNOTE nothing else\n", "invalid_webvtt", 4),
    (b"WEBVTT\n\n00:09.000 --> 00:12.000\ntoo late\n", "cue_out_of_range", 3),
], ids=["signature", "arrow", "backwards", "order", "utf8", "no-cue", "past-the-end"])
def test_a_file_that_is_not_valid_webvtt_is_refused_and_not_kept(video_api, member,
                                                                 playing_video, s3, content,
                                                                 code, line):
    owner = member()
    video_id = playing_video(owner)
    answer = add_caption(video_api, video_id, owner, "en", content)
    assert answer.status == 422, answer.body
    assert answer.error_code == code and answer.json["error"]["details"]["line"] == line
    assert keys_under(s3, "incoming/") == [] and keys_under(s3, f"hls/{video_id}/captions/") == []


def test_requests_that_cannot_be_captions_are_refused(video_api, member, playing_video):
    owner, other = member(), member()
    video_id = playing_video(owner)
    assert ask(video_api, video_id, owner, size=2 * 1024 * 1024).error_code == \
        "caption_too_large"
    assert ask(video_api, video_id, owner, language="english").error_code == "invalid_language"
    assert ask(video_api, video_id, owner, language="en", label="x" * 61).error_code == \
        "invalid_label"
    assert ask(video_api, video_id, other).status == 403
    assert video_api.put(f"/video/{video_id}/captions/en", token=other.token).status == 403
    assert video_api.delete(f"/video/{video_id}/captions/en", token=other.token).status == 403
    assert video_api.post(f"/video/{video_id}/captions",
                          {"language": "en", "sizeBytes": 10}).status == 401
    missing = video_api.put(f"/video/{video_id}/captions/en", token=owner.token)
    assert missing.status == 409 and missing.error_code == "caption_not_uploaded"
    bad = video_api.put(f"/video/{video_id}/captions/not_a_tag!", token=owner.token)
    assert bad.status == 422 and bad.error_code == "invalid_language"


def test_at_most_twenty_languages(video_api, member, playing_video, db):
    owner = member()
    video_id = playing_video(owner)
    db.videos.update_one({"_id": parse_video_id(video_id)}, {"$set": {"captions": [
        {"language": f"a{chr(97 + i)}", "label": "L",
         "key": f"hls/{video_id}/captions/a{chr(97 + i)}-0/captions.vtt"} for i in range(20)]}})
    refused = ask(video_api, video_id, owner, "en")
    assert refused.status == 409 and refused.error_code == "too_many_captions"
    # Replacing one of the twenty is fine.
    assert add_caption(video_api, video_id, owner, "ab").status == 200


def test_captions_of_a_video_still_processing_join_its_master_once_written(
        video_api, member, new_video, db, s3):
    from tuber_common import hls_master

    owner = member()
    video_id = new_video(owner)["video"]["id"]
    key = parse_video_id(video_id)
    db.videos.update_one({"_id": key}, {"$set": {"status": "PROCESSING", "transcode": {
        "runId": RUN, "segmentSeconds": 4, "durationSeconds": 6.0, "hasAudio": False}}})
    answer = add_caption(video_api, video_id, owner, "en",
                         b"WEBVTT\n\n00:00.000 --> 00:05.500\nEarly\n")
    assert answer.status == 200, answer.body
    assert keys_under(s3, f"hls/{video_id}/master.m3u8") == []  # nothing plays yet
    # The lowest rung finishes: the transcoder writes the master, captions included.
    db.videos.update_one({"_id": key}, {"$push": {"renditions": rendition("240p")}})
    hls_master.write_master(db, bucket(), key, RUN)
    assert len(subtitle_lines(master_of(s3, video_id))) == 1


def test_a_video_without_a_known_length_takes_no_captions_yet(video_api, member, new_video):
    owner = member()
    video_id = new_video(owner)["video"]["id"]
    answer = add_caption(video_api, video_id, owner, "en")
    assert answer.status == 409 and answer.error_code == "duration_unknown"


def test_captions_are_spliced_into_a_master_mediaconvert_wrote(video_api, member,
                                                              published_video, s3):
    owner = member()
    video_id = published_video(owner)  # renditions by name only, as MediaConvert reports
    theirs = ("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n"
              '#EXT-X-STREAM-INF:BANDWIDTH=541000,AVERAGE-BANDWIDTH=500000,'
              'CODECS="avc1.4d401e,mp4a.40.2",RESOLUTION=426x240,FRAME-RATE=30.000\n'
              "master_240p.m3u8\n")
    s3.put_object(Bucket=bucket(), Key=f"hls/{video_id}/master.m3u8", Body=theirs.encode())
    assert add_caption(video_api, video_id, owner, "en",
                       b"WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n").status == 200
    lines = master_of(s3, video_id).splitlines()
    assert lines[:3] == theirs.splitlines()[:3]
    assert lines[3].startswith('#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="en"')
    assert lines[4] == theirs.splitlines()[3] + ',SUBTITLES="subs"'
    assert lines[5] == "master_240p.m3u8"
    assert video_api.delete(f"/video/{video_id}/captions/en", token=owner.token).status == 204
    assert master_of(s3, video_id) == theirs


def test_deleting_the_video_removes_its_captions(video_api, member, playing_video, s3):
    owner = member()
    video_id = playing_video(owner)
    add_caption(video_api, video_id, owner, "en")
    upload(ask(video_api, video_id, owner, "fr").json, VTT)  # staged, never confirmed
    assert video_api.delete(f"/video/{video_id}", token=owner.token).status == 204
    assert keys_under(s3, f"hls/{video_id}/") == []
    assert keys_under(s3, f"incoming/captions/{video_id}/") == []


def _together(*calls):
    """Run the calls in threads released at once; their results (or exceptions), in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        barrier.wait(timeout=30)
        try:
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - reported by the test
            results[i] = exc
    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_languages_confirmed_at_once_both_stay(video_api, member, playing_video, db, s3):
    from tuber_video import captions

    owner = member()
    video_id = playing_video(owner)
    languages = ["en", "fr", "de", "es"]
    for language in languages:
        upload(ask(video_api, video_id, owner, language).json, VTT)
    results = _together(*[
        (lambda lang=lang: captions.confirm(db, video_id, owner.id, lang)) for lang in languages])
    assert [r["language"] for r in results] == languages, results
    doc = db.videos.find_one({"_id": parse_video_id(video_id)})
    assert sorted(c["language"] for c in doc["captions"]) == sorted(languages)
    listed = [re.search(r'LANGUAGE="([^"]+)"', line)[1]
              for line in subtitle_lines(master_of(s3, video_id))]
    assert sorted(listed) == sorted(languages)


def test_a_caption_confirmed_while_a_rung_finishes_keeps_both(video_api, member,
                                                              playing_video, db, s3):
    from tuber_common import hls_master
    from tuber_video import captions

    owner = member()
    video_id = playing_video(owner)
    key = parse_video_id(video_id)
    upload(ask(video_api, video_id, owner, "en").json, VTT)

    def rung_finishes():
        db.videos.update_one({"_id": key}, {"$push": {"renditions": rendition("720p")}})
        hls_master.write_master(db, bucket(), key, RUN)

    results = _together(lambda: captions.confirm(db, video_id, owner.id, "en"), rung_finishes)
    assert not any(isinstance(r, Exception) for r in results), results
    master = master_of(s3, video_id)
    assert "720p/index.m3u8" in master and len(subtitle_lines(master)) == 1


# The media origin as CloudFront runs it, from the privacy tests.
from tests.integration.test_media_privacy import clock, fetch, jar, origin  # noqa: E402,F401


def test_captions_follow_the_videos_visibility_like_its_media(video_api, member, playing_video,
                                                              db, origin):
    owner = member()
    video_id = playing_video(owner)
    db.videos.update_one({"_id": parse_video_id(video_id)}, {"$set": {"visibility": "private"}})
    url = add_caption(video_api, video_id, owner, "en").json["url"]
    playlist = url.rsplit("/", 1)[0] + "/index.m3u8"
    for target in (url, playlist):
        assert fetch(origin, target).status == 403  # no cookie: no caption
    cookies = jar(video_api.get(f"/video/{video_id}", token=owner.token))
    answer = fetch(origin, url, cookies)
    assert answer.status == 200 and answer.body == VTT
    assert ("Content-Type", "text/vtt") in answer.headers
    assert fetch(origin, playlist, cookies).status == 200


def test_confirming_while_s3_is_unreachable_is_503(video_api, member, playing_video, monkeypatch):
    from local import services
    from tuber_common import storage
    from tuber_common.settings import get_settings

    owner = member()
    video_id = playing_video(owner)
    monkeypatch.setenv("S3_ENDPOINT_URL", f"http://127.0.0.1:{services.free_port()}")
    get_settings.cache_clear()
    storage.reset_s3()
    try:
        answer = video_api.put(f"/video/{video_id}/captions/en", token=owner.token)
        assert (answer.status, answer.error_code) == (503, "service_unavailable"), answer.body
        assert int(answer.headers["retry-after"]) > 0
    finally:
        get_settings.cache_clear()
        storage.reset_s3()


def test_captions_confirmed_while_mediaconvert_works_join_the_master_it_writes(
        video_api, member, new_video, db, s3):
    from tuber_common import hls_master, publishing

    owner = member()
    video_id = new_video(owner)["video"]["id"]
    key = parse_video_id(video_id)
    db.videos.update_one({"_id": key}, {"$set": {"status": "PROCESSING", "transcodeJobId": "j1",
                                                 "declaredDurationSeconds": 2.0}})
    url = add_caption(video_api, video_id, owner, "en",
                      b"WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n").json["url"]
    assert keys_under(s3, f"hls/{video_id}/master.m3u8") == []  # no master to join yet
    # The job's timestamps start where its request says (PtsOffset 10 s).
    segment = url.split(f"/hls/{video_id}/")[1].rsplit("/", 1)[0] + "/seg_00000.vtt"
    assert "X-TIMESTAMP-MAP=MPEGTS:900000," in text_of(s3, f"hls/{video_id}/{segment}")
    theirs = ("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=541000,RESOLUTION=426x240\n"
              "master_240p.m3u8\n")
    s3.put_object(Bucket=bucket(), Key=f"hls/{video_id}/master.m3u8", Body=theirs.encode())
    assert publishing.publish(db, key, hls_key=f"hls/{video_id}/master.m3u8",
                              renditions=[{"name": "240p", "width": 426, "height": 240}],
                              thumbnail_key=None, duration_seconds=2.0)
    hls_master.list_captions_once_published(db, bucket(), key)
    master = master_of(s3, video_id)
    assert len(subtitle_lines(master)) == 1 and 'SUBTITLES="subs"' in master
