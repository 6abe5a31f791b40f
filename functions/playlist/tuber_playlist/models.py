"""Request bodies of /playlist, validated by Powertools before a route runs."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from tuber_common.request_models import Body

from .items import MAX_ITEMS

Visibility = Literal["public", "unlisted", "private"]
TITLE_MAX, DESCRIPTION_MAX = 150, 5000


def _title(value: str | None) -> str | None:
    # Runs of white space are one space; a title of spaces alone is no title.
    if value is None:
        return None
    value = " ".join(value.split())
    if not value:
        raise ValueError("title is blank")
    return value


class CreatePlaylistBody(Body):
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    description: str = Field(default="", max_length=DESCRIPTION_MAX)
    visibility: Visibility

    _clean = field_validator("title")(_title)


class EditPlaylistBody(Body):
    title: str | None = Field(default=None, min_length=1, max_length=TITLE_MAX)
    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX)
    visibility: Visibility | None = None

    _clean = field_validator("title")(_title)

    @model_validator(mode="after")
    def _something(self) -> "EditPlaylistBody":
        if not self.changes():
            raise ValueError("give title, description or visibility")
        return self

    def changes(self) -> dict:
        return self.model_dump(exclude_none=True)


class AddItemBody(Body):
    videoId: str = Field(min_length=1, max_length=64)
    # 0-based; absent or past the end: the end.
    position: int | None = Field(default=None, ge=0, le=MAX_ITEMS)


class MoveItemBody(Body):
    position: int = Field(ge=0, le=MAX_ITEMS)
