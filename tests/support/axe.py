"""An axe-core scan of the page a Playwright test is on (issue 18: no serious or critical
accessibility findings).

axe-core comes from the `axe-playwright-python` wheel (requirements-dev.txt), which bundles
`axe.min.js` (axe-core 4.12, MPL-2.0; the wrapper itself is MIT). Only the script is used here.

The client's CSP (`script-src 'self'`) refuses an injected <script> tag, so
`page.add_script_tag(content=...)` would fail. The script is run with `page.evaluate`
instead: Playwright evaluates through the DevTools protocol, which CSP does not govern, so the
page is scanned under its real policy (a `bypass_csp` context would scan a page the users
never get, e.g. styles the CSP blocks would apply).

    assert_accessible(page, "home, signed out")

fails with one line per finding: rule id, impact, the elements' selectors, the help text and
its URL.
"""
from __future__ import annotations

import json
from functools import cache
from importlib.util import find_spec
from pathlib import Path

SERIOUS = ("serious", "critical")
# WCAG 2.0/2.1/2.2 A and AA and axe's best practices: what a scan in a browser can decide.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@cache
def axe_source() -> str:
    spec = find_spec("axe_playwright_python")
    if spec is None or not spec.origin:
        raise RuntimeError("axe-playwright-python is not installed: pip install -r requirements-dev.txt")
    return (Path(spec.origin).parent / "axe.min.js").read_text(encoding="utf-8")


def scan(page, *, context: str | dict | None = None, tags: list[str] | None = None) -> dict:
    """axe.run on the page's main frame; the results object (violations only)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # evaluate() of a bare expression: the script defines window.axe in the page.
        page.evaluate(axe_source())
    options = {"resultTypes": ["violations"], "runOnly": {"type": "tag", "values": tags or TAGS}}
    return page.evaluate("([context, options]) => axe.run(context || document, options)",
                         [context, options])


def serious_violations(results: dict) -> list[dict]:
    return [v for v in results["violations"] if v.get("impact") in SERIOUS]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} [{v['helpUrl']}]")
        for node in v["nodes"][:8]:
            target = " ".join(json.dumps(t) if not isinstance(t, str) else t for t in node["target"])
            summary = (node.get("failureSummary") or "").replace("\n", " ").strip()
            lines.append(f"    {target}: {summary[:300]}")
        if len(v["nodes"]) > 8:
            lines.append(f"    ... and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


def findings(page, where: str, *, context: str | dict | None = None) -> str:
    """The serious and critical violations on the page, as text ("" when there are none)."""
    found = serious_violations(scan(page, context=context))
    if not found:
        return ""
    return (f"axe-core found {len(found)} serious/critical accessibility violation(s) on "
            f"{where} ({page.url}):\n{describe(found)}")


def assert_accessible(page, where: str, *, context: str | dict | None = None) -> None:
    """Fail with a readable list when axe finds a serious or critical violation."""
    text = findings(page, where, context=context)
    assert not text, text


class Findings:
    """Scans of several pages in one test, reported together at the end (one page's findings
    do not hide the next page's)."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.scanned: list[str] = []

    def scan(self, page, where: str, *, context: str | dict | None = None) -> None:
        self.scanned.append(where)
        text = findings(page, where, context=context)
        if text:
            self.texts.append(text)

    def assert_none(self) -> None:
        assert not self.texts, "\n\n".join(self.texts)
