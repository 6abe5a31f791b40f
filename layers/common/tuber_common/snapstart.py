"""SnapStart: what a restored copy of the function must not share with its siblings.

With SnapStart (the API functions' published versions), Lambda runs the init phase once,
snapshots the process, and resumes many execution environments from that one snapshot: each
starts with the very same memory, and even the same pid. Whatever a library drew at import to
be unique per process is then the same in every copy:
- bson's ObjectId: 5 random bytes and a counter drawn once per process (a new pid redraws
  them, a restore does not). Copies would mint the same ids in the same second: a failed
  insert, or two comments or sessions sharing an id.
- the `random` module's state (Powertools' log sampling, pymongo's choice among servers).
- anything connected before the snapshot (MongoDB, S3): its sockets would be shared, and stale.
  Nothing connects at import (tuber_common.db and storage create their clients on first use;
  tests/unit/test_snapstart.py checks that importing any handler opens no connection), but
  the hook drops them anyway.

`install()` registers `after_restore` with the runtime's hook library (snapshot_restore_py,
part of the Lambda Python runtime); observability.py calls it, so every function has it.
Outside Lambda the library is absent and nothing is ever restored: install() does nothing.
Lambda runs the after-restore hooks in registration order, within the restore's 10 s limit.
"""
from __future__ import annotations

import os
import random
import sys
from random import SystemRandom
from typing import Callable

_installed = False


def _runtime_register() -> Callable[[Callable[[], None]], object] | None:
    try:
        from snapshot_restore_py import register_after_restore
    except ImportError:  # not in the Lambda runtime (tests, local stack)
        return None
    return register_after_restore


def reset_object_ids() -> None:
    """A fresh ObjectId random value and counter start, as a new process would draw (bson
    redraws them itself only when the pid changes, and a restored copy keeps its pid)."""
    from bson.objectid import ObjectId

    with ObjectId._inc_lock:
        ObjectId._inc = SystemRandom().randint(0, 0xFFFFFF)
        ObjectId._pid = os.getpid()
        ObjectId._ObjectId__random = os.urandom(5)  # ObjectId.__random (name-mangled)


def drop_connections() -> None:
    """Forget any client made before the snapshot: the next use connects afresh."""
    if "tuber_common.db" in sys.modules:
        from . import db

        db.reset_clients()
    if "tuber_common.storage" in sys.modules:  # loaded by the media functions only
        from . import storage

        storage.reset_s3()


def after_restore() -> None:
    reset_object_ids()
    random.seed()  # from os.urandom
    drop_connections()


def install() -> None:
    """Register the after-restore hook once per process (a no-op outside Lambda)."""
    global _installed
    if _installed:
        return
    register = _runtime_register()
    if register is not None:
        register(after_restore)
    _installed = True
