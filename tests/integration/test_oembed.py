"""GET /oembed (oEmbed 1.0) and GET /video/{videoId}/embed through the video function's real
handler, and the embed's query-string signature checked by the local media origin (what
CloudFront does): an embed in another site's iframe plays without the playback cookies."""
from __future__ import annotations

import re
import time
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

# The media origin, its clock and a video with media in the bucket: the privacy tests' own.
from tests.integration.test_media_privacy import (MASTER, PLAYLIST, SEGMENT, clock,  # noqa: F401
                                                  fetch, media, origin, video_with_media)


@pytest.fixture
def site():
    from tuber_common.mail import site_url

    return site_url()


def ask(video_api, url, **query):
    return video_api.get("/oembed", query={"url": url, **query})


def iframe_src(answer) -> str:
    return unescape(re.search(r'<iframe src="([^"]+)"', answer.json["html"]).group(1))


def test_a_watch_url_answers_a_video_with_the_embed_iframe(video_api, member, published_video,
                                                          site):
    owner = member("oembed_owner")
    video_id = published_video(owner, title="Cats & <dogs>")
    answer = ask(video_api, f"{site}/#/watch/{video_id}", format="json")
    assert answer.status == 200, answer.body
    data = answer.json
    assert data["version"] == "1.0" and data["type"] == "video"
    assert data["title"] == "Cats & <dogs>"
    assert data["provider_name"] == "Tuber" and data["provider_url"] == f"{site}/"
    assert data["author_name"] == "oembed_owner"
    assert data["author_url"] == f"{site}/#/@oembed_owner"
    # 640 wide at the video's own shape (426x240).
    assert (data["width"], data["height"]) == (640, 360)
    assert iframe_src(answer) == f"{site}/embed/{video_id}"
    assert 'width="640" height="360"' in data["html"]
    assert 'title="Cats &amp; &lt;dogs&gt;"' in data["html"]  # escaped, never markup
    assert "<dogs>" not in data["html"]
    assert "allowfullscreen" in data["html"]
    # The thumbnail is signed; the answer lives no longer than its URL.
    assert "Signature=" in data["thumbnail_url"]
    assert data["thumbnail_width"] == 640 and data["thumbnail_height"] == 361
    assert 0 < data["cache_age"] <= 600


def test_embed_urls_and_start_times(video_api, member, published_video, site):
    video_id = published_video(member())
    for url in (f"{site}/embed/{video_id}?t=42", f"{site}/#/watch/{video_id}?t=42",
                f"{site}/index.html#/watch/{video_id}?list=abc&t=42"):
        answer = ask(video_api, url)
        assert answer.status == 200, url
        assert iframe_src(answer) == f"{site}/embed/{video_id}?t=42", url
    # http names the same site (a consumer may have dropped the s).
    plain = site.replace("https://", "http://")
    assert ask(video_api, f"{plain}/embed/{video_id}").status == 200


def test_the_size_fits_maxwidth_and_maxheight(video_api, member, published_video, site):
    url = f"{site}/#/watch/{published_video(member())}"
    sizes = {(mw, mh): (ask(video_api, url, **{k: v for k, v in (("maxwidth", mw),
                                                                   ("maxheight", mh)) if v}).json)
             for mw, mh in ((320, None), (None, 180), (1920, 1080), (400, 100))}
    assert {k: (v["width"], v["height"]) for k, v in sizes.items()} == {
        (320, None): (320, 180), (None, 180): (320, 180), (1920, 1080): (640, 360),
        (400, 100): (178, 100)}
    for data in sizes.values():
        assert f'width="{data["width"]}" height="{data["height"]}"' in data["html"]


def test_unlisted_plays_private_and_unknown_are_not_found(video_api, member, published_video,
                                                         site, db):
    owner = member()
    unlisted = published_video(owner, visibility="unlisted")
    private = published_video(owner, visibility="private")
    taken_down = published_video(owner)
    from tuber_common.ids import parse_video_id
    db.videos.update_one({"_id": parse_video_id(taken_down)},
                         {"$set": {"moderation": {"status": "removed", "reason": "spam"}}})
    assert ask(video_api, f"{site}/#/watch/{unlisted}").status == 200
    for video_id in (private, taken_down, "A" * 22, "nope"):
        answer = ask(video_api, f"{site}/#/watch/{video_id}")
        assert (answer.status, answer.error_code) == (404, "video_not_found"), video_id
        assert "thumbnail_url" not in answer.body


