"""A video's captions as other paths need them: the language tag rule, the limits, and the
`captions` list of GET /video/{videoId}.

Stored on the video document as `captions: [{language, label, key}]`, one per language, in
the order they were added; `key` is the whole WebVTT file, hls/{videoId}/captions/
{language}-{random}/captions.vtt, next to its subtitle playlist and segments (the master's
SUBTITLES group: tuber_common.hls_master). Under hls/{videoId}/, so the video's playback
cookies open captions exactly when they open its media. The routes that change them are
tuber_video.captions.
"""
from __future__ import annotations

import re

from .errors import ValidationFailed
from .videos import media_url

MAX_CAPTIONS = 20
MAX_BYTES = 1024 * 1024  # about 10 hours of dense captions
MAX_LABEL_CHARS = 60
# BCP 47 as players use it: language (2-3 letters), optional script (4 letters), optional
# region (2 letters or 3 digits), optional variants (5-8 alphanumerics or digit + 3).
_TAG = re.compile(r"^(?P<lang>[A-Za-z]{2,3})(?:-(?P<script>[A-Za-z]{4}))?"
                  r"(?:-(?P<region>[A-Za-z]{2}|\d{3}))?"
                  r"(?P<variants>(?:-(?:[A-Za-z0-9]{5,8}|\d[A-Za-z0-9]{3}))*)$")
# Labels for the languages most captions are in; any other tag is its own label.
NAMES = {
    "ar": "العربية", "bn": "বাংলা", "cs": "Čeština", "da": "Dansk", "de": "Deutsch",
    "el": "Ελληνικά", "en": "English", "es": "Español", "fa": "فارسی", "fi": "Suomi",
    "fr": "Français", "he": "עברית", "hi": "हिन्दी", "hu": "Magyar", "id": "Bahasa Indonesia",
    "it": "Italiano", "ja": "日本語", "ko": "한국어", "nl": "Nederlands", "no": "Norsk",
    "pl": "Polski", "pt": "Português", "ro": "Română", "ru": "Русский", "sv": "Svenska",
    "th": "ไทย", "tr": "Türkçe", "uk": "Українська", "vi": "Tiếng Việt", "zh": "中文",
}


def normalize_language(value: str) -> str:
    """A BCP 47 tag in its canonical case ("pt-br" -> "pt-BR", "zh-hant" -> "zh-Hant");
    422 `invalid_language` otherwise."""
    match = _TAG.match(value.strip().replace("_", "-")) if isinstance(value, str) else None
    if match is None or len(value.strip()) > 35:
        raise ValidationFailed("language must be a BCP 47 tag such as en or pt-BR",
                               code="invalid_language")
    tag = match["lang"].lower()
    if match["script"]:
        tag += "-" + match["script"].title()
    if match["region"]:
        tag += "-" + match["region"].upper()
    return tag + match["variants"].lower()


def label_for(language: str, label: str | None) -> str:
    """The label players show: the owner's (trimmed, one line), else the language's name."""
    text = " ".join((label or "").split())
    if not text:
        return NAMES.get(language.split("-")[0], language)
    if len(text) > MAX_LABEL_CHARS:
        raise ValidationFailed(f"label may be at most {MAX_LABEL_CHARS} characters",
                               code="invalid_label")
    return text


def caption_out(caption: dict) -> dict:
    return {"language": caption["language"], "label": caption["label"],
            "url": media_url(caption["key"])}


def captions_out(doc: dict) -> list[dict]:
    """GET /video/{videoId}'s `captions`: [{language, label, url}] (the whole WebVTT file,
    opened by the playback cookies like the rest of hls/{videoId}/)."""
    return [caption_out(c) for c in doc.get("captions") or []]
