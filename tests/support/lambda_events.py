"""Lambda events shaped exactly as API Gateway (HTTP API, payload 2.0) and Kinesis event source
mappings deliver them.

The canonical examples are the JSON files in ``tests/fixtures/aws`` (``sam local generate-event``
shapes edited to what AWS really sends, see that folder's README). The builders here make events of
the same shape for any request, and ``tests/integration/test_canonical_events.py`` checks that they
do. What AWS does that a hand-made event easily gets wrong:

- a named stage (the template's ``StageName``, default ``prod``) prefixes ``rawPath`` and
  ``requestContext.http.path``: ``/prod/v1/...``; only the ``$default`` stage has none;
- ``routeKey`` is the route's template (``GET /v1/events/{eventId}/users``) or ``$default``, with
  ``pathParameters`` filled in; routes without an authorizer (``Auth: NONE``) carry no claims;
- the JWT authorizer flattens every claim to a string: arrays as ``"[e1 e2]"`` (Go's ``%v``),
  numbers as ``"1795169040"``, booleans as ``"true"``; null claims are left out;
- bodies of anything but text, JSON, XML and JavaScript content types arrive base64-encoded;
- Kinesis sequence numbers are 56-digit decimal strings, arrival times floats (milliseconds).
"""

from __future__ import annotations

import base64
import copy
import json
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from infra.apigw import flatten_claims, sent_as_text

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "aws"
STAGE = "prod"  # template.yaml's StageName default
ACCOUNT = "123456789012"
REGION = "us-east-1"
API_ID = "a1b2c3d4e5"
STREAM_ARN = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/event-analytics-InteractionsStream-Zx9Yw8Vu7Ts6"
# A real sequence number of shard 0; small test sequence numbers are added to it (see ``sequence``).
SEQUENCE_BASE = 49656984342567312345678901234567890123456789012345678900
SEQUENCE_DIGITS = 56


@dataclass
class FakeContext:
    function_name: str = "test-function"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:test-function"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    remaining_ms: int = 30_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def fixture(name: str) -> dict[str, Any]:
    """A canonical event from ``tests/fixtures/aws`` (a fresh copy: callers may edit it)."""
    return copy.deepcopy(_load_fixture(name))


@cache
def _load_fixture(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return loaded


# ----------------------------------------------------------------------------- JWT claims


def claims(
    sub: str = "producer", scope: str = "analytics:ingest", events: list[str] | None = None
) -> dict[str, Any]:
    """A token's claims as the identity provider issues them (lists are lists)."""
    return {"sub": sub, "scope": scope, "eventIds": events if events is not None else ["*"]}


def token_claims(extra: Mapping[str, Any], now: float | None = None) -> dict[str, Any]:
    """``extra`` plus the registered claims every access token carries (iss, exp, iat, ...)."""
    issued = int(now if now is not None else time.time())
    base: dict[str, Any] = {
        "iss": "https://auth.example.com/",
        "aud": "event-analytics",
        "iat": issued,
        "auth_time": issued,
        "exp": issued + 3600,
        "jti": str(uuid.UUID(int=issued)),
    }
    return {**base, **extra}


# ----------------------------------------------------------------------------- HTTP API


@dataclass(frozen=True)
class ApiRoute:
    method: str  # "ANY" for the catch-all
    path: str  # the route's template, or "$default"
    handler: str
    public: bool
    pattern: re.Pattern[str] | None

    @property
    def key(self) -> str:
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"


@cache
def api_routes() -> tuple[ApiRoute, ...]:
    """Every HttpApi route of template.yaml (the API's route table)."""
    from infra.template import load_template, resources_of_type

    found = []
    for props in resources_of_type(load_template(), "AWS::Serverless::Function").values():
        for event in (props.get("Events") or {}).values():
            if event["Type"] != "HttpApi":
                continue
            spec = event["Properties"]
            path = spec["Path"]
            pattern = None
            if path != "$default":
                pattern = re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(path)) + "$")
            public = (spec.get("Auth") or {}).get("Authorizer") == "NONE"
            found.append(ApiRoute(spec["Method"].upper(), path, props["Handler"], public, pattern))
    return tuple(found)


def select_route(method: str, path: str) -> tuple[ApiRoute | None, dict[str, str]]:
    """The route API Gateway picks for a request: a method match, then ``ANY``, then ``$default``."""
    routes = api_routes()
    for wanted in (method.upper(), "ANY"):
        for route in routes:
            if route.pattern is not None and route.method == wanted and (m := route.pattern.match(path)):
                return route, m.groupdict()
    return next((r for r in routes if r.path == "$default"), None), {}


