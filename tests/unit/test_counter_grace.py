"""The counter repair's grace period (tuber_common.counters.GRACE) outlasts every request
that may stamp a video or channel: a function whose code reaches `stamp_changing` is stopped
by Lambda at its Timeout, so once GRACE has passed since a stamp, the request that wrote it is
over and the documents it changed are at rest. Read from the code and from template.yaml, so a longer
timeout (or a new function that stamps) cannot silently make the repair count over a write
still in flight."""
from __future__ import annotations

import ast
from pathlib import Path

from local.template import load_template
from tuber_common import counters

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "common" / "tuber_common"


def _imports(path: Path) -> set[str]:
    """The layer modules a source file imports (tuber_common.x, or .x inside the layer)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            inside = path.is_relative_to(LAYER) and node.level == 1
            if module == "tuber_common" or (inside and not module):
                found |= {alias.name for alias in node.names}
            elif module.startswith("tuber_common."):
                found.add(module.split(".")[1])
            elif inside:
                found.add(module.split(".")[0])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names
                      if a.name.startswith("tuber_common.")}
    return {name for name in found if (LAYER / f"{name}.py").exists()}


def _stamps(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name == "stamp_changing":
                return True
    return False


def _reaches_a_stamp(sources: list[Path]) -> bool:
    seen: set[str] = set()
    todo = list(sources)
    while todo:
        path = todo.pop()
        if _stamps(path):
            return True
        for name in _imports(path) - seen:
            seen.add(name)
            todo.append(LAYER / f"{name}.py")
    return False


def stamping_functions() -> dict[str, int]:
    """Functions of the template whose code may stamp a video or channel -> their Timeout
    (seconds)."""
    template = load_template(ROOT / "template.yaml")
    default = template["Globals"]["Function"]["Timeout"]
    found = {}
    for name, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        properties = resource["Properties"]
        sources = sorted((ROOT / properties["CodeUri"]).glob("tuber_*/**/*.py"))
        if _reaches_a_stamp(sources):
            found[name] = int(properties.get("Timeout", default))
    return found


def test_the_grace_period_outlasts_every_request_that_stamps():
    functions = stamping_functions()
    # The like, comment and subscription write paths, and account deletion (its ratings,
    # comments and subscriptions).
    assert {"LikeFunction", "CommentFunction", "ChannelFunction", "AuthFunction"} <= set(functions)
    longest = max(functions.values())
    assert counters.GRACE.total_seconds() > longest, functions
