"""What every API function's requests share: the request-body base and the paging query
parameters. Powertools validates them before a route runs; a refusal answers 422
`validation_error` with `errors.validation_details` (tuber_common.http)."""
from __future__ import annotations

from typing import Annotated, Optional

from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, ConfigDict

from .pagination import DEFAULT_LIMIT, MAX_CURSOR_CHARS, MAX_LIMIT


class Body(BaseModel):
    """A JSON request body. Fields it does not name are ignored (older and newer clients
    send more than a route reads)."""
    model_config = ConfigDict(extra="ignore")


# ?limit= of every list route: 1 to MAX_LIMIT items, DEFAULT_LIMIT when absent.
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
# ?cursor= of every list route: the opaque nextCursor of the page before (pagination.py).
Cursor = Annotated[Optional[str], Query(max_length=MAX_CURSOR_CHARS)]
DEFAULT = DEFAULT_LIMIT
