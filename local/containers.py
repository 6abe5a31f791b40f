"""Each function runs in processes of its own, as Lambda runs it in containers.

A container is a process for one function: it imports the function's handler once (its init),
then runs one invocation at a time, fed the event as JSON over a pipe and answering with the
result as JSON (or the error: type, message, stack trace), as the Lambda runtime API does. A
function gets more containers when its containers are all busy (Lambda's concurrency), up
to `max_per_function`; an idle container is reused (a warm start). Nothing is shared between
functions, or between two invocations running at once: module globals, a Powertools
resolver's current event (kept on the resolver *class*), the MongoClient.

Containers are forked from a fork server that has already imported the heavy libraries
(boto3, pymongo, pydantic, Powertools), so a cold start costs the function's own imports only.
Each container gets the environment the stack computed, with its function's own
POWERTOOLS_SERVICE_NAME, and the template's layer and CodeUri on sys.path. An invocation that
outlives the function's Timeout is stopped (the container is killed, as Lambda does) and fails
with `Sandbox.Timedout`; the context's remaining time counts down to that deadline.
Containers exit when the stack stops, when their pipe closes, or when their parent dies.
"""
from __future__ import annotations

import importlib
import json
import logging
import multiprocessing
import multiprocessing.forkserver
import os
import signal
import sys
import threading
import time
import traceback
import uuid
from pathlib import Path
from typing import Any, Callable

from .functions import FunctionNotInCheckout, TemplateFunctions
from .lambda_context import LambdaContext
from .template import Function, Template

log = logging.getLogger("tuber.local")

# Imported once in the fork server (nothing in them reads the functions' settings at import).
PRELOAD = ["local.containers", "json", "boto3", "botocore.session", "botocore.client",
           "pymongo", "pydantic", "jwt", "aws_lambda_powertools.event_handler",
           "aws_lambda_powertools.logging", "aws_lambda_powertools.metrics"]
INIT_TIMEOUT_S = 30  # Lambda allows 10 s; a loaded laptop gets some slack for imports
TIMEOUT_SLACK_S = 0.5  # the pipe's own delay, on top of the function's Timeout


class FunctionError(Exception):
    """The function raised (or timed out, or its container died): what Lambda reports as
    `errorType` / `errorMessage`, with the function's own stack trace."""

    def __init__(self, error_type: str, message: str, stack_trace: list[str] | None = None):
        super().__init__(message)
        self.error_type = error_type
        self.stack_trace = stack_trace or []

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(PRELOAD)


def start_fork_server() -> None:
    """Start the fork server now (it imports the preloaded libraries), so the first
    invocation does not wait for it."""
    multiprocessing.forkserver.ensure_running()


def stop_fork_server(timeout_s: float = 5) -> None:
    """Stop the fork server (it exits once every container is gone; killed if it has not
    after `timeout_s`)."""
    server = getattr(multiprocessing.forkserver, "_forkserver", None)
    stop = getattr(server, "_stop", None)
    pid = getattr(server, "_forkserver_pid", None)
    if stop is None or pid is None:
        return
    stopping = threading.Thread(target=stop, name="fork-server-stop", daemon=True)
    stopping.start()
    stopping.join(timeout_s)
    if stopping.is_alive():
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        stopping.join(timeout_s)


class Container:
    """One process of one function, one invocation at a time."""

    def __init__(self, function: Function, spec: dict, environment: dict[str, str]):
        self.function = function
        self.conn, child_conn = _context.Pipe()
        self.process = _context.Process(target=_container_main, name=f"lambda:{function.logical_id}",
                                        args=(child_conn, spec, environment), daemon=True)
        self.process.start()
        child_conn.close()
        if not self.conn.poll(INIT_TIMEOUT_S):
            self.kill()
            raise FunctionError("Runtime.InitTimeout", f"{function.logical_id} did not start in "
                                f"{INIT_TIMEOUT_S} s")
        try:
            status, value = self.conn.recv()
        except (EOFError, OSError):
            self.kill()
            raise FunctionError("Runtime.ExitError", f"{function.logical_id} exited at init "
                                f"(code {self.process.exitcode})") from None
        if status != "ready":
            self.kill()
            raise FunctionError(value["errorType"], value["errorMessage"], value["stackTrace"])

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def invoke(self, event: Any) -> Any:
        """The handler's result; FunctionError if it raised, timed out or died. After a
        timeout or a death the container is gone (`alive` is False)."""
        timeout_s = self.function.timeout_s
        request_id = str(uuid.uuid4())
        try:
            self.conn.send((request_id, json.dumps(event)))
            answered = self.conn.poll(timeout_s + TIMEOUT_SLACK_S)
            if answered:
                status, value = self.conn.recv()
        except (EOFError, OSError):
            self.kill()
            raise FunctionError("Runtime.ExitError", f"RequestId: {request_id} Error: "
                                f"the container exited (code {self.process.exitcode})") from None
        if not answered:
            self.kill()
            raise FunctionError("Sandbox.Timedout", f"RequestId: {request_id} Error: Task "
                                f"timed out after {timeout_s:.2f} seconds")
        if status == "ok":
            return json.loads(value)
        raise FunctionError(value["errorType"], value["errorMessage"], value["stackTrace"])

    @property
    def alive(self) -> bool:
        return self.process.is_alive()

    def kill(self) -> None:
        try:
            self.conn.close()
        except OSError:
            pass
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(2)
            if self.process.is_alive():
                self.process.kill()
        self.process.join(2)


