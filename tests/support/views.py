"""Views as a player makes them (docs/API.md, "Views"): start a view session, report it once
enough time has passed on the server's clock. In process, that clock is moved instead of
waited for: `tuber_video.views._clock` is the only time the sessions read."""
from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Iterator
from unittest import mock

from tests.support.api import Answer, Api

# Longer than any threshold the tests set (VIEW_MIN_SECONDS defaults to 10).
LONG_AGO = 60.0


@contextmanager
def server_clock_moved(by: float) -> Iterator[None]:
    """The sessions' clock `by` seconds off (negative: in the past) while inside."""
    from tuber_video import views

    with mock.patch.object(views, "_clock", lambda: time.time() + by):
        yield


def start_session(api: Api, video_id: str, ago: float = 0.0, **kw) -> Answer:
    """POST /video/{id}/view/start as if it had been sent `ago` seconds ago."""
    with server_clock_moved(-ago):
        return api.post(f"/video/{video_id}/view/start", **kw)


def report(api: Api, video_id: str, session: str, **kw) -> Answer:
    return api.post(f"/video/{video_id}/view", {"viewSession": session}, **kw)


def watch(api: Api, video_id: str, seconds: float = LONG_AGO, **kw) -> Answer:
    """A session started `seconds` ago, reported now, by the same caller (`kw`: token,
    headers, source_ip). The report's answer ({viewCount, counted, countsInSeconds})."""
    started = start_session(api, video_id, ago=seconds, **kw)
    assert started.status == 201, started.body
    return report(api, video_id, started.json["viewSession"], **kw)
