"""Every handler of template.yaml takes the events exactly as AWS delivers them (SPEC section 10).

The fixtures in ``tests/fixtures/aws`` are ``sam local generate-event`` shapes (``apigateway
http-api``, ``kinesis get-records``) edited to what AWS really sends: a named stage in ``rawPath``,
JWT claims flattened to strings, base64 bodies, 56-digit sequence numbers over two shards. The
builders the rest of the suite uses (``tests.support.lambda_events``) are checked against them, so
every other test sends the same shapes.
"""

from __future__ import annotations

import base64
import importlib
import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from infra.template import load_template, resources_of_type
from tests.conftest import Aws
from tests.support.lambda_events import (
    FakeContext,
    api_routes,
    fixture,
    http_event,
    kinesis_record,
    select_route,
)
from tests.support.pipeline import stream_records, table_items

HTTP_FIXTURES = {
    "http_api_ingest.json": "ingest.collector.handler",
    "http_api_dashboard_self.json": "query.api.handler",
    "http_api_users_page.json": "query.api.handler",
    "http_api_session.json": "query.api.handler",
    "http_api_erase.json": "query.api.handler",
    "http_api_default_route.json": "query.api.handler",
    "http_api_report.json": "report.api.handler",
}
KINESIS_FIXTURES = {"kinesis_two_shards.json": "ingest.aggregator.handler"}
SEQUENCE = re.compile(r"^[0-9]{56}$")


def handler(name: str) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    module, attribute = name.rsplit(".", 1)
    found: Callable[[dict[str, Any], Any], dict[str, Any]] = getattr(
        importlib.import_module(module), attribute
    )
    return found


def invoke(name: str, event: dict[str, Any]) -> dict[str, Any]:
    return handler(name)(event, FakeContext())


def body_of(response: dict[str, Any]) -> Any:
    text = response.get("body") or ""
    if response.get("isBase64Encoded"):
        text = base64.b64decode(text).decode()
    return json.loads(text) if text else None


def restage(event: dict[str, Any], stage: str) -> dict[str, Any]:
    """The same request through another stage (``$default`` has no prefix)."""
    old = event["requestContext"]["stage"]
    path = event["rawPath"] if old == "$default" else event["rawPath"][len(old) + 1 :]
    raw = path if stage == "$default" else f"/{stage}{path}"
    event["rawPath"] = event["requestContext"]["http"]["path"] = raw
    event["requestContext"]["stage"] = stage
    return event


def reencode(event: dict[str, Any], as_base64: bool) -> dict[str, Any]:
    data = base64.b64decode(event["body"]) if event["isBase64Encoded"] else event["body"].encode()
    event["body"] = base64.b64encode(data).decode() if as_base64 else data.decode()
    event["isBase64Encoded"] = as_base64
    return event


