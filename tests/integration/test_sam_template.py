"""The template deploys: `sam validate --lint` and `sam build` pass, and the build holds what
Lambda will import: wheels for the Lambda platform and bytecode for its interpreter."""
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from local.template import load_template

ROOT = Path(__file__).resolve().parents[2]
# SAM CLI lives in a venv of its own (Makefile: .venv/tools/sam), since it pins boto3 exactly.
SAM = str(ROOT / ".venv" / "tools" / "sam" / "bin" / "sam")
# `sam build` looks for python3.13 on PATH: the project venv has it, whatever pyenv says.
ENV = {**os.environ, "SAM_CLI_TELEMETRY": "0",
       "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}


def run_sam(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([SAM, *args], cwd=cwd, env=ENV, capture_output=True, text=True,
                          timeout=900)


# template Architectures -> the wheel platform build/lambda.mk must download for
ARCH_PLATFORM = {"x86_64": "x86_64", "arm64": "aarch64"}


def lambda_resources() -> dict[str, dict]:
    """Every function and layer of the template: logical id -> resource."""
    resources = load_template(ROOT / "template.yaml")["Resources"]
    return {name: r for name, r in resources.items()
            if r["Type"] in ("AWS::Serverless::Function", "AWS::Serverless::LayerVersion")}


def test_every_function_and_layer_is_built_by_its_makefile():
    """`sam build` runs build-<LogicalId> of the Makefile in CodeUri, which for Python code
    uses build/lambda.mk, the only build that ships bytecode: a function built otherwise would
    ship bare sources."""
    for name, resource in lambda_resources().items():
        assert (resource.get("Metadata") or {}).get("BuildMethod") == "makefile", name
        props = resource["Properties"]
        makefile = ROOT / (props.get("CodeUri") or props["ContentUri"]) / "Makefile"
        text = makefile.read_text()
        assert re.search(rf"^build-{name}:", text, re.M), f"{makefile}: no build-{name}"
        if resource["Type"] == "AWS::Serverless::Function":
            assert re.search(rf"^build-{name}: lambda-function\b", text, re.M), makefile
            assert "build/lambda.mk" in text, makefile


def test_layer_wheels_match_the_template_architecture():
    globals_arch = load_template(ROOT / "template.yaml")["Globals"]["Function"]["Architectures"]
    layer_archs = [r["Properties"].get("CompatibleArchitectures")
                   for r in lambda_resources().values()
                   if r["Type"] == "AWS::Serverless::LayerVersion"]
    assert all(archs == globals_arch for archs in layer_archs), (globals_arch, layer_archs)
    (arch,) = globals_arch
    platform = re.search(r"^LAMBDA_PLATFORM := (\S+)$", (ROOT / "build/lambda.mk").read_text(),
                         re.M).group(1)
    assert platform == f"manylinux2014_{ARCH_PLATFORM[arch]}"


def test_sam_validate_lint():
    result = run_sam("validate", "--lint")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


@pytest.mark.slow
def test_sam_build_packages_every_function_and_the_layer(sam_build):
    build_dir = sam_build  # tests/support/build_fixtures.py: a failed build fails here
    layer = build_dir / "CommonLayer" / "python"
    assert (layer / "tuber_common" / "http.py").exists()
    for package in ("aws_lambda_powertools", "pymongo", "jwt", "bcrypt", "pydantic"):
        assert (layer / package).exists(), package
    functions = {"AuthFunction": "tuber_auth", "VideoFunction": "tuber_video",
                 "LikeFunction": "tuber_like", "CommentFunction": "tuber_comment",
                 "TranscodeFunction": "tuber_transcode",
                 # The same code as TranscodeFunction, another handler: its own build.
                 "TranscodePartFunction": "tuber_transcode",
                 "OnTranscodedFunction": "tuber_on_transcoded",
                 "ChannelFunction": "tuber_channel", "NotificationFunction": "tuber_notification",
                 "NotificationFanoutFunction": "tuber_notification_fanout",
                 "PlaylistFunction": "tuber_playlist", "HistoryFunction": "tuber_history",
                 "ModerationFunction": "tuber_moderation"}
    for function, package in functions.items():
        handler = build_dir / function / package / "handler.py"
        assert handler.exists(), f"{function}: {handler} missing"
        # Narrow CodeUri: no tests, no other functions, no repository root in the zip.
        assert not (build_dir / function / "tests").exists()
        assert not (build_dir / function / "template.yaml").exists()
        # Only the function's package (no Makefile, no stray files).
        assert sorted(p.name for p in (build_dir / function).iterdir()) == [package]
    # Every artifact with Python code in it (functions, layers) ships its bytecode.
    for artifact in build_dir.iterdir():
        if artifact.is_dir() and next(artifact.rglob("*.py"), None):
            assert_ships_unchecked_bytecode(artifact)
    assert_wheels_are_for_lambda(layer)


def assert_ships_unchecked_bytecode(root: Path) -> None:
    """Every .py has its .pyc for this interpreter (3.13, the runtime's) next to it, hash-based
    and unchecked: Lambda cannot write __pycache__, and the zip's timestamps cannot validate a
    timestamp-based .pyc."""
    tag = sys.implementation.cache_tag
    assert tag == "cpython-313"
    sources = list(root.rglob("*.py"))
    assert sources, root
    for source in sources:
        pyc = source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc"
        assert pyc.exists(), f"{source} has no {pyc.name}"
        header = pyc.read_bytes()[:16]
        assert header[:4] == importlib.util.MAGIC_NUMBER, pyc
        flags = int.from_bytes(header[4:8], "little")
        assert flags == 0b01, f"{pyc}: flags {flags:#b}, want hash-based without source check"
    # Nothing else: no .pyc of another interpreter or optimization level, none orphaned.
    for pyc in root.rglob("*.pyc"):
        assert pyc.name.endswith(f".{tag}.pyc"), pyc
        assert (pyc.parent.parent / f"{pyc.name.split('.')[0]}.py").exists(), pyc


def assert_wheels_are_for_lambda(site: Path) -> None:
    """Each installed wheel runs on the Lambda platform: pure Python, or manylinux for the
    template's architecture and CPython 3.13 (its own ABI or the stable abi3 of an older one)."""
    arch = ARCH_PLATFORM[load_template(ROOT / "template.yaml")["Globals"]["Function"][
        "Architectures"][0]]
    wheels = list(site.glob("*.dist-info/WHEEL"))
    assert len(wheels) >= 5, wheels
    binary = 0
    for wheel in wheels:
        tags = re.findall(r"^Tag: (\S+)$", wheel.read_text(), re.M)
        assert tags, wheel
        for tag in tags:
            python, abi, platform = tag.split("-")
            if (python, abi, platform) == ("py3", "none", "any"):
                continue
            binary += 1
            assert re.fullmatch(rf"manylinux(2014|_2_\d+)_{arch}", platform), (wheel, tag)
            assert (python, abi) == ("cp313", "cp313") or (
                abi == "abi3" and re.fullmatch(r"cp3(\d+)", python)
                and int(python[3:]) <= 13), (wheel, tag)
    assert binary, "no binary wheel at all: pydantic_core and bcrypt should be"
