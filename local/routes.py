"""Route matching as API Gateway HTTP APIs do it.

Most specific wins: at the first segment where two candidate routes differ, a literal beats
a path variable, which beats a greedy `{name+}`; a route for the exact method beats `ANY`;
`$default` catches whatever is left. A path no route matches is not found.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from .template import HttpRoute

_LITERAL, _VARIABLE, _GREEDY = 0, 1, 2


@dataclass(frozen=True)
class RouteMatch:
    route: HttpRoute
    path_parameters: dict[str, str]


def _segments(path: str) -> list[str]:
    return [s for s in path.strip("/").split("/")] if path.strip("/") else []


def _kind(segment: str) -> int:
    if segment.startswith("{") and segment.endswith("+}"):
        return _GREEDY
    if segment.startswith("{") and segment.endswith("}"):
        return _VARIABLE
    return _LITERAL


def match_path(pattern: str, path: str) -> dict[str, str] | None:
    """Path parameters when `path` fits `pattern`, else None."""
    wanted, actual = _segments(pattern), _segments(path)
    params: dict[str, str] = {}
    for index, segment in enumerate(wanted):
        kind = _kind(segment)
        if kind == _GREEDY:
            rest = actual[index:]
            if not rest:  # {proxy+} needs at least one segment
                return None
            params[segment[1:-2]] = unquote("/".join(rest))
            return params
        if index >= len(actual):
            return None
        if kind == _VARIABLE:
            if actual[index] == "":
                return None
            params[segment[1:-1]] = unquote(actual[index])
        elif segment != actual[index]:
            return None
    return params if len(wanted) == len(actual) else None


def _specificity(route: HttpRoute) -> tuple:
    # Smaller sorts first: literal segments, then variables, then greedy; exact method.
    kinds = tuple(_kind(s) for s in _segments(route.path))
    return kinds + (_GREEDY + 1,), route.method == "ANY"


class RouteTable:
    def __init__(self, routes: list[HttpRoute]):
        self.default = next((r for r in routes if r.path == "$default"), None)
        self.routes = sorted((r for r in routes if r.path != "$default"), key=_specificity)

    def match(self, method: str, path: str) -> RouteMatch | None:
        method = method.upper()
        for route in self.routes:
            if route.method not in (method, "ANY"):
                continue
            params = match_path(route.path, path)
            if params is not None:
                return RouteMatch(route, params)
        return RouteMatch(self.default, {}) if self.default else None

    def first_segments(self) -> set[str]:
        """The first path segments the API owns ("auth", "video", ...)."""
        return {_segments(r.path)[0] for r in self.routes if _segments(r.path)}
