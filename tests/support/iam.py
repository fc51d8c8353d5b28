"""What each function's IAM role allows, from template.yaml after the SAM transform.

The transform (aws-sam-translator, as ``sam deploy`` runs it) turns ``Policies`` (inline
statements, SAM policy templates such as ``DynamoDBCrudPolicy``, managed policy names) into the
role's real statements. Resources are resolved symbolically: a resource's physical name is its
logical id, so ``!GetAtt AnalyticsTable.Arn`` is ``arn:aws:dynamodb:us-east-1:123456789012:table/
AnalyticsTable``, and a call's target (``test-AnalyticsTable``, a queue URL, a secret ARN) is
mapped back to the logical id it was provisioned from (``infra.provision`` names things
``{prefix}-{LogicalId}``).

The evaluation is IAM's, minus what the template doesn't use: an explicit Deny wins, ``*``/``?``
wildcards in actions (case-insensitive) and resources; ``Condition`` blocks are taken as met.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from infra.template import load_template

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's account, so the ARNs moto returns resolve the same way
PSEUDO = {
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT,
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "event-analytics",
    "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/event-analytics/1",
    "AWS::NoValue": "",
}

# The managed policies SAM attaches, as AWS publishes them (what a handler could rely on).
MANAGED: dict[str, list[dict[str, Any]]] = {
    "AWSLambdaBasicExecutionRole": [
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": "*",
        }
    ],
    "AWSLambdaKinesisExecutionRole": [
        {
            "Effect": "Allow",
            "Action": [
                "kinesis:DescribeStream",
                "kinesis:DescribeStreamSummary",
                "kinesis:GetRecords",
                "kinesis:GetShardIterator",
                "kinesis:ListShards",
                "kinesis:ListStreams",
                "kinesis:SubscribeToShard",
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
            ],
            "Resource": "*",
        }
    ],
    "AWSXRayDaemonWriteAccess": [
        {
            "Effect": "Allow",
            "Action": [
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "xray:GetSamplingRules",
                "xray:GetSamplingTargets",
                "xray:GetSamplingStatisticSummaries",
            ],
            "Resource": "*",
        }
    ],
}


class _NoManagedPolicyLookup:
    """The transform asks IAM for managed policy ARNs only for names it doesn't know; none here."""

    def load(self) -> dict[str, str]:
        return {}


def transformed(template: dict[str, Any] | None = None) -> dict[str, Any]:
    """The CloudFormation ``sam deploy`` makes of the template (code locations as ``sam package``
    leaves them: S3 URIs)."""
    from samtranslator.translator.transform import transform

    source = copy.deepcopy(template if template is not None else load_template())
    for section in (source.get("Globals") or {}).get("Function") or {}, *_resources(source, "Function"):
        if "CodeUri" in section:
            section["CodeUri"] = "s3://artifacts/function.zip"
    for layer in _resources(source, "LayerVersion"):
        layer["ContentUri"] = "s3://artifacts/layer.zip"
    previous = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = REGION  # the transform needs a region, nothing else
    try:
        result: dict[str, Any] = transform(source, {}, _NoManagedPolicyLookup())
    finally:
        if previous is None:
            del os.environ["AWS_DEFAULT_REGION"]
        else:
            os.environ["AWS_DEFAULT_REGION"] = previous
    return result


def _resources(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [
        r.setdefault("Properties", {})
        for r in (template.get("Resources") or {}).values()
        if r.get("Type") == f"AWS::Serverless::{kind}"
    ]


# ----------------------------------------------------------------------------- resolving intrinsics


def _arn(kind: str, name: str) -> str:
    service = {
        "AWS::DynamoDB::Table": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}",
        "AWS::Kinesis::Stream": f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{name}",
        "AWS::SQS::Queue": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}",
        "AWS::S3::Bucket": f"arn:aws:s3:::{name}",
        "AWS::SecretsManager::Secret": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}",
        "AWS::SNS::Topic": f"arn:aws:sns:{REGION}:{ACCOUNT}:{name}",
        "AWS::Lambda::Function": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}",
        "AWS::Logs::LogGroup": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}:*",
        "AWS::IAM::Role": f"arn:aws:iam::{ACCOUNT}:role/{name}",
    }
    return service.get(kind, f"arn:aws:unknown:{REGION}:{ACCOUNT}:{name}")


def _ref(name: str, template: dict[str, Any]) -> list[str]:
    if name in PSEUDO:
        return [PSEUDO[name]]
    parameter = (template.get("Parameters") or {}).get(name)
    if parameter is not None:
        default = parameter.get("Default", "")
        return [str(v) for v in default] if isinstance(default, list) else [str(default)]
    kind = template["Resources"][name]["Type"]
    if kind == "AWS::SQS::Queue":
        return [f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}"]
    if kind in ("AWS::SecretsManager::Secret", "AWS::SNS::Topic"):
        return [_arn(kind, name)]  # !Ref of these is their ARN
    return [name]


