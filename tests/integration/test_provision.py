"""provision() builds the template's tables, stream, queue and bucket in moto, and the environment."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from infra.provision import Provisioned, provision
from infra.template import load_template

REGION = "us-east-1"


@pytest.fixture
def moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield


def client(service: str) -> Any:
    return boto3.client(service, region_name=REGION)


@pytest.fixture
def provisioned(moto: None) -> Provisioned:
    return provision(prefix="t")


def test_names_follow_the_prefix(provisioned: Provisioned) -> None:
    assert provisioned.names == {
        "AnalyticsTable": "t-AnalyticsTable",
        "IdempotencyTable": "t-IdempotencyTable",
        "InteractionsStream": "t-InteractionsStream",
        "AggregatorDLQ": "https://sqs.us-east-1.amazonaws.com/123456789012/t-AggregatorDLQ",
        "ReportsBucket": "t-reportsbucket",
        "CursorSecret": provisioned.names["CursorSecret"],
    }
    assert ":secret:t-CursorSecret" in provisioned.names["CursorSecret"]


def test_analytics_table_has_the_keys_and_gsi(provisioned: Provisioned) -> None:
    table = client("dynamodb").describe_table(TableName="t-AnalyticsTable")["Table"]
    assert table["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    (gsi,) = table["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == "GSI1"
    assert gsi["KeySchema"] == [
        {"AttributeName": "gsi1pk", "KeyType": "HASH"},
        {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
    ]
    assert gsi["Projection"] == {"ProjectionType": "KEYS_ONLY"}  # index writes on create or key change only
    backups = client("dynamodb").describe_continuous_backups(TableName="t-AnalyticsTable")
    recovery = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert recovery["PointInTimeRecoveryStatus"] == "ENABLED"


def test_idempotency_table_expires_items(provisioned: Provisioned) -> None:
    dynamodb = client("dynamodb")
    table = dynamodb.describe_table(TableName="t-IdempotencyTable")["Table"]
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    ttl = dynamodb.describe_time_to_live(TableName="t-IdempotencyTable")["TimeToLiveDescription"]
    assert ttl == {"AttributeName": "expiration", "TimeToLiveStatus": "ENABLED"}


def test_stream_has_the_template_default_shard_count(provisioned: Provisioned) -> None:
    summary = client("kinesis").describe_stream_summary(StreamName="t-InteractionsStream")
    assert summary["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE"
    default = load_template()["Parameters"]["StreamShardCount"]["Default"]
    assert summary["StreamDescriptionSummary"]["OpenShardCount"] == default == 2


def test_shard_count_can_be_overridden(moto: None) -> None:
    provision(prefix="one", shard_count=1)
    shards = client("kinesis").list_shards(StreamName="one-InteractionsStream")["Shards"]
    assert len(shards) == 1


def test_queue_keeps_messages_for_fourteen_days(provisioned: Provisioned) -> None:
    url = provisioned.names["AggregatorDLQ"]
    assert client("sqs").get_queue_url(QueueName="t-AggregatorDLQ")["QueueUrl"] == url
    attributes = client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["MessageRetentionPeriod"])
    assert attributes["Attributes"]["MessageRetentionPeriod"] == "1209600"


def test_bucket_is_private_encrypted_and_expires_reports(provisioned: Provisioned) -> None:
    s3 = client("s3")
    bucket = "t-reportsbucket"
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    (rule,) = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    (lifecycle,) = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert lifecycle["Filter"] == {"Prefix": "reports/"}
    assert lifecycle["Expiration"] == {"Days": 7}
    assert lifecycle["Status"] == "Enabled"


def test_environment_maps_to_the_physical_names(provisioned: Provisioned) -> None:
    env = provisioned.environment()
    assert env["TABLE_NAME"] == "t-AnalyticsTable"
    assert env["IDEMPOTENCY_TABLE_NAME"] == "t-IdempotencyTable"
    assert env["STREAM_NAME"] == "t-InteractionsStream"
    assert env["DLQ_URL"] == provisioned.names["AggregatorDLQ"]
    assert env["DLQ_URL"].endswith("/t-AggregatorDLQ")
    assert env["REPORTS_BUCKET"] == "t-reportsbucket"
    # Parameters resolve to their defaults, literals pass through, all as strings.
    assert env["REPORT_URL_EXPIRY_SECONDS"] == "900"
    assert env["POWERTOOLS_SERVICE_NAME"] == "event-analytics"
    assert env["LOG_LEVEL"] == "INFO"
    assert all(isinstance(value, str) for value in env.values())
    env["TABLE_NAME"] = "changed"
    assert provisioned.environment()["TABLE_NAME"] == "t-AnalyticsTable"


def test_provisioning_twice_reuses_the_resources(provisioned: Provisioned) -> None:
    again = provision(prefix="t")
    assert again == provisioned
    assert client("dynamodb").list_tables()["TableNames"] == ["t-AnalyticsTable", "t-IdempotencyTable"]
    assert client("kinesis").list_streams()["StreamNames"] == ["t-InteractionsStream"]


def test_a_session_and_another_region_are_honoured(moto: None) -> None:
    session = boto3.session.Session(region_name="eu-west-1")
    result = provision(session, prefix="eu", region="eu-west-1", shard_count=1)
    assert result.names["AggregatorDLQ"].startswith("https://sqs.eu-west-1.amazonaws.com/")
    location = session.client("s3").get_bucket_location(Bucket="eu-reportsbucket")["LocationConstraint"]
    assert location == "eu-west-1"
    assert "eu-AnalyticsTable" in session.client("dynamodb").list_tables()["TableNames"]
