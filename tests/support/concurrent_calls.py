"""Calls to a function's real handler from several processes at once, as that many Lambda
containers would make them: each process imports the handler itself (its own MongoClient,
its own module state), all of them start together at a barrier, and each serves its calls
one at a time, as a container does.

    statuses = run_in_processes("auth", calls, processes=8)

`calls`: (method, path, json body, source IP, headers) tuples, spread over the processes; the
answer is each call's (status, JSON body, cookies), in order. The processes inherit the
test's environment (settings, MONGODB_URI, its own MONGODB_DB).
"""
from __future__ import annotations

import multiprocessing
import sys


def _handler(function: str):
    module = __import__(f"tuber_{function}.handler", fromlist=["lambda_handler"])
    return module.lambda_handler


def _process(paths: list[str], function: str, index: int, share: list[tuple], barrier,
             results) -> None:
    for path in reversed(paths):
        if path not in sys.path:
            sys.path.insert(0, path)
    from tests.support.api import Api

    try:
        handler = _handler(function)  # imported before the barrier: the race is the calls
        barrier.wait(timeout=120)

        def one(call):
            method, path, body, source_ip, headers = call
            answer = Api(handler).call(method, path, json_body=body, source_ip=source_ip,
                                       headers=headers)
            return answer.status, answer.json, answer.cookies

        # One call at a time, as a Lambda container serves them: a Powertools resolver keeps
        # the current request on itself, so threads in one process would read each other's.
        results.put((index, [one(call) for call in share]))
    except BaseException as exc:  # reported, not lost with the process
        results.put((index, exc))
        raise


def run_in_processes(function: str, calls: list[tuple], processes: int) -> list[tuple]:
    ctx = multiprocessing.get_context("spawn")
    shares = [s for s in (calls[i::processes] for i in range(processes)) if s]
    barrier = ctx.Barrier(len(shares))
    results = ctx.Queue()
    workers = [ctx.Process(target=_process, args=(list(sys.path), function, i, share,
                                                  barrier, results))
               for i, share in enumerate(shares)]
    for worker in workers:
        worker.start()
    got = dict(results.get(timeout=300) for _ in workers)
    for worker in workers:
        worker.join(timeout=60)
    ordered: list = [None] * len(calls)
    for i in range(len(shares)):
        if isinstance(got[i], BaseException):
            raise RuntimeError(f"process {i} failed") from got[i]
        for j, result in enumerate(got[i]):
            ordered[i + j * len(shares)] = result
    return ordered
