"""Every malformed input is a 4xx, every outage a 503 (issue 16, item 6).

Hostile bodies (deeply nested JSON, numbers too long or too large, non-standard literals,
oversized bodies) against every route of every API function that takes a body; tampered
cursors against every list route; S3 gone or failing behind every route that calls it. The
rules are in docs/API.md ("Errors"); the one place that applies them is tuber_common.http
(request bodies, dependency outages) and tuber_common.pagination (cursors)."""
from __future__ import annotations

import base64
import json

import pytest
from bson import ObjectId

from local import services
from local.stack import ROOT
from local.template import read_template
from tests.support.api import Api

FUNCTIONS = {"AuthFunction": "auth", "VideoFunction": "video", "LikeFunction": "like",
             "CommentFunction": "comment", "ChannelFunction": "channel",
             "NotificationFunction": "notification", "PlaylistFunction": "playlist",
             "HistoryFunction": "history", "ModerationFunction": "moderation"}
# Every route of the template, and the ones this change adds before the lead's template has
# them (a set: once both list a route, it is tested once).
ROUTES = sorted({(r.method, r.path, r.function) for r in read_template(ROOT / "template.yaml").routes}
                | {("POST", "/video/{videoId}/view/start", "VideoFunction")})
BODY_ROUTES = [r for r in ROUTES if r[0] in ("POST", "PUT", "PATCH")]
# Routes that take no body and never read one: whatever is sent, they answer as without it.
BODYLESS = {"/video/{videoId}/playback", "/video/{videoId}/retry",
            "/video/{videoId}/upload/multipart", "/video/{videoId}/view/start",
            "/auth/verify/resend"}

DEEP = 100_000
BIG_INT = "1" + "0" * 5000
HOSTILE_BODIES = {
    "nested arrays 100k deep": "[" * DEEP + "]" * DEEP,
    "nested objects 100k deep": '{"a":' * DEEP + "1" + "}" * DEEP,
    "nested 50 deep inside a field": json.dumps({"title": "x", "text": "y"})[:-1]
                                     + ', "extra": ' + "[" * 50 + "]" * 50 + "}",
    "a 5000-digit integer": '{"sizeBytes": %s, "watchedSeconds": %s, "rating": %s, '
                            '"text": %s, "title": %s, "partNumbers": [%s]}'
                            % ((BIG_INT,) * 6),
    "a top-level 5000-digit integer": BIG_INT,
    "integers beyond 64 bits": json.dumps({
        "title": "t", "contentType": "video/mp4", "sizeBytes": 10 ** 25,
        "watchedSeconds": 10 ** 25, "partNumbers": [10 ** 25], "uploadId": "u",
        "parts": [{"partNumber": 10 ** 25, "etag": "e"}], "ids": [10 ** 25],
        "text": "t", "rating": "like", "displayName": 10 ** 25}),
    "a 5000-digit float": '{"watchedSeconds": %s.5, "sizeBytes": 1e99999}' % BIG_INT,
    "NaN and Infinity": '{"watchedSeconds": NaN, "sizeBytes": Infinity, "x": -Infinity}',
    "8 MiB of JSON": json.dumps({"title": "x" * (8 * 1024 * 1024)}),
}


def _handler(function: str):
    name = FUNCTIONS[function]
    return Api(__import__(f"tuber_{name}.handler", fromlist=["lambda_handler"]).lambda_handler)


@pytest.fixture
def world(db, s3, member, published_video, comment_api):
    """A signed-in owner with a published video and a comment with a reply on it, so that
    routes get past their 404s to the body or the cursor."""
    owner = member()
    video_id = published_video(owner)
    top = comment_api.post(f"/comment/{video_id}", {"text": "top"}, token=owner.token).json
    comment_api.post(f"/comment/{video_id}", {"text": "reply", "parentId": top["comment"]["id"]},
                     token=owner.token)
    return {"owner": owner, "videoId": video_id, "commentId": top["comment"]["id"]}


def _path(path: str, world: dict) -> str:
    return (path.replace("{videoId}", world["videoId"]).replace("{id}", world["videoId"])
            .replace("{userId}", world["owner"].id))


def _assert_client_error(answer, kind: str):
    assert 400 <= answer.status < 500, (kind, answer.status, answer.body[:500])
    error = answer.json["error"]
    assert set(error) == {"code", "message", "details"} and error["code"]


@pytest.mark.parametrize(("method", "path", "function"), BODY_ROUTES,
                         ids=[f"{m} {p}" for m, p, _ in BODY_ROUTES])
def test_a_hostile_body_is_a_client_error_on_every_route(world, method, path, function):
    api = _handler(function)
    for kind, body in HOSTILE_BODIES.items():
        answer = api.call(method, _path(path, world), raw_body=body, token=world["owner"].token)
        if path == "/video/webhook":
            # Unsigned: refused before the body is read.
            assert answer.status == 401, kind
        elif path in BODYLESS:
            assert answer.status < 500, (kind, answer.body[:500])
        else:
            _assert_client_error(answer, kind)


