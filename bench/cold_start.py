"""Cold start: a fresh interpreter importing a function's handler module, and that plus its
first request, against a bare `import json` interpreter and against the import floor of the
libraries the function needs, all measured in this run."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from bench.common import ROOT, median_ms, table

PATHS = ["layers/common"] + [f"functions/{f}" for f in
                             ("auth", "video", "like", "comment", "transcode", "on_transcoded")]
FUNCTIONS = {
    "auth": "tuber_auth.handler",
    "video": "tuber_video.handler",
    "like": "tuber_like.handler",
    "comment": "tuber_comment.handler",
    "transcode": "tuber_transcode.handler",
    "on_transcoded": "tuber_on_transcoded.handler",
}
# What each function cannot avoid importing: the floor its own code sits on.
API_FLOOR = ["aws_lambda_powertools.event_handler", "pydantic", "pymongo", "jwt"]
FLOORS = {
    "auth": API_FLOOR + ["bcrypt"],
    "video": API_FLOOR + ["boto3"],
    "like": API_FLOOR,
    "comment": API_FLOOR,
    "transcode": ["aws_lambda_powertools", "pymongo", "boto3"],
    "on_transcoded": ["aws_lambda_powertools", "pymongo", "boto3"],
}
NEEDS_BOTO3 = {"video", "transcode", "on_transcoded"}

PROBE = """
import sys, time, json
t0 = time.perf_counter()
{imports}
t1 = time.perf_counter()
print(json.dumps({{"import_ms": (t1 - t0) * 1000, "boto3": "boto3" in sys.modules}}))
"""


def _run(code: str, env: dict) -> tuple[float, dict]:
    """(whole process wall ms, what the probe printed)."""
    import time

    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    wall = (time.perf_counter() - start) * 1000
    return wall, json.loads(out.strip().splitlines()[-1])


def measure(repeat: int = 7) -> tuple[str, dict]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(ROOT / p) for p in PATHS),
           "POWERTOOLS_TRACE_DISABLED": "true", "PYTHONDONTWRITEBYTECODE": "1"}
    # Warm the OS file cache and write .pyc files once, so every sample sees the same disk.
    for module in FUNCTIONS.values():
        _run(PROBE.format(imports=f"import {module}"), env)

    def median_of(imports: str) -> tuple[float, dict]:
        walls, probe = [], {}
        for _ in range(repeat):
            wall, probe = _run(PROBE.format(imports=imports), env)
            walls.append(wall / 1000)
        return median_ms(walls), probe

    bare, _ = median_of("import json")
    rows, results = [], {"bare_ms": bare, "functions": {}}
    for name, module in FUNCTIONS.items():
        floor, _ = median_of("\n".join(f"import {m}" for m in FLOORS[name]))
        full, probe = median_of(f"import {module}")
        over = full - bare
        results["functions"][name] = {"process_ms": full, "floor_ms": floor,
                                      "over_bare_ms": over, "imports_boto3": probe["boto3"]}
        rows.append([name, f"{full:.0f}", f"{floor:.0f}", f"{over:.0f}",
                     f"{full / bare:.2f}x", f"{full / floor:.2f}x",
                     "yes" if probe["boto3"] else "no",
                     "ok" if over < 150 and (probe["boto3"] <= (name in NEEDS_BOTO3)) else "MISSED"])
    text = (f"Bare interpreter (`python -c 'import json'`): {bare:.0f} ms (median of {repeat}).\n\n"
            + table(["function", "process ms", "library floor ms", "over bare ms",
                     "vs bare", "vs floor", "imports boto3", "target (<150 ms over bare)"], rows))
    return text, results


if __name__ == "__main__":
    print(measure()[0])
