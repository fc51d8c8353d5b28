"""template.yaml passes the SAM transform and cfn-lint, keeps its security promises and the route contract."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import pytest

from infra.template import TEMPLATE, load_template, resources_of_type

EXPECTED_ROUTES = {
    ("POST", "/v1/interactions"),
    ("GET", "/v1/events/{eventId}/users/{userId}/analytics"),
    ("GET", "/v1/events/{eventId}/users"),
    ("GET", "/v1/events/{eventId}/users/{userId}/sessions"),
    ("GET", "/v1/events/{eventId}/users/{userId}/vods"),
    ("GET", "/v1/events/{eventId}/users/{userId}/attachments"),
    ("GET", "/v1/events/{eventId}/sessions/{sessionId}/analytics"),
    ("GET", "/v1/events/{eventId}/vods/{vodId}/analytics"),
    ("POST", "/v1/events/{eventId}/users/{userId}/report"),
    ("DELETE", "/v1/events/{eventId}/users/{userId}"),
    ("GET", "/v1/openapi.json"),
    ("ANY", "$default"),  # the catch-all that answers 404/405 with the error envelope
}
PUBLIC_ROUTES = {("GET", "/v1/openapi.json"), ("ANY", "$default")}
EXPECTED_HANDLERS = {
    "CollectorFunction": "ingest.collector.handler",
    "AggregatorFunction": "ingest.aggregator.handler",
    "QueryFunction": "query.api.handler",
    "ReportFunction": "report.api.handler",
}


class _NoManagedPolicies:
    """The transform asks IAM for managed policy ARNs only when a template names one by name; ours doesn't."""

    def load(self) -> dict[str, str]:
        return {}


@cache
def _transform() -> dict[str, Any]:
    from samtranslator.translator.transform import transform

    template = copy.deepcopy(load_template())
    # `sam package` uploads functions/ and layers/ and rewrites CodeUri/ContentUri to S3 before the
    # transform runs.
    template["Globals"]["Function"]["CodeUri"] = "s3://artifacts/functions.zip"
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::LayerVersion":
            resource["Properties"]["ContentUri"] = "s3://artifacts/layer.zip"
    return transform(template, {}, _NoManagedPolicies())