@pytest.mark.parametrize(("kind", "status", "code"), [
    ("nested arrays 100k deep", 400, "json_too_deep"),
    ("nested objects 100k deep", 400, "json_too_deep"),
    ("nested 50 deep inside a field", 400, "json_too_deep"),
    ("a 5000-digit integer", 422, "number_out_of_range"),
    ("a top-level 5000-digit integer", 422, "number_out_of_range"),
    ("integers beyond 64 bits", 422, "number_out_of_range"),
    ("a 5000-digit float", 422, "number_out_of_range"),
    ("NaN and Infinity", 400, "invalid_json"),
    ("8 MiB of JSON", 413, "body_too_large"),
])
def test_each_hostile_body_has_its_own_code(video_api, member, kind, status, code):
    answer = video_api.call("POST", "/video", raw_body=HOSTILE_BODIES[kind],
                            token=member().token)
    assert (answer.status, answer.error_code) == (status, code), answer.body[:300]


def test_a_body_of_ordinary_depth_and_numbers_still_works(video_api, member):
    # 10**18 is inside 64 bits: the model's own bounds answer (413 for the size), not the
    # parser's.
    answer = video_api.post("/video", {"title": "ok", "contentType": "video/mp4",
                                       "sizeBytes": 10 ** 18}, token=member().token)
    assert answer.status == 413, answer.body
    answer = video_api.post("/video", {"title": "ok", "contentType": "video/mp4",
                                       "sizeBytes": 1000.0}, token=member().token)
    assert answer.status == 201, answer.body


def test_webhook_with_a_valid_signature_and_a_hostile_body_is_400(video_api):
    import hmac
    import time
    from hashlib import sha256

    from tuber_common.settings import get_settings

    body = ("[" * DEEP + "]" * DEEP).encode()
    stamp = str(int(time.time()))
    mac = hmac.new(get_settings().webhook_secret.encode(), stamp.encode() + b"." + body,
                   sha256).hexdigest()
    answer = video_api.call("POST", "/video/webhook", raw_body=body.decode(), headers={
        "x-tuber-timestamp": stamp, "x-tuber-signature": f"sha256={mac}"})
    assert answer.status == 400, answer.body[:300]


# --- cursors ---------------------------------------------------------------------------------

def _cursor(value) -> str:
    raw = value if isinstance(value, str) else json.dumps(value)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


ID = str(ObjectId())
BAD_CURSORS = {
    "an operator as the value": [{"$gt": ""}, ID],
    "a $where as the value": [{"$where": "sleep(1000)"}, ID],
    "a list as the value": [[1, 2], ID],
    "a 30-digit integer": [10 ** 30, ID],
    "an integer where a time belongs": [5, ID],
    "a string where a time belongs": ["2024-01-01", ID],
    "a boolean": [True, ID],
    "a time that is a string": [{"$d": "soon"}, ID],
    "a time that is a boolean": [{"$d": True}, ID],
    "a time out of range": [{"$d": 1e300}, ID],
    "a time that is NaN": '[{"$d": NaN}, "%s"]' % ID,
    "a time with extra keys": [{"$d": 1.5, "$o": ID}, ID],
    "an ObjectId where a time belongs": [{"$o": ID}, ID],
    "a bad ObjectId": [{"$o": "zz"}, ID],
    "an id that is an operator": [{"$d": 1.5}, {"$ne": None}],
    "an id that is a number": [{"$d": 1.5}, 5],
    "three items": [{"$d": 1.5}, ID, 1],
    "an object": {"a": 1},
    # (Routes take cursors of up to 512 characters, MAX_CURSOR_CHARS: longer is 422 before
    # decoding.)
    "deeply nested": "[" * 150 + "]" * 150,
    "a 300-digit integer": "[1%s, \"%s\"]" % ("0" * 300, ID),
    "not JSON": "not json at all",
    "not base64": None,  # sent as is
}
LIST_ROUTES = [  # (function, path, query, signed in)
    ("VideoFunction", "/video", {}, False),
    ("VideoFunction", "/video/search", {"q": "video"}, False),
    ("VideoFunction", "/video/tag/video", {}, False),
    ("VideoFunction", "/video", {"category": "music"}, False),
    ("VideoFunction", "/video/user/{userId}", {}, False),
    ("VideoFunction", "/video/user/{userId}", {}, True),  # the owner's own list
    ("LikeFunction", "/like/me", {}, True),
    ("CommentFunction", "/comment/{id}", {}, False),
    ("CommentFunction", "/comment/{id}", {"parentId": "{commentId}"}, False),
]


@pytest.mark.parametrize(("function", "path", "query", "signed_in"), LIST_ROUTES,
                         ids=[f"{p}{'?' + ','.join(q) if q else ''}{' signed in' if s else ''}"
                              for _, p, q, s in LIST_ROUTES])
