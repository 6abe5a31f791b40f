"""The web client's static files, served from web/ without leaving it."""
from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote

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
