"""Caption languages and labels (tuber_common.captions)."""
from __future__ import annotations

import pytest

from tuber_common.captions import captions_out, label_for, normalize_language
from tuber_common.errors import ValidationFailed


@pytest.mark.parametrize("given, tag", [
    ("en", "en"), ("EN", "en"), ("pt-br", "pt-BR"), ("pt_BR", "pt-BR"), ("zh-hant-tw", "zh-Hant-TW"),
    ("es-419", "es-419"), ("sl-rozaj", "sl-rozaj"), (" fr ", "fr"), ("yue", "yue"),
])
def test_language_tags_are_normalized(given, tag):
    assert normalize_language(given) == tag


@pytest.mark.parametrize("given", ["", "e", "english", "en-", "en--US", "en/US", "../x", "1a",
                                   "en-US-" + "x" * 40, "en US"])
def test_what_is_no_language_tag_is_refused(given):
    with pytest.raises(ValidationFailed) as caught:
        normalize_language(given)
    assert caught.value.code == "invalid_language"


def test_labels():
    assert label_for("pt-BR", None) == "Português"
    assert label_for("tlh", "") == "tlh"
    assert label_for("en", "  English\n(CC) ") == "English (CC)"
    with pytest.raises(ValidationFailed):
        label_for("en", "x" * 61)


def test_the_answer_lists_each_caption_with_its_file_url(monkeypatch):
    from tuber_common import captions

    monkeypatch.setattr(captions, "media_url", lambda key: f"https://media.example/{key}")
    doc = {"captions": [{"language": "en", "label": "English",
                         "key": "hls/v/captions/en-00ff/captions.vtt"}]}
    [caption] = captions_out(doc)
    assert caption["language"] == "en" and caption["label"] == "English"
    assert caption["url"].endswith("/hls/v/captions/en-00ff/captions.vtt")
    assert captions_out({}) == []
