"""The web client's security headers: what the local gateway sends with every web file, the
policy CloudFront sends on AWS (template.yaml), and a client that needs nothing the policy
forbids (no inline script, style attribute or handler; nothing through innerHTML or eval)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from local.gateway import Cors, Gateway
from local.routes import RouteTable
from local.static import content_security_policy, security_headers
from local.template import CorsConfig, load_template

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"


def directives(policy: str) -> dict[str, list[str]]:
    out = {}
    for part in policy.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


def test_the_policy_is_strict():
    policy = directives(content_security_policy())
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    for values in policy.values():
        assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"} & set(values)


def test_other_origins_only_where_the_client_fetches_and_shows():
    policy = directives(content_security_policy(["http://127.0.0.1:41235"]))
    for name in ("connect-src", "img-src", "media-src"):
        assert "http://127.0.0.1:41235" in policy[name]
    for name in ("script-src", "style-src", "worker-src"):
        assert "http://127.0.0.1:41235" not in policy[name]


def test_https_adds_hsts_and_upgrades():
    assert "Strict-Transport-Security" not in dict(security_headers())
    headers = dict(security_headers(https=True))
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert "upgrade-insecure-requests" in headers["Content-Security-Policy"]


def test_the_gateway_serves_web_files_with_them(tmp_path, monkeypatch):
    monkeypatch.setenv("S3_ENDPOINT_URL", "http://127.0.0.1:41235")
    monkeypatch.setenv("MEDIA_BASE_URL", "http://127.0.0.1:3000")
    root = tmp_path / "web"
    root.mkdir()
    (root / "index.html").write_text("<h1>Tuber</h1>")
    gateway = Gateway(None, RouteTable([]), Cors(CorsConfig(allow_origins=["*"])), root,
                      openapi=lambda: {}, docs_page="")
    for path, accept in (("/", "text/html"), ("/watch/abc", "text/html")):
        headers = dict(gateway.handle("GET", path, {"accept": accept}, b"", "::1").headers)
        policy = directives(headers["Content-Security-Policy"])
        assert "http://127.0.0.1:41235" in policy["connect-src"]  # uploads to the local S3
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_the_web_client_needs_nothing_the_policy_forbids():
    html = (WEB / "index.html").read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert not re.search(r"<style\b", html), "inline <style>"
    assert not re.search(r"\s(style|on[a-z]+)\s*=", html), "style or handler attribute"
    for source in sorted((WEB / "js").rglob("*.js")):
        code = source.read_text()
        for pattern in (r"\.innerHTML\s*=", r"\.outerHTML\s*=", r"insertAdjacentHTML",
                        r"\beval\(", r"new Function\(", r"setAttribute\(\s*[\"']style",
                        r"setAttribute\(\s*[\"']on", r"document\.write"):
            assert not re.search(pattern, code), f"{source.name}: {pattern}"


def test_cloudfront_sends_the_same_policy():
    """template.yaml's response headers policy for the web client: the same directives as
    the local gateway's, with the bucket (uploads) as the one other origin."""
    resources = load_template(ROOT / "template.yaml").get("Resources", {})
    policies = [r for r in resources.values()
                if r.get("Type") == "AWS::CloudFront::ResponseHeadersPolicy"]
    if not policies:
        pytest.skip("template.yaml has no response headers policy yet")
    config = policies[0]["Properties"]["ResponseHeadersPolicyConfig"]
    csp = config["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    text = csp.value if hasattr(csp, "value") else csp
    text = text[0] if isinstance(text, list) else text
    aws = directives(str(text))
    local = directives(content_security_policy(https=True))
    assert set(aws) == set(local)
    for name, values in local.items():
        assert set(values) <= set(aws[name]), name
