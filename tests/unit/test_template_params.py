"""Bad input fails the deploy with a clear message: every template parameter is bounded and says
what it accepts, its default is within its bounds, and the Rules refuse bad combinations.

CloudFormation checks AllowedValues, MinValue/MaxValue and AllowedPattern (whole value; each item
of a CommaDelimitedList) before it changes anything, and answers with the ConstraintDescription;
Rules' assertions fail with their AssertDescription. These tests apply the same checks here.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import ValidationError

from infra.template import load_template
from shared.settings import Settings

PARAMETERS: dict[str, dict[str, Any]] = load_template()["Parameters"]


def violations(name: str, value: str) -> list[str]:
    """What CloudFormation would refuse about ``value`` for parameter ``name`` ([] = accepted)."""
    spec = PARAMETERS[name]
    items = [v.strip() for v in value.split(",")] if spec["Type"] == "CommaDelimitedList" else [value]
    problems = []
    for item in items:
        if "AllowedValues" in spec and item not in [str(v) for v in spec["AllowedValues"]]:
            problems.append(f"{item!r} is not an allowed value")
        if "AllowedPattern" in spec and not re.fullmatch(spec["AllowedPattern"], item):
            problems.append(f"{item!r} does not match {spec['AllowedPattern']}")
        if spec["Type"] == "Number":
            number = float(item)
            if "MinValue" in spec and number < spec["MinValue"]:
                problems.append(f"{item} < {spec['MinValue']}")
            if "MaxValue" in spec and number > spec["MaxValue"]:
                problems.append(f"{item} > {spec['MaxValue']}")
    return problems


@pytest.mark.parametrize("name", sorted(PARAMETERS))
def test_every_parameter_is_bounded_explained_and_defaults_within_bounds(name: str) -> None:
    spec = PARAMETERS[name]
    assert spec.get("Description"), f"{name}: say what it is for"
    assert spec.get("ConstraintDescription"), f"{name}: the message a bad value gets"
    if spec["Type"] == "Number":
        assert "AllowedValues" in spec or {"MinValue", "MaxValue"} <= set(spec), f"{name}: needs a range"
    else:
        assert spec["Type"] in ("String", "CommaDelimitedList"), name
        assert "AllowedValues" in spec or "AllowedPattern" in spec, f"{name}: needs a pattern or values"
    if "Default" in spec:
        assert violations(name, str(spec["Default"])) == [], name


GOOD_AND_BAD = {
    "StageName": (["prod", "dev_2"], ["", "pro d", "$default", "x" * 65]),
    "JwtIssuer": (
        ["https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC"],
        ["http://idp", "https://a b"],
    ),
    "JwtAudience": (["event-analytics", "a,b"], ["", "a b"]),
    "AllowedOrigins": (
        ["*", "https://dash.example.com", "http://127.0.0.1:8000,https://a.example"],
        ["https://dash.example.com/", "dash.example.com", "ftp://x", "https://a.example/path", ""],
    ),
    "AlarmTopicArn": (
        ["", "arn:aws:sns:eu-west-1:123456789012:alarms", "arn:aws-cn:sns:cn-north-1:123456789012:a"],
        ["alarms", "arn:aws:sqs:eu-west-1:123456789012:alarms", "arn:aws:sns:eu-west-1:1234:alarms"],
    ),
    "AlarmEmail": (["", "ops@example.com"], ["ops", "ops@example", "a@b.c,d@e.f"]),
    "LogRetentionDays": (["1", "30", "365"], ["2", "0", "400"]),
    "ApiThrottlingRateLimit": (["1", "10000"], ["0", "10001"]),
    "ApiThrottlingBurstLimit": (["1", "5000"], ["0", "5001"]),
    "ReportReservedConcurrency": (["1", "1000"], ["0", "1001"]),
    "StreamShardCount": (["1", "500"], ["0", "501"]),
    "ReportUrlExpirySeconds": (["60", "43200"], ["59", "604800"]),
}


@pytest.mark.parametrize("name", sorted(GOOD_AND_BAD))
def test_values_in_range_pass_and_out_of_range_fail(name: str) -> None:
    good, bad = GOOD_AND_BAD[name]
    for value in good:
        assert violations(name, value) == [], (name, value)
    for value in bad:
        assert violations(name, value), (name, value)


# ----------------------------------------------------------------------------- Rules


def evaluate(expression: Any, values: dict[str, Any]) -> Any:
    """The Rules functions the template uses, as CloudFormation evaluates them."""
    if not isinstance(expression, dict):
        return expression
    ((function, argument),) = expression.items()
    if function == "Ref":
        spec = PARAMETERS[argument]
        value = values[argument]
        return [v.strip() for v in value.split(",")] if spec["Type"] == "CommaDelimitedList" else value
    args = [evaluate(a, values) for a in argument]
    return {
        "Fn::Equals": lambda: args[0] == args[1],
        "Fn::Not": lambda: not args[0],
        "Fn::Contains": lambda: args[1] in args[0],
        "Fn::EachMemberEquals": lambda: all(v == args[1] for v in args[0]),
    }[function]()


def failed_rules(**overrides: str) -> list[str]:
    values = {name: str(spec.get("Default", "")) for name, spec in PARAMETERS.items()} | overrides
    failed = []
    for name, rule in load_template()["Rules"].items():
        if "RuleCondition" in rule and not evaluate(rule["RuleCondition"], values):
            continue
        failed += [
            f"{name}: {a['AssertDescription']}"
            for a in rule["Assertions"]
            if not evaluate(a["Assert"], values)
        ]
    return failed


def test_the_defaults_pass_every_rule() -> None:
    assert failed_rules() == []


def test_an_email_with_someone_elses_topic_is_refused_with_a_message() -> None:
    topic = "arn:aws:sns:eu-west-1:123456789012:alarms"
    assert failed_rules(AlarmTopicArn=topic) == []
    assert failed_rules(AlarmEmail="ops@example.com") == []  # subscribed to the topic the stack makes
    (failure,) = failed_rules(AlarmTopicArn=topic, AlarmEmail="ops@example.com")
    assert failure.startswith("EmailOnlyForTheStacksOwnTopic: AlarmEmail subscribes to the topic this stack")


def test_a_wildcard_mixed_with_origins_is_refused() -> None:
    assert failed_rules(AllowedOrigins="https://a.example,https://b.example") == []
    (failure,) = failed_rules(AllowedOrigins="*,https://a.example")
    assert 'either "*" alone' in failure


def test_every_rule_says_what_to_do() -> None:
    for name, rule in load_template()["Rules"].items():
        for assertion in rule["Assertions"]:
            assert len(assertion["AssertDescription"].split()) >= 8, name


# ----------------------------------------------------------------------------- the functions agree


@pytest.mark.parametrize("origins", GOOD_AND_BAD["AllowedOrigins"][0])
def test_the_functions_accept_every_origin_list_the_template_accepts(origins: str) -> None:
    joined = ",".join(o.strip() for o in origins.split(","))  # what !Join [",", !Ref AllowedOrigins] gives
    assert Settings(table_name="table", allowed_origins=joined).origins() == set(joined.split(","))


def test_the_functions_refuse_what_the_template_refuses() -> None:
    for origins in GOOD_AND_BAD["AllowedOrigins"][1]:
        with pytest.raises(ValidationError):
            Settings(table_name="table", allowed_origins=origins)
