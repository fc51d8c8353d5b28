"""The tables, stream, queue and bucket the tests and local stack use come from template.yaml."""

from __future__ import annotations

from tests.conftest import Aws


def test_resources_match_the_template(aws: Aws) -> None:
    dynamodb = aws.client("dynamodb")
    table = dynamodb.describe_table(TableName=aws.table)["Table"]
    assert [k["AttributeName"] for k in table["KeySchema"]] == ["pk", "sk"]
    assert table["GlobalSecondaryIndexes"][0]["IndexName"] == "GSI1"
    ttl = dynamodb.describe_time_to_live(TableName=aws.env["IDEMPOTENCY_TABLE_NAME"])["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expiration"
    assert (
        aws.client("kinesis").describe_stream_summary(StreamName=aws.stream)["StreamDescriptionSummary"][
            "OpenShardCount"
        ]
        == 1
    )
    s3 = aws.client("s3")
    block = s3.get_public_access_block(Bucket=aws.env["REPORTS_BUCKET"])["PublicAccessBlockConfiguration"]
    assert all(block.values())
    rules = s3.get_bucket_lifecycle_configuration(Bucket=aws.env["REPORTS_BUCKET"])["Rules"]
    assert rules[0]["Expiration"]["Days"] == 7


def test_environment_names_the_provisioned_resources(aws: Aws) -> None:
    assert aws.env["TABLE_NAME"] == aws.names["AnalyticsTable"] == "test-AnalyticsTable"
    assert aws.env["STREAM_NAME"] == "test-InteractionsStream"
    assert aws.env["DLQ_URL"].endswith("/test-AggregatorDLQ")
    assert aws.env["REPORTS_BUCKET"] == "test-reportsbucket"
    assert aws.env["REPORT_URL_EXPIRY_SECONDS"] == "900"
