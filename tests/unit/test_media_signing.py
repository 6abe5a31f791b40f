"""tuber_common.media_signing against CloudFront's own rules: the canned policy of AWS's
documented example byte for byte, the signature `openssl sha1 -sign` makes (the shell recipe
in CloudFront's developer guide), CloudFront's base64 alphabet, botocore's CloudFrontSigner
as an independent implementation, and verify() refusing anything tampered with."""
from __future__ import annotations

import base64
import json

import pytest

from tuber_common import media_signing as ms

# A throwaway 2048-bit key made for these tests only (`openssl genrsa 2048`); it signs
# nothing anywhere else.
TEST_KEY = """\
-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEAzmw697pxLjJ4G5Q3YTEGa9fLdQN/Nx1/DP1mjd6mw+OXtnMF
yqKFbv2wK5XId2XUNSagp7J/fKXPYrpPEWDeNXvamxekaSCIDHYGCDSzmOlgsTY0
XG+ekAToMZgGrmUqZUVqncoSUJx8KbKMwnn1M2wg/UPK9x2x9Zv94nOhmkMwcNMk
393UyDohTz8juIc49o6d4oe3qIYspARbVeUZ82hkY5wNMFHbrAOREulTc//dXrkZ
HDaNMqOMvBNqeBUuEQZI1/PyifUomicOahmJSAbOVxLJXUidkzuTOpHXbXqM5f9B
meD+0ValT6aMGeeE8blJtwEehu/m+5cuXWv3vwIDAQABAoIBAAtU2Yljf1MoZDSA
sz1WVMmE2+oUcVdHl2dDT9GCrbmtsRuhRZSBsVIG9FFLvyF/OwWuXFM9r5w+B3hz
sI4+DgEhDpPhhE/OnMBp678uklSsSM0MQIfrmVo1IPlDFpM/rI9I9Eq7e0p0xm6N
GurnM/2XKCEdRBb75SkN0Wbl5/n0hfFF1asfXd81FNYPaL1KjIzkVx/LZEVp34j1
vGzyeMD8PKzg/5eFGs4+lCoLqEaFwImMwSlYgKffoMktLnNTRkicPzVTbFi6beuc
DXbNtTUK3ycaXuCjt6+WtWFtyLqgHq/Ar7b8vA5PaknLScYsDuaQ6VQmwnnnDdR+
ytsiJmECgYEA+ZNF7Uc1RLRMIvUT989s+PvYb12IQyzqWuTnqRxqxvzuvaEhkoZ1
ttYBDxhM/ME6E42fFT0YN2OpK7+ExqMeRTeKvHDbUNTVLTwxCxD6+T/w4Gi/giS4
0vMW08TI79Y/jRHD24WHxD8Pw8+A0LbitGGmJi56cgv+7+diRsg8piECgYEA07yT
4/Xtv7WJmhR+vdF9M/ElCY8Z6dAld4eW3Ql1DEoxkYXEnMZUPGl3Sv8QGSxRJc6X
HsIhK2gudpvfBCDe1qQls2+QButiHvOKq2EFg53NFsQKLyYg/ZrCQ1OT2U1g/dJr
KwaGEj/FVoiBy00pUlfBI+iJPPzAbjPO3L+NId8CgYEAyIqblNc0KXnK+AgAPI8T
XFpaBtqcZIYR5mmq8ItiDXUujXeNV4Ttz7XUcgGv0yWc+htBajqGW/Ob+whQs6Bc
8Xd45oS05hWvGkMUkXTahi/n6RqiT/wb+33TqOSmJXn95OgSfjGk739QtqHlO1DJ
h/IzJNkSENQszS8bHA9IFKECgYA6ryV+JQdD/xioL84A5jMBVnCheZwBBcOcoWPa
12gtg9LBNoYLvZxTMhfyHUdk8rd69wtDZyKyWSmnjgP9rO6WJuCcHuuYP1zunylr
3nQcynuxN5xq/PJf16jH6D4uGBgtwUgaoLBAFpSnKyZuJnCxdcj+HtEKqjLbWFiZ
Li37mQKBgCfN2fGAbwON6KmeThaI2hq9POMkver7kkFsTW5BlUlRacb4Cka1EPYF
K5BKBxiIZhh0VsG/KjStF7/uRz7vD2yGiTaiEERnimnmsN880SVbXbyaz8Mudgsp
i5ckxGDZhmr67cRrJnLkclhZUukJ4jv5eMjs3dU9tz3q/hv1QQFs
-----END RSA PRIVATE KEY-----
"""
KEY_ID = "K2JCJMDEHXQW5F"

