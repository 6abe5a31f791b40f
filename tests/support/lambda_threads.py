"""Threads that call a function's handler in-process act as separate Lambda containers.

A Powertools resolver serves one invocation at a time, as a container does: it keeps the
request it is serving on the BaseRouter class (`current_event`, `lambda_context`) and on
itself (`context`: the matched route and its validated arguments). Tests that race calls from
threads (as many containers would) would otherwise read each other's request: a valid login
once failed with "login() missing 1 required positional argument: 'body'".

`isolate_resolver_state()` (tests/conftest.py, once per process) keeps that state per thread.
Production code is unchanged: on Lambda, and in the local stack (local/containers.py), a
process serves one invocation at a time.
"""
from __future__ import annotations

import threading

_state = threading.local()


class _PerThread:
    """A data descriptor whose value is the calling thread's own (per object it is read on)."""

    def __init__(self, name: str, factory=None):
        # With `factory`: a value per object, made on the thread's first read; without: one
        # value per thread (a class attribute).
        self.name, self.factory = name, factory

    def _values(self) -> dict:
        return _state.__dict__.setdefault(self.name, {})

    def __get__(self, obj, owner=None):
        key, values = self._key(obj), self._values()
        if key not in values:
            if self.factory is None:
                raise AttributeError(self.name)
            values[key] = self.factory()
        return values[key]

    def __set__(self, obj, value) -> None:
        self._values()[self._key(obj)] = value

    def _key(self, obj):
        return id(obj) if self.factory else None


def isolate_resolver_state() -> None:
    from aws_lambda_powertools.event_handler import api_gateway

    base = api_gateway.BaseRouter
    if isinstance(type(base).__dict__.get("current_event"), _PerThread):
        return
    # `BaseRouter.current_event = ...` (a class attribute write) goes through the metaclass's
    # descriptor; `self.current_event` (an instance read) through the class's.
    names = ("current_event", "lambda_context")
    meta = type("PerThreadRouterMeta", (type(base),), {n: _PerThread(n) for n in names})
    for name in names:
        setattr(base, name, _PerThread(name))  # before the swap: a plain class attribute write
    base.__class__ = meta
    api_gateway.ApiGatewayResolver.context = _PerThread("context", factory=dict)
