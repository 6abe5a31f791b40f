"""Cold start as shipped: a fresh interpreter importing a function's handler and serving its
first request, from the artifacts `sam build` makes, laid out as Lambda runs them: the
function's artifact as /var/task, the layer's as /opt/python, boto3 as the runtime provides
it. The artifacts are built by the Makefile targets `sam build` runs (build/lambda.mk: the
code folder copied to a scratch folder, `make build-<LogicalId>` with ARTIFACTS_DIR), then
deployed as Lambda holds them: every file dated 1980-01-01 (SAM's zip keeps no times),
read-only, and the interpreter run with -B (PYTHONDONTWRITEBYTECODE): only the bytecode the
artifact carries is used, nothing new is cached.

Per function, in one run and interleaved (one process of each kind per round), the CPU time
of the process (every thread) from its first import to the handler's answer, read inside the
process (interpreter start and teardown are the same for all, and CPU time holds still on a
machine shared with other work, where wall time does not; wall times are in results.json):
- as shipped: import + first request;
- the library floor: the library modules the function has loaded once it has answered (every
  module from the layer's and the runtime's packages, not ours; listed by a first run),
  imported alone from the same artifact the same way: what no code of ours can go under;
- precompiled: the same files with the .pyc Python writes itself on a first run (timestamp
  .pyc, cached, writable), what a developer's machine (and the previous bench) measures;
- without .pyc: the artifact stripped of its bytecode (what `sam build` shipped before), so
  every module is compiled on every cold start.
The same four are also counted in instructions, one run each under valgrind when it is
installed: on a shared virtual machine CPU time spreads by about 20% from one process to the
next, instruction counts barely move, so the goal is judged on them. Modules compiled at
import are counted from `python -v` (a module loaded from its .pyc logs
"code object from '<...pyc>'"; one compiled from source logs its .py)."""
from __future__ import annotations

import json
import os
import platform
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

from bench.common import BENCH_SETTINGS, ROOT, median_ms, mongo, table

OUT = ROOT / "bench" / "out" / "cold-start"
BOTO3 = "boto3==1.44.8"  # the Lambda Python runtime provides boto3: about this version
ZIP_EPOCH = 315532800  # 1980-01-01 00:00 UTC: the time of every file in SAM's zip
GOAL_FLOOR, GOAL_PRECOMPILED = 1.2, 1.1

# Context: what each library costs alone. `import pydantic` alone loads almost nothing
# (pydantic imports lazily): BaseModel is what every request model and the settings need.
LIBRARIES = {"aws_lambda_powertools.event_handler": "import aws_lambda_powertools.event_handler",
             "pydantic.BaseModel": "from pydantic import BaseModel", "pymongo": "import pymongo",
             "jwt": "import jwt", "bcrypt": "import bcrypt", "boto3": "import boto3"}
S3_EVENT = {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                         "s3": {"bucket": {"name": "b"}, "object": {
                             "key": "raw/6b07796b26ae49b9c2c8e07f/source", "size": 10}}}]}
MEDIACONVERT_EVENT = {"version": "0", "source": "aws.mediaconvert",
                      "detail-type": "MediaConvert Job State Change",
                      "detail": {"status": "ERROR", "jobId": "j", "errorMessage": "x",
                                 "userMetadata": {"app": "tuber",
                                                  "videoId": "6b07796b26ae49b9c2c8e07f"}}}


def _events() -> dict[str, dict]:
    """function -> its first request. The video function needs boto3 for uploads only: its
    first request is a feed page, which must not load it."""
    from local.apigw import http_api_event

    login = http_api_event("POST", "/auth/login", headers={"content-type": "application/json"},
                           body=json.dumps({"username": "nobody", "password": "x" * 10}))
    return {
        "auth": login,
        "video": http_api_event("GET", "/video"),
        "like": http_api_event("GET", "/like/6b07796b26ae49b9c2c8e07f"),
        "comment": http_api_event("GET", "/comment/6b07796b26ae49b9c2c8e07f"),
        "transcode": S3_EVENT,
        "on_transcoded": MEDIACONVERT_EVENT,
    }