def http_event(
    method: str,
    path: str,
    *,
    body: Any = None,
    headers: dict[str, str] | None = None,
    jwt: dict[str, Any] | None = None,
    query: dict[str, str] | None = None,
    raw_body: str | bytes | None = None,
    stage: str = STAGE,
    base64_body: bool | None = None,
) -> dict[str, Any]:
    """An HTTP API payload 2.0 event for ``method path`` (the path without the stage).

    ``jwt`` holds the token's claims as issued (lists as lists): they arrive flattened, and only on
    routes with the authorizer. ``base64_body`` forces the body's encoding (None: as API Gateway
    decides from the content type).
    """
    data: bytes | None
    if raw_body is not None:
        data = raw_body.encode("utf-8", "surrogateescape") if isinstance(raw_body, str) else raw_body
    else:
        data = None if body is None else json.dumps(body).encode()
    all_headers = {
        "accept": "application/json",
        "host": f"{API_ID}.execute-api.{REGION}.amazonaws.com",
        "user-agent": "event-analytics-tests/1.0",
        "x-amzn-trace-id": f"Root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]}",
        "x-forwarded-for": "203.0.113.24",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
        **{k.lower(): v for k, v in (headers or {}).items()},
    }
    if data is not None:
        all_headers.setdefault("content-type", "application/json")
        all_headers["content-length"] = str(len(data))
    raw_path = path if stage == "$default" else f"/{stage}{path}"
    route, params = select_route(method, path)
    route_key = route.key if route else "$default"
    now = time.time()
    context: dict[str, Any] = {
        "accountId": ACCOUNT,
        "apiId": API_ID,
        "domainName": all_headers["host"],
        "domainPrefix": API_ID,
        "http": {
            "method": method,
            "path": raw_path,
            "protocol": "HTTP/1.1",
            "sourceIp": "203.0.113.24",
            "userAgent": all_headers["user-agent"],
        },
        "requestId": base64.b64encode(uuid.uuid4().bytes[:10]).decode(),
        "routeKey": route_key,
        "stage": stage,
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "timeEpoch": int(now * 1000),
    }
    if jwt is not None and not (route is not None and route.public):
        all_headers.setdefault("authorization", "Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln")
        context["authorizer"] = {"jwt": {"claims": flatten_claims(token_claims(jwt, now)), "scopes": None}}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": urlencode(query or {}),
        "headers": all_headers,
        "requestContext": context,
        "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = dict(query)
    if params:
        event["pathParameters"] = params
    if data is not None:
        encode = not sent_as_text(all_headers.get("content-type")) if base64_body is None else base64_body
        if encode:
            event["body"], event["isBase64Encoded"] = base64.b64encode(data).decode(), True
        else:
            event["body"] = data.decode("utf-8", "surrogateescape")
    return event


# ----------------------------------------------------------------------------- Kinesis


def sequence(n: int | str, shard_index: int = 0) -> str:
    """A 56-digit sequence number; ``n`` orders records within a shard as it would a small counter."""
    return str(SEQUENCE_BASE + shard_index * 10**40 + int(n))


def kinesis_record(
    seq: str,
    data: bytes,
    partition_key: str = "e1#u1",
    shard: str = "shardId-000000000000",
    arrival: float | None = None,
) -> dict:
    """One record as an event source mapping delivers it.

    A short ``seq`` (a test's counter, or moto's: moto numbers records 1, 2, ...) becomes a real
    56-digit sequence number, keeping its order; a 56-digit one is kept as it is.
    """
    if len(seq) < SEQUENCE_DIGITS:
        seq = sequence(seq)
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": partition_key,
            "sequenceNumber": seq,
            "data": base64.b64encode(data).decode(),
            # Milliseconds as a float; the record arrives now, as on a live stream.
            "approximateArrivalTimestamp": round(time.time() if arrival is None else arrival, 3),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard}:{seq}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": f"arn:aws:iam::{ACCOUNT}:role/event-analytics-AggregatorFunctionRole",
        "awsRegion": REGION,
        "eventSourceARN": STREAM_ARN,
    }


def kinesis_event(records: list[dict]) -> dict[str, Any]:
    return {"Records": records}


# Callers by kind: an authorization matrix row each (event e1, user u1 are the subjects).
CALLERS: dict[str, dict[str, Any] | None] = {
    "none": None,
    "no-scope": claims(sub="x", scope="", events=["e1"]),
    "ingest-only": claims(sub="x", scope="analytics:ingest", events=["e1"]),
    "read-other-event": claims(sub="x", scope="analytics:read", events=["e2"]),
    "read-event": claims(sub="x", scope="analytics:read", events=["e1"]),
    "read-star": claims(sub="x", scope="analytics:read", events=["*"]),
    "self": claims(sub="u1", scope="", events=[]),
    "other-user": claims(sub="u2", scope="", events=[]),
    "admin-event": claims(sub="x", scope="analytics:admin", events=["e1"]),
    "admin-other-event": claims(sub="x", scope="analytics:admin", events=["e2"]),
}
