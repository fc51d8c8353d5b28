"""Every AWS call a handler really makes is allowed by its function's policy in template.yaml.

moto checks no IAM, so a handler that starts using a new API works in every test and fails in
AWS with AccessDenied. Every integration test checks its calls (``conftest.py``); this one drives
every function of the template down all its AWS paths (ingest with and without an
Idempotency-Key, a poison record to the dead-letter queue, resends, every read route, a cursor,
a report, an erase) and shows the check is able to fail: a policy without an action, or with the
action on another resource, refuses the recorded calls.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from infra.template import load_template
from tests.conftest import Aws
from tests.support import events as ev
from tests.support import iam
from tests.support.aws_calls import Call, Recorder, describe, install
from tests.support.lambda_events import FakeContext, http_event, kinesis_record
from tests.support.pipeline import call_api, drain, post_interactions, run_aggregator, stream_records
from tests.support.scenario import scripted_events

ADMIN = {"sub": "admin", "scope": "analytics:admin analytics:read", "eventIds": ["e1"]}
READER = {"sub": "organiser", "scope": "analytics:read", "eventIds": ["e1"]}
PRODUCER = {"sub": "producer", "scope": "analytics:ingest", "eventIds": ["*"]}

# What each function's run must reach, so the check below can't pass by recording nothing.
REACHED = {
    "CollectorFunction": {"kinesis:PutRecords", "dynamodb:PutItem", "dynamodb:UpdateItem"},
    "AggregatorFunction": {
        "dynamodb:BatchGetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "sqs:SendMessage",
    },
    "QueryFunction": {
        "dynamodb:Query",
        "dynamodb:BatchGetItem",
        "dynamodb:PutItem",
        "secretsmanager:GetSecretValue",
        "s3:ListBucket",
        "s3:DeleteObject",
    },
    "ReportFunction": {"dynamodb:Query", "s3:PutObject", "s3:GetObject"},
}


def exercise_every_function(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = install(monkeypatch)
    # Collector: plain, then with an Idempotency-Key (first time and replayed).
    raws = [*scripted_events(), ev.profile("Ana", user="u2"), ev.live("s1", 20, 5, user="u2")]
    for start in range(0, len(raws), 200):
        assert post_interactions(raws[start : start + 200], jwt=PRODUCER)[0] == 202
    keyed = {"Idempotency-Key": "policy-run-1"}
    beat = ev.live("s1", 30, 10)
    for _ in range(2):
        assert post_interactions([beat], jwt=PRODUCER, headers=keyed)[0] == 202
    # Aggregator: the stream, the same records again (a retried batch), a poison record.
    drain(aws.client("kinesis"), aws.stream, batch_size=250)
    records = stream_records(aws.client("kinesis"), aws.stream)
    assert run_aggregator(records[:50]) == {"batchItemFailures": []}
    poison = kinesis_record(str(int(records[-1]["kinesis"]["sequenceNumber"]) + 1), b"not json")
    assert run_aggregator([poison]) == {"batchItemFailures": []}
    # Query: every read route, a second page (the cursor key comes from Secrets Manager).
    for path in (
        "/v1/events/e1/users/u1/analytics",
        "/v1/events/e1/sessions/s1/analytics",
        "/v1/events/e1/vods/v1/analytics",
        "/v1/openapi.json",
    ):
        assert call_api("GET", path, jwt=READER)[0] == 200, path
    status, page, _ = call_api("GET", "/v1/events/e1/users", jwt=READER, query={"limit": "1"})
    assert status == 200
    assert page["nextCursor"]
    query = {"limit": "1", "cursor": page["nextCursor"]}
    assert call_api("GET", "/v1/events/e1/users", jwt=READER, query=query)[0] == 200
    assert call_api("GET", "/v1/nowhere", jwt=None)[0] == 404  # the catch-all route
    # Report: a PDF in S3 and its presigned link; then the erase deletes it with the user's items.
    from report.api import handler as report

    response = report(http_event("POST", "/v1/events/e1/users/u1/report", jwt=READER), FakeContext())
    assert response["statusCode"] == 201, response
    assert call_api("DELETE", "/v1/events/e1/users/u1", jwt=ADMIN)[0] == 200
    return recorder


def test_every_call_of_every_function_is_in_its_policy(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = exercise_every_function(aws, monkeypatch)
    made = recorder.by_function()
    assert set(made) == set(iam.handlers().values())  # every function of the template ran
    for function, actions in REACHED.items():
        assert actions <= {c.action for c in made[function]}, function
    assert recorder.denied() == [], describe(recorder.denied())


def _without(template: dict[str, Any], function: str, action: str) -> dict[str, Any]:
    """The template with ``action`` taken out of the function's inline policy statements."""
    changed = copy.deepcopy(template)
    for policy in changed["Resources"][function]["Properties"]["Policies"]:
        for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            statement["Action"] = [a for a in actions if a != action] or ["none:Nothing"]
    return changed


