"""Request bodies of the caption routes (caption_routes.py)."""
from __future__ import annotations

from pydantic import Field

from tuber_common.request_models import Body


class CaptionUploadBody(Body):
    # The tag's form, the label and the size are checked by the route (422 / 413, own codes).
    language: str = Field(min_length=1, max_length=64,
                          description='a BCP 47 tag ("en", "pt-BR"), normalized')
    label: str | None = Field(default=None, max_length=200,
                              description="what players show (default: the language's name)")
    sizeBytes: int = Field(ge=1, description="the file's exact size")
