"""local/cdn.py: the template's CloudFront behaviours and cache policies as the local media
origin applies them (which paths it serves, which need a signature, the cache key)."""
from __future__ import annotations

import textwrap

from local.cdn import DEFAULT_MEDIA, Request, behaviour_for, cache_key, media_behaviours
from local.template import read_template

TEMPLATE = """\
Resources:
  Bucket: {Type: AWS::S3::Bucket}
  KeyGroup: {Type: AWS::CloudFront::KeyGroup, Properties: {KeyGroupConfig: {Name: k, Items: []}}}
  ByLanguage:
    Type: AWS::CloudFront::CachePolicy
    Properties:
      CachePolicyConfig:
        Name: by-language
        MinTTL: 0
        MaxTTL: 86400
        DefaultTTL: 3600
        ParametersInCacheKeyAndForwardedToOrigin:
          EnableAcceptEncodingGzip: true
          QueryStringsConfig: {QueryStringBehavior: whitelist, QueryStrings: [lang]}
          HeadersConfig: {HeaderBehavior: whitelist, Headers: [Accept-Language]}
          CookiesConfig: {CookieBehavior: none}
  Distribution:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Origins:
          - {Id: web, DomainName: !GetAtt Bucket.RegionalDomainName, OriginPath: /web, S3OriginConfig: {}}
          - {Id: media, DomainName: !GetAtt Bucket.RegionalDomainName, S3OriginConfig: {}}
          - {Id: api, DomainName: api.example, CustomOriginConfig: {}}
        DefaultCacheBehavior: {TargetOriginId: web, CachePolicyId: 658327ea-f89d-4fab-a63d-7e88639e58f6}
        CacheBehaviors:
          - {PathPattern: /hls/*, TargetOriginId: media, TrustedKeyGroups: [!Ref KeyGroup],
             CachePolicyId: 658327ea-f89d-4fab-a63d-7e88639e58f6}
          - {PathPattern: /captions/*, TargetOriginId: media, CachePolicyId: !Ref ByLanguage}
          - {PathPattern: /video/*, TargetOriginId: api, CachePolicyId: 4135ea2d-6df8-44a3-9df3-4b5a84be39ad}
"""


def behaviours(tmp_path):
    (tmp_path / "template.yaml").write_text(textwrap.dedent(TEMPLATE))
    return media_behaviours(read_template(tmp_path / "template.yaml"))


def test_media_behaviours_are_the_bucket_origins_only(tmp_path):
    found = behaviours(tmp_path)
    assert [b.path_pattern for b in found] == ["/hls/*", "/captions/*"]  # not the API, not web
    assert [b.signed for b in found] == [True, False]
    assert behaviour_for(found, "/hls/v1/720p/seg_001.ts").path_pattern == "/hls/*"
    assert behaviour_for(found, "/video/v1") is None


def test_caching_optimized_keys_on_host_and_path_only(tmp_path):
    hls = behaviours(tmp_path)[0]
    one = Request("Media.Example", "/hls/v1/a.ts", "Expires=1&Signature=x",
                  {"accept-language": "fr"}, {"CloudFront-Policy": "p1"})
    other = Request("media.example", "/hls/v1/a.ts", "", {}, {"CloudFront-Policy": "p2"})
    assert cache_key(hls.cache_policy, one) == cache_key(hls.cache_policy, other) \
        == "media.example/hls/v1/a.ts"


def test_a_custom_policy_adds_what_it_lists(tmp_path):
    captions = behaviours(tmp_path)[1]
    request = Request("m.example", "/captions/v1.vtt", "lang=fr&utm=x",
                      {"Accept-Language": "fr-FR", "user-agent": "y"}, {"session": "s"})
    assert cache_key(captions.cache_policy, request) == \
        "m.example/captions/v1.vtt ?lang=fr h:accept-language=fr-FR"


def test_without_a_distribution_the_documented_media_rules_apply(tmp_path):
    (tmp_path / "template.yaml").write_text("Resources: {}\n")
    assert media_behaviours(read_template(tmp_path / "template.yaml")) == DEFAULT_MEDIA
