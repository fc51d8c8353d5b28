"""Read template.yaml (with CloudFormation's short tags) as plain data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

TEMPLATE = Path(__file__).resolve().parent.parent / "template.yaml"

# Short form -> long form key. Everything but !Ref and !Condition is an Fn:: function.
_FUNCTIONS = (
    "And",
    "Contains",  # Contains, EachMember*, RefAll and ValueOf*: the Rules section's functions
    "EachMemberEquals",
    "EachMemberIn",
    "RefAll",
    "ValueOf",
    "ValueOfAll",
    "Base64",
    "Cidr",
    "Equals",
    "FindInMap",
    "GetAtt",
    "GetAZs",
    "If",
    "ImportValue",
    "Join",
    "Not",
    "Or",
    "Select",
    "Split",
    "Sub",
)
_TAGS = {"Ref": "Ref", "Condition": "Condition"} | {name: f"Fn::{name}" for name in _FUNCTIONS}


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader that also understands !Ref, !GetAtt, !Sub and the other short tags."""


def _construct(key: str, loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if key == "Fn::GetAtt":  # !GetAtt Resource.Attribute (the attribute may hold dots)
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {key: value}


for _short, _key in _TAGS.items():
    _CfnLoader.add_constructor(f"!{_short}", lambda loader, node, key=_key: _construct(key, loader, node))


def load_template(path: Path | None = None) -> dict[str, Any]:
    """The template as a dict; short tags become their long forms ({"Ref": x}, {"Fn::Sub": s}, ...)."""
    with (path or TEMPLATE).open(encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=_CfnLoader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(document, dict):
        raise ValueError(f"{path or TEMPLATE} is not a YAML mapping")
    return document


def resources_of_type(template: dict[str, Any], type_name: str) -> dict[str, dict[str, Any]]:
    """Logical id -> Properties ({} when absent) of every resource of ``type_name``."""
    return {
        logical_id: resource.get("Properties") or {}
        for logical_id, resource in (template.get("Resources") or {}).items()
        if resource.get("Type") == type_name
    }


def parameter_values(template: dict[str, Any], overrides: dict[str, str] | None = None) -> dict[str, Any]:
    """Each parameter's value as a deployment would see it: its Default unless ``overrides`` names it."""
    values = {name: spec.get("Default") for name, spec in (template.get("Parameters") or {}).items()}
    unknown = set(overrides or {}) - set(values)
    if unknown:
        raise ValueError(f"no such template parameter: {', '.join(sorted(unknown))}")
    return values | dict(overrides or {})
