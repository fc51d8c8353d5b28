"""Schemathesis against the served OpenAPI document, every route, through the local gateway."""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import ignored_auth, negative_data_rejection, positive_data_acceptance

from infra import tokens
from infra.gateway import Gateway
from infra.openapi import DOCUMENT
from tests.conftest import Aws
from tests.support import events as ev
from tests.support.pipeline import apply_events

schema = schemathesis.openapi.from_dict(json.loads(DOCUMENT.read_text(encoding="utf-8")))
LOCAL = "http://127.0.0.1:3000"
TOKEN = tokens.issue("fuzzer", "analytics:ingest analytics:read analytics:admin", ["*"])


@pytest.fixture
def gateway(aws: Aws) -> Gateway:
    apply_events([ev.profile("Fuzz Target"), ev.live("s1", 10, 5), ev.catalog_vod("v1", "V", 60)])
    return Gateway()


# One test per operation, each with its own id: schema.parametrize() gives all of them one node id,
# which pytest-xdist collapses into a single run.
OPERATIONS = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_every_route_conforms_and_never_fails(operation: Any, gateway: Gateway) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def conforms(case: Any) -> None:
        check(case, gateway)

    conforms()


def check(case: Any, gateway: Gateway) -> None:
    # The document's second server is the local stack (the first is AWS, with the stage prefix).
    response = case.call(app=gateway, base_url=LOCAL, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        body = response.json()
        assert set(body["error"]) >= {"code", "message"}, body
        assert "Traceback" not in response.text
    # Left out, deliberately: auth (covered cell by cell in test_authz_matrix; this check can't see our
    # fixed token); schema-valid is not always valid (cursors are opaque: a made-up one is rightly a 400);
    # unknown query parameters are ignored, not refused (clients may send newer ones). Everything
    # else, and no 5xx with an envelope on every 4xx above, holds for every generated request.
    excluded = [ignored_auth, positive_data_acceptance, negative_data_rejection]
    case.validate_response(response, excluded_checks=excluded)