def _calls(recorder: Recorder, function: str, action: str) -> set[Call]:
    return {c for c in recorder.calls if c.function == function and c.action == action}


def test_the_check_fails_when_a_policy_lacks_what_a_handler_calls(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = exercise_every_function(aws, monkeypatch)
    template = load_template()
    for function, action in (
        ("CollectorFunction", "kinesis:PutRecords"),
        # (Not sqs:SendMessage: SAM grants it on the mapping's on-failure queue by itself.)
        ("AggregatorFunction", "dynamodb:BatchGetItem"),
        ("QueryFunction", "secretsmanager:GetSecretValue"),
        ("QueryFunction", "s3:DeleteObject"),
        ("ReportFunction", "s3:GetObject"),  # only the presigned link needs it
    ):
        denied = set(recorder.denied(iam.policies(_without(template, function, action))))
        assert _calls(recorder, function, action) <= denied, (function, action)
        assert denied, (function, action)

    # SAM's own grant is real: without the inline statement the DLQ is still writable.
    kept = set(recorder.denied(iam.policies(_without(template, "AggregatorFunction", "sqs:SendMessage"))))
    assert not _calls(recorder, "AggregatorFunction", "sqs:SendMessage") & kept

    # The action on another resource is no better: the report's S3 statement on another prefix.
    moved = copy.deepcopy(template)
    for policy in moved["Resources"]["ReportFunction"]["Properties"]["Policies"]:
        for statement in policy["Statement"]:
            if any(str(a).startswith("s3:") for a in statement["Action"]):
                statement["Resource"] = {"Fn::Sub": "${ReportsBucket.Arn}/exports/*"}
    denied = set(recorder.denied(iam.policies(moved)))
    assert _calls(recorder, "ReportFunction", "s3:PutObject") <= denied


def test_sam_policy_templates_are_expanded_before_the_check(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``DynamoDBCrudPolicy`` and friends are checked as the statements SAM expands them to."""
    recorder = install(monkeypatch)
    from tests.support.pipeline import apply_events

    apply_events(scripted_events())
    template = load_template()
    aggregator = template["Resources"]["AggregatorFunction"]["Properties"]
    kept = copy.deepcopy(aggregator["Policies"])
    for policy in kept:  # everything but the DynamoDB statements
        policy["Statement"] = [st for st in policy["Statement"] if "dynamodb:" not in str(st["Action"])]
    for crud, allowed in (("DynamoDBCrudPolicy", True), ("DynamoDBReadPolicy", False)):
        aggregator["Policies"] = [*kept, {crud: {"TableName": {"Ref": "AnalyticsTable"}}}]
        denied = recorder.denied(iam.policies(template))
        writes = {c for c in denied if c.action in ("dynamodb:PutItem", "dynamodb:UpdateItem")}
        assert (not denied) if allowed else bool(writes), (crud, describe(denied))
