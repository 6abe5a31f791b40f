"""Request bodies of the resumable upload routes (upload_routes), validated by Powertools
before a route runs."""
from __future__ import annotations

from pydantic import Field

from tuber_common.request_models import Body

UPLOAD_ID_MAX = 1024
MAX_URLS_PER_CALL = 100


class PartUrlsBody(Body):
    uploadId: str = Field(min_length=1, max_length=UPLOAD_ID_MAX)
    partNumbers: list[int] = Field(min_length=1, max_length=MAX_URLS_PER_CALL)


class UploadedPart(Body):
    partNumber: int = Field(ge=1, le=10_000)
    etag: str = Field(min_length=1, max_length=200)


class CompleteBody(Body):
    uploadId: str = Field(min_length=1, max_length=UPLOAD_ID_MAX)
    # Optional: the server completes with what S3 holds; when sent, it must match.
    parts: list[UploadedPart] | None = Field(default=None, max_length=10_000)