def _get_att(name: str, attribute: str, template: dict[str, Any]) -> str:
    kind = template["Resources"][name]["Type"]
    if attribute == "Arn":
        return _arn(kind, name)
    if attribute in ("QueueName", "TopicName"):
        return name
    if attribute == "QueueUrl":
        return _ref(name, template)[0]
    return f"{name}.{attribute}"


_SUB = re.compile(r"\$\{([^}!]+)\}")


def resolve(value: Any, template: dict[str, Any]) -> list[str]:
    """Every string a (possibly intrinsic) value can take; both branches of an ``Fn::If``."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in resolve(v, template)]
    if not isinstance(value, dict) or len(value) != 1:
        raise ValueError(f"can't resolve {value!r}")
    ((function, argument),) = value.items()
    if function == "Ref":
        return _ref(argument, template)
    if function == "Fn::GetAtt":
        name, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
        return [_get_att(name, attribute, template)]
    if function == "Fn::Sub":
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        values = {k: resolve(v, template)[0] for k, v in variables.items()}

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in values:
                return values[name]
            resource, _, attribute = name.partition(".")
            if attribute and resource in template["Resources"]:
                return _get_att(resource, attribute, template)
            return _ref(name, template)[0]

        return [_SUB.sub(substitute, text)]
    if function == "Fn::Join":
        separator, parts = argument
        return [separator.join(resolve(p, template)[0] for p in parts)]
    if function == "Fn::If":
        _, when_true, when_false = argument
        return resolve(when_true, template) + resolve(when_false, template)
    if function == "Fn::Select":
        index, items = argument
        return [resolve(items, template)[int(index)]]
    raise ValueError(f"can't resolve {function}")


# ----------------------------------------------------------------------------- policies


def _pattern(glob: str, *, ignore_case: bool) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
    return re.compile(f"^{regex}$", re.IGNORECASE if ignore_case else 0)


@dataclass(frozen=True)
class Statement:
    effect: str
    actions: tuple[re.Pattern[str], ...]
    resources: tuple[re.Pattern[str], ...]
    source: str  # for messages: which policy it came from

    def matches(self, action: str, resource: str) -> bool:
        return any(a.match(action) for a in self.actions) and any(r.match(resource) for r in self.resources)


@dataclass(frozen=True)
class Policy:
    function: str
    statements: tuple[Statement, ...]

    def allows(self, action: str, resource: str) -> bool:
        matching = [s for s in self.statements if s.matches(action, resource)]
        return bool(matching) and all(s.effect == "Allow" for s in matching)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statements(raw: Iterable[dict[str, Any]], template: dict[str, Any], source: str) -> list[Statement]:
    found = []
    for statement in raw:
        if "NotAction" in statement or "NotResource" in statement:
            raise NotImplementedError(f"{source}: NotAction/NotResource (extend tests/support/iam.py)")
        actions = [a for v in _as_list(statement["Action"]) for a in resolve(v, template)]
        resources = [r for v in _as_list(statement.get("Resource", "*")) for r in resolve(v, template)]
        found.append(
            Statement(
                statement["Effect"],
                tuple(_pattern(a, ignore_case=True) for a in actions),
                tuple(_pattern(r, ignore_case=False) for r in resources),
                source,
            )
        )
    return found


def policies(template: dict[str, Any] | None = None) -> dict[str, Policy]:
    """Each function's (logical id) effective policy. ``template``: a variant of template.yaml."""
    return _policies(None) if template is None else _build(transformed(template))


@cache
def _policies(_: None) -> dict[str, Policy]:
    return _build(transformed())


def _build(cfn: dict[str, Any]) -> dict[str, Policy]:
    found = {}
    for name, resource in cfn["Resources"].items():
        if resource["Type"] != "AWS::Lambda::Function":
            continue
        role_name = resource["Properties"]["Role"]["Fn::GetAtt"][0]
        role = cfn["Resources"][role_name]["Properties"]
        statements: list[Statement] = []
        for policy in role.get("Policies") or []:
            document = policy["PolicyDocument"]
            statements += _statements(_as_list(document["Statement"]), cfn, policy["PolicyName"])
        for arn in role.get("ManagedPolicyArns") or []:
            managed = resolve(arn, cfn)[0].rsplit("/", 1)[-1]
            statements += _statements(MANAGED.get(managed, []), cfn, managed)
        found[name] = Policy(name, tuple(statements))
    return found


def handlers(template: dict[str, Any] | None = None) -> dict[str, str]:
    """Handler (``ingest.collector.handler``) -> the function's logical id."""
    from infra.template import resources_of_type

    functions = resources_of_type(template or load_template(), "AWS::Serverless::Function")
    return {props["Handler"]: name for name, props in functions.items()}
