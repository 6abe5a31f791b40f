"""What template.yaml's CloudFront distribution does with a media request, read from the
template so that the local media origin (local/origin.py) follows the deployed rules: which
paths it serves from the bucket, which need a signature (TrustedKeyGroups), and the cache
key each behaviour's cache policy makes (`cache_key`).

CloudFront's cache key is the host and path plus whatever the cache policy adds (query
strings, headers, cookies). The media behaviours use Managed-CachingOptimized, which adds
none of them: a public object is one cache entry, whoever fetches it with whatever cookies
or signature. The local origin reports the key it would use in `X-Cache-Key`.
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any, Mapping
from urllib.parse import parse_qsl

from .template import Tagged, Template


@dataclass(frozen=True)
class CachePolicy:
    name: str
    caching: bool = True  # False: nothing is cached (and so no key)
    query_strings: str = "none"  # none | all | whitelist | allExcept
    query_names: tuple[str, ...] = ()
    headers: str = "none"  # none | whitelist
    header_names: tuple[str, ...] = ()
    cookies: str = "none"  # none | all | whitelist | allExcept
    cookie_names: tuple[str, ...] = ()


# AWS managed cache policies, by id (CloudFront developer guide, "Use managed cache policies").
MANAGED_POLICIES = {
    "658327ea-f89d-4fab-a63d-7e88639e58f6": CachePolicy("Managed-CachingOptimized"),
    "b2884449-e4de-46a7-ac36-70bc7f1ddd6d": CachePolicy(
        "Managed-CachingOptimizedForUncompressedObjects"),
    "4135ea2d-6df8-44a3-9df3-4b5a84be39ad": CachePolicy("Managed-CachingDisabled",
                                                        caching=False),
}


@dataclass(frozen=True)
class Behaviour:
    path_pattern: str
    signed: bool  # TrustedKeyGroups (or TrustedSigners): every request needs a signature
    cache_policy: CachePolicy
    origin_id: str = ""
    methods: tuple[str, ...] = ("GET", "HEAD")

    def matches(self, path: str) -> bool:
        # CloudFront path patterns: `*` any characters (slashes too), `?` exactly one.
        return fnmatch.fnmatchcase(path, self.path_pattern)


# Without a distribution in the template (an older checkout): the media rules of
# docs/API.md, so the local origin behaves the same.
DEFAULT_MEDIA = (
    Behaviour("/hls/*", True, MANAGED_POLICIES["658327ea-f89d-4fab-a63d-7e88639e58f6"], "media"),
    Behaviour("/thumbs/*", True, MANAGED_POLICIES["658327ea-f89d-4fab-a63d-7e88639e58f6"],
              "media"),
)


def _distribution(template: Template) -> dict | None:
    for resource in template.raw.get("Resources", {}).values():
        if resource.get("Type") == "AWS::CloudFront::Distribution":
            return (resource.get("Properties") or {}).get("DistributionConfig") or {}
    return None


def _ref(value: Any) -> str | None:
    if isinstance(value, Tagged) and value.tag == "Ref":
        return value.value
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return value["Ref"]
    return None


def _cache_policy(template: Template, value: Any) -> CachePolicy:
    if isinstance(value, str):
        if value not in MANAGED_POLICIES:
            raise ValueError(f"unknown managed cache policy {value}")
        return MANAGED_POLICIES[value]
    name = _ref(value)
    resource = template.raw.get("Resources", {}).get(name or "")
    if not resource or resource.get("Type") != "AWS::CloudFront::CachePolicy":
        raise ValueError(f"cache policy {value!r} is neither managed nor in the template")
    config = resource["Properties"]["CachePolicyConfig"]
    keys = config.get("ParametersInCacheKeyAndForwardedToOrigin") or {}
    query = keys.get("QueryStringsConfig") or {}
    headers = keys.get("HeadersConfig") or {}
    cookies = keys.get("CookiesConfig") or {}
    return CachePolicy(
        name=config.get("Name") if isinstance(config.get("Name"), str) else name,
        caching=int(config.get("MaxTTL", 1)) > 0,
        query_strings=query.get("QueryStringBehavior", "none"),
        query_names=tuple(query.get("QueryStrings") or ()),
        headers=headers.get("HeaderBehavior", "none"),
        header_names=tuple(h.lower() for h in headers.get("Headers") or ()),
        cookies=cookies.get("CookieBehavior", "none"),
        cookie_names=tuple(cookies.get("Cookies") or ()))


def media_origin_ids(distribution: dict) -> set[str]:
    """Origins that are the bucket itself (S3, no OriginPath): the media origin. The web
    client's origin is the same bucket under OriginPath /web."""
    return {o["Id"] for o in distribution.get("Origins", [])
            if ("S3OriginConfig" in o or "OriginAccessControlId" in o)
            and not o.get("OriginPath")}


def media_behaviours(template: Template) -> tuple[Behaviour, ...]:
    """The distribution's cache behaviours that serve the media origin, in order."""
    distribution = _distribution(template)
    if distribution is None:
        return DEFAULT_MEDIA
    media = media_origin_ids(distribution)
    found = []
    for item in distribution.get("CacheBehaviors", []):
        if item.get("TargetOriginId") not in media:
            continue
        found.append(Behaviour(
            path_pattern=item["PathPattern"],
            signed=bool(item.get("TrustedKeyGroups") or item.get("TrustedSigners")),
            cache_policy=_cache_policy(template, item.get("CachePolicyId")),
            origin_id=item["TargetOriginId"],
            methods=tuple(item.get("AllowedMethods") or ("GET", "HEAD"))))
    return tuple(found)


def behaviour_for(behaviours: tuple[Behaviour, ...], path: str) -> Behaviour | None:
    """The first behaviour whose pattern matches, as CloudFront picks (in template order)."""
    return next((b for b in behaviours if b.matches(path)), None)


def _selected(behaviour: str, names: tuple[str, ...], present: list[tuple[str, str]],
              case_sensitive: bool = True) -> list[tuple[str, str]]:
    norm = (lambda s: s) if case_sensitive else str.lower
    wanted = {norm(n) for n in names}
    if behaviour == "all":
        return present
    if behaviour == "whitelist":
        return [(k, v) for k, v in present if norm(k) in wanted]
    if behaviour == "allExcept":
        return [(k, v) for k, v in present if norm(k) not in wanted]
    return []


@dataclass(frozen=True)
class Request:
    host: str
    path: str
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    cookies: Mapping[str, str] = field(default_factory=dict)


def cache_key(policy: CachePolicy, request: Request) -> str | None:
    """The cache key CloudFront makes for `request` under `policy`: host and path, then the
    query strings, headers and cookies the policy includes. None: not cached at all."""
    if not policy.caching:
        return None
    parts = [f"{request.host.lower()}{request.path}"]
    query = sorted(_selected(policy.query_strings, policy.query_names,
                             parse_qsl(request.query, keep_blank_values=True)))
    if query:
        parts.append("?" + "&".join(f"{k}={v}" for k, v in query))
    headers = sorted(_selected(policy.headers, policy.header_names,
                               [(k.lower(), v) for k, v in request.headers.items()],
                               case_sensitive=False))
    parts += [f"h:{k}={v}" for k, v in headers]
    cookies = sorted(_selected(policy.cookies, policy.cookie_names,
                               list(request.cookies.items())))
    parts += [f"c:{k}={v}" for k, v in cookies]
    return " ".join(parts)
