"""A simulated `sam deploy`, step by step, for tests/integration/test_deploy_simulation.py and
tests/integration/test_function_permissions.py:

1. `sam build` (SAM CLI's own venv, .venv/tools/sam);
2. `sam package`: every built CodeUri / ContentUri zipped and uploaded to an artifacts
   bucket (here moto's), the template pointing at s3:// URIs;
3. the SAM transform (aws-sam-translator, in SAM CLI's venv: tests/support/sam_transform.py);
4. CloudFormation create_stack of the transformed template (here into moto).

Steps 1-3 are what the real deploy runs; step 4 is moto's CloudFormation, which creates the
resource types it models and skips the others (see test_deploy_simulation.py).
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SAM_BIN = ROOT / ".venv" / "tools" / "sam" / "bin"
SAM = str(SAM_BIN / "sam")
SAM_PYTHON = str(SAM_BIN / "python")
TRANSFORM_SCRIPT = str(ROOT / "tests" / "support" / "sam_transform.py")
# `sam build` looks for python3.13 on PATH: the project venv has it, whatever pyenv says.
SAM_ENV = {**os.environ, "SAM_CLI_TELEMETRY": "0",
           "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}

# The account and region the simulation deploys to (moto's default account).
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
PARTITION = "aws"
STACK_NAME = "tuber-sim"

# What an operator passes: the parameters without a default, with values shaped like real ones.
REQUIRED_PARAMETER_VALUES = {
    "MongoDbUri": "mongodb+srv://tuber:s3cr3t-Pa55@cluster0.abcde.mongodb.net/"
                  "?retryWrites=true&w=majority",
}

CODE_PROPERTIES = {"AWS::Serverless::Function": "CodeUri",
                   "AWS::Serverless::LayerVersion": "ContentUri",
                   "AWS::Lambda::Function": "Code",
                   "AWS::Lambda::LayerVersion": "Content"}


# ---- templates ---------------------------------------------------------------------------

class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short forms (!Ref, !Sub, !GetAtt...) as long forms."""


def _short_form(loader: _CfnLoader, tag_suffix: str, node: yaml.Node):
    name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if tag_suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _short_form)


def load_template(path: Path | str) -> dict:
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_CfnLoader)


# ---- 1. sam build ------------------------------------------------------------------------

def run_sam(*args: str, cwd: Path = ROOT, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([SAM, *args], cwd=cwd, env=SAM_ENV, capture_output=True, text=True,
                          timeout=timeout)


def sam_build(build_dir: Path, cache_dir: Path) -> Path:
    """`sam build` of the repository's template.yaml; returns the built template's path."""
    result = run_sam("build", "--build-dir", str(build_dir), "--cache-dir", str(cache_dir))
    if result.returncode != 0:
        raise AssertionError("sam build failed:\n" + result.stdout[-4000:]
                             + result.stderr[-4000:])
    return build_dir / "template.yaml"


# ---- 2. sam package ----------------------------------------------------------------------

def zip_directory(directory: Path) -> bytes:
    """The directory's files in a zip as `sam package` makes it: paths relative to the
    directory, Unix permissions kept (ffmpeg and ffprobe must stay executable), fixed
    timestamps (the same build gives the same bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_dir() and not path.is_symlink():
                continue
            info = zipfile.ZipInfo(path.relative_to(directory).as_posix(),
                                   date_time=(1980, 1, 1, 0, 0, 0))
            mode = path.stat().st_mode
            info.external_attr = (stat.S_IFREG | stat.S_IMODE(mode)) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def unzipped_size(data: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return sum(info.file_size for info in archive.infolist())


def package(built_template: Path, s3_client, bucket: str) -> tuple[dict, dict[str, dict]]:
    """`sam package`: zip every local code location of the built template, upload it to
    `bucket`, point the template at it. Returns (packaged template, {logical id: {"key",
    "zipped", "unzipped"}})."""
    template = load_template(built_template)
    base = built_template.parent
    artifacts: dict[str, dict] = {}
    for logical_id, resource in (template.get("Resources") or {}).items():
        prop = CODE_PROPERTIES.get(resource.get("Type"))
        properties = resource.get("Properties") or {}
        location = properties.get(prop) if prop else None
        if not isinstance(location, str) or location.startswith("s3://"):
            continue
        directory = (base / location).resolve()
        if not directory.is_dir():
            raise AssertionError(f"{logical_id}: {prop} {location} is not a built directory")
        data = zip_directory(directory)
        key = f"{logical_id}-{hashlib.sha256(data).hexdigest()[:16]}.zip"
        s3_client.put_object(Bucket=bucket, Key=key, Body=data)
        artifacts[logical_id] = {"key": key, "zipped": len(data),
                                 "unzipped": unzipped_size(data)}
        if resource["Type"].startswith("AWS::Serverless::"):
            properties[prop] = f"s3://{bucket}/{key}"
        else:
            properties[prop] = {"S3Bucket": bucket, "S3Key": key}
    return template, artifacts


# ---- 3. the SAM transform ----------------------------------------------------------------

def transform(template: dict | Path, parameters: dict | None = None, *,
              placeholder_code: bool = False, workdir: Path | None = None) -> dict:
    """The transformed (plain CloudFormation) template, by SAM CLI's aws-sam-translator."""
    if isinstance(template, dict):
        import tempfile

        directory = workdir or Path(tempfile.mkdtemp(prefix="tuber-transform-"))
        path = directory / "template-to-transform.json"
        path.write_text(json.dumps(template), encoding="utf-8")
    else:
        path = Path(template)
    args = [SAM_PYTHON, TRANSFORM_SCRIPT]
    if placeholder_code:
        args.append("--placeholder-code")
    args += [str(path), json.dumps(parameters or {})]
    env = {**os.environ, "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION}
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    if result.returncode != 0:
        raise AssertionError("SAM transform failed:\n" + result.stderr[-4000:])
    return json.loads(result.stdout)


# ---- parameters --------------------------------------------------------------------------

def parameter_values(template: dict, overrides: dict | None = None) -> dict[str, str]:
    """A value for every parameter: the operator's required ones, then the defaults."""
    values: dict[str, str] = {}
    overrides = overrides or {}
    for name, spec in (template.get("Parameters") or {}).items():
        if name in overrides:
            values[name] = str(overrides[name])
        elif name in REQUIRED_PARAMETER_VALUES:
            values[name] = REQUIRED_PARAMETER_VALUES[name]
        elif "Default" in spec:
            values[name] = str(spec["Default"])
        else:
            raise AssertionError(
                f"parameter {name} has no default: give it a realistic value in "
                "tests/support/deploy.py REQUIRED_PARAMETER_VALUES")
    return values