# Run by the measured interpreter. json is imported before the clock starts: the runtime has
# it loaded (it decodes the event) before it imports the handler.
PROBE = """
import json, sys, time
sys.path[:0] = {paths!r}
event = json.loads({event!r})
class Context:
    function_name = "tuber-bench"; memory_limit_in_mb = 512; function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:tuber-bench"
    aws_request_id = "bench"
    def get_remaining_time_in_millis(self): return 30_000
{setup}
c0, t0 = time.process_time(), time.perf_counter()
{imports}
{request}
c1, t1 = time.process_time(), time.perf_counter()
libraries = [name for name, module in list(sys.modules.items())
             if (getattr(module, "__file__", None) or "").startswith({library_dirs!r})
             and not name.startswith("tuber_")]
print(json.dumps({{"cpu_ms": (c1 - c0) * 1e3, "wall_ms": (t1 - t0) * 1e3,
                   "boto3": "boto3" in sys.modules, "libraries": libraries}}), flush=True)
import os
os._exit(0)  # no interpreter teardown: not part of a cold start, and not counted
"""
# The floor: the library modules a function ends up with, in the order they were loaded.
# Packages it never loaded are made unimportable first, as the function keeps them out
# (tuber_common.tokens loads PyJWT without the optional `cryptography`): a library that tries
# an optional import finds it missing here too.
FLOOR_SETUP = """import posix
for folder in {library_dirs!r}:
    for entry in posix.listdir(folder):
        top = entry.split(".")[0]
        if top.isidentifier() and top not in {tops!r} and top not in sys.modules:
            sys.modules[top] = None"""
FLOOR = """for name in {modules!r}:
    __import__(name)"""
REQUEST = """answer = {module}.lambda_handler(event, Context())
assert isinstance(answer, dict), answer
assert answer.get("statusCode", 200) < 500, answer"""


def camel(name: str) -> str:
    return "".join(part.title() for part in name.split("_"))


def _python() -> str:
    """The base interpreter (not the venv): run with -S, it sees no site-packages at all."""
    base = Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    return str(base if base.exists() else sys.executable)


def _rmtree(path: Path) -> None:
    if path.exists():
        for p in [path, *path.rglob("*")]:
            if not p.is_symlink():
                p.chmod(p.stat().st_mode | stat.S_IWUSR)
        shutil.rmtree(path)


def _check_host() -> None:
    from local.template import load_template

    arch = load_template(ROOT / "template.yaml")["Globals"]["Function"]["Architectures"][0]
    machine = {"x86_64": "x86_64", "arm64": "aarch64"}[arch]
    if platform.machine() != machine or sys.version_info[:2] != (3, 13):
        raise SystemExit(f"the cold-start bench runs the Lambda artifacts ({arch}, Python 3.13) "
                         f"as they are: it needs a {machine} Linux host and Python 3.13, not "
                         f"{platform.machine()} / {platform.python_version()}")


def build(names: list[str]) -> Path:
    """The layer and the functions, built as `sam build` builds them."""
    build_dir = OUT / "build"
    _rmtree(build_dir)
    env = {**os.environ, "PYTHON": sys.executable}
    targets = [("CommonLayer", ROOT / "layers/common")] + [
        (f"{camel(name)}Function", ROOT / "functions" / name) for name in names]
    for logical_id, code in targets:
        scratch = OUT / "scratch" / logical_id
        _rmtree(scratch)
        shutil.copytree(code, scratch, ignore=shutil.ignore_patterns(".aws-sam", ".git"))
        (build_dir / logical_id).mkdir(parents=True)
        subprocess.run(["make", "--no-print-directory", "--makefile", str(code / "Makefile"),
                        f"build-{logical_id}"], cwd=scratch, check=True, capture_output=True,
                       env={**env, "ARTIFACTS_DIR": str(build_dir / logical_id)})
        _rmtree(scratch)
    return build_dir


