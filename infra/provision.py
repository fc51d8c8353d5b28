"""Create template.yaml's tables, stream, queues and buckets with boto3 (moto in tests and the local stack).

One code path for both, driven by the template, so the tests and the local stack can't drift from
what deploys. Works in-process under ``moto.mock_aws()`` and against a moto server named by
``AWS_ENDPOINT_URL`` (boto3 reads it). Bucket policies are not applied: the local stack speaks HTTP.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from typing import Any

import boto3

from infra.template import load_template, parameter_values, resources_of_type

_TABLE_KEYS = (
    "AttributeDefinitions",
    "KeySchema",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "ProvisionedThroughput",
)
_QUEUE_ATTRIBUTES = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
)
_FAST_WAIT = {"Delay": 0.1, "MaxAttempts": 100}
_SUB_NAME = re.compile(r"\$\{([^}!]+)\}")


@dataclass(frozen=True)
class Provisioned:
    names: dict[str, str]  # logical id -> physical name (the queue URL for queues, as !Ref gives)
    variables: dict[str, str]  # every function's environment, resolved

    def environment(self) -> dict[str, str]:
        """The environment variables the functions expect (Globals and every function merged)."""
        return dict(self.variables)


def provision(
    session: boto3.session.Session | None = None,
    *,
    prefix: str = "ea",
    region: str = "us-east-1",
    shard_count: int | None = None,
    parameters: dict[str, str] | None = None,
) -> Provisioned:
    """Create every table, stream, queue and bucket of the template as ``{prefix}-{LogicalId}``.

    ``session`` is a ``boto3.session.Session`` (None: boto3's default). Buckets are lowercased.
    ``parameters`` override the template's parameter defaults (``--parameter-overrides``).
    Calling it again against the same endpoint reuses what exists.
    """
    template = load_template()
    values = parameter_values(template, parameters)
    make = session or boto3
    names: dict[str, str] = {}

    dynamodb = make.client("dynamodb", region_name=region)
    for logical_id, props in resources_of_type(template, "AWS::DynamoDB::Table").items():
        name = names[logical_id] = f"{prefix}-{logical_id}"
        spec = {key: props[key] for key in _TABLE_KEYS if key in props}
        with contextlib.suppress(dynamodb.exceptions.ResourceInUseException):
            dynamodb.create_table(TableName=name, BillingMode=props.get("BillingMode", "PROVISIONED"), **spec)
        dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig=_FAST_WAIT)
        ttl = props.get("TimeToLiveSpecification")
        current = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if ttl and ttl.get("Enabled") and current.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        if props.get("PointInTimeRecoverySpecification"):
            dynamodb.update_continuous_backups(
                TableName=name, PointInTimeRecoverySpecification=props["PointInTimeRecoverySpecification"]
            )

    kinesis = make.client("kinesis", region_name=region)
    for logical_id, props in resources_of_type(template, "AWS::Kinesis::Stream").items():
        name = names[logical_id] = f"{prefix}-{logical_id}"
        shards = shard_count if shard_count is not None else int(_resolve(props["ShardCount"], {}, values))
        with contextlib.suppress(kinesis.exceptions.ResourceInUseException):
            kinesis.create_stream(StreamName=name, ShardCount=shards)
        kinesis.get_waiter("stream_exists").wait(StreamName=name, WaiterConfig=_FAST_WAIT)

    sqs = make.client("sqs", region_name=region)
    for logical_id, props in resources_of_type(template, "AWS::SQS::Queue").items():
        attributes = {key: _resolve(props[key], names, values) for key in _QUEUE_ATTRIBUTES if key in props}
        url = sqs.create_queue(QueueName=f"{prefix}-{logical_id}", Attributes=attributes)["QueueUrl"]
        names[logical_id] = url

    s3 = make.client("s3", region_name=region)
    for logical_id, props in resources_of_type(template, "AWS::S3::Bucket").items():
        name = names[logical_id] = f"{prefix}-{logical_id}".lower()
        location = (
            {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        )
        with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
            s3.create_bucket(Bucket=name, **location)
        _configure_bucket(s3, name, props)

    secrets = make.client("secretsmanager", region_name=region)
    for logical_id in resources_of_type(template, "AWS::SecretsManager::Secret"):
        name = f"{prefix}-{logical_id}"
        try:
            names[logical_id] = secrets.describe_secret(SecretId=name)["ARN"]  # !Ref of a secret is its ARN
        except secrets.exceptions.ResourceNotFoundException:
            value = secrets.get_random_password(PasswordLength=64, ExcludePunctuation=True)["RandomPassword"]
            names[logical_id] = secrets.create_secret(Name=name, SecretString=value)["ARN"]

    return Provisioned(names=dict(names), variables=_environment(template, names, values))


def _configure_bucket(s3: Any, name: str, props: dict[str, Any]) -> None:
    if "BucketEncryption" in props:
        rules = [
            {"ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"]}
            | ({"BucketKeyEnabled": rule["BucketKeyEnabled"]} if "BucketKeyEnabled" in rule else {})
            for rule in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        ]
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
    if "PublicAccessBlockConfiguration" in props:
        s3.put_public_access_block(
            Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
        )
    if "OwnershipControls" in props:
        s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=props["OwnershipControls"])
    if "LifecycleConfiguration" in props:
        s3.put_bucket_lifecycle_configuration(
            Bucket=name, LifecycleConfiguration=_lifecycle(props["LifecycleConfiguration"])
        )


def _lifecycle(config: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's lifecycle rules -> the S3 API's. Unknown keys fail rather than vanish."""
    rules: list[dict[str, Any]] = []
    for rule in config.get("Rules", []):
        unknown = set(rule) - {
            "Id",
            "Status",
            "Prefix",
            "ExpirationInDays",
            "AbortIncompleteMultipartUpload",
            "NoncurrentVersionExpirationInDays",
        }
        if unknown:
            raise ValueError(f"lifecycle rule keys not supported locally: {sorted(unknown)}")
        api_rule: dict[str, Any] = {
            "ID": rule.get("Id", f"rule-{len(rules)}"),
            "Status": rule.get("Status", "Enabled"),
            "Filter": {"Prefix": rule.get("Prefix", "")},
        }
        if "ExpirationInDays" in rule:
            api_rule["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
        if "AbortIncompleteMultipartUpload" in rule:
            days = int(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
            api_rule["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": days}
        if "NoncurrentVersionExpirationInDays" in rule:
            days = int(rule["NoncurrentVersionExpirationInDays"])
            api_rule["NoncurrentVersionExpiration"] = {"NoncurrentDays": days}
        rules.append(api_rule)
    return {"Rules": rules}


def _environment(
    template: dict[str, Any], names: dict[str, str], parameters: dict[str, Any]
) -> dict[str, str]:
    """Globals' variables overlaid by each function's, all functions merged into one dict."""
    common = (
        ((template.get("Globals") or {}).get("Function") or {}).get("Environment", {}).get("Variables", {})
    )
    merged: dict[str, str] = {}
    for function_id, props in resources_of_type(template, "AWS::Serverless::Function").items():
        own = (props.get("Environment") or {}).get("Variables") or {}
        for variable, value in (common | own).items():
            resolved = _resolve(value, names, parameters)
            if merged.setdefault(variable, resolved) != resolved:
                raise ValueError(
                    f"{function_id} sets {variable}={resolved!r}, another function {merged[variable]!r}"
                )
    return merged


def _resolve(value: Any, names: dict[str, str], parameters: dict[str, Any]) -> str:
    """A template value as CloudFormation would render it into an environment variable."""
    if isinstance(value, dict) and set(value) == {"Ref"}:
        ref = value["Ref"]
        if ref in names:
            return names[ref]
        if ref in parameters and parameters[ref] is not None:
            return _resolve(parameters[ref], names, parameters)
        raise ValueError(f"cannot resolve !Ref {ref} locally (not provisioned, no parameter default)")
    if isinstance(value, dict) and set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        if isinstance(parts, dict):  # !Join [",", !Ref SomeList]: a list parameter, comma-separated
            parts = [p.strip() for p in _resolve(parts, names, parameters).split(",")]
        return str(separator).join(_resolve(part, names, parameters) for part in parts)
    if isinstance(value, dict) and set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
        return _SUB_NAME.sub(lambda m: _resolve({"Ref": m.group(1)}, names, parameters), value["Fn::Sub"])
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise ValueError(f"cannot resolve {value!r} locally")
