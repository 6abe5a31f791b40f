"""tuber_video.oembed's pure parts: which URLs name a video of the site, the start time, the
player's size within the consumer's bounds, and the iframe markup."""
from __future__ import annotations

import pytest

from tuber_common.errors import NotFound
from tuber_video.oembed import aspect_ratio, fit, iframe, start_seconds, video_reference

SITE = "https://tuber.example"
ID = "AbCdEfGhIjKlMnOpQrStUv"


@pytest.mark.parametrize("url, expected", [
    (f"{SITE}/#/watch/{ID}", (ID, None)),
    (f"{SITE}#/watch/{ID}", (ID, None)),
    (f"{SITE}/index.html#/watch/{ID}?t=75", (ID, 75)),
    (f"{SITE}/#/watch/{ID}?list=abc&t=12.9", (ID, 12)),
    (f"{SITE}/embed/{ID}", (ID, None)),
    (f"{SITE}/embed/{ID}?t=30&autoplay=1", (ID, 30)),
    (f"http://TUBER.example/embed/{ID}", (ID, None)),
    (f"  {SITE}/embed/{ID}  ", (ID, None)),
])
def test_watch_and_embed_urls_of_the_site(url, expected):
    assert video_reference(url, SITE) == expected


@pytest.mark.parametrize("url", [
    f"https://other.example/#/watch/{ID}", f"https://tuber.example.evil/embed/{ID}",
    f"https://user@evil.example/embed/{ID}", f"javascript:alert(1)//{SITE}/embed/{ID}",
    f"{SITE}/#/upload", f"{SITE}/#/watch/", f"{SITE}/#/watch/{ID}/x", f"{SITE}/watch/{ID}",
    f"{SITE}/embed/{ID}/x", f"{SITE}/embed/", f"{SITE}/other#/watch/{ID}",
    f"{SITE}/#/watch/{'a' * 65}", f"{SITE}/#/watch/<script>", "", "watch", "https://[::1",
])
def test_anything_else_is_not_found(url):
    with pytest.raises(NotFound):
        video_reference(url, SITE)


def test_a_site_under_a_path():
    assert video_reference(f"{SITE}/tuber/embed/{ID}", f"{SITE}/tuber") == (ID, None)
    assert video_reference(f"{SITE}/tuber/#/watch/{ID}", f"{SITE}/tuber") == (ID, None)
    with pytest.raises(NotFound):
        video_reference(f"{SITE}/embed/{ID}", f"{SITE}/tuber")


@pytest.mark.parametrize("query, seconds", [("t=5", 5), ("t=0", None), ("t=-3", None),
                                            ("t=abc", None), ("", None), ("t=1e400", None),
                                            ("t=nan", None)])
def test_start_seconds(query, seconds):
    assert start_seconds(query) == seconds


def test_the_size_keeps_the_shape_and_never_grows():
    wide = 16 / 9
    assert fit(wide, None, None) == (640, 360)
    assert fit(wide, 2000, 2000) == (640, 360)
    assert fit(wide, 320, None) == (320, 180)
    assert fit(wide, None, 180) == (320, 180)
    assert fit(wide, 1, 1) == (1, 1)
    assert fit(9 / 16, None, 400) == (225, 400)  # a vertical video
    assert aspect_ratio({"renditions": [{"width": 1080, "height": 1920},
                                        {"width": 360, "height": 640}]}) == 1080 / 1920
    assert aspect_ratio({}) == wide


def test_the_iframe_escapes_what_it_quotes():
    markup = iframe('https://t.example/embed/x?t=1&a="b"', 10, 20, 'A "quote" & <tag>')
    assert markup.startswith('<iframe src="https://t.example/embed/x?t=1&amp;a=&quot;b&quot;"')
    assert 'title="A &quot;quote&quot; &amp; &lt;tag&gt;"' in markup
    assert "<tag>" not in markup