# CloudFront developer guide, "Create a signed URL using a canned policy": its example URL.
DOC_URL = "https://d111111abcdef8.cloudfront.net/image.jpg?color=red&size=medium"
DOC_EXPIRES = 1357034400
DOC_POLICY = ('{"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/image.jpg'
              '?color=red&size=medium","Condition":{"DateLessThan":{"AWS:EpochTime":1357034400}}}]}')
# cat policy | openssl sha1 -sign TEST_KEY | openssl base64 -A | tr -- '+=/' '-_~'
OPENSSL_SIGNATURE = (
    "i-xdez0QENZqf~KwtQMCwImNg0uwIKQFqRG5RZCSngt3fVRKp4YyOABTtFa6UUxQqzlxYOeWISPO0Tbi-H-Y"
    "XpGk~g112Ks3nKPG6oilJcBEWwNEIdODoHUPYWLzp8EnikxXIkE5-SbrZz4BEsKgwfPwDuvLK5zwRU-8WSMe"
    "GZwExOjdeCuFkXCMCr3fAmf5F~z63RrdCyu2ywZQimqBMiOUQHFhMHP6kVB6nmH1ZCGpFpZAVytEN9GlAUdM"
    "gKCG38kdqprXAVYc8uFV4xSYGM9MzC9tDo4M1ZJsDjo3bkhL1MrvOItG0EXVMowqoy~VVQvdcG05PxYl~j8k"
    "yAtrRw__")
# cat policy | openssl base64 -A | tr -- '+=/' '-_~'
OPENSSL_POLICY_B64 = (
    "eyJTdGF0ZW1lbnQiOlt7IlJlc291cmNlIjoiaHR0cHM6Ly9kMTExMTExYWJjZGVmOC5jbG91ZGZyb250Lm5l"
    "dC9pbWFnZS5qcGc~Y29sb3I9cmVkJnNpemU9bWVkaXVtIiwiQ29uZGl0aW9uIjp7IkRhdGVMZXNzVGhhbiI6"
    "eyJBV1M6RXBvY2hUaW1lIjoxMzU3MDM0NDAwfX19XX0_")


@pytest.fixture
def signer():
    return ms.MediaSigner(KEY_ID, TEST_KEY)


@pytest.fixture
def keys():
    return {KEY_ID: ms.public_key_pem(TEST_KEY)}


def test_canned_policy_is_cloudfronts_byte_for_byte():
    assert ms.canned_policy(DOC_URL, DOC_EXPIRES) == DOC_POLICY


def test_signature_and_base64_are_what_openssl_makes(signer):
    assert signer.sign(DOC_POLICY) == OPENSSL_SIGNATURE
    assert ms.b64encode(DOC_POLICY.encode()) == OPENSSL_POLICY_B64


def test_cloudfront_base64_alphabet():
    data = bytes([0xfb, 0xff, 0xbf, 0xfe])  # standard base64: "+/+//g=="
    assert base64.b64encode(data) == b"+/+//g=="
    assert ms.b64encode(data) == "-~-~~g__"
    assert ms.b64decode("-~-~~g__") == data


def test_signed_url_matches_the_documented_shape(signer):
    url = signer.signed_url(DOC_URL, DOC_EXPIRES)
    assert url == (f"{DOC_URL}&Expires={DOC_EXPIRES}&Signature={OPENSSL_SIGNATURE}"
                   f"&Key-Pair-Id={KEY_ID}")
    assert signer.signed_url("https://x.example/a.jpg", 5).startswith(
        "https://x.example/a.jpg?Expires=5&Signature=")


def test_botocore_cloudfront_signer_agrees(signer):
    from botocore.signers import CloudFrontSigner

    reference = CloudFrontSigner(KEY_ID, lambda message: ms.b64decode(signer.sign(
        message.decode())))
    from datetime import datetime, timezone

    when = datetime.fromtimestamp(DOC_EXPIRES, timezone.utc)
    assert reference.generate_presigned_url(DOC_URL, date_less_than=when) == \
        signer.signed_url(DOC_URL, DOC_EXPIRES)
    resource = "https://d111111abcdef8.cloudfront.net/hls/abc/*"
    policy = reference.build_policy(resource, when)
    assert policy == ms.custom_policy(resource, DOC_EXPIRES)
    cookies = signer.signed_cookies(resource, DOC_EXPIRES)
    assert ms.b64decode(cookies["CloudFront-Policy"]).decode() == policy
    assert cookies["CloudFront-Key-Pair-Id"] == KEY_ID


def test_signatures_are_cached_per_url_and_expiry(signer, monkeypatch):
    calls = []
    real = signer.sign
    monkeypatch.setattr(signer, "sign", lambda policy: calls.append(policy) or real(policy))
    first = signer.signed_url("https://m.example/thumbs/v/a.jpg", 1200)
    assert signer.signed_url("https://m.example/thumbs/v/a.jpg", 1200) == first
    assert len(calls) == 1
    signer.signed_url("https://m.example/thumbs/v/a.jpg", 1440)
    assert len(calls) == 2


