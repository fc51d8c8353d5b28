"""Every status the OpenAPI document lists for an operation really happens, through the local gateway.

One request per documented (operation, status); the table must cover the document exactly, so a
status documented but never produced (Powertools' default 422 once was) fails here.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.test import Client, TestResponse

from infra import tokens
from infra.gateway import Gateway
from infra.openapi import DOCUMENT
from tests.conftest import Aws
from tests.support import events as ev
from tests.support.faults import PartialFailures
from tests.support.pipeline import apply_events

ALL = "analytics:ingest analytics:read analytics:admin"
USER = "/v1/events/e1/users/u1"
INGEST = "/v1/interactions"

Recipe = Callable[[Client, pytest.MonkeyPatch], TestResponse]


def bearer(scope: str = ALL, events: tuple[str, ...] = ("e1",), sub: str = "organiser") -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.issue(sub, scope, list(events))}"}


def send(method: str, path: str, headers: dict[str, str] | None = None, **kw: Any) -> Recipe:
    return lambda client, _: client.open(path, method=method, headers=headers or {}, **kw)


def post_events(events: list[dict[str, Any]], **headers: str) -> Recipe:
    body = json.dumps({"events": events})
    return lambda client, _: client.post(
        INGEST, data=body, headers={**bearer(), "Content-Type": "application/json", **headers}
    )


def key_reused(client: Client, _: pytest.MonkeyPatch) -> TestResponse:
    post_events([ev.chat(id="first")], **{"Idempotency-Key": "k422"})(client, _)
    return post_events([ev.chat(id="second")], **{"Idempotency-Key": "k422"})(client, _)


def in_flight(client: Client, monkeypatch: pytest.MonkeyPatch) -> TestResponse:
    """A second request with the key while the first is still ingesting (another warm container)."""
    from ingest import collector

    started, release = threading.Event(), threading.Event()
    real_ingest = collector.ingest

    def slow_ingest(events: list[Any], may_ingest: Any) -> dict[str, Any]:
        started.set()
        release.wait(30)
        return real_ingest(events, may_ingest)

    monkeypatch.setattr(collector, "ingest", slow_ingest)
    first = threading.Thread(
        target=post_events([ev.chat(id="c1")], **{"Idempotency-Key": "busy"}), args=(client, monkeypatch)
    )
    first.start()
    try:
        assert started.wait(30)
        return post_events([ev.chat(id="c1")], **{"Idempotency-Key": "busy"})(Client(Gateway()), monkeypatch)
    finally:
        release.set()
        first.join(30)


def stream_refuses(client: Client, monkeypatch: pytest.MonkeyPatch) -> TestResponse:
    PartialFailures(lambda attempt, i: True).install()
    return post_events([ev.chat()])(client, monkeypatch)


def out_of_time(client: Client, monkeypatch: pytest.MonkeyPatch) -> TestResponse:
    from report import api

    monkeypatch.setattr(api, "RENDER_AND_STORE_SECONDS", 3600)  # more than any invocation has left
    return send("POST", f"{USER}/report", bearer())(client, monkeypatch)


LISTS = ("sessions", "vods", "attachments")  # a user's full lists
READ_ROUTES = {
    "/v1/events/{eventId}/users/{userId}/analytics": f"{USER}/analytics",
    "/v1/events/{eventId}/users": "/v1/events/e1/users",
    "/v1/events/{eventId}/sessions/{sessionId}/analytics": "/v1/events/e1/sessions/s1/analytics",
    "/v1/events/{eventId}/vods/{vodId}/analytics": "/v1/events/e1/vods/v1/analytics",
    **{f"/v1/events/{{eventId}}/users/{{userId}}/{name}": f"{USER}/{name}" for name in LISTS},
}
RECIPES: dict[tuple[str, str, str], Recipe] = {
    ("post", INGEST, "202"): post_events([ev.chat()]),
    ("post", INGEST, "400"): lambda c, _: c.post(
        INGEST, data="{not json", headers={**bearer(), "Content-Type": "application/json"}
    ),
    ("post", INGEST, "401"): send("POST", INGEST, json={"events": [ev.chat()]}),
    ("post", INGEST, "403"): send("POST", INGEST, bearer("analytics:read"), json={"events": [ev.chat()]}),
    ("post", INGEST, "409"): in_flight,
    ("post", INGEST, "413"): post_events([ev.chat() for _ in range(501)]),
    ("post", INGEST, "415"): lambda c, _: c.post(
        INGEST, data="{}", headers={**bearer(), "Content-Type": "text/plain"}
    ),
    ("post", INGEST, "422"): key_reused,
    ("post", INGEST, "503"): stream_refuses,
    ("get", "/v1/openapi.json", "200"): send("GET", "/v1/openapi.json"),
    ("post", "/v1/events/{eventId}/users/{userId}/report", "201"): send("POST", f"{USER}/report", bearer()),
    ("post", "/v1/events/{eventId}/users/{userId}/report", "400"): send(
        "POST", "/v1/events/bad*id/users/u1/report", bearer()
    ),
    ("post", "/v1/events/{eventId}/users/{userId}/report", "401"): send("POST", f"{USER}/report"),
    ("post", "/v1/events/{eventId}/users/{userId}/report", "403"): send(
        "POST", f"{USER}/report", bearer(events=("e2",))
    ),
    ("post", "/v1/events/{eventId}/users/{userId}/report", "404"): send(
        "POST", "/v1/events/e1/users/nobody/report", bearer()
    ),
    ("post", "/v1/events/{eventId}/users/{userId}/report", "503"): out_of_time,
    ("delete", "/v1/events/{eventId}/users/{userId}", "200"): send("DELETE", USER, bearer()),
    ("delete", "/v1/events/{eventId}/users/{userId}", "400"): send(
        "DELETE", "/v1/events/e1/users/bad*id", bearer()
    ),
    ("delete", "/v1/events/{eventId}/users/{userId}", "401"): send("DELETE", USER),
    ("delete", "/v1/events/{eventId}/users/{userId}", "403"): send("DELETE", USER, bearer("analytics:read")),
}
for template, path in READ_ROUTES.items():
    RECIPES[("get", template, "200")] = send("GET", path, bearer())
    RECIPES[("get", template, "400")] = send("GET", path.replace("/e1/", "/bad*id/"), bearer())
    RECIPES[("get", template, "401")] = send("GET", path)
    RECIPES[("get", template, "403")] = send("GET", path, bearer(events=("e2",)))
    if template != "/v1/events/{eventId}/users":  # a page of nobody is still a page
        unknown = path.replace("/u1/", "/u-unknown/") if "/users/" in path else path
        RECIPES[("get", template, "404")] = send(
            "GET", unknown.replace("1/analytics", "-unknown/analytics"), bearer()
        )


def documented() -> set[tuple[str, str, str]]:
    paths = json.loads(DOCUMENT.read_text(encoding="utf-8"))["paths"]
    return {
        (method, path, status)
        for path, operations in paths.items()
        for method, operation in operations.items()
        for status in operation["responses"]
    }


def test_the_recipes_cover_exactly_the_documented_statuses() -> None:
    assert set(RECIPES) == documented()


@pytest.fixture
def client(aws: Aws) -> Client:
    apply_events([ev.profile("Ana"), ev.live("s1", 10, 5), ev.catalog_vod("v1", "V", 60)])
    return Client(Gateway())


OPERATIONS = sorted({(method, path) for method, path, _ in RECIPES})


@pytest.mark.parametrize("operation", OPERATIONS, ids=[" ".join(o) for o in OPERATIONS])
def test_each_documented_status_happens(client: Client, operation: tuple[str, str]) -> None:
    """One stack per operation, its statuses in order (the stream's refusal, which stays installed,
    comes last); each recipe's monkeypatching is undone before the next."""
    for status in sorted(s for m, p, s in RECIPES if (m, p) == operation):
        with pytest.MonkeyPatch.context() as monkeypatch:
            response = RECIPES[(*operation, status)](client, monkeypatch)
        assert str(response.status_code) == status, (status, response.get_data(as_text=True))
        if response.status_code >= 400:
            body = response.get_json()
            assert set(body["error"]) >= {"code", "message"}, body
