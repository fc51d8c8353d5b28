"""The CloudFormation the SAM transform makes of template.yaml, offline (as `sam deploy` would)."""

from __future__ import annotations

import copy
import os
from functools import cache
from typing import Any

from infra.template import load_template


class _NoManagedPolicies:
    """The transform asks IAM for managed policy ARNs only when a template names one by name; ours doesn't."""

    def load(self) -> dict[str, str]:
        return {}


@cache
def _transformed(parameters: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    from samtranslator.translator.transform import transform

    template = copy.deepcopy(load_template())
    # `sam package` uploads each CodeUri and rewrites it to S3 before the transform runs.
    template.setdefault("Globals", {}).setdefault("Function", {})
    for resource in [template["Globals"]["Function"], *template["Resources"].values()]:
        props = resource.get("Properties", resource) if resource.get("Type") else resource
        if "CodeUri" in props:
            props["CodeUri"] = "s3://artifacts/functions.zip"
        if resource.get("Type") == "AWS::Serverless::LayerVersion" and "ContentUri" in props:
            props["ContentUri"] = "s3://artifacts/layer.zip"
    previous = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = previous or "us-east-1"  # the transform needs a region, nothing else
    try:
        values = {k: list(v) if isinstance(v, tuple) else v for k, v in parameters}
        return transform(template, values, _NoManagedPolicies())
    finally:
        if previous is None:
            del os.environ["AWS_DEFAULT_REGION"]


def transformed(parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    """A fresh copy of the transformed template (``parameters``: values the deploy would pass)."""
    frozen = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in (parameters or {}).items()))
    return copy.deepcopy(_transformed(frozen))