def runtime_boto3() -> Path:
    """boto3 as the runtime provides it: installed once, with its bytecode."""
    target = OUT / "runtime"
    stamp = target / f".{BOTO3}"
    if not stamp.exists():
        _rmtree(target)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--target",
                        str(target), BOTO3], check=True)
        stamp.touch()
    return target


def deploy(build_dir: Path, names: list[str], variant: str) -> Path:
    """One layout: <variant>/opt/python and <variant>/task-<name>."""
    root = OUT / variant
    _rmtree(root)
    shutil.copytree(build_dir / "CommonLayer" / "python", root / "opt" / "python")
    for name in names:
        shutil.copytree(build_dir / f"{camel(name)}Function", root / f"task-{name}")
    if variant != "shipped":  # the same files without their bytecode
        for cache in list(root.rglob("__pycache__")):
            shutil.rmtree(cache)
    for p in sorted(root.rglob("*"), reverse=True):  # files before their folders
        if p.exists():
            os.utime(p, (ZIP_EPOCH, ZIP_EPOCH))
    if variant != "precompiled":  # Lambda's /var/task and /opt are read-only
        for p in [root, *root.rglob("*")]:
            p.chmod(p.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    return root


def _files(root: Path) -> int:
    return sum(1 for p in root.rglob("*") if p.is_file())


class Runner:
    def __init__(self, env: dict, boto3_dir: Path):
        self.env, self.boto3_dir = env, boto3_dir

    def paths(self, root: Path, name: str) -> list[str]:
        # Lambda's order: /var/task, /opt/python, then the runtime's own packages.
        return [str(root / f"task-{name}"), str(root / "opt" / "python"), str(self.boto3_dir)]

    def run(self, root: Path, name: str, imports: str, request: str = "", event=None,
            write_bytecode: bool = False, verbose: bool = False,
            count_instructions: bool = False, setup: str = "") -> dict:
        paths = self.paths(root, name)
        code = PROBE.format(paths=paths, event=json.dumps(event or {}), imports=imports,
                            request=request, library_dirs=tuple(p + "/" for p in paths[1:]),
                            setup=setup)
        flags = ["-E", "-S"] + ([] if write_bytecode else ["-B"]) + (["-v"] if verbose else [])
        command = [_python(), *flags, "-c", code]
        if count_instructions:
            command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                       *command]
        done = subprocess.run(command, env=self.env, cwd="/", capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{name}: {done.stderr[-3000:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        if verbose:
            result["stderr"] = done.stderr
        if count_instructions:
            result["instructions"] = int(re.search(r"Collected : (\d+)", done.stderr).group(1))
        return result

    def floor_setup(self, root: Path, name: str, modules: list[str]) -> str:
        return FLOOR_SETUP.format(library_dirs=self.paths(root, name)[1:],
                                  tops=sorted({m.split(".")[0] for m in modules}))

    def compiled_at_import(self, root: Path, name: str, imports: str, request: str,
                           event) -> tuple[int, int]:
        """(modules of the artifacts loaded from .pyc, modules compiled from source)."""
        stderr = self.run(root, name, imports, request, event, verbose=True)["stderr"]
        prefix = re.escape(str(root))
        from_pyc = len(re.findall(rf"^# code object from '{prefix}/.*\.pyc'$", stderr, re.M))
        from_source = len(re.findall(rf"^# code object from {prefix}/.*\.py$", stderr, re.M))
        return from_pyc, from_source


def measure(repeat: int = 11) -> tuple[str, dict]:
    _check_host()
    events = _events()
    names = list(events)
    build_dir = build(names)
    boto3_dir = runtime_boto3()
    layouts = {variant: deploy(build_dir, names, variant)
               for variant in ("shipped", "precompiled", "without_pyc")}
    shipped_files = _files(layouts["shipped"])
    results: dict = {"repeat": repeat, "boto3": BOTO3, "functions": {}}
    rows = []
    with mongo() as uri:
        env = {**BENCH_SETTINGS, "MONGODB_URI": uri, "MONGODB_DB": "tuber_bench_cold",
               "PATH": os.environ.get("PATH", ""), "POWERTOOLS_LOG_LEVEL": "ERROR",
               "MEDIA_BUCKET": "tuber-bench", "S3_ENDPOINT_URL": "http://127.0.0.1:9"}
        runner = Runner(env, boto3_dir)
        count = shutil.which("valgrind") is not None
        bare = (runner.run(layouts["shipped"], "auth", "pass", count_instructions=True)
                ["instructions"] if count else 0)
        results["bare_instructions"] = bare

        # Each library alone, as shipped (context for the floors).
        library_ms = {}
        for lib, statement in LIBRARIES.items():
            runner.run(layouts["shipped"], "auth", statement)
            library_ms[lib] = median_ms([runner.run(layouts["shipped"], "auth", statement)
                                         ["cpu_ms"] / 1000 for _ in range(repeat)])
        results["library_import_ms"] = library_ms

        for name, event in events.items():
            module = f"tuber_{name}.handler"
            request = REQUEST.format(module=module)
            handler = f"import {module}"
            # Warm the file cache; the precompiled layout writes its .pyc here.
            found = runner.run(layouts["shipped"], name, handler, request, event)
            runner.run(layouts["precompiled"], name, handler, request, event,
                       write_bytecode=True)
            runner.run(layouts["without_pyc"], name, handler, request, event)
            floor = FLOOR.format(modules=found["libraries"])
            floor_setup = runner.floor_setup(layouts["shipped"], name, found["libraries"])
            # The floor must load the function's library modules and no other.
            floor_loaded = runner.run(layouts["shipped"], name, floor, setup=floor_setup)
            floor_extra = sorted(set(floor_loaded["libraries"]) - set(found["libraries"]))
            kinds = {  # kind -> (layout, setup, imports, request, writes .pyc)
                "floor": (layouts["shipped"], floor_setup, floor, "", False),
                "shipped": (layouts["shipped"], "", handler, request, False),
                "precompiled": (layouts["precompiled"], "", handler, request, True),
                "without_pyc": (layouts["without_pyc"], "", handler, request, False),
            }
            cpu: dict[str, list[float]] = {kind: [] for kind in kinds}
            wall: dict[str, list[float]] = {kind: [] for kind in kinds}
            for _ in range(repeat):  # interleaved: one of each per round
                for kind, (layout, setup, imports, req, writes) in kinds.items():
                    probe = runner.run(layout, name, imports, req, event, write_bytecode=writes,
                                       setup=setup)
                    cpu[kind].append(probe["cpu_ms"] / 1000)
                    wall[kind].append(probe["wall_ms"] / 1000)
            ms = {kind: median_ms(values) for kind, values in cpu.items()}
            shipped_pyc, shipped_compiled = runner.compiled_at_import(
                layouts["shipped"], name, handler, request, event)
            _, bare_compiled = runner.compiled_at_import(
                layouts["without_pyc"], name, handler, request, event)
            # Instructions (valgrind): one run of each, the same in every run on any machine.
            instr = {}
            if count:
                for kind, (layout, setup, imports, req, _writes) in kinds.items():
                    instr[kind] = runner.run(layout, name, imports, req, event, setup=setup,
                                             count_instructions=True)["instructions"] - bare
            ratio = {  # (CPU median ratio, instruction ratio or None)
                "vs_floor": ("shipped", "floor"), "vs_precompiled": ("shipped", "precompiled"),
                "without_pyc_vs_shipped": ("without_pyc", "shipped")}
            ratio = {key: (ms[a] / ms[b], instr[a] / instr[b] if instr else None)
                     for key, (a, b) in ratio.items()}
            judged = {key: (pair[1] if pair[1] is not None else pair[0])
                      for key, pair in ratio.items()}
            ok = (judged["vs_floor"] <= GOAL_FLOOR and judged["vs_precompiled"]
                  <= GOAL_PRECOMPILED and shipped_compiled == 0)
            results["functions"][name] = {
                **{f"{kind}_cpu_ms": value for kind, value in ms.items()},
                **{f"{kind}_instructions": value for kind, value in instr.items()},
                **{f"shipped_{key}" if key.startswith("vs") else key: {
                    "cpu": pair[0], "instructions": pair[1]} for key, pair in ratio.items()},
                "shipped_modules_from_pyc": shipped_pyc,
                "shipped_modules_compiled": shipped_compiled,
                "without_pyc_modules_compiled": bare_compiled,
                "shipped_imports_boto3": found["boto3"],
                "floor_modules": len(found["libraries"]),
                "floor_extra_modules": floor_extra,
                "wall_ms": {kind: median_ms(values) for kind, values in wall.items()},
                "cpu_samples_ms": {kind: [round(v * 1000, 1) for v in values]
                                   for kind, values in cpu.items()}}

            def both(key: str) -> str:
                cpu_ratio, instr_ratio = ratio[key]
                return f"{cpu_ratio:.2f}x" + (f" / {instr_ratio:.2f}x" if instr else "")

            rows.append([name, f"{ms['shipped']:.0f}", f"{ms['floor']:.0f}",
                         f"{ms['precompiled']:.0f}", f"{ms['without_pyc']:.0f}",
                         both("vs_floor"), both("vs_precompiled"),
                         both("without_pyc_vs_shipped"),
                         f"{shipped_compiled} of {shipped_pyc + shipped_compiled}",
                         f"{bare_compiled}", "yes" if found["boto3"] else "no",
                         "ok" if ok else "MISSED"])
    extras = {name: f["floor_extra_modules"] for name, f in results["functions"].items()
              if f["floor_extra_modules"]}
    untouched = _files(layouts["shipped"]) == shipped_files
    results["shipped_layout_unchanged"] = untouched
    ratios = "CPU / instructions" if count else "CPU"
    text = (f"CPU ms: medians of {repeat} fresh processes per column, interleaved, from the "
            "first import to the answer (the floor: to its last module). "
            + ("Instructions: one run of each under valgrind (callgrind), less the same "
               "interpreter doing nothing; unlike CPU time on a shared machine (spread about "
               "20% here), they do not vary from run to run, and the goal is judged on them. "
               if count else "valgrind not found: no instruction counts, the goal is judged "
               "on CPU medians. ")
            + f"Host Python {platform.python_version()}; boto3 {BOTO3.split('==')[1]} as the "
            "runtime's.\n\n"
            "Each library alone, as shipped, CPU: "
            + ", ".join(f"{lib} {ms:.0f} ms" for lib, ms in library_ms.items()) + ".\n\n"
            + table(["function", "as shipped CPU ms (import + first request)",
                     "library floor CPU ms", "precompiled CPU ms", "without .pyc CPU ms",
                     f"shipped vs floor ({ratios})", f"shipped vs precompiled ({ratios})",
                     f"without .pyc vs shipped ({ratios})",
                     "modules compiled at import, shipped", "... without .pyc", "boto3",
                     f"goal (<= {GOAL_FLOOR}x floor, <= {GOAL_PRECOMPILED}x precompiled)"],
                    rows)
            + "\n\nEach floor loaded "
            + (f"library modules its function does not: {extras}. " if extras
               else "exactly its function's library modules. ")
            + "The shipped layout was "
            + ("left unchanged by the runs (no file written)." if untouched
               else "CHANGED by the runs: something wrote into it."))
    return text, results


if __name__ == "__main__":
    print(measure()[0])
