"""Request bodies of /notification (its query strings: tuber_common.request_models)."""
from __future__ import annotations

from typing import Annotated, Literal, Optional

from pydantic import Field, model_validator

from tuber_common.request_models import Body

MAX_IDS = 100


class ReadBody(Body):
    # Either the ids to mark read (at most a page's worth), or every one: {all: true}.
    ids: Optional[Annotated[list[Annotated[str, Field(max_length=64)]],
                            Field(min_length=1, max_length=MAX_IDS)]] = None
    all: Optional[Literal[True]] = None

    @model_validator(mode="after")
    def _one_of(self) -> "ReadBody":
        if (self.ids is None) == (self.all is None):
            raise ValueError("send either ids or all: true")
        return self
