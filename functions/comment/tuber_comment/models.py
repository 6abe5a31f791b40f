"""Request bodies and query strings of /comment, validated by Powertools before a route runs."""
from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import Field, field_validator

from tuber_common.request_models import Body

MAX_TEXT = 2000


def _clean_text(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("comment text is blank")
    if len(value) > MAX_TEXT:
        raise ValueError(f"comment text is longer than {MAX_TEXT} characters")
    return value


class CreateCommentBody(Body):
    text: str
    parentId: str | None = Field(default=None, max_length=64)

    _text = field_validator("text")(_clean_text)


class EditCommentBody(Body):
    text: str

    _text = field_validator("text")(_clean_text)


ParentId = Annotated[str | None, Query(alias="parentId", max_length=64)]