def test_a_tampered_cursor_is_400_invalid_cursor_on_every_list_route(world, function, path,
                                                                   query, signed_in):
    api = _handler(function)
    query = {k: v.replace("{commentId}", world["commentId"]) for k, v in query.items()}
    token = world["owner"].token if signed_in else None
    # The route pages at all (a cursor it made itself is taken).
    first = api.get(_path(path, world), query={**query, "limit": 1}, token=token)
    assert first.status == 200, first.body
    for kind, value in BAD_CURSORS.items():
        cursor = "%%%not-base64!!" if value is None else _cursor(value)
        answer = api.get(_path(path, world), query={**query, "cursor": cursor}, token=token)
        assert (answer.status, answer.error_code) == (400, "invalid_cursor"), \
            (kind, answer.body[:300])


def test_a_cursor_the_server_issued_still_pages(video_api, member, published_video):
    owner = member()
    made = {published_video(owner, title=f"video {i}") for i in range(3)}
    first = video_api.get("/video", query={"limit": 2}).json
    second = video_api.get("/video", query={"limit": 2, "cursor": first["nextCursor"]}).json
    assert {v["id"] for v in first["items"] + second["items"]} == made
    assert second["nextCursor"] is None


# --- S3 outages ------------------------------------------------------------------------------

S3_ROUTES = [  # routes that call S3 over the network: (method, path, body)
    ("DELETE", "/video/{videoId}", None),
    ("POST", "/video/{videoId}/upload/multipart", None),
    ("PUT", "/video/{videoId}/thumbnail", {"thumbnailKey": "incoming/thumbs/{videoId}/custom-0123456789abcdef.png"}),
]


def _s3_routes_for(world, unpublished_id):
    for method, path, body in S3_ROUTES:
        video = unpublished_id if "multipart" in path else world["videoId"]
        text = json.dumps(body).replace("{videoId}", video) if body else None
        yield method, path.replace("{videoId}", video), text


@pytest.fixture
def s3_unreachable(monkeypatch, s3):
    """The layer's S3 client pointed at a port nothing listens on (connection refused)."""
    from tuber_common import storage

    monkeypatch.setenv("S3_ENDPOINT_URL", f"http://127.0.0.1:{services.free_port()}")
    from tuber_common.settings import get_settings
    get_settings.cache_clear()
    storage.reset_s3()
    yield
    get_settings.cache_clear()
    storage.reset_s3()


def test_s3_unreachable_is_503_with_retry_after(world, new_video, video_api, s3_unreachable):
    # POST /video only signs (no network), so it works even now: make the upload's video.
    unpublished = new_video(world["owner"])["video"]["id"]
    for method, path, body in _s3_routes_for(world, unpublished):
        answer = video_api.call(method, path, raw_body=body, token=world["owner"].token)
        assert (answer.status, answer.error_code) == (503, "service_unavailable"), \
            (method, path, answer.body)
        assert int(answer.headers["retry-after"]) > 0


@pytest.mark.parametrize(("status", "code"), [(503, "SlowDown"), (500, "InternalError")])
def test_s3_answering_5xx_is_503_with_retry_after(world, new_video, video_api, monkeypatch,
                                                 status, code):
    from botocore.exceptions import ClientError

    from tuber_common import storage

    unpublished = new_video(world["owner"])["video"]["id"]
    real = storage.get_s3()

    class Failing:
        """Every S3 call that goes over the network fails as S3 does when it is in trouble."""
        def __getattr__(self, name):
            attribute = getattr(real, name)
            if name.startswith(("generate_presigned", "get_paginator")) or name == "meta":
                if name == "get_paginator":
                    return lambda op: _FailingPaginator(op)
                return attribute

            def fail(*_a, **_k):
                raise ClientError({"Error": {"Code": code, "Message": "try later"},
                                   "ResponseMetadata": {"HTTPStatusCode": status}}, name)
            return fail

    class _FailingPaginator:
        def __init__(self, op):
            self.op = op

        def paginate(self, **_kw):
            raise ClientError({"Error": {"Code": code, "Message": "try later"},
                               "ResponseMetadata": {"HTTPStatusCode": status}}, self.op)

    # Every caller asks storage.get_s3() at call time.
    monkeypatch.setattr(storage, "get_s3", lambda: Failing())
    for method, path, body in _s3_routes_for(world, unpublished):
        answer = video_api.call(method, path, raw_body=body, token=world["owner"].token)
        assert (answer.status, answer.error_code) == (503, "service_unavailable"), \
            (method, path, answer.body)
        assert int(answer.headers["retry-after"]) > 0


def test_an_s3_client_error_that_is_not_an_outage_stays_a_500(video_api, world, monkeypatch):
    """AccessDenied is our misconfiguration, not an outage: it must page someone (500), not
    ask the client to come back later."""
    from botocore.exceptions import ClientError

    from tuber_common import storage

    def denied(*_a, **_k):
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"},
                           "ResponseMetadata": {"HTTPStatusCode": 403}}, "ListObjectsV2")

    monkeypatch.setattr(storage, "delete_prefixes", denied)
    answer = video_api.delete(f"/video/{world['videoId']}", token=world["owner"].token)
    assert (answer.status, answer.error_code) == (500, "internal_error")
