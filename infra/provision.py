"""Create the template's tables, stream, queues and bucket in moto (tests and the local stack).

One code path for both, driven by template.yaml, so the tests and the local stack can't
drift from what deploys.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

import boto3

from infra.template import load_template, resources_of_type

_TABLE_KEYS = ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "LocalSecondaryIndexes")


@dataclass(frozen=True)
class Provisioned:
    template: dict[str, Any]
    names: dict[str, str]  # logical id -> physical name (queue URL for queues, as !Ref gives)
    parameters: dict[str, Any] = field(default_factory=dict)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict) and set(value) == {"Ref"}:
            ref = value["Ref"]
            if ref in self.names:
                return self.names[ref]
            if ref in self.parameters:
                return str(self.parameters[ref])
            raise KeyError(f"cannot resolve !Ref {ref} locally")
        if isinstance(value, dict) and set(value) == {"Fn::GetAtt"}:
            logical_id, attribute = value["Fn::GetAtt"]
            return f"arn:aws:local:{attribute}:{self.names[logical_id]}"
        return value

    def environment(self) -> dict[str, str]:
        """The environment variables of every function (Globals first), resolved to local names."""
        variables: dict[str, str] = {}
        function_globals = self.template.get("Globals", {}).get("Function", {})
        blocks = [function_globals.get("Environment", {}).get("Variables", {})]
        for props in resources_of_type(self.template, "AWS::Serverless::Function").values():
            blocks.append(props.get("Environment", {}).get("Variables", {}))
        for block in blocks:
            for name, value in block.items():
                variables[name] = str(self.resolve(value))
        return variables


def _parameter_defaults(template: dict[str, Any]) -> dict[str, Any]:
    return {name: spec.get("Default") for name, spec in template.get("Parameters", {}).items()}


def provision(
    *, prefix: str = "ea", region: str = "us-east-1", shard_count: int | None = None
) -> Provisioned:
    template = load_template()
    parameters = _parameter_defaults(template)
    names: dict[str, str] = {}
    draft = Provisioned(template, names, parameters)

    dynamodb = boto3.client("dynamodb", region_name=region)
    for logical_id, props in resources_of_type(template, "AWS::DynamoDB::Table").items():
        name = names[logical_id] = f"{prefix}-{logical_id}"
        spec = {key: props[key] for key in _TABLE_KEYS if key in props}
        with contextlib.suppress(dynamodb.exceptions.ResourceInUseException):
            dynamodb.create_table(
                TableName=name, BillingMode=props.get("BillingMode", "PAY_PER_REQUEST"), **spec
            )
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)

    kinesis = boto3.client("kinesis", region_name=region)
    for logical_id, props in resources_of_type(template, "AWS::Kinesis::Stream").items():
        name = names[logical_id] = f"{prefix}-{logical_id}"
        shards = shard_count or int(draft.resolve(props.get("ShardCount", 1)))
        with contextlib.suppress(kinesis.exceptions.ResourceInUseException):
            kinesis.create_stream(StreamName=name, ShardCount=shards)
        kinesis.get_waiter("stream_exists").wait(
            StreamName=name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 50}
        )

    sqs = boto3.client("sqs", region_name=region)
    for logical_id in resources_of_type(template, "AWS::SQS::Queue"):
        names[logical_id] = sqs.create_queue(QueueName=f"{prefix}-{logical_id}")["QueueUrl"]

    s3 = boto3.client("s3", region_name=region)
    for logical_id, props in resources_of_type(template, "AWS::S3::Bucket").items():
        name = names[logical_id] = f"{prefix}-{logical_id}".lower()
        with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
            s3.create_bucket(Bucket=name)
        if "BucketEncryption" in props:
            rules = [
                {"ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"]}
                for rule in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
            ]
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
        if "PublicAccessBlockConfiguration" in props:
            s3.put_public_access_block(
                Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
            )
        if "LifecycleConfiguration" in props:
            s3.put_bucket_lifecycle_configuration(
                Bucket=name, LifecycleConfiguration=_lifecycle(props["LifecycleConfiguration"])
            )
    return Provisioned(template, dict(names), parameters)


def _lifecycle(config: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's lifecycle shape → the S3 API's."""
    rules = []
    for rule in config.get("Rules", []):
        api_rule: dict[str, Any] = {"ID": rule.get("Id", "rule"), "Status": rule.get("Status", "Enabled")}
        api_rule["Filter"] = {"Prefix": rule.get("Prefix", "")}
        if "ExpirationInDays" in rule:
            api_rule["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
        if "AbortIncompleteMultipartUpload" in rule:
            days = rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"]
            api_rule["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": int(days)}
        rules.append(api_rule)
    return {"Rules": rules}