def test_thumbnail_expiry_windows():
    window, least = ms.THUMBNAIL_WINDOW_SECONDS, ms.THUMBNAIL_MIN_SECONDS
    for now in range(1_700_000_000, 1_700_000_000 + 2 * window, 7):
        expires = ms.thumbnail_expiry(now)
        assert expires % window == 0
        assert least <= expires - now <= 300  # alive a minute at least, 5 minutes at most
    # Stable within a window: many requests in a row get one URL.
    assert ms.thumbnail_expiry(1_700_000_000) == ms.thumbnail_expiry(1_700_000_010)


def test_resource_wildcards():
    assert ms.resource_matches("https://m.example/hls/v1/*", "https://m.example/hls/v1/a/b.ts")
    assert ms.resource_matches("https://m.example/hls/v1/*", "https://m.example/hls/v1/")
    assert not ms.resource_matches("https://m.example/hls/v1/*", "https://m.example/hls/v12/x")
    assert not ms.resource_matches("https://m.example/hls/v1/*", "http://m.example/hls/v1/x")
    assert ms.resource_matches("http*://m.example/hls/v1/*", "http://m.example/hls/v1/x")
    assert ms.resource_matches("https://m.example/a?.ts", "https://m.example/a1.ts")
    assert not ms.resource_matches("https://m.example/a?.ts", "https://m.example/a12.ts")
    assert not ms.resource_matches("https://m.example/a.ts", "https://m.example/aXts")


# --- verify -----------------------------------------------------------------------------

NOW = 1_700_000_000
BASE = "https://media.example"


def cookie_grant(signer, resource=f"{BASE}/hls/v1/*", expires=NOW + 300):
    return signer.signed_cookies(resource, expires)


def test_verify_accepts_a_signed_url_and_cookies(signer, keys):
    url = signer.signed_url(f"{BASE}/thumbs/v1/a.jpg", NOW + 60)
    assert ms.verify(url, {}, keys, now=NOW) == "url"
    cookies = cookie_grant(signer)
    assert ms.verify(f"{BASE}/hls/v1/720p/seg_001.ts", cookies, keys, now=NOW) == "cookie"
    # The documented example verifies too (the query other than the signing part is kept).
    doc = signer.signed_url(DOC_URL, DOC_EXPIRES)
    assert ms.verify(doc, {}, keys, now=DOC_EXPIRES - 1) == "url"


@pytest.mark.parametrize("now, reason", [(NOW + 300, "expired"), (NOW + 301, "expired")])
def test_verify_refuses_expired(signer, keys, now, reason):
    with pytest.raises(ms.Denied, match=reason):
        ms.verify(f"{BASE}/hls/v1/master.m3u8", cookie_grant(signer), keys, now=now)
    url = signer.signed_url(f"{BASE}/thumbs/v1/a.jpg", NOW + 300)
    with pytest.raises(ms.Denied, match=reason):
        ms.verify(url, {}, keys, now=now)


def test_verify_refuses_other_scopes(signer, keys):
    cookies = cookie_grant(signer)
    for url in (f"{BASE}/hls/v2/master.m3u8", f"{BASE}/thumbs/v1/a.jpg",
                "https://evil.example/hls/v1/master.m3u8", f"{BASE}/hls/v1x/master.m3u8"):
        with pytest.raises(ms.Denied, match="does not cover"):
            ms.verify(url, cookies, keys, now=NOW)
    # A canned URL is for exactly its URL: no other path, no added query parameter.
    signed = signer.signed_url(f"{BASE}/thumbs/v1/a.jpg", NOW + 60)
    with pytest.raises(ms.Denied):
        ms.verify(signed.replace("/v1/", "/v2/"), {}, keys, now=NOW)
    with pytest.raises(ms.Denied):
        ms.verify(signed + "&extra=1", {}, keys, now=NOW)


def test_verify_refuses_tampered_policies(signer, keys):
    cookies = cookie_grant(signer)
    policy = json.loads(ms.b64decode(cookies["CloudFront-Policy"]))
    for change in (
        lambda p: p["Statement"][0].update(Resource=f"{BASE}/hls/*"),             # wider
        lambda p: p["Statement"][0]["Condition"]["DateLessThan"].update(
            {"AWS:EpochTime": NOW + 10**6}),                                        # longer
        lambda p: p["Statement"][0]["Condition"].pop("DateGreaterThan", None) or
        p["Statement"][0]["Condition"].update(
            {"DateGreaterThan": {"AWS:EpochTime": 0}}),
    ):
        forged = json.loads(json.dumps(policy))
        change(forged)
        tampered = {**cookies, "CloudFront-Policy": ms.b64encode(
            json.dumps(forged, separators=(",", ":")).encode())}
        with pytest.raises(ms.Denied, match="signature does not match"):
            ms.verify(f"{BASE}/hls/v1/master.m3u8", tampered, keys, now=NOW)
    # Canned URL: moving Expires breaks the signature.
    url = signer.signed_url(f"{BASE}/thumbs/v1/a.jpg", NOW + 60)
    with pytest.raises(ms.Denied, match="signature does not match"):
        ms.verify(url.replace(f"Expires={NOW + 60}", f"Expires={NOW + 6000}"), {}, keys,
                  now=NOW)


