"""The ffmpeg layer `sam build` makes (layers/ffmpeg): static ffmpeg and ffprobe for the
template's architecture, with their licenses, inside Lambda's size limit, and able to turn an
upload into a playable ladder through the real transcode pipeline. Also the template around
it: the transcoder gets it by default, and the deploy-time rules refuse what cannot transcode."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from local.template import Resolver, load_template
from tests.integration.test_sam_template import ARCH_PLATFORM, ROOT
from tests.integration.test_transcode import _check_ladder, _transcode_and_publish
from tests.support import media

MAKEFILE = (ROOT / "layers" / "ffmpeg" / "Makefile").read_text()
# Lambda: function code plus all its layers, unzipped.
LAMBDA_UNZIPPED_LIMIT = 262_144_000


def make_variable(name: str, text: str = MAKEFILE) -> str:
    return re.search(rf"^{name}\s*:?=\s*(\S+)", text, re.M).group(1)


def template() -> dict:
    return load_template(ROOT / "template.yaml")


# --- the template ------------------------------------------------------------------------

def test_the_layer_is_built_for_the_template_architecture():
    tpl = template()
    (arch,) = tpl["Globals"]["Function"]["Architectures"]
    layer = tpl["Resources"]["FfmpegLayer"]
    assert layer["Properties"]["CompatibleArchitectures"] == [arch]
    # SAM builds a layer for BuildArchitecture (x86_64 when unset), whatever it is compatible with.
    assert layer["Metadata"].get("BuildArchitecture", "x86_64") == arch
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    assert layer["Properties"]["ContentUri"] == "layers/ffmpeg"
    # The Makefile downloads for build/lambda.mk's platform: a wheel is pinned for it.
    platform = make_variable("LAMBDA_PLATFORM", (ROOT / "build" / "lambda.mk").read_text())
    assert platform == f"manylinux2014_{ARCH_PLATFORM[arch]}"
    assert re.fullmatch(r"[0-9a-f]{64}", make_variable(f"FFMPEG_SHA256_{platform}"))
    assert make_variable(f"FFMPEG_CPU_{platform}")


def _transcoder_layers(**parameters: str) -> tuple[list, bool]:
    """TranscodeFunction's own Layers and whether FfmpegLayer is deployed, as CloudFormation
    would resolve them for these parameter values."""
    tpl = template()
    resolver = Resolver(tpl, {"FfmpegLayer": "<built ffmpeg layer>",
                              "CommonLayer": "<common layer>", **parameters})
    layers = resolver.resolve(tpl["Resources"]["TranscodeFunction"]["Properties"]["Layers"])
    deployed = resolver.condition(tpl["Resources"]["FfmpegLayer"]["Condition"])
    return layers, deployed


def test_the_transcoder_gets_the_built_layer_unless_an_arn_overrides_it():
    assert _transcoder_layers() == (["<built ffmpeg layer>"], True)
    arn = "arn:aws:lambda:eu-west-1:123456789012:layer:my-ffmpeg:7"
    assert _transcoder_layers(FfmpegLayerArn=arn) == ([arn], False)
    # Globals adds the common layer: the function must not list it again.
    assert "<common layer>" not in _transcoder_layers()[0]


def test_ffmpeg_layer_arn_must_be_empty_or_a_layer_version_arn():
    pattern = template()["Parameters"]["FfmpegLayerArn"]["AllowedPattern"]
    for good in ("", "arn:aws:lambda:us-east-1:123456789012:layer:ffmpeg:1",
                 "arn:aws-cn:lambda:cn-north-1:123456789012:layer:my_ffmpeg-2:12"):
        assert re.fullmatch(pattern, good), good
    for bad in ("ffmpeg", "arn:aws:lambda:us-east-1:123456789012:layer:ffmpeg",
                "arn:aws:lambda:us-east-1:123456789012:function:ffmpeg:1",
                "arn:aws:s3:::bucket/layer.zip"):
        assert not re.fullmatch(pattern, bad), bad


def refused_by_rules(**parameters: str) -> list[str]:
    """The rules CloudFormation would refuse the stack with, for these parameter values."""
    tpl = template()
    resolver = Resolver(tpl, parameters)
    refused = []
    for name, rule in (tpl.get("Rules") or {}).items():
        if "RuleCondition" in rule and not resolver.resolve(rule["RuleCondition"]):
            continue
        refused += [name for a in rule["Assertions"] if not resolver.resolve(a["Assert"])]
    return refused


def test_rules_refuse_a_mediaconvert_backend_without_its_role():
    role = "arn:aws:iam::123456789012:role/tuber-mediaconvert"
    assert refused_by_rules() == []  # the defaults deploy
    assert refused_by_rules(TranscoderBackend="ffmpeg") == []
    assert refused_by_rules(TranscoderBackend="mediaconvert") == ["MediaConvertNeedsARole"]
    assert refused_by_rules(TranscoderBackend="mediaconvert", MediaConvertRoleArn=role) == []
    assert refused_by_rules(TranscoderBackend="ffmpeg", MediaConvertRoleArn=role) == []


# --- the built layer ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def built(sam_build) -> Path:
    """The whole build (tests/support/build_fixtures.py): the transcoder and both its layers.
    The ffmpeg wheel is downloaded once into .aws-sam/downloads and reused by later runs."""
    return sam_build


@pytest.fixture(scope="module")
def layer_bin(built) -> Path:
    return built / "FfmpegLayer" / "bin"


def _run(*cmd) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_the_layer_holds_static_ffmpeg_and_ffprobe_that_run_here(built, layer_bin):
    layer = built / "FfmpegLayer"
    # /opt/bin/ffmpeg, /opt/bin/ffprobe and the license texts; nothing of the build itself.
    assert sorted(p.name for p in layer.iterdir()) == ["bin", "licenses"]
    assert sorted(p.name for p in layer_bin.iterdir()) == ["ffmpeg", "ffprobe"]
    licenses = layer / "licenses" / "ffmpeg"
    assert (licenses / "GPL-3.0.txt").read_text().startswith(
        "                    GNU GENERAL PUBLIC LICENSE\n                       Version 3")
    assert "GPL-3.0-or-later" in (licenses / "NOTICE").read_text()
    version = make_variable("FFMPEG_VERSION")
    assert int(version.split(".")[0]) >= 6
    for name in ("ffmpeg", "ffprobe"):
        exe = layer_bin / name
        assert os.access(exe, os.X_OK), exe
        # Statically linked: nothing to find (or to mismatch) in Amazon Linux 2023's glibc.
        assert exe.read_bytes()[:4] == b"\x7fELF"
        ldd = _run("ldd", exe)
        assert "not a dynamic executable" in ldd.stdout + ldd.stderr, ldd
        done = _run(exe, "-hide_banner", "-version")
        assert done.returncode == 0, done.stderr
        assert re.match(rf"{name} version n?{re.escape(version)}\b", done.stdout), done.stdout
    encoders = _run(layer_bin / "ffmpeg", "-hide_banner", "-encoders").stdout
    for encoder in ("libx264", "aac"):  # what tuber_transcode/ffmpeg_backend.py encodes with
        assert re.search(rf"^ [VAS][.A-Z]{{5}} {encoder}\s", encoders, re.M), encoder


@pytest.mark.slow
def test_the_transcoder_with_both_layers_fits_lambdas_unzipped_limit(built, layer_bin):
    def size(path: Path) -> int:
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())

    sizes = {name: size(built / name)
             for name in ("TranscodeFunction", "CommonLayer", "FfmpegLayer")}
    print("unzipped bytes:", sizes)
    assert sum(sizes.values()) < LAMBDA_UNZIPPED_LIMIT, sizes


@pytest.fixture
def layer_tools_only(layer_bin, monkeypatch, settings_env):
    """The pipeline's FFMPEG_PATH / FFPROBE_PATH name the layer's executables; returns a PATH
    without any other ffmpeg or ffprobe, to run the transcoder under."""
    from tuber_common.settings import get_settings

    monkeypatch.setenv("FFMPEG_PATH", str(layer_bin / "ffmpeg"))
    monkeypatch.setenv("FFPROBE_PATH", str(layer_bin / "ffprobe"))
    get_settings.cache_clear()
    return os.pathsep.join(
        d for d in os.environ["PATH"].split(os.pathsep)
        if not (Path(d, "ffmpeg").exists() or Path(d, "ffprobe").exists()))


@pytest.mark.slow
def test_a_real_transcode_with_the_layer_publishes_a_playable_ladder(
        tmp_path, layer_bin, layer_tools_only, member, new_video, run_transcode,
        run_on_transcoded, db, s3, monkeypatch):
    from tuber_common.settings import get_settings

    bucket = get_settings().media_bucket
    clip = media.make_clip(str(tmp_path / "clip.mp4"), 640, 360, seconds=2)

    def transcode_with_the_layer_only(*args, **kwargs):
        with monkeypatch.context() as m:
            m.setenv("PATH", layer_tools_only)
            assert shutil.which("ffmpeg") is None and shutil.which("ffprobe") is None
            return run_transcode(*args, **kwargs)

    _, video_id = _transcode_and_publish(tmp_path, member, new_video,
                                         transcode_with_the_layer_only, run_on_transcoded, db,
                                         clip)
    _check_ladder(s3, bucket, video_id, tmp_path,
                  [(426, 240), (640, 360)], has_audio=True)

    # Played from the master playlist, every rendition decodes without a single error.
    local = tmp_path / "hls"
    prefix = f"hls/{video_id}/"
    for item in s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]:
        target = local / item["Key"][len(prefix):]
        target.parent.mkdir(parents=True, exist_ok=True)
        s3.download_file(bucket, item["Key"], str(target))
    played = _run(layer_bin / "ffmpeg", "-v", "error", "-i", local / "master.m3u8",
                  "-map", "0", "-f", "null", "-")
    assert played.returncode == 0 and played.stderr == "", played.stderr
    programs = _run(layer_bin / "ffprobe", "-v", "error", "-show_programs", "-of", "json",
                    local / "master.m3u8")
    assert programs.returncode == 0, programs.stderr
    # A program per variant: each video rung with the audio group's AAC, and the audio-only
    # variant (how many AAC entries the demuxer lists beyond that is its own business).
    found = [sorted({st["codec_name"] for st in program["streams"]})
             for program in json.loads(programs.stdout)["programs"]]
    assert found.count(["aac", "h264"]) == 2 and ["aac"] in found, found