@pytest.fixture
def cfn(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The CloudFormation the SAM transform makes of template.yaml (it needs a region, nothing else)."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    return copy.deepcopy(_transform())


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# ----------------------------------------------------------------------------- transform and lint


def test_sam_transform_makes_the_four_functions(cfn: dict[str, Any]) -> None:
    functions = of_type(cfn, "AWS::Lambda::Function")
    assert {name: f["Properties"]["Handler"] for name, f in functions.items()} == EXPECTED_HANDLERS
    for function in functions.values():
        props = function["Properties"]
        assert props["Runtime"] == "python3.11"
        assert props["Architectures"] == ["arm64"]
        assert props["Environment"]["Variables"]["TABLE_NAME"] == {"Ref": "AnalyticsTable"}
    assert functions["AggregatorFunction"]["Properties"]["Timeout"] == 120
    assert functions["ReportFunction"]["Properties"]["MemorySize"] == 1769  # a full vCPU: CPU-bound


def test_sam_transform_makes_the_stream_mapping(cfn: dict[str, Any]) -> None:
    (mapping,) = of_type(cfn, "AWS::Lambda::EventSourceMapping").values()
    props = mapping["Properties"]
    assert props["FunctionName"] == {"Ref": "AggregatorFunction"}
    assert props["EventSourceArn"] == {"Fn::GetAtt": ["InteractionsStream", "Arn"]}
    assert props["StartingPosition"] == "TRIM_HORIZON"
    assert props["ParallelizationFactor"] == 1
    assert props["BisectBatchOnFunctionError"] is True
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["MaximumBatchingWindowInSeconds"] == {"Ref": "BatchingWindowSeconds"}
    assert props["MaximumRetryAttempts"] == {"Ref": "AggregatorMaxRetryAttempts"}
    assert props["BatchSize"] == {"Ref": "AggregatorBatchSize"}
    assert props["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": ["AggregatorDLQ", "Arn"]}
    window = cfn["Parameters"]["BatchingWindowSeconds"]
    assert (window["Default"], window["MinValue"], window["MaxValue"]) == (30, 0, 300)
    batch = cfn["Parameters"]["AggregatorBatchSize"]
    assert (batch["Default"], batch["MaxValue"]) == (1000, 10000)
    # Redeliveries after throttled writes count as retries: by default the record's age (a day)
    # decides when a range goes to the DLQ, not a retry count that minutes of throttling exhaust.
    retries = cfn["Parameters"]["AggregatorMaxRetryAttempts"]
    assert (retries["Default"], retries["MinValue"]) == (-1, -1)
    assert props["MaximumRecordAgeInSeconds"] == 86400


def test_cfn_lint_reports_no_errors_or_warnings() -> None:
    from cfnlint.api import lint_file

    matches = lint_file(TEMPLATE)
    assert [f"{m.rule.id} {m.message} (line {m.linenumber})" for m in matches] == []


# ----------------------------------------------------------------------------- routes and auth


def test_template_routes_are_the_contract() -> None:
    routes = set()
    for props in resources_of_type(load_template(), "AWS::Serverless::Function").values():
        for event in (props.get("Events") or {}).values():
            if event["Type"] == "HttpApi":
                assert event["Properties"]["ApiId"] == {"Ref": "HttpApi"}
                routes.add((event["Properties"]["Method"], event["Properties"]["Path"]))
    assert routes == EXPECTED_ROUTES


def test_api_has_the_routes_and_only_openapi_skips_the_jwt_authorizer(cfn: dict[str, Any]) -> None:
    body = cfn["Resources"]["HttpApi"]["Properties"]["Body"]
    security = {
        ("ANY" if method == "x-amazon-apigateway-any-method" else method.upper(), path): operation["security"]
        for path, operations in body["paths"].items()
        for method, operation in operations.items()
    }
    assert set(security) == EXPECTED_ROUTES
    for route, requirement in security.items():
        expected: list[dict[str, list[str]]] = (
            [{"NONE": []}] if route in PUBLIC_ROUTES else [{"JwtAuthorizer": []}]
        )
        assert requirement == expected, route
    authorizer = body["components"]["securitySchemes"]["JwtAuthorizer"]["x-amazon-apigateway-authorizer"]
    assert authorizer["type"] == "jwt"
    assert authorizer["identitySource"] == "$request.header.Authorization"
    assert authorizer["jwtConfiguration"] == {
        "issuer": {"Ref": "JwtIssuer"},
        "audience": {"Ref": "JwtAudience"},
    }


# ----------------------------------------------------------------------------- security invariants


def test_buckets_block_public_access_encrypt_and_expire_reports(cfn: dict[str, Any]) -> None:
    buckets = of_type(cfn, "AWS::S3::Bucket")
    assert set(buckets) == {"ReportsBucket"}
    for bucket in buckets.values():
        props = bucket["Properties"]
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        (encryption,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
        assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    (rule,) = buckets["ReportsBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    assert (rule["Prefix"], rule["ExpirationInDays"], rule["Status"]) == ("reports/", 7, "Enabled")


def test_buckets_refuse_plain_http(cfn: dict[str, Any]) -> None:
    policies = {
        p["Properties"]["Bucket"]["Ref"]: p["Properties"]
        for p in of_type(cfn, "AWS::S3::BucketPolicy").values()
    }
    for name in of_type(cfn, "AWS::S3::Bucket"):
        statements = policies[name]["PolicyDocument"]["Statement"]
        assert any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            for s in statements
        ), name


def test_tables_have_pitr_and_encryption(cfn: dict[str, Any]) -> None:
    tables = of_type(cfn, "AWS::DynamoDB::Table")
    assert set(tables) == {"AnalyticsTable", "IdempotencyTable"}
    for table in tables.values():
        assert table["Properties"]["BillingMode"] == "PAY_PER_REQUEST"
        assert table["Properties"]["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert table["Properties"]["SSESpecification"]["SSEEnabled"] is True
    assert tables["AnalyticsTable"]["DeletionPolicy"] == "Retain"
    assert tables["IdempotencyTable"]["Properties"]["TimeToLiveSpecification"] == {
        "AttributeName": "expiration",
        "Enabled": True,
    }


def test_stream_and_queue_are_encrypted(cfn: dict[str, Any]) -> None:
    (stream,) = of_type(cfn, "AWS::Kinesis::Stream").values()
    assert stream["Properties"]["StreamEncryption"] == {"EncryptionType": "KMS", "KeyId": "alias/aws/kinesis"}
    (queue,) = of_type(cfn, "AWS::SQS::Queue").values()
    assert queue["Properties"].get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in queue["Properties"]


def _allow_statements(cfn: dict[str, Any]) -> list[dict[str, Any]]:
    documents = [
        policy["PolicyDocument"]
        for role in of_type(cfn, "AWS::IAM::Role").values()
        for policy in role["Properties"].get("Policies", [])
    ]
    documents += [p["Properties"]["PolicyDocument"] for p in of_type(cfn, "AWS::IAM::Policy").values()]
    documents += [p["Properties"]["PolicyDocument"] for p in of_type(cfn, "AWS::IAM::ManagedPolicy").values()]
    return [s for document in documents for s in as_list(document["Statement"]) if s["Effect"] == "Allow"]


def wildcard_grants(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Allow statements with a `*` or `service:*` action on a `*` resource."""
    return [
        s
        for s in statements
        if any(a == "*" or a.endswith(":*") for a in as_list(s.get("Action", [])))
        and "*" in as_list(s.get("Resource", []))
    ]


def test_the_wildcard_check_can_fail() -> None:
    bad = {"Effect": "Allow", "Action": ["s3:*"], "Resource": "*"}
    fine = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": {"Fn::Sub": "${B.Arn}/*"}}
    assert wildcard_grants([bad, fine]) == [bad]


def test_no_wildcard_grants_and_no_inline_grant_on_every_resource(cfn: dict[str, Any]) -> None:
    statements = _allow_statements(cfn)
    assert len(statements) >= 8
    assert wildcard_grants(statements) == []
    assert [s for s in statements if "*" in as_list(s["Resource"])] == []


def test_each_role_gets_only_what_its_function_uses(cfn: dict[str, Any]) -> None:
    def actions(role: str) -> set[str]:
        policies = cfn["Resources"][role]["Properties"]["Policies"]
        return {
            action
            for policy in policies
            for statement in as_list(policy["PolicyDocument"]["Statement"])
            for action in as_list(statement["Action"])
        }

    assert actions("CollectorFunctionRole") == {
        "kinesis:PutRecords",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
    }
    assert actions("AggregatorFunctionRole") == {
        "dynamodb:BatchGetItem",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
        "dynamodb:UpdateItem",
        "dynamodb:GetItem",
        "sqs:SendMessage",
        "kinesis:DescribeStream",
        "kinesis:DescribeStreamSummary",
        "kinesis:GetRecords",
        "kinesis:GetShardIterator",
        "kinesis:ListShards",
    }
    assert actions("QueryFunctionRole") == {
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:BatchGetItem",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
        "dynamodb:BatchWriteItem",
        "s3:ListBucket",
        "s3:DeleteObject",
        "secretsmanager:GetSecretValue",
    }
    assert actions("ReportFunctionRole") == {
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:BatchGetItem",
        "s3:PutObject",
        "s3:GetObject",
    }


def test_every_function_has_a_log_group_with_retention(cfn: dict[str, Any]) -> None:
    groups = {
        group["Properties"]["LogGroupName"]["Fn::Sub"]: group["Properties"]
        for group in of_type(cfn, "AWS::Logs::LogGroup").values()
    }
    for name in of_type(cfn, "AWS::Lambda::Function"):
        assert groups[f"/aws/lambda/${{{name}}}"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name
    assert cfn["Parameters"]["LogRetentionDays"]["Default"] == 30


def test_alarms_watch_the_aggregator(cfn: dict[str, Any]) -> None:
    alarms = {name: a["Properties"] for name, a in of_type(cfn, "AWS::CloudWatch::Alarm").items()}
    iterator_age = alarms["AggregatorIteratorAgeAlarm"]
    assert (iterator_age["MetricName"], iterator_age["Threshold"]) == ("IteratorAge", 60000)
    assert iterator_age["Period"] * iterator_age["EvaluationPeriods"] == 300
    assert alarms["AggregatorDLQDepthAlarm"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarms["AggregatorErrorsAlarm"]["MetricName"] == "Errors"
    throttles = alarms["AggregatorThrottlesAlarm"]
    assert (throttles["MetricName"], throttles["Threshold"]) == ("Throttles", 0)
    assert throttles["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": "AggregatorFunction"}}]
    # One instance per shard, reserved, so other functions' spikes can't starve it.
    aggregator = cfn["Resources"]["AggregatorFunction"]["Properties"]
    assert aggregator["ReservedConcurrentExecutions"] == {"Ref": "StreamShardCount"}
    for alarm in alarms.values():
        assert alarm["TreatMissingData"] == "notBreaching"
        assert alarm["ComparisonOperator"] == "GreaterThanThreshold"


def test_outputs() -> None:
    assert set(load_template()["Outputs"]) == {
        "ApiUrl",
        "TableName",
        "StreamName",
        "BucketName",
        "DLQUrl",
        "AlarmTopicArn",
    }
