"""Cold start: what a user waits for is a fresh interpreter importing a function's handler
module and serving its first request. Measured in a Lambda-like environment: the base
interpreter with no site-packages (-S -E), the layer's pinned requirements and boto3 (which
the Lambda runtime provides) installed with `pip --target`, and the function's own folder,
against a bare interpreter (`import json`) and against the import floor of the libraries the
function needs, all in the same run."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.common import BENCH_SETTINGS, ROOT, median_ms, mongo, table

ENV_DIR = ROOT / "bench" / "out" / "lambda-env"
BOTO3 = "boto3==1.44.8"  # what the python3.11 runtime ships is close to this
# `import pydantic` alone loads almost nothing (pydantic imports lazily): BaseModel is what
# every request model and the settings need.
API_FLOOR = ["import aws_lambda_powertools.event_handler", "from pydantic import BaseModel",
             "import pymongo", "import jwt"]
EVENT_FLOOR = ["import aws_lambda_powertools", "import pymongo", "import boto3"]
# function -> (handler module, imports it cannot avoid, its first request). The video
# function needs boto3 for uploads only: its first request here is a feed page, which must
# not load it (storage imports boto3 with the first S3 client).
FUNCTIONS = {
    "auth": ("tuber_auth.handler", API_FLOOR + ["import bcrypt"],
             "http_api_event('POST', '/auth/login', headers={'content-type': 'application/json'},"
             " body=json.dumps({'username': 'nobody', 'password': 'x' * 10}))"),
    "video": ("tuber_video.handler", API_FLOOR, "http_api_event('GET', '/video')"),
    "like": ("tuber_like.handler", API_FLOOR,
             "http_api_event('GET', '/like/6b07796b26ae49b9c2c8e07f')"),
    "comment": ("tuber_comment.handler", API_FLOOR,
                "http_api_event('GET', '/comment/6b07796b26ae49b9c2c8e07f')"),
    "transcode": ("tuber_transcode.handler", EVENT_FLOOR,
                  "{'Records': [{'eventSource': 'aws:s3', 'eventName': 'ObjectCreated:Put',"
                  " 's3': {'bucket': {'name': 'b'}, 'object': {'key':"
                  " 'raw/6b07796b26ae49b9c2c8e07f/source', 'size': 10}}}]}"),
    "on_transcoded": ("tuber_on_transcoded.handler", EVENT_FLOOR,
                      "{'version': '0', 'source': 'aws.mediaconvert', 'detail-type':"
                      " 'MediaConvert Job State Change', 'detail': {'status': 'ERROR',"
                      " 'jobId': 'j', 'errorMessage': 'x', 'userMetadata': {'app': 'tuber',"
                      " 'videoId': '6b07796b26ae49b9c2c8e07f'}}}"),
}
NEEDS_BOTO3 = {"transcode", "on_transcoded"}

PROBE = """
import sys, time
t0 = time.perf_counter()
{imports}
t1 = time.perf_counter()
{request}
t2 = time.perf_counter()
import json
print(json.dumps({{"import_ms": (t1 - t0) * 1e3, "request_ms": (t2 - t1) * 1e3,
                   "boto3": "boto3" in sys.modules}}))
"""
REQUEST = """
sys.path.append({root!r})
import json
from local.apigw import http_api_event
from local.lambda_context import LambdaContext
answer = {module}.lambda_handler({event}, LambdaContext())
assert isinstance(answer, dict), answer
"""


def lambda_env() -> Path:
    """The layer's requirements + boto3 in a folder of their own (rebuilt when they change)."""
    requirements = (ROOT / "layers/common/requirements.txt").read_text() + BOTO3
    stamp = ENV_DIR / f".req-{hashlib.sha256(requirements.encode()).hexdigest()[:12]}"
    if not stamp.exists():
        subprocess.run(["rm", "-rf", str(ENV_DIR)], check=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--target",
                        str(ENV_DIR), "-r", str(ROOT / "layers/common/requirements.txt"), BOTO3],
                       check=True)
        stamp.touch()
    return ENV_DIR


