"""The hardened API of issue 11, item 5, in the CloudFormation the SAM transform makes of template.yaml."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.sam import transformed

STATEFUL = {
    "AWS::DynamoDB::Table",
    "AWS::S3::Bucket",
    "AWS::Kinesis::Stream",
    "AWS::SQS::Queue",
    "AWS::SecretsManager::Secret",
    "AWS::Logs::LogGroup",
    "AWS::SNS::Topic",
}


@pytest.fixture
def cfn() -> dict[str, Any]:
    return transformed()


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def test_access_logs_are_json_lines_with_retention_and_no_paths(cfn: dict[str, Any]) -> None:
    (stage,) = of_type(cfn, "AWS::ApiGatewayV2::Stage").values()
    settings = stage["Properties"]["AccessLogSettings"]
    assert settings["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogs", "Arn"]}
    fields = json.loads(settings["Format"])  # one JSON object per request
    assert {"requestId", "routeKey", "status", "authorizerError", "integrationError"} <= set(fields)
    assert fields["requestId"] == "$context.requestId"
    # A path holds a user id; the route key doesn't. No user id is ever written to a log.
    assert not [v for v in fields.values() if v in ("$context.path", "$context.authorizer.claims.sub")]
    group = cfn["Resources"]["ApiAccessLogs"]["Properties"]
    assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_every_route_is_throttled_by_parameters(cfn: dict[str, Any]) -> None:
    (stage,) = of_type(cfn, "AWS::ApiGatewayV2::Stage").values()
    assert stage["Properties"]["DefaultRouteSettings"] == {
        "ThrottlingBurstLimit": {"Ref": "ApiThrottlingBurstLimit"},
        "ThrottlingRateLimit": {"Ref": "ApiThrottlingRateLimit"},
    }


def test_the_report_has_reserved_concurrency_and_answers_within_the_apis_30_s(cfn: dict[str, Any]) -> None:
    from report.api import RENDER_AND_STORE_SECONDS

    report = cfn["Resources"]["ReportFunction"]["Properties"]
    assert report["ReservedConcurrentExecutions"] == {"Ref": "ReportReservedConcurrency"}
    assert report["Timeout"] <= 29  # HTTP API integrations time out at 30 s
    # The function refuses to start a render it can't finish, with room for the dashboard reads.
    assert report["Timeout"] >= RENDER_AND_STORE_SECONDS + 5
    # SPEC section 5: render <= 10 s at the function's memory (measured ~1.5 s); storing follows.
    assert RENDER_AND_STORE_SECONDS >= 10


def test_every_alarm_notifies_the_topic(cfn: dict[str, Any]) -> None:
    topic = {"Fn::If": ["CreateAlarmTopic", {"Ref": "AlarmTopic"}, {"Ref": "AlarmTopicArn"}]}
    alarms = of_type(cfn, "AWS::CloudWatch::Alarm")
    assert len(alarms) >= 5
    for name, alarm in alarms.items():
        assert alarm["Properties"]["AlarmActions"] == [topic], name
        assert alarm["Properties"]["OKActions"] == [topic], name
    assert cfn["Resources"]["AlarmTopic"]["Condition"] == "CreateAlarmTopic"
    assert cfn["Conditions"]["CreateAlarmTopic"] == {"Fn::Equals": [{"Ref": "AlarmTopicArn"}, ""]}
    subscription = cfn["Resources"]["AlarmEmailSubscription"]
    assert subscription["Condition"] == "SubscribeAlarmEmail"
    assert subscription["Properties"]["Protocol"] == "email"
    assert cfn["Outputs"]["AlarmTopicArn"]["Value"] == topic


def test_the_api_and_the_report_have_alarms_too(cfn: dict[str, Any]) -> None:
    alarms = {name: a["Properties"] for name, a in of_type(cfn, "AWS::CloudWatch::Alarm").items()}
    api = alarms["ApiServerErrorsAlarm"]
    assert (api["Namespace"], api["MetricName"]) == ("AWS/ApiGateway", "5xx")
    assert {d["Name"] for d in api["Dimensions"]} == {"ApiId", "Stage"}
    report = alarms["ReportThrottlesAlarm"]
    assert report["MetricName"] == "Throttles"
    assert report["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": "ReportFunction"}}]


def test_every_stateful_resource_says_what_deletion_and_replacement_do(cfn: dict[str, Any]) -> None:
    stateful = {k: v for k, v in cfn["Resources"].items() if v["Type"] in STATEFUL}
    assert len(stateful) >= 11
    for name, resource in stateful.items():
        assert resource.get("DeletionPolicy") in ("Retain", "Delete", "Snapshot"), name
        assert resource.get("UpdateReplacePolicy") in ("Retain", "Delete", "Snapshot"), name
    # What can't be rebuilt stays: the analytics, the quarantined records, the reports bucket.
    for name in ("AnalyticsTable", "AggregatorDLQ", "ReportsBucket"):
        assert stateful[name]["DeletionPolicy"] == "Retain", name
    assert stateful["InteractionsStream"]["UpdateReplacePolicy"] == "Retain"  # unaggregated records


def test_cors_comes_from_the_parameter(cfn: dict[str, Any]) -> None:
    default = cfn["Resources"]["HttpApi"]["Properties"]["Body"]["x-amazon-apigateway-cors"]
    assert default["allowOrigins"] == "*"  # the transform resolves the parameter's value
    narrowed = transformed({"AllowedOrigins": ["https://dash.example", "https://other.example"]})
    cors = narrowed["Resources"]["HttpApi"]["Properties"]["Body"]["x-amazon-apigateway-cors"]
    assert cors["allowOrigins"] == ["https://dash.example", "https://other.example"]
    assert "OPTIONS" in cors["allowMethods"]
    for function in ("QueryFunction", "ReportFunction"):
        variables = cfn["Resources"][function]["Properties"]["Environment"]["Variables"]
        assert variables["ALLOWED_ORIGINS"] == {"Fn::Join": [",", {"Ref": "AllowedOrigins"}]}