def test_urls_that_are_not_this_sites_videos_are_not_found(video_api, member, published_video,
                                                           site):
    video_id = published_video(member())
    host = urlsplit(site).netloc
    for url in (f"https://evil.example/#/watch/{video_id}",
                f"https://{host}.evil.example/#/watch/{video_id}",
                f"ftp://{host}/#/watch/{video_id}", f"{site}/#/upload", f"{site}/",
                f"{site}/watch/{video_id}", f"{site}/embed/{video_id}/more",
                f"{site}/#/channel/{video_id}", "not a url", f"https://{host}:99999/"):
        answer = ask(video_api, url)
        assert (answer.status, answer.error_code) == (404, "video_not_found"), url


def test_only_json_is_implemented_and_bad_sizes_are_refused(video_api, member, published_video,
                                                          site):
    url = f"{site}/#/watch/{published_video(member())}"
    for fmt in ("xml", "yaml"):
        answer = ask(video_api, url, format=fmt)
        assert (answer.status, answer.error_code) == (501, "format_not_implemented")
    for query in ({"maxwidth": "0"}, {"maxheight": "-5"}, {"maxwidth": "wide"}):
        assert ask(video_api, url, **query).status == 422, query
    assert video_api.get("/oembed").status == 422  # url is required


def test_the_embed_answer_plays_with_a_query_signature_alone(video_api, member, origin,
                                                            video_with_media):
    video_id = video_with_media(member())
    answer = video_api.get(f"/video/{video_id}/embed")
    assert answer.status == 200, answer.body
    assert answer.cookies == []  # nothing a third-party iframe would drop anyway
    playback = answer.json["playback"]
    assert answer.json["video"]["id"] == video_id
    assert playback["hlsUrl"] == media(video_id, MASTER) and playback["expiresIn"] == 300
    assert set(parse_qs(playback["query"])) == {"Policy", "Signature", "Key-Pair-Id"}
    for name in (MASTER, PLAYLIST, SEGMENT):
        served = fetch(origin, f"{media(video_id, name)}?{playback['query']}")
        assert served.status == 200, name
        # One cache entry whoever plays it: the signature is not in the key.
        key = dict(served.headers)["X-Cache-Key"]
        assert "Signature" not in key and "Policy" not in key
    # Without it: refused, as before.
    assert fetch(origin, media(video_id, MASTER)).status == 403


def test_the_embed_signature_opens_one_video_for_five_minutes(video_api, member, origin,
                                                              video_with_media, clock):
    owner = member()
    first, second = video_with_media(owner), video_with_media(owner)
    query = video_api.get(f"/video/{first}/embed").json["playback"]["query"]
    assert fetch(origin, f"{media(second, MASTER)}?{query}").status == 403
    tampered = query.replace("Signature=", "Signature=A")
    assert fetch(origin, f"{media(first, MASTER)}?{tampered}").status == 403
    clock.now = time.time() + 301  # the policy's 5 minutes from its signing
    assert fetch(origin, f"{media(first, MASTER)}?{query}").status == 403


def test_embeds_are_anonymous_private_videos_are_not_found(video_api, member, published_video):
    owner = member()
    private = published_video(owner, visibility="private")
    for token in (None, owner.token):  # the iframe never has the owner's session either
        answer = video_api.get(f"/video/{private}/embed", token=token)
        assert (answer.status, answer.error_code) == (404, "video_not_found")
    assert video_api.get("/video/nope/embed").status == 404
    unlisted = published_video(owner, visibility="unlisted")
    assert video_api.get(f"/video/{unlisted}/embed").status == 200


def test_the_query_signature_wins_over_cookies_as_on_cloudfront(video_api, member, origin,
                                                                 video_with_media):
    """CloudFront reads the signing parameters of the URL when there are some, whatever
    cookies come with it (a viewer with another video's cookies, a stale jar)."""
    from tests.integration.test_media_privacy import jar

    owner = member()
    first, second = video_with_media(owner), video_with_media(owner)
    other_cookies = jar(video_api.get(f"/video/{second}"))
    query = video_api.get(f"/video/{first}/embed").json["playback"]["query"]
    assert fetch(origin, f"{media(first, SEGMENT)}?{query}", other_cookies).status == 200
    assert fetch(origin, media(first, SEGMENT), other_cookies).status == 403
    # A query of another video is refused even with this video's own cookies.
    own_cookies = jar(video_api.get(f"/video/{first}"))
    foreign = video_api.get(f"/video/{second}/embed").json["playback"]["query"]
    assert fetch(origin, f"{media(first, SEGMENT)}?{foreign}", own_cookies).status == 403
