"""API Gateway HTTP API (payload 2.0) events, as AWS builds them for a Lambda proxy."""
from __future__ import annotations

import base64
import time
import uuid
from urllib.parse import parse_qsl


def http_api_event(method: str, path: str, *, route_key: str = "$default",
                   headers: dict[str, str] | None = None, query: str = "",
                   body: bytes | str | None = None, path_parameters: dict | None = None,
                   source_ip: str = "127.0.0.1", stage: str = "$default") -> dict:
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    is_base64 = False
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            body, is_base64 = base64.b64encode(body).decode(), True
    cookies = [c.strip() for c in headers.get("cookie", "").split(";") if c.strip()]
    query_params: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        # API Gateway joins repeated keys with commas.
        query_params[key] = f"{query_params[key]},{value}" if key in query_params else value
    now = time.time()
    event = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": headers.get("host", "localhost"),
            "domainPrefix": "localhost",
            "http": {"method": method.upper(), "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": source_ip, "userAgent": headers.get("user-agent", "")},
            "requestId": str(uuid.uuid4()),
            "routeKey": route_key,
            "stage": stage,
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": is_base64,
    }
    if cookies:
        event["cookies"] = cookies
    if query_params:
        event["queryStringParameters"] = query_params
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body is not None:
        event["body"] = body
    return event