class _Pool:
    """A function's containers: an idle one is reused, else a new one starts, up to `limit`;
    beyond that an invocation waits for a container to be free."""

    def __init__(self, start: Callable[[], Container], limit: int):
        self.start = start
        self.limit = limit
        self.idle: list[Container] = []
        self.all: set[Container] = set()
        self.starting = 0
        self.closed = False
        self.cond = threading.Condition()

    def acquire(self) -> Container:
        with self.cond:
            while True:
                if self.closed:
                    raise FunctionError("Runtime.Shutdown", "the local stack is stopping")
                while self.idle:
                    container = self.idle.pop()
                    if container.alive:
                        return container
                    self.all.discard(container)
                if len(self.all) + self.starting < self.limit:
                    self.starting += 1
                    break
                self.cond.wait()
        try:
            container = self.start()
        except BaseException:
            with self.cond:
                self.starting -= 1
                self.cond.notify()
            raise
        with self.cond:
            self.starting -= 1
            self.all.add(container)
        return container

    def release(self, container: Container) -> None:
        with self.cond:
            if container.alive and not self.closed:
                self.idle.append(container)
            else:
                self.all.discard(container)
            self.cond.notify()
        if self.closed:
            container.kill()

    def close(self) -> list[Container]:
        with self.cond:
            self.closed = True
            self.cond.notify_all()
            containers, self.idle = list(self.all), []
        return containers


class FunctionContainers(TemplateFunctions):
    """Invokes the template's functions, each in containers of its own (see the module doc).
    Same interface as the in-process FunctionRegistry: `exists`, `function`, `invoke`."""

    def __init__(self, template: Template, root: Path, layer_dirs: list[Path], *,
                 environment: Callable[[], dict[str, str]] = lambda: dict(os.environ),
                 max_per_function: int = 4):
        super().__init__(template, root)
        self.layer_dirs = [str(p) for p in layer_dirs]
        self.environment = environment
        self.max_per_function = max_per_function
        self._pools = {name: _Pool(lambda name=name: self._start(name), max_per_function)
                       for name in template.functions}

    def invoke(self, logical_id: str, event: dict) -> Any:
        if logical_id not in self._pools or not self.exists(logical_id):
            raise FunctionNotInCheckout(logical_id)
        pool = self._pools[logical_id]
        container = pool.acquire()
        try:
            return container.invoke(event)
        finally:
            pool.release(container)

    def pids(self, logical_id: str | None = None) -> list[int]:
        """The running containers' process ids (of one function, or all)."""
        names = [logical_id] if logical_id else list(self._pools)
        return [c.pid for name in names for c in list(self._pools[name].all) if c.alive]

    def stop(self) -> None:
        """Kill every container (busy ones too: the stack is stopping)."""
        for pool in self._pools.values():
            for container in pool.close():
                container.kill()

    def _start(self, logical_id: str) -> Container:
        fn = self.function(logical_id)
        environment = dict(self.environment())
        service = fn.environment.get("POWERTOOLS_SERVICE_NAME")
        if isinstance(service, str):
            environment["POWERTOOLS_SERVICE_NAME"] = service
        else:
            environment.pop("POWERTOOLS_SERVICE_NAME", None)
        spec = {"function": logical_id, "module": fn.module, "attribute": fn.attribute,
                "paths": [*self.layer_dirs, str(self.root / fn.code_uri)],
                "timeout_ms": fn.timeout_s * 1000, "memory_mb": fn.memory_mb,
                "parent_pid": os.getpid()}
        return Container(fn, spec, environment)


# --- in the container process ------------------------------------------------------------

def _error(exc: BaseException) -> dict:
    return {"errorType": type(exc).__name__, "errorMessage": str(exc),
            "stackTrace": traceback.format_exception(exc)}


def _exit_when_orphaned(parent_pid: int) -> None:
    """A stack killed without its shutdown (SIGKILL) leaves nothing behind: the container
    exits once its parent (the stack, or the fork server that goes with it) is gone."""
    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent_pid and not _alive(parent_pid):
                os._exit(1)
    threading.Thread(target=watch, name="orphan-watch", daemon=True).start()


def _alive(pid: int) -> bool:
    try:  # a killed stack nobody has reaped yet is a zombie: gone all the same
        if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return False
    except (OSError, IndexError):
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _container_main(conn, spec: dict, environment: dict[str, str]) -> None:
    # Ctrl-C reaches the whole terminal's process group: the stack decides when we stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _exit_when_orphaned(spec["parent_pid"])
    os.environ.clear()
    os.environ.update(environment)
    for path in reversed(spec["paths"]):  # Lambda's /opt/python and /var/task
        if path not in sys.path:
            sys.path.insert(0, path)
    try:
        handler = getattr(importlib.import_module(spec["module"]), spec["attribute"])
    except BaseException as exc:  # Lambda's Runtime.ImportModuleError
        traceback.print_exc()
        conn.send(("init_error", {**_error(exc), "errorType": "Runtime.ImportModuleError"}))
        return
    conn.send(("ready", None))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if message is None:
            return
        request_id, payload = message
        context = LambdaContext(function_name=spec["function"], aws_request_id=request_id,
                                memory_limit_in_mb=spec["memory_mb"],
                                timeout_ms=spec["timeout_ms"])
        try:
            result = json.dumps(handler(json.loads(payload), context))
        except Exception as exc:
            # The runtime logs what the function raised, as Lambda does in CloudWatch.
            print(json.dumps({"level": "ERROR", "function": spec["function"],
                              "requestId": request_id, **_error(exc)}), file=sys.stderr)
            answer = ("error", _error(exc))
        else:
            answer = ("ok", result)
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            conn.send(answer)
        except (OSError, EOFError):
            return
