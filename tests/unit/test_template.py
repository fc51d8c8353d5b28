"""template.yaml passes the SAM transform and cfn-lint, and keeps its security promises."""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from infra.template import TEMPLATE, load_template, resources_of_type

EXPECTED_ROUTES = {
    ("POST", "/v1/interactions"),
    ("GET", "/v1/events/{eventId}/users/{userId}/analytics"),
    ("GET", "/v1/events/{eventId}/users"),
    ("GET", "/v1/events/{eventId}/sessions/{sessionId}/analytics"),
    ("GET", "/v1/events/{eventId}/vods/{vodId}/analytics"),
    ("POST", "/v1/events/{eventId}/users/{userId}/report"),
    ("DELETE", "/v1/events/{eventId}/users/{userId}"),
    ("GET", "/v1/openapi.json"),
}


class _NoManagedPolicies:
    """The transform asks IAM for managed policy ARNs only when a template names one; ours doesn't."""

    def load(self) -> dict[str, str]:
        return {}


@cache
def transformed() -> dict[str, Any]:
    from samtranslator.translator.transform import transform

    template = copy.deepcopy(load_template())
    # `sam package` uploads functions/ and rewrites CodeUri to S3 before the transform runs.
    template["Globals"]["Function"]["CodeUri"] = "s3://artifacts/functions.zip"
    return transform(template, {}, _NoManagedPolicies())  # type: ignore[arg-type]


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def test_sam_transform_produces_the_functions_and_mapping() -> None:
    cfn = transformed()
    functions = of_type(cfn, "AWS::Lambda::Function")
    handlers = {props["Properties"]["Handler"] for props in functions.values()}
    assert handlers == {
        "ingest.collector.handler",
        "ingest.aggregator.handler",
        "query.api.handler",
        "report.api.handler",
    }
    (mapping,) = of_type(cfn, "AWS::Lambda::EventSourceMapping").values()
    props = mapping["Properties"]
    assert props["ParallelizationFactor"] == 1
    assert props["BisectBatchOnFunctionError"] is True
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["MaximumBatchingWindowInSeconds"] == {"Ref": "BatchingWindowSeconds"}
    assert props["MaximumRetryAttempts"] == {"Ref": "AggregatorMaxRetryAttempts"}
    assert props["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": ["AggregatorDLQ", "Arn"]}
    assert load_template()["Parameters"]["BatchingWindowSeconds"]["Default"] == 30


def test_cfn_lint_is_clean() -> None:
    from cfnlint.api import lint_file

    matches = lint_file(Path(TEMPLATE))
    assert [f"{m.rule.id} {m.message}" for m in matches] == []


def test_routes_are_the_contract() -> None:
    routes = set()
    for props in resources_of_type(load_template(), "AWS::Serverless::Function").values():
        for event in props.get("Events", {}).values():
            if event["Type"] == "HttpApi":
                routes.add((event["Properties"]["Method"], event["Properties"]["Path"]))
    assert routes == EXPECTED_ROUTES


def test_only_the_openapi_document_skips_the_authorizer() -> None:
    api = resources_of_type(load_template(), "AWS::Serverless::HttpApi")["HttpApi"]
    assert api["Auth"]["DefaultAuthorizer"] == "JwtAuthorizer"
    open_routes = [
        event["Properties"]["Path"]
        for props in resources_of_type(load_template(), "AWS::Serverless::Function").values()
        for event in props.get("Events", {}).values()
        if event["Type"] == "HttpApi" and event["Properties"].get("Auth", {}).get("Authorizer") == "NONE"
    ]
    assert open_routes == ["/v1/openapi.json"]


def test_buckets_block_public_access_and_encrypt() -> None:
    buckets = of_type(transformed(), "AWS::S3::Bucket")
    assert buckets
    for bucket in buckets.values():
        props = bucket["Properties"]
        block = props["PublicAccessBlockConfiguration"]
        assert all(
            block[k] is True
            for k in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
        )
        assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert props["LifecycleConfiguration"]["Rules"][0]["Prefix"] == "reports/"


def test_tables_have_pitr_and_encryption() -> None:
    tables = of_type(transformed(), "AWS::DynamoDB::Table")
    assert set(tables) == {"AnalyticsTable", "IdempotencyTable"}
    for table in tables.values():
        assert table["Properties"]["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
        assert table["Properties"]["SSESpecification"]["SSEEnabled"] is True
    assert (
        tables["IdempotencyTable"]["Properties"]["TimeToLiveSpecification"]["AttributeName"] == "expiration"
    )


def _statements(cfn: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for role in of_type(cfn, "AWS::IAM::Role").values():
        for policy in role["Properties"].get("Policies", []):
            out += policy["PolicyDocument"]["Statement"]
    return out


def test_no_wildcard_actions_on_wildcard_resources() -> None:
    statements = _statements(transformed())
    assert statements
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = (
            statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        )
        assert not any(a == "*" or a.endswith(":*") for a in actions), statement
        assert "*" not in resources, statement


def test_every_function_logs_to_a_group_with_retention() -> None:
    cfn = transformed()
    groups = of_type(cfn, "AWS::Logs::LogGroup")
    for name, function in of_type(cfn, "AWS::Lambda::Function").items():
        group = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert groups[group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name


@pytest.mark.parametrize("alarm", ["AggregatorIteratorAgeAlarm", "AggregatorDLQDepthAlarm"])
def test_alarms_exist(alarm: str) -> None:
    assert transformed()["Resources"][alarm]["Type"] == "AWS::CloudWatch::Alarm"
