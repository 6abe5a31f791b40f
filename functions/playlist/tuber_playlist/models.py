"""Request bodies of /playlist, validated by Powertools before a route runs."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from tuber_common.request_models import Body

from .items import MAX_ITEMS

Visibility = Literal["public", "unlisted", "private"]
TITLE_MAX, DESCRIPTION_MAX = 150, 5000


# Trimmed; a title of spaces alone is no title.
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                         max_length=TITLE_MAX)]


class CreatePlaylistBody(Body):
    title: Title
    description: str = Field(default="", max_length=DESCRIPTION_MAX)
    visibility: Visibility


class EditPlaylistBody(Body):
    title: Title | None = None
    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX)
    visibility: Visibility | None = None

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
