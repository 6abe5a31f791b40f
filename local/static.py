"""The web client's static files, served from web/ without leaving it, with the security
headers CloudFront's response headers policy adds on AWS (template.yaml, WebResponseHeaders).

The embed page is the exception: /embed/{videoId} serves web/embed.html (CloudFront's
EmbedRewriteFunction on AWS) with headers that let any site frame it (EmbedResponseHeaders
Policy); every other page keeps frame-ancestors 'none' and X-Frame-Options DENY."""
from __future__ import annotations

import mimetypes
import os
import re
from pathlib import Path
from typing import Iterable
from urllib.parse import unquote, urlsplit

_EXTRA_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css",
                ".json": "application/json", ".svg": "image/svg+xml", ".wasm": "application/wasm",
                ".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t",
                ".webmanifest": "application/manifest+json", ".map": "application/json"}
_TEXT_PREFIXES = ("text/", "application/javascript", "application/json", "image/svg+xml",
                  "application/manifest+json")


def content_type(path: Path) -> str:
    kind = _EXTRA_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] \
        or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith(_TEXT_PREFIXES) else kind


def resolve_file(root: Path, url_path: str) -> Path | None:
    """The file under `root` that `url_path` names (index.html for a folder), or None.

    Anything that would resolve outside `root` (`..`, encoded or not, symlinks out) is None.
    """
    root = root.resolve()
    relative = unquote(url_path).lstrip("/")
    if "\x00" in relative:
        return None
    candidate = (root / relative).resolve()
    if candidate != root and root not in candidate.parents:
        return None
    if candidate.is_dir():
        candidate = candidate / "index.html"
    return candidate if candidate.is_file() else None


# --- security headers ---------------------------------------------------------------------
# The client is plain files: its own scripts and stylesheet, no inline script or style
# attribute (elements are styled through the CSSOM, which CSP allows), hls.js's worker and
# media from blob: URLs. Everything else it talks to: the API and media (same origin on AWS,
# under CloudFront; locally the gateway) and the bucket uploads go to (presigned URLs).
def content_security_policy(origins: Iterable[str] = (), https: bool = False,
                            framable: bool = False) -> str:
    """The web client's Content-Security-Policy; `origins`: other origins it may fetch from
    and show images and media of (locally: moto's S3, the media origin if not this one).
    `framable`: the embed page's, which any site may put in an iframe."""
    extra = " ".join(dict.fromkeys(o for o in origins if o))
    tail = f" {extra}" if extra else ""
    directives = [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        f"img-src 'self' blob:{tail}",
        f"media-src 'self' blob:{tail}",
        f"connect-src 'self'{tail}",
        "worker-src 'self' blob:",
        "manifest-src 'self'",
        "font-src 'self'",
        "form-action 'self'",
        "frame-ancestors *" if framable else "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
    if https:
        directives.append("upgrade-insecure-requests")
    return "; ".join(directives)


def security_headers(origins: Iterable[str] = (), https: bool = False) -> list[tuple[str, str]]:
    """The headers every web client file is served with (the same set as on AWS)."""
    headers = [
        ("Content-Security-Policy", content_security_policy(origins, https)),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Permissions-Policy", PERMISSIONS_POLICY),
    ]
    if https:
        headers.append(("Strict-Transport-Security", "max-age=31536000"))
    return headers


PERMISSIONS_POLICY = ("camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
                      "interest-cohort=()")


def local_origins() -> list[str]:
    """The local stack's other origins the client uses: moto's S3 (uploads) and the media
    origin (MEDIA_BASE_URL, the gateway itself unless reached under another name)."""
    found = []
    for name in ("S3_ENDPOINT_URL", "MEDIA_BASE_URL"):
        parts = urlsplit(os.environ.get(name, ""))
        if parts.scheme in ("http", "https") and parts.netloc:
            found.append(f"{parts.scheme}://{parts.netloc}")
    return found


# --- the embed page -------------------------------------------------------------------------
EMBED_PAGE = "/embed.html"
_EMBED_PATH = re.compile(r"/embed/[^/]+")


def is_embed(path: str) -> bool:
    """/embed/{videoId}: the player-only page other sites frame."""
    return _EMBED_PATH.fullmatch(path) is not None


def page_path(path: str) -> str:
    """The file a request path is served from: /embed/{videoId} is web/embed.html (the page
    reads the id from its own URL), any other path itself."""
    return EMBED_PAGE if is_embed(path) else path


def embed_security_headers(origins: Iterable[str] = (), https: bool = False
                           ) -> list[tuple[str, str]]:
    """The embed page's headers (template.yaml EmbedResponseHeadersPolicy): the client's,
    but framable by any site (frame-ancestors *) and so without X-Frame-Options, which has
    no "any site" value, nor Cross-Origin-Opener-Policy (top-level documents only)."""
    return [(name, content_security_policy(origins, https, framable=True)
             if name == "Content-Security-Policy" else value)
            for name, value in security_headers(origins, https)
            if name not in ("X-Frame-Options", "Cross-Origin-Opener-Policy")]


def headers_for(path: str, origins: Iterable[str] = (), https: bool = False
                ) -> list[tuple[str, str]]:
    """The security headers of the web file served for `path`."""
    return (embed_security_headers if is_embed(path) else security_headers)(origins, https)