def test_verify_refuses_missing_unknown_and_foreign_keys(signer, keys):
    cookies = cookie_grant(signer)
    url = f"{BASE}/hls/v1/master.m3u8"
    with pytest.raises(ms.Denied) as missing:
        ms.verify(url, {}, keys, now=NOW)
    assert missing.value.code == "MissingKey"
    for name in ms.COOKIE_NAMES:
        partial = {k: v for k, v in cookies.items() if k != name}
        with pytest.raises(ms.Denied):
            ms.verify(url, partial, keys, now=NOW)
    with pytest.raises(ms.Denied, match="unknown key"):
        ms.verify(url, {**cookies, "CloudFront-Key-Pair-Id": "KOTHER"}, keys, now=NOW)
    # Signed by another key under our key id.
    other = ms.MediaSigner(KEY_ID, ms.generate_private_key_pem())
    with pytest.raises(ms.Denied, match="signature does not match"):
        ms.verify(url, other.signed_cookies(f"{BASE}/hls/v1/*", NOW + 300), keys, now=NOW)
    with pytest.raises(ms.Denied):
        ms.verify(url, {**cookies, "CloudFront-Signature": "not*base64"}, keys, now=NOW)


@pytest.mark.parametrize("policy", [
    "not json", "[]", '{"Statement":[]}',
    '{"Statement":[{"Resource":"*"}]}',                                       # no condition
    '{"Statement":[{"Resource":"*","Condition":{"DateLessThan":{"AWS:EpochTime":"9"}}}]}',
    '{"Statement":[{"Resource":"*","Condition":{"DateLessThan":{"AWS:EpochTime":9e12}}}]}',
    '{"Statement":[{"Resource":"*","Condition":{"DateLessThan":{"AWS:EpochTime":9999999999}},'
    '"Extra":1}]}',
    '{"Statement":[{"Resource":"*","Condition":{"DateLessThan":{"AWS:EpochTime":9999999999}}},'
    '{"Resource":"*","Condition":{"DateLessThan":{"AWS:EpochTime":9999999999}}}]}',
])
def test_verify_refuses_malformed_policies_even_when_signed(signer, keys, policy):
    cookies = {"CloudFront-Policy": ms.b64encode(policy.encode()),
               "CloudFront-Signature": signer.sign(policy), "CloudFront-Key-Pair-Id": KEY_ID}
    with pytest.raises(ms.Denied) as refused:
        ms.verify(f"{BASE}/hls/v1/master.m3u8", cookies, keys, now=NOW)
    assert refused.value.code == "MalformedPolicy"


def test_verify_date_greater_than_and_ip(signer, keys):
    policy = ms.custom_policy(f"{BASE}/hls/v1/*", NOW + 300, not_before=NOW + 100,
                              source_ip="192.0.2.0/24")
    cookies = {"CloudFront-Policy": ms.b64encode(policy.encode()),
               "CloudFront-Signature": signer.sign(policy), "CloudFront-Key-Pair-Id": KEY_ID}
    url = f"{BASE}/hls/v1/master.m3u8"
    with pytest.raises(ms.Denied, match="not valid yet"):
        ms.verify(url, cookies, keys, now=NOW, source_ip="192.0.2.7")
    with pytest.raises(ms.Denied, match="source address"):
        ms.verify(url, cookies, keys, now=NOW + 200, source_ip="198.51.100.1")
    assert ms.verify(url, cookies, keys, now=NOW + 200, source_ip="192.0.2.7") == "cookie"


def test_url_parameters_win_over_cookies(signer, keys):
    """CloudFront reads the query's signature when there is one: valid cookies do not rescue
    a bad signed URL."""
    url = signer.signed_url(f"{BASE}/hls/v1/master.m3u8", NOW - 1)  # expired URL
    with pytest.raises(ms.Denied, match="expired"):
        ms.verify(url, cookie_grant(signer), keys, now=NOW)


def test_cookie_header_parsing():
    assert ms.parse_cookie_header('a=1; CloudFront-Policy=x_; b="q"; a=2') == {
        "a": "1", "CloudFront-Policy": "x_", "b": "q"}
    assert ms.parse_cookie_header(None) == {}
