"""Embeds: oEmbed 1.0 for watch and embed URLs (tuber_video.oembed) and the embed page's
video with a playback signature usable in another site's iframe (tuber_video.embeds)."""
from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from tuber_common.db import get_db
from tuber_common.openapi import NONE, SCHEMA_REF, operation

from . import embeds, oembed

router = Router()
TAGS = ["embeds"]

_OEMBED = operation(200, "OEmbedResponse", auth=NONE, tags=TAGS,
                    summary="oEmbed 1.0 (type video) for a watch or embed URL of this site")
# oEmbed's own status for a format it does not serve (format=xml).
_OEMBED["responses"][501] = {
    "description": "Only format=json is implemented",
    "content": {"application/json": {"schema": {"$ref": SCHEMA_REF.format(
        model="ErrorResponse")}}}}
Dimension = Annotated[int | None, Query(ge=1, le=10_000)]


@router.get("/oembed", **_OEMBED)
def get_oembed(url: Annotated[str, Query(min_length=1, max_length=oembed.MAX_URL_CHARS)],
               format: Annotated[str, Query(max_length=10)] = "json",  # noqa: A002 - oEmbed's name
               maxwidth: Dimension = None, maxheight: Dimension = None):
    return oembed.oembed(get_db(), url, fmt=format, max_width=maxwidth, max_height=maxheight)


@router.get("/video/<videoId>/embed", **operation(
    200, "EmbedResponse", auth=NONE, tags=TAGS,
    summary="The embed page's video and a playback signature as query parameters"))
def get_embed(videoId: str):
    return embeds.embed(get_db(), videoId)
