"""Import the template's functions in this process: for /openapi.json (their resolvers'
schemas, local/docs.py) and for tests of the pump that look into a function's module.
The stack runs every invocation in the function's own containers instead
(local/containers.py): functions in one process read each other's request data.

Each function's CodeUri and the common layer go on sys.path (handler packages are named
tuber_<name>, so they do not collide). Handlers are imported lazily, once, on first use.
"""
from __future__ import annotations

import importlib
import os
import sys
import threading
from pathlib import Path
from typing import Any, Callable

from .lambda_context import LambdaContext
from .template import Function, Template

Handler = Callable[[dict, Any], Any]


class FunctionNotInCheckout(LookupError):
    """The template names a function whose code is not there (yet)."""


class TemplateFunctions:
    """The template's functions in the checkout at `root`: what both ways of running them
    share (this module's FunctionRegistry, local/containers.py's FunctionContainers)."""

    def __init__(self, template: Template, root: Path):
        self.template = template
        self.root = root

    def function(self, logical_id: str) -> Function:
        return self.template.functions[logical_id]

    def exists(self, logical_id: str) -> bool:
        """Whether the function's handler module is in this checkout yet."""
        fn = self.function(logical_id)
        module_path = self.root / fn.code_uri / fn.module.replace(".", "/")
        return module_path.with_suffix(".py").is_file() or (module_path / "__init__.py").is_file()


class FunctionRegistry(TemplateFunctions):
    def __init__(self, template: Template, root: Path, layer_dirs: list[Path]):
        super().__init__(template, root)
        self._handlers: dict[str, Handler] = {}
        self._import_lock = threading.Lock()
        # One container per function: Lambda gives a container one invocation at a time, and
        # the handlers rely on it (a Powertools resolver keeps the current event on itself).
        self._container_locks = {name: threading.Lock() for name in template.functions}
        for path in [*layer_dirs, *(root / f.code_uri for f in template.functions.values())]:
            if str(path) not in sys.path:
                sys.path.insert(0, str(path))

    def module(self, logical_id: str):
        self.handler(logical_id)
        return sys.modules[self.function(logical_id).module]

    def handler(self, logical_id: str) -> Handler:
        if logical_id in self._handlers:
            return self._handlers[logical_id]
        with self._import_lock:
            if logical_id not in self._handlers:
                fn = self.function(logical_id)
                with _service_name(fn):
                    module = importlib.import_module(fn.module)
                self._handlers[logical_id] = getattr(module, fn.attribute)
        return self._handlers[logical_id]

    def invoke(self, logical_id: str, event: dict) -> Any:
        if not self.exists(logical_id):
            raise FunctionNotInCheckout(logical_id)
        fn = self.function(logical_id)
        context = LambdaContext(function_name=logical_id, memory_limit_in_mb=fn.memory_mb,
                                timeout_ms=fn.timeout_s * 1000)
        handler = self.handler(logical_id)
        with self._container_locks[logical_id]:
            return handler(event, context)


class _service_name:
    """While a handler module imports, POWERTOOLS_SERVICE_NAME is its own (its Logger reads it
    at import); the functions share one process environment otherwise."""

    def __init__(self, fn: Function):
        name = fn.environment.get("POWERTOOLS_SERVICE_NAME")
        self.name = name if isinstance(name, str) else None

    def __enter__(self):
        self.saved = os.environ.get("POWERTOOLS_SERVICE_NAME")
        if self.name:
            os.environ["POWERTOOLS_SERVICE_NAME"] = self.name

    def __exit__(self, *exc):
        if self.saved is None:
            os.environ.pop("POWERTOOLS_SERVICE_NAME", None)
        else:
            os.environ["POWERTOOLS_SERVICE_NAME"] = self.saved
