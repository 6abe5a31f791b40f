"""Request bodies and query strings of /comment, validated by Powertools before a route runs."""
from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, ConfigDict, Field, field_validator

from tuber_common.pagination import DEFAULT_LIMIT, MAX_LIMIT

MAX_TEXT = 2000


def _clean_text(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("comment text is blank")
    if len(value) > MAX_TEXT:
        raise ValueError(f"comment text is longer than {MAX_TEXT} characters")
    return value


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class CreateCommentBody(_Body):
    text: str
    parentId: str | None = Field(default=None, max_length=64)

    _text = field_validator("text")(_clean_text)


class EditCommentBody(_Body):
    text: str

    _text = field_validator("text")(_clean_text)


Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=512)]
ParentId = Annotated[str | None, Query(alias="parentId", max_length=64)]
DEFAULT = DEFAULT_LIMIT
