"""Every DynamoDB call a handler really makes is allowed by its function's policy in template.yaml.

moto checks no IAM, so a handler that starts using a new API works in every test and fails in
AWS with AccessDenied. This records the calls of the aggregator and the query API over a run
that exercises their paths (new items, updates, resends, totals, an erase, every read route).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from infra.template import load_template, resources_of_type
from tests.conftest import Aws
from tests.support import events as ev
from tests.support.pipeline import apply_events, call_api
from tests.support.scenario import scripted_events

ADMIN = {"sub": "admin", "scope": "analytics:admin analytics:read", "eventIds": ["e1"]}


def allowed(function: str) -> set[str]:
    props = resources_of_type(load_template(), "AWS::Serverless::Function")[function]
    found = set()
    for policy in props.get("Policies", []):
        for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            found |= {a.split(":", 1)[1] for a in actions if a.startswith("dynamodb:")}
    return found


@contextmanager
def recorded() -> Iterator[set[str]]:
    from dal.items import botocore_client

    calls: set[str] = set()

    def record(model: Any, **_: Any) -> None:
        calls.add(model.name)

    client = botocore_client()
    client.meta.events.register("before-call.dynamodb", record)
    try:
        yield calls
    finally:
        client.meta.events.unregister("before-call.dynamodb", record)


def test_aggregator_and_query_calls_are_in_their_policies(aws: Aws) -> None:
    from dal.items import bind_table

    bind_table(aws.table)  # the handlers bind the same table: the client recorded stays theirs
    raws = scripted_events()
    with recorded() as aggregator_calls:
        apply_events(raws)
        apply_events(raws, start_seq=1000)  # every event sent again: reads, no writes
        apply_events([ev.live("s1", 30, 10), ev.chat("s1")], start_seq=2000)
    with recorded() as query_calls:
        for path in (
            "/v1/events/e1/users/u1/analytics",
            "/v1/events/e1/users",
            "/v1/events/e1/sessions/s1/analytics",
            "/v1/events/e1/vods/v1/analytics",
        ):
            assert call_api("GET", path, jwt=ADMIN)[0] == 200, path
        assert call_api("DELETE", "/v1/events/e1/users/u1", jwt=ADMIN)[0] == 200
    assert {"BatchGetItem", "PutItem", "UpdateItem"} <= aggregator_calls  # the run reached them
    assert aggregator_calls <= allowed("AggregatorFunction")
    assert query_calls <= allowed("QueryFunction")
