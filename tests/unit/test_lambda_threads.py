"""Threads that race calls to one in-process handler each see their own request, as separate
Lambda containers would (tests/support/lambda_threads.py, installed by tests/conftest.py)."""
from __future__ import annotations

import threading

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import BaseModel
from typing_extensions import Annotated

from tests.support.api import Api


class Greeting(BaseModel):
    name: str


def test_threads_interleaved_inside_a_route_keep_their_own_request():
    """Two calls paused inside the route at once: each finishes with its own body and event."""
    app = APIGatewayHttpResolver(enable_validation=True)
    both_inside = threading.Barrier(2, timeout=10)

    @app.post("/hello")
    def hello(greeting: Annotated[Greeting, Body()]):
        both_inside.wait()  # the other call has set its event and route arguments meanwhile
        return {"name": greeting.name, "path": app.current_event.path,
                "agent": app.current_event.headers.get("user-agent")}

    api = Api(lambda event, context: app.resolve(event, context))
    answers = {}

    def call(name: str) -> None:
        answers[name] = api.post("/hello", {"name": name}, headers={"user-agent": name})

    threads = [threading.Thread(target=call, args=(name,)) for name in ("ada", "grace")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for name, answer in answers.items():
        assert answer.status == 200, answer.body
        assert answer.json == {"name": name, "path": "/hello", "agent": name}