def shape(value: Any) -> Any:
    """The keys, recursively, and the JSON type of every leaf: what two events must share."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    return type(value).__name__


# ----------------------------------------------------------------------------- the fixtures are AWS's shapes


def test_every_function_in_the_template_has_a_canonical_event() -> None:
    handlers = {
        p["Handler"] for p in resources_of_type(load_template(), "AWS::Serverless::Function").values()
    }
    assert handlers == set(HTTP_FIXTURES.values()) | set(KINESIS_FIXTURES.values())


@pytest.mark.parametrize("name", sorted(HTTP_FIXTURES))
def test_http_fixture_is_what_api_gateway_sends(name: str) -> None:
    event = fixture(name)
    context = event["requestContext"]
    assert event["version"] == "2.0"
    stage = context["stage"]
    assert stage == "prod"  # a named stage: its name prefixes the path the function sees
    assert event["rawPath"].startswith(f"/{stage}/v1/")
    assert context["http"]["path"] == event["rawPath"]
    path = event["rawPath"][len(stage) + 1 :]
    route, params = select_route(context["http"]["method"], path)
    assert route is not None
    assert event["routeKey"] == context["routeKey"] == route.key
    assert event.get("pathParameters", {}) == params
    assert all(k == k.lower() for k in event["headers"])  # HTTP APIs lowercase header names
    if "authorizer" in context:
        assert not route.public
        claims = context["authorizer"]["jwt"]["claims"]
        assert all(isinstance(v, str) for v in claims.values()), claims
        assert re.fullmatch(r"\[[^\[\]]*\]", claims["eventIds"])
        assert claims["exp"].isdigit()
        assert claims["iat"].isdigit()
        assert context["authorizer"]["jwt"]["scopes"] is None  # routes name no authorization scopes
    else:
        assert route.public
    if event["isBase64Encoded"]:
        json.loads(base64.b64decode(event["body"], validate=True))


def test_kinesis_fixture_is_what_an_event_source_mapping_sends() -> None:
    records = fixture("kinesis_two_shards.json")["Records"]
    shards: dict[str, list[int]] = {}
    for record in records:
        k = record["kinesis"]
        assert SEQUENCE.match(k["sequenceNumber"])
        assert isinstance(k["approximateArrivalTimestamp"], float)
        shard, seq = record["eventID"].split(":")
        assert seq == k["sequenceNumber"]
        assert re.fullmatch(r"shardId-[0-9]{12}", shard)
        json.loads(base64.b64decode(k["data"], validate=True))
        shards.setdefault(shard, []).append(int(seq))
    assert len(shards) == 2
    assert all(seqs == sorted(seqs) for seqs in shards.values())  # in order within a shard


# ----------------------------------------------------------------------------- builders make the same shapes


def _claims_as_issued(flat: dict[str, str]) -> dict[str, Any]:
    """The token behind flattened claims (what a test passes to the builder)."""
    issued: dict[str, Any] = dict(flat)
    issued["eventIds"] = flat["eventIds"][1:-1].split()
    for name in ("exp", "iat", "auth_time"):
        if name in issued:
            issued[name] = int(flat[name])
    return issued


@pytest.mark.parametrize("name", sorted(HTTP_FIXTURES))
def test_http_builder_matches_the_fixture(name: str) -> None:
    canonical = fixture(name)
    context = canonical["requestContext"]
    method = context["http"]["method"]
    path = canonical["rawPath"][len(context["stage"]) + 1 :]
    claims = context.get("authorizer", {}).get("jwt", {}).get("claims")
    body = canonical.get("body")
    built = http_event(
        method,
        path,
        raw_body=None if body is None else (base64.b64decode(body) if canonical["isBase64Encoded"] else body),
        headers={k: v for k, v in canonical["headers"].items() if k not in ("content-length",)},
        jwt=None if claims is None else _claims_as_issued(claims),
        query=canonical.get("queryStringParameters"),
        stage=context["stage"],
        base64_body=canonical["isBase64Encoded"] if body is not None else None,
    )
    for key in ("version", "routeKey", "rawPath", "rawQueryString", "isBase64Encoded", "body"):
        assert built.get(key) == canonical.get(key), key
    assert built.get("pathParameters") == canonical.get("pathParameters")
    assert built.get("queryStringParameters") == canonical.get("queryStringParameters")
    assert built["headers"] == canonical["headers"]
    built_context = built["requestContext"]
    if claims is not None:
        built_claims = built_context["authorizer"]["jwt"]["claims"]
        assert {k: built_claims[k] for k in claims} == claims  # the builder may add "aud"
        built_claims.clear()
        claims.clear()
    assert shape(built_context) == shape(context)


def test_kinesis_builder_matches_the_fixture() -> None:
    canonical = fixture("kinesis_two_shards.json")["Records"][1]
    k = canonical["kinesis"]
    built = kinesis_record(
        k["sequenceNumber"],
        base64.b64decode(k["data"]),
        k["partitionKey"],
        canonical["eventID"].split(":")[0],
        k["approximateArrivalTimestamp"],
    )
    assert shape(built) == shape(canonical)
    assert built["kinesis"] == k
    assert built["eventID"] == canonical["eventID"]
    short = kinesis_record("7", b"{}")  # a test's small counter becomes a real sequence number
    assert SEQUENCE.match(short["kinesis"]["sequenceNumber"])
    assert short["eventID"].endswith(":" + short["kinesis"]["sequenceNumber"])
    assert int(short["kinesis"]["sequenceNumber"]) < int(
        kinesis_record("8", b"{}")["kinesis"]["sequenceNumber"]
    )


def test_every_route_of_the_template_is_selected_like_api_gateway() -> None:
    keys = {r.key for r in api_routes()}
    assert "$default" in keys
    assert select_route("GET", "/v1/events/e1/users")[0].key == "GET /v1/events/{eventId}/users"  # type: ignore[union-attr]
    assert select_route("PATCH", "/v1/events/e1/users")[0].key == "$default"  # type: ignore[union-attr]


# ----------------------------------------------------------------------------- every handler takes them


@pytest.mark.parametrize("stage", ["prod", "$default", "v2"])
@pytest.mark.parametrize("as_base64", [True, False])
def test_collector_takes_the_canonical_ingest_request(aws: Aws, stage: str, as_base64: bool) -> None:
    event = reencode(restage(fixture("http_api_ingest.json"), stage), as_base64)
    response = invoke(HTTP_FIXTURES["http_api_ingest.json"], event)
    assert response["statusCode"] == 202, response
    assert body_of(response) == {"accepted": 3, "rejected": []}  # eventIds "[e1 e2]" covers both events
    records = stream_records(aws.client("kinesis"), aws.stream)
    assert {r["kinesis"]["partitionKey"] for r in records} == {"e1#catalog", "e1#u1", "e2#u7"}


def test_a_flattened_event_list_limits_ingest(aws: Aws) -> None:
    event = fixture("http_api_ingest.json")
    event["requestContext"]["authorizer"]["jwt"]["claims"]["eventIds"] = "[e2]"
    response = invoke(HTTP_FIXTURES["http_api_ingest.json"], event)
    body = body_of(response)
    assert response["statusCode"] == 202
    assert body["accepted"] == 1
    assert [r["index"] for r in body["rejected"]] == [0, 1]


def _apply_fixture_stream(aws: Aws) -> dict[tuple[str, str], dict[str, Any]]:
    event = fixture("kinesis_two_shards.json")
    assert invoke(KINESIS_FIXTURES["kinesis_two_shards.json"], event) == {"batchItemFailures": []}
    return table_items(aws.client("dynamodb"), aws.table)


def test_aggregator_takes_the_canonical_two_shard_batch(aws: Aws) -> None:
    items = _apply_fixture_stream(aws)
    total = items[("EVT#e1#SES#s1", "TOTAL")]
    assert total["live_seconds"] == 75  # u1's 30 s (shard 1) and u2's 45 s (shard 0)
    assert total["reactions"] == 1
    assert items[("EVT#e1#USR#u1", "PROFILE")]["name"] == "Zoë Ångström"
    # Lambda retries the same batch (same shards, same 56-digit sequence numbers): nothing changes.
    assert _apply_fixture_stream(aws) == items
    # ... and each shard on its own, as Lambda really invokes the function, changes nothing either.
    records = fixture("kinesis_two_shards.json")["Records"]
    for shard in sorted({r["eventID"].split(":")[0] for r in records}):
        batch = {"Records": [r for r in records if r["eventID"].startswith(shard + ":")]}
        assert invoke(KINESIS_FIXTURES["kinesis_two_shards.json"], batch) == {"batchItemFailures": []}
    assert table_items(aws.client("dynamodb"), aws.table) == items


def test_aggregator_reports_failures_by_the_56_digit_sequence_number(aws: Aws) -> None:
    event = fixture("kinesis_two_shards.json")
    broken = event["Records"][3]  # shard 0's second record
    failures: list[str] = []

    def refuse(**kwargs: Any) -> None:
        from botocore.exceptions import ClientError

        failures.append("x")
        raise ClientError(
            {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow"}}, "x"
        )

    from dal.items import bind_table, botocore_client

    bind_table(aws.table)
    client = botocore_client()
    client.meta.events.register_first("before-call.dynamodb.UpdateItem", refuse)
    client.meta.events.register_first("before-call.dynamodb.PutItem", refuse)
    try:
        response = invoke(KINESIS_FIXTURES["kinesis_two_shards.json"], {"Records": [broken]})
    finally:
        client.meta.events.unregister("before-call.dynamodb.UpdateItem", refuse)
        client.meta.events.unregister("before-call.dynamodb.PutItem", refuse)
    assert failures
    assert response == {"batchItemFailures": [{"itemIdentifier": broken["kinesis"]["sequenceNumber"]}]}


def test_query_takes_the_canonical_requests(aws: Aws) -> None:
    _apply_fixture_stream(aws)
    query = HTTP_FIXTURES["http_api_dashboard_self.json"]

    response = invoke(query, fixture("http_api_dashboard_self.json"))  # an attendee's own dashboard
    assert response["statusCode"] == 200, response
    board = body_of(response)
    assert board["user"]["name"] == "Zoë Ångström"
    assert board["kpis"]["viewedSeconds"] == 30

    response = invoke(query, fixture("http_api_users_page.json"))  # "[*]", ?limit=2
    assert response["statusCode"] == 200, response
    assert 1 <= len(body_of(response)["items"]) <= 2

    response = invoke(query, fixture("http_api_session.json"))  # "[e1 e2]"
    assert response["statusCode"] == 200, response
    assert body_of(response)["totals"]["liveMinutes"] == 1.3  # 75 s, to a tenth of a minute, half up

    # The catch-all route: no authorizer, a known path with another method.
    response = invoke(query, fixture("http_api_default_route.json"))
    assert response["statusCode"] == 405, response
    allow = (response.get("headers") or {}).get("Allow", "")
    assert "GET" in {h.upper() for h in allow.replace(" ", "").split(",")}
    options = dict(fixture("http_api_default_route.json"))
    options["requestContext"] = {**options["requestContext"], "http": {**options["requestContext"]["http"]}}
    options["requestContext"]["http"]["method"] = "OPTIONS"
    assert invoke(query, options)["headers"]["Allow"] == allow  # one answer to "what may I send here"

    response = invoke(query, fixture("http_api_erase.json"))  # "analytics:admin analytics:read", "[e1]"
    assert response["statusCode"] == 200, response
    assert body_of(response)["erased"] is True
    assert invoke(query, fixture("http_api_dashboard_self.json"))["statusCode"] == 404


def test_query_refuses_an_event_outside_the_flattened_list(aws: Aws) -> None:
    _apply_fixture_stream(aws)
    event = fixture("http_api_session.json")
    event["requestContext"]["authorizer"]["jwt"]["claims"]["eventIds"] = "[e2 e10]"
    response = invoke(HTTP_FIXTURES["http_api_session.json"], event)
    assert response["statusCode"] == 403, response


def test_report_takes_the_canonical_request(aws: Aws) -> None:
    _apply_fixture_stream(aws)
    response = invoke(HTTP_FIXTURES["http_api_report.json"], fixture("http_api_report.json"))
    assert response["statusCode"] == 201, response
    link = body_of(response)
    assert link["key"].startswith("reports/e1/u1/")
    assert link["key"].endswith(".pdf")


def test_a_record_costs_its_base64_data_and_about_600_bytes_in_the_lambda_event() -> None:
    """docs/deploy.md sizes AggregatorBatchSize with this: Lambda cuts a batch at 6 MB of event."""
    for record in fixture("kinesis_two_shards.json")["Records"]:
        size = len(json.dumps(record, separators=(",", ":")).encode())
        envelope = size - len(record["kinesis"]["data"])
        assert 550 <= envelope <= 650, envelope
    heartbeat = 220  # bytes of a live heartbeat on the stream (benchmarks/CAPACITY.md)
    per_record = 610 + 4 * -(-heartbeat // 3)
    assert 6_500 < 6 * 1024 * 1024 // per_record < 7_000  # "about 6,900 records"
