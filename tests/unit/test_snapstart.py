"""SnapStart: copies restored from one snapshot must not share per-process state.

A restore is simulated without fork (a restored copy keeps the snapshot's pid, which a fork
would not): the ObjectId and `random` state of "the snapshot" is put back before each copy
runs the hooks the runtime would call."""
from __future__ import annotations

import random
import select
import socket
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest
from bson.objectid import ObjectId

from tuber_common import snapstart

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ["auth", "video", "like", "comment", "channel", "notification", "playlist", "history",
             "moderation", "notification_fanout", "transcode", "on_transcoded"]


def object_id_state() -> tuple:
    return ObjectId._inc, ObjectId._pid, ObjectId._ObjectId__random


def set_object_id_state(state: tuple) -> None:
    ObjectId._inc, ObjectId._pid, ObjectId._ObjectId__random = state


@pytest.fixture
def runtime_hooks(monkeypatch):
    """A stand-in for the runtime's snapshot_restore_py: the hooks registered with it."""
    hooks: list = []
    module = types.ModuleType("snapshot_restore_py")
    module.register_after_restore = lambda fn, *a, **kw: hooks.append(fn) or fn
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", module)
    monkeypatch.setattr(snapstart, "_installed", False)
    return hooks


@pytest.fixture
def snapshot():
    """The process state as the snapshot holds it; put back after the test."""
    state = object_id_state(), random.getstate()
    yield state
    set_object_id_state(state[0])
    random.setstate(state[1])


def restored_copy(snapshot, hooks, n=500) -> dict:
    """One execution environment resumed from `snapshot`: run the hooks, then mint ids."""
    object_ids, random_state = snapshot
    set_object_id_state(object_ids)
    random.setstate(random_state)
    for hook in hooks:
        hook()
    ids = [ObjectId() for _ in range(n)]
    return {"ids": ids, "random_bytes": ids[0].binary[4:9],
            "counter": int.from_bytes(ids[0].binary[9:], "big"),
            "draws": [random.random() for _ in range(4)]}


def test_install_registers_the_after_restore_hook_once(runtime_hooks):
    snapstart.install()
    snapstart.install()
    assert runtime_hooks == [snapstart.after_restore]


def test_install_does_nothing_outside_lambda(monkeypatch):
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)  # import fails
    monkeypatch.setattr(snapstart, "_installed", False)
    snapstart.install()  # no error, nothing to register with


def test_copies_without_the_hook_would_mint_the_same_ids(snapshot):
    """The problem the hook solves: same random bytes, same counter, same draws."""
    first, second = restored_copy(snapshot, []), restored_copy(snapshot, [])
    assert first["random_bytes"] == second["random_bytes"]
    assert first["counter"] == second["counter"]
    assert first["draws"] == second["draws"]
    # Within one second, every id of one copy is an id of the other.
    same_second = [a == b for a, b in zip(first["ids"], second["ids"])
                   if a.generation_time == b.generation_time]
    assert same_second and all(same_second)


def test_restored_copies_mint_distinct_ids(runtime_hooks, snapshot):
    snapstart.install()
    first = restored_copy(snapshot, runtime_hooks)
    second = restored_copy(snapshot, runtime_hooks)
    snapshot_random = snapshot[0][2]
    assert first["random_bytes"] != second["random_bytes"]
    assert snapshot_random not in (first["random_bytes"], second["random_bytes"])
    assert first["counter"] != second["counter"]  # 1 chance in 2**24 of a false failure
    assert first["draws"] != second["draws"]
    assert len(set(first["ids"]) | set(second["ids"])) == 2 * len(first["ids"])


def test_the_hook_drops_clients_made_before_the_snapshot(monkeypatch):
    from tuber_common import db, storage

    dropped = []
    monkeypatch.setattr(db, "reset_clients", lambda: dropped.append("mongodb"))
    monkeypatch.setattr(storage, "reset_s3", lambda: dropped.append("s3"))
    snapstart.after_restore()
    assert dropped == ["mongodb", "s3"]


PROBE = textwrap.dedent("""
    import importlib, sys, threading, time
    import snapshot_restore_py
    importlib.import_module(sys.argv[1])
    time.sleep(0.3)  # time for any client made at import to start connecting
    names = [getattr(h, "__module__", "") + "." + getattr(h, "__qualname__", "?")
             for h in snapshot_restore_py.HOOKS]
    print(repr({"threads": threading.active_count(), "hooks": names}))
""")
FAKE_RUNTIME = "HOOKS = []\ndef register_after_restore(fn, *a, **kw):\n    HOOKS.append(fn)\n    return fn\n"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_importing_a_handler_connects_nothing_and_registers_the_hook(function, tmp_path):
    """What the init phase leaves in the snapshot: no MongoDB connection (nothing listening
    here sees one), no client threads, and the after-restore hook registered once."""
    (tmp_path / "snapshot_restore_py.py").write_text(FAKE_RUNTIME)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    try:
        paths = [str(tmp_path), str(ROOT / "layers/common"), str(ROOT / "functions" / function)]
        env = {"PYTHONPATH": ":".join(paths), "PATH": "/usr/bin:/bin",
               "MONGODB_URI": f"mongodb://127.0.0.1:{port}/?directConnection=true",
               "MONGODB_DB": "tuber_snapstart", "JWT_SECRET": "s" * 40,
               "WEBHOOK_SECRET": "w" * 40, "MEDIA_BUCKET": "tuber-test",
               "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1"}
        done = subprocess.run([sys.executable, "-c", PROBE, f"tuber_{function}.handler"],
                              env=env, cwd=tmp_path, capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr[-3000:]
        pending, _, _ = select.select([listener], [], [], 0)
        assert not pending, f"importing tuber_{function}.handler connected to MongoDB"
    finally:
        listener.close()
    report = eval(done.stdout.strip().splitlines()[-1])  # noqa: S307 - our own probe's repr
    assert report["threads"] == 1, report
    assert report["hooks"] == ["tuber_common.snapstart.after_restore"], report
