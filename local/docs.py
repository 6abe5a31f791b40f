"""The API's OpenAPI document, merged from every API function's Powertools resolver (each
route's decorator says its status, auth and answer: tuber_common.openapi), and the Swagger
UI page that shows it.

Swagger UI's assets come from the npm package swagger-ui-dist, vendored by `make swagger-ui`
into .local-data/vendor/swagger-ui (no CDN: the page must work offline). Without them, /docs
is a small self-contained page that lists the operations from /openapi.json.
"""
from __future__ import annotations

import html
import json
import logging
import re
from pathlib import Path

from .functions import FunctionRegistry
from .template import HttpRoute

log = logging.getLogger("tuber.local")

TITLE = "Tuber HTTP API"


def merged_openapi(registry: FunctionRegistry, api_functions: list[str],
                   routes: list[HttpRoute] | None = None) -> dict:
    """Every API function's own document (its routes' decorators say status, auth and answer
    model: tuber_common.openapi), merged into one."""
    document: dict = {"openapi": "3.1.0", "info": {"title": TITLE, "version": "1"},
                      "paths": {}, "components": {"schemas": {}}}
    for logical_id in api_functions:
        if not registry.exists(logical_id):
            continue
        try:
            app = registry.module(logical_id).app
            schema = json.loads(app.get_openapi_json_schema(title=TITLE))
        except Exception:  # one broken function must not hide the others' docs
            log.exception("no OpenAPI schema from %s", logical_id)
            continue
        document["openapi"] = schema.get("openapi", document["openapi"])
        for path, operations in schema.get("paths", {}).items():
            document["paths"].setdefault(path, {}).update(operations)
        for kind, items in (schema.get("components") or {}).items():
            merged = document["components"].setdefault(kind, {})
            for name, item in items.items():
                # Functions share models (Video, User...): the same schema each time. A
                # different one under the same name would make one document the other.
                if merged.setdefault(name, item) != item:
                    raise ValueError(f"two different {kind} named {name!r} in the API "
                                     f"document ({logical_id} and another function)")
    if routes is not None:
        document = as_served(document, routes)
    document["paths"] = dict(sorted(document["paths"].items()))
    return document


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def _variables(path: str) -> list[str]:
    return re.findall(r"\{([^}+]+)\+?\}", path)


def as_served(document: dict, routes: list[HttpRoute]) -> dict:
    """The merged document as the gateway serves it: the template's routes only, under the
    template's path templates.

    API Gateway matches a path by its shape, and the functions name the same position as
    they like (comment: /comment/{video_id} for POST and GET, /comment/{comment_id} for
    PATCH and DELETE; the template: /comment/{id}). OpenAPI forbids two templates of one
    shape, and a client fills in the template's names, so every operation goes under the
    template's path, its path parameters renamed to match. An operation of a function with
    no template route is left out: behind API Gateway it does not exist (404)."""
    served = {(route.method.lower(), _shape(route.path)): route for route in routes}
    paths: dict[str, dict] = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            route = served.get((method, _shape(path)))
            if route is None:
                log.debug("not in the template, left out of the docs: %s %s", method, path)
                continue
            _rename_path_parameters(operation, _variables(path), _variables(route.path))
            paths.setdefault(route.path, {})[method] = operation
    document["paths"] = paths
    return document


def _rename_path_parameters(operation: dict, names: list[str], served: list[str]) -> None:
    renames = dict(zip(names, served))
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "path" and parameter["name"] in renames:
            old, parameter["name"] = parameter["name"], renames[parameter["name"]]
            if old != parameter["name"]:
                parameter.setdefault("description", f"the {old.replace('_', ' ')}")


def swagger_page(assets_url: str | None) -> str:
    if assets_url:
        return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{TITLE}</title>
<link rel="stylesheet" href="{assets_url}/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="{assets_url}/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({{url: "/openapi.json", dom_id: "#swagger-ui"}});</script>
</body></html>"""
    return _MINIMAL_PAGE


_MINIMAL_PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(TITLE)}</title>
<style>body{{font:15px system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
code{{background:#f3f3f3;padding:.1rem .3rem}}li{{margin:.3rem 0}}
.m{{display:inline-block;width:4.5rem;font-weight:bold}}</style></head>
<body><h1>{html.escape(TITLE)}</h1>
<p>The full document is <a href="/openapi.json">/openapi.json</a>. Run <code>make swagger-ui</code>
for the interactive Swagger UI.</p><ul id="ops"></ul>
<script>
fetch("/openapi.json").then(r => r.json()).then(doc => {{
  const list = document.getElementById("ops");
  for (const [path, ops] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(ops)) {{
    const li = document.createElement("li");
    li.innerHTML = `<span class="m"></span><code></code> <span></span>`;
    li.children[0].textContent = method.toUpperCase();
    li.children[1].textContent = path;
    li.children[2].textContent = op.summary || op.operationId || "";
    list.appendChild(li);
  }}
}});
</script></body></html>"""


def vendored_swagger_dir(data_root: Path) -> Path | None:
    folder = data_root / "vendor" / "swagger-ui"
    return folder if (folder / "swagger-ui-bundle.js").is_file() else None
