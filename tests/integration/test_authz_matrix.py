"""Every route x every kind of caller, through the local gateway (token checks) and the handlers."""

from __future__ import annotations

import json
import time

import jwt
import pytest
from werkzeug.test import Client

from infra import tokens
from infra.gateway import Gateway
from tests.conftest import Aws
from tests.support import events as ev
from tests.support.pipeline import apply_events

ROUTES = {
    "ingest": ("POST", "/v1/interactions"),
    "dashboard": ("GET", "/v1/events/e1/users/u1/analytics"),
    "users": ("GET", "/v1/events/e1/users"),
    "session": ("GET", "/v1/events/e1/sessions/s1/analytics"),
    "vod": ("GET", "/v1/events/e1/vods/v1/analytics"),
    "report": ("POST", "/v1/events/e1/users/u1/report"),
    "erase": ("DELETE", "/v1/events/e1/users/u1"),
    "openapi": ("GET", "/v1/openapi.json"),
}
ALL = "analytics:ingest analytics:read analytics:admin"


def token(kind: str) -> str | None:
    if kind == "no token":
        return None
    if kind == "bad signature":
        claims = {"sub": "x", "scope": ALL, "eventIds": ["*"], "iss": tokens.ISSUER, "aud": tokens.AUDIENCE}
        return jwt.encode(
            {**claims, "exp": int(time.time()) + 60}, "some-other-secret-32-bytes-long!!", "HS256"
        )
    if kind == "expired":
        return tokens.issue("x", ALL, ["*"], ttl_seconds=-10)
    return {
        "wrong scope": lambda: tokens.issue("x", "analytics:nothing", ["*"]),
        "other event": lambda: tokens.issue("x", ALL, ["e2"]),
        "* event": lambda: tokens.issue("x", "analytics:ingest analytics:read", ["*"]),
        "self": lambda: tokens.issue("u1", "", ["e1"]),
        "self, other event": lambda: tokens.issue("u1", "", ["e2"]),
        "other user": lambda: tokens.issue("u2", "", ["e1"]),
        "admin": lambda: tokens.issue("x", "analytics:admin", ["e1"]),
    }[kind]()


#                  ingest dashboard users session vod report erase openapi
EXPECTED: dict[str, list[int]] = {
    "no token": [401, 401, 401, 401, 401, 401, 401, 200],
    "bad signature": [401, 401, 401, 401, 401, 401, 401, 200],
    "expired": [401, 401, 401, 401, 401, 401, 401, 200],
    "wrong scope": [403, 403, 403, 403, 403, 403, 403, 200],
    "other event": [403, 403, 403, 403, 403, 403, 403, 200],
    "* event": [202, 200, 200, 200, 200, 201, 403, 200],
    "self": [403, 200, 403, 403, 403, 201, 403, 200],
    # user ids are per event: u1 of e2 is not u1 of e1
    "self, other event": [403, 403, 403, 403, 403, 403, 403, 200],
    "other user": [403, 403, 403, 403, 403, 403, 403, 200],
    "admin": [403, 403, 403, 403, 403, 403, 200, 200],
}


@pytest.fixture
def client(aws: Aws) -> Client:
    apply_events([ev.profile("Ana"), ev.live("s1", 10, 5), ev.catalog_vod("v1", "V", 60)])
    return Client(Gateway())


@pytest.mark.parametrize("caller", list(EXPECTED))
def test_authorization_matrix(client: Client, caller: str) -> None:
    bearer = token(caller)
    headers = {
        "Content-Type": "application/json",
        **({"Authorization": f"Bearer {bearer}"} if bearer else {}),
    }
    got = []
    for name, (method, path) in ROUTES.items():
        body = json.dumps({"events": [ev.chat("s1")]}) if name == "ingest" else None
        response = client.open(path, method=method, headers=headers, data=body)
        got.append(response.status_code)
        if response.status_code in (401, 403):
            assert response.get_json()["error"]["code"] in {"unauthorized", "forbidden"}
        if name == "erase" and response.status_code == 200:
            apply_events([ev.profile("Ana"), ev.live("s1", 10, 5)], start_seq=100)  # put u1 back
    assert dict(zip(ROUTES, got, strict=True)) == dict(zip(ROUTES, EXPECTED[caller], strict=True))


def test_a_cursor_never_crosses_events(client: Client) -> None:
    apply_events([ev.profile(f"N{i}", user=f"p{i}") for i in range(3)], start_seq=50)
    reader = {"Authorization": f"Bearer {tokens.issue('x', 'analytics:read', ['*'])}"}
    cursor = client.get("/v1/events/e1/users?limit=1", headers=reader).get_json()["nextCursor"]
    assert cursor
    other = client.get(f"/v1/events/e2/users?limit=1&cursor={cursor}", headers=reader)
    assert (other.status_code, other.get_json()["error"]["code"]) == (400, "invalid_cursor")
