"""One "container" of the comment function for tests/integration/test_durability.py: a
process of its own (its own MongoClient, as each Lambda container has) that posts comments
through the real handler until STOP_FILE exists, printing one JSON line per answer:
`ANSWER {"text", "status", "code", "id"}` (the function's own log lines go to stdout too).

    python -m tests.support.comment_writer VIDEO_ID TOKEN PREFIX STOP_FILE

Settings come from the environment (MONGODB_URI, JWT_SECRET, ...), as in Lambda.
"""
from __future__ import annotations

import json
import os
import sys
import time


def main(video_id: str, token: str, prefix: str, stop_file: str) -> None:
    from tests.support.api import Api
    from tuber_comment.handler import lambda_handler

    if os.environ.get("WRITER_WRITE_CONCERN") == "w1":
        _weaken_write_concern()

    api = Api(lambda_handler)
    deadline = time.monotonic() + float(os.environ.get("WRITER_MAX_SECONDS", "120"))
    n = 0
    while not os.path.exists(stop_file) and time.monotonic() < deadline:
        n += 1
        text = f"{prefix}-{n}"
        answer = api.post(f"/comment/{video_id}", {"text": text}, token=token)
        body = answer.json if answer.body else {}
        print("ANSWER", json.dumps({
            "text": text, "status": answer.status, "code": answer.error_code,
            "id": body["comment"]["id"] if answer.status == 201 else None}), flush=True)


def _weaken_write_concern() -> None:
    """The driver's default (w=1, no journal): what the durability test catches without j."""
    from tuber_common import db

    db.WRITE_CONCERN = {"w": 1, "journal": False}


if __name__ == "__main__":
    main(*sys.argv[1:5])