def _python() -> str:
    base = Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    return str(base if base.exists() else sys.executable)


def _run(code: str, paths: list[str], env: dict) -> tuple[float, dict]:
    """(whole process wall ms, what the probe printed)."""
    code = f"import sys\nsys.path[:0] = {paths!r}\n" + code
    start = time.perf_counter()
    done = subprocess.run([_python(), "-E", "-S", "-c", code], env=env, cwd="/",
                          capture_output=True, text=True)
    wall = (time.perf_counter() - start) * 1000
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    return wall, json.loads(done.stdout.strip().splitlines()[-1])


def measure(repeat: int = 7) -> tuple[str, dict]:
    site = str(lambda_env())
    with mongo() as uri:
        env = {**BENCH_SETTINGS, "MONGODB_URI": uri, "MONGODB_DB": "tuber_bench_cold",
               "PATH": os.environ.get("PATH", ""), "POWERTOOLS_LOG_LEVEL": "ERROR",
               "MEDIA_BUCKET": "tuber-bench", "S3_ENDPOINT_URL": "http://127.0.0.1:9"}

        def samples(name: str, imports: str, request: str = "") -> tuple[float, float, dict]:
            paths = [site, str(ROOT / "layers/common")] + (
                [str(ROOT / "functions" / name)] if name else [])
            code = PROBE.format(imports=imports, request=request)
            _run(code, paths, env)  # warm the file cache and .pyc files
            walls, requests, probe = [], [], {}
            for _ in range(repeat):
                wall, probe = _run(code, paths, env)
                walls.append(wall / 1000)
                requests.append(probe["request_ms"] / 1000)
            return median_ms(walls), median_ms(requests), probe

        bare, _, _ = samples("", "import json")
        # What each library costs on its own: the floor no code of ours can go under.
        libraries = {lib: samples("", statement)[0] - bare for lib, statement in {
            "aws_lambda_powertools.event_handler": "import aws_lambda_powertools.event_handler",
            "pydantic.BaseModel": "from pydantic import BaseModel", "pymongo": "import pymongo",
            "jwt": "import jwt", "bcrypt": "import bcrypt", "boto3": "import boto3"}.items()}
        rows, results = [], {"bare_process_ms": bare, "libraries_over_bare_ms": libraries,
                             "functions": {}}
        for name, (module, floor_libs, event) in FUNCTIONS.items():
            floor, _, _ = samples(name, "\n".join(floor_libs))
            imported, _, probe = samples(name, f"import {module}")
            # The first request is timed inside the process: interpreter teardown (pymongo
            # joining its monitor threads) is nobody's wait.
            _, first_request, probe = samples(
                name, f"import {module}",
                REQUEST.format(root=str(ROOT), module=module, event=event))
            served = imported + first_request
            over = imported - bare
            ok = over < 150 and probe["boto3"] <= (name in NEEDS_BOTO3)
            results["functions"][name] = {
                "import_process_ms": imported, "first_request_process_ms": served,
                "floor_process_ms": floor, "import_over_bare_ms": over,
                "code_over_floor_ms": imported - floor, "imports_boto3": probe["boto3"]}
            rows.append([name, f"{imported:.0f}", f"{served:.0f}", f"{floor:.0f}",
                         f"{over:.0f}", f"{imported - floor:+.0f}", f"{imported / floor:.2f}x",
                         "yes" if probe["boto3"] else "no", "ok" if ok else "MISSED"])
    text = (f"Bare interpreter process (`python -E -S -c 'import json'`): {bare:.0f} ms "
            f"(medians of {repeat} fresh processes).\n\nEach library alone, over bare: "
            + ", ".join(f"{lib} {ms:.0f} ms" for lib, ms in libraries.items()) + ".\n\n"
            + table(["function", "import ms", "import + first request ms",
                     "library floor ms", "import over bare ms", "our code over floor ms",
                     "import vs floor", "boto3", "target <150 ms over bare"], rows))
    return text, results


if __name__ == "__main__":
    print(measure()[0])
