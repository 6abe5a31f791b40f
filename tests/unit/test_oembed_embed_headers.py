"""The embed page's headers: /embed/{videoId} is framable by any site (frame-ancestors *, no
X-Frame-Options), every other page keeps frame-ancestors 'none' and DENY; locally
(local/static.py) as on AWS (template.yaml's EmbedResponseHeadersPolicy, /embed/* behaviour)."""
from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from local import gateway as gateway_module
from local.gateway import Cors, Gateway
from local.routes import RouteTable
from local.static import (content_security_policy, embed_security_headers, headers_for,
                          is_embed, page_path, security_headers)
from local.template import CorsConfig, load_template
from tests.unit.test_local_static_headers import directives

ROOT = Path(__file__).resolve().parents[2]


def test_embed_paths_are_the_embed_page():
    assert page_path("/embed/AbC-_123") == "/embed.html"
    # One level only: the page's relative asset paths (../js/embed.js) assume it.
    for path in ("/", "/index.html", "/embed", "/embed/", "/embed/a/", "/embed/a/b",
                 "/js/embed.js", "/embedded/a"):
        assert page_path(path) == path, path
        assert not is_embed(path)


def test_the_embed_page_is_framable_and_otherwise_as_strict():
    embed = dict(embed_security_headers(["http://127.0.0.1:4566"], https=True))
    web = dict(security_headers(["http://127.0.0.1:4566"], https=True))
    assert "X-Frame-Options" not in embed and web["X-Frame-Options"] == "DENY"
    ours, theirs = (directives(embed["Content-Security-Policy"]),
                    directives(web["Content-Security-Policy"]))
    assert ours.pop("frame-ancestors") == ["*"] and theirs.pop("frame-ancestors") == ["'none'"]
    assert ours == theirs  # scripts, styles, media: exactly the client's rules
    for name in ("X-Content-Type-Options", "Referrer-Policy", "Permissions-Policy",
                 "Strict-Transport-Security"):
        assert embed[name] == web[name]
    assert dict(headers_for("/embed/x")) == dict(embed_security_headers())
    assert dict(headers_for("/watch/x")) == dict(security_headers())


@pytest.mark.skipif("page_path" not in inspect.getsource(gateway_module),
                    reason="the local gateway does not serve the embed page yet (hooks.md)")
def test_the_gateway_serves_embed_pages_framable_and_the_rest_not(tmp_path):
    root = tmp_path / "web"
    root.mkdir()
    (root / "index.html").write_text("<h1>Tuber</h1>")
    (root / "embed.html").write_text("<h1>Embed</h1>")
    gateway = Gateway(None, RouteTable([]), Cors(CorsConfig(allow_origins=["*"])), root,
                      openapi=lambda: {}, docs_page="")
    embed = gateway.handle("GET", "/embed/abc?t=5", {"accept": "text/html"}, b"", "::1")
    assert embed.status == 200 and embed.body == b"<h1>Embed</h1>"
    headers = dict(embed.headers)
    assert "X-Frame-Options" not in headers
    assert directives(headers["Content-Security-Policy"])["frame-ancestors"] == ["*"]
    for path in ("/", "/watch/abc", "/embed.html"):
        page = dict(gateway.handle("GET", path, {"accept": "text/html"}, b"", "::1").headers)
        assert page["X-Frame-Options"] == "DENY", path
        assert directives(page["Content-Security-Policy"])["frame-ancestors"] == ["'none'"]


def _resources() -> dict:
    return load_template(ROOT / "template.yaml").get("Resources", {})


def _text(value) -> str:
    value = value.value if hasattr(value, "value") else value
    return str(value[0] if isinstance(value, list) else value)


@pytest.mark.skipif("EmbedResponseHeadersPolicy" not in _resources(),
                    reason="template.yaml has no embed headers policy yet (template-requests-E)")
def test_cloudfront_sends_the_same_embed_headers():
    resources = _resources()
    config = resources["EmbedResponseHeadersPolicy"]["Properties"][
        "ResponseHeadersPolicyConfig"]
    security = config["SecurityHeadersConfig"]
    assert "FrameOptions" not in security
    aws = directives(_text(security["ContentSecurityPolicy"]["ContentSecurityPolicy"]))
    local = directives(content_security_policy(https=True, framable=True))
    assert set(aws) == set(local) and aws["frame-ancestors"] == ["*"]
    for name, values in local.items():
        assert set(values) <= set(aws[name]), name
    distribution = next(r for r in resources.values()
                        if r.get("Type") == "AWS::CloudFront::Distribution")
    behaviours = {b["PathPattern"]: b for b in
                  distribution["Properties"]["DistributionConfig"]["CacheBehaviors"]}
    embed = behaviours["/embed/*"]
    assert embed["TargetOriginId"] == "web"
    assert _text(embed["ResponseHeadersPolicyId"]) == "EmbedResponseHeadersPolicy"
    assert embed["FunctionAssociations"][0]["EventType"] == "viewer-request"
    assert behaviours["/oembed"]["TargetOriginId"] == "api"
    rewrite = resources["EmbedRewriteFunction"]["Properties"]["FunctionCode"]
    assert '"/embed.html"' in _text(rewrite)
