"""The template passes cfn-lint with no warning, and checkov with no finding that is not
skipped in place, with its reason (template.yaml, a resource's `Metadata: checkov: skip:`).

checkov runs twice: over template.yaml (what the skips sit in) and over the SAM-transformed
template, which holds what SAM generates (IAM roles and their policies, permissions,
versions and aliases, the API stage...): 118 resources against 47 today. A generated
resource carries the skips of the SAM resource it comes from.
"""
from __future__ import annotations

import json
import subprocess

import pytest

from tests.support import deploy

CFN_LINT = str(deploy.ROOT / ".venv" / "tools" / "sam" / "bin" / "cfn-lint")
CHECKOV = str(deploy.ROOT / ".venv" / "tools" / "checkov" / "bin" / "checkov")
TEMPLATE = deploy.ROOT / "template.yaml"


def test_cfn_lint_is_clean():
    result = subprocess.run([CFN_LINT, str(TEMPLATE)], capture_output=True, text=True,
                            timeout=300, cwd=deploy.ROOT)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def _skips(template: dict) -> dict[str, list[dict]]:
    return {logical: ((resource.get("Metadata") or {}).get("checkov") or {}).get("skip") or []
            for logical, resource in (template.get("Resources") or {}).items()}


def test_every_checkov_skip_says_why():
    for logical, skips in _skips(deploy.load_template(TEMPLATE)).items():
        for skip in skips:
            assert str(skip.get("id", "")).startswith("CKV"), (logical, skip)
            assert len(str(skip.get("comment") or "").split()) >= 5, \
                f"{logical}: skip {skip.get('id')} needs a comment saying why"


def _checkov(path) -> dict:
    # --skip-download: no call to Prisma Cloud for guidelines (no network here; not needed).
    result = subprocess.run([CHECKOV, "-f", str(path), "--framework", "cloudformation",
                             "--compact", "-o", "json", "--skip-download"],
                            capture_output=True, text=True, timeout=600, cwd=deploy.ROOT)
    # Exit code 1: failed checks, reported below; anything else is checkov failing.
    assert result.returncode in (0, 1), result.stdout[-2000:] + result.stderr[-2000:]
    report = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    assert len(reports) == 1 and reports[0]["summary"]["parsing_errors"] == 0, reports
    return reports[0]


def _findings(report: dict) -> list[str]:
    return [f"{c['check_id']} {c['resource']}: {c['check_name']}"
            for c in report.get("results", {}).get("failed_checks", [])]


def _unused_skips(template: dict, report: dict) -> list[str]:
    """Skips no finding needs any more (the check passes or does not apply)."""
    used = {(c["resource"].split(".", 1)[1], c["check_id"])
            for c in report.get("results", {}).get("skipped_checks", [])}
    return [f"{logical}: {skip['id']}" for logical, skips in _skips(template).items()
            for skip in skips if (logical, skip["id"]) not in used]


@pytest.mark.slow
def test_checkov_over_the_template():
    report = _checkov(TEMPLATE)
    assert report["summary"]["resource_count"] > 0
    findings = _findings(report)
    unused = _unused_skips(deploy.load_template(TEMPLATE), report)
    assert not findings and not unused, (
        "fix, or skip in place with the reason:\n" + "\n".join(findings)
        + (f"\nskips that no finding needs any more: {unused}" if unused else ""))


def _source_of(generated: str, sources: list[str]) -> str | None:
    """The SAM resource a generated one comes from (SAM prefixes its logical id)."""
    matches = [s for s in sources if generated.startswith(s)]
    return max(matches, key=len) if matches else None


@pytest.mark.slow
def test_checkov_over_the_transformed_template(tmp_path):
    source = deploy.load_template(TEMPLATE)
    transformed = deploy.transform(TEMPLATE, deploy.parameter_values(source),
                                   placeholder_code=True, workdir=tmp_path)
    skips = {k: v for k, v in _skips(source).items() if v}
    for logical, resource in transformed["Resources"].items():
        origin = resource.get("Metadata", {}).get("SamResourceId") or _source_of(
            logical, list(source["Resources"]))
        if origin in skips and "checkov" not in resource.get("Metadata", {}):
            resource.setdefault("Metadata", {})["checkov"] = {"skip": skips[origin]}
    path = tmp_path / "transformed.json"
    path.write_text(json.dumps(transformed), encoding="utf-8")
    report = _checkov(path)
    assert report["summary"]["resource_count"] > len(source["Resources"])
    findings = _findings(report)
    assert not findings, "fix, or skip in place in template.yaml (on the SAM resource) " \
                         "with the reason:\n" + "\n".join(findings)
