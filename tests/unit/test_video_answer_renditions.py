"""A video's answer shows each rung as response_models.Rendition documents it: the fields the
transcoder keeps for itself (playlist URIs, I-frame bandwidth) stay in the document.
A real transcoded video's list answer broke the OpenAPI schema that way (the API fuzz test
met one only when a browser test had published a video before it)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from bson import ObjectId

from tuber_common.response_models import Rendition, Video
from tuber_common.settings import get_settings
from tuber_common.videos import PUBLIC, RENDITION_FIELDS, video_out

# As tuber_transcode.assembly records a finished rung.
TRANSCODED_RUNG = {"name": "180p", "width": 320, "height": 180, "bandwidth": 189504,
                   "averageBandwidth": 189504, "codecs": "avc1.4d400c", "frameRate": 24.0,
                   "uri": "180p/index.m3u8", "iframeUri": "180p/iframes.m3u8",
                   "iframeBandwidth": 15040}


def test_the_public_fields_are_the_documented_ones():
    assert set(RENDITION_FIELDS) == set(Rendition.model_fields)


@pytest.fixture
def media_origin(monkeypatch):
    monkeypatch.setenv("MEDIA_BASE_URL", "https://media.example")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_a_transcoded_rung_answers_only_documented_fields(media_origin):
    now = datetime.now(timezone.utc)
    doc = {"_id": "EjgrgfHbV_GNfN0ftRli7A", "ownerId": ObjectId(), "title": "t",
           "description": "", "visibility": "public", "status": PUBLIC, "createdAt": now,
           "publishedAt": now, "hlsKey": "hls/EjgrgfHbV_GNfN0ftRli7A/master.m3u8",
           "renditions": [TRANSCODED_RUNG]}
    answer = video_out(doc, None)
    assert answer["renditions"] == [{k: v for k, v in TRANSCODED_RUNG.items()
                                     if k in RENDITION_FIELDS}]
    Video.model_validate(answer)  # extra="forbid": an undocumented field fails here
