"""Powertools' HTTP event handler, without the cost of two packages' ``__init__``.

``aws_lambda_powertools/event_handler/__init__.py`` imports every resolver Powertools has: AppSync
(which brings ``asyncio``), Bedrock agents, VPC Lattice… and ``utilities/data_classes/__init__.py``
imports ~40 event classes, from CodePipeline to Kafka. Our HTTP functions use one resolver and two
event classes, yet a package's ``__init__`` runs before any of its submodules can be imported:
about 0.3x ``import boto3`` of every cold start (RESULTS.md, cold start). Powertools made the
parser's envelopes lazy with a module ``__getattr__`` (PR #8405); until these two packages get
one, this module gives it to them.

How: the package's module object is created from its spec without running its ``__init__``, so
its submodules import as usual. A name that the ``__init__`` imports from a submodule (read from
its ``from .x import y`` lines) is imported from there on first use: Powertools' own modules ask
the packages for ``Response``, ``ApiGatewayResolver`` or ``APIGatewayProxyEventV2``. Any other
name runs the real ``__init__`` once, so nothing breaks. A package already imported whole is left
as it is.

Every function imports Powertools' event handler through this module (a unit test checks).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import pathlib
import sys
from typing import Any


def _names_by_submodule(package: str, init_source: str) -> dict[str, str]:
    """``{name: submodule}`` for each ``from <package>.<submodule> import name`` of an ``__init__``."""
    homes: dict[str, str] = {}
    for node in ast.parse(init_source).body:
        if isinstance(node, ast.ImportFrom) and node.module:
            module = node.module if node.level == 0 else f"{package}.{node.module}"
            if module.startswith(f"{package}.") and "." not in module[len(package) + 1 :]:
                homes.update((alias.asname or alias.name, module) for alias in node.names)
    return homes


def _package_without_init(name: str) -> None:
    """Make ``name`` a package whose ``__init__`` runs only for a name it can't find elsewhere."""
    if name in sys.modules:
        return  # already imported whole: nothing to save
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.origin is None:  # pragma: no cover - not a package
        return
    homes = _names_by_submodule(name, pathlib.Path(spec.origin).read_text(encoding="utf-8"))
    package = importlib.util.module_from_spec(spec)
    loader = spec.loader

    def resolve(attribute: str) -> Any:
        # Kept in the package's namespace, as the __init__ would: importing a submodule binds its
        # name there too, so a function named like its module (``event_source``) must win after.
        value = vars(package)[attribute] = getattr(importlib.import_module(homes[attribute]), attribute)
        return value

    def lookup(attribute: str) -> Any:
        if attribute in homes:
            return resolve(attribute)
        if attribute.startswith("__") or importlib.util.find_spec(f"{name}.{attribute}") is not None:
            raise AttributeError(attribute)  # a submodule: the import system loads it
        del vars(package)["__getattr__"]  # the real __init__, once
        loader.exec_module(package)
        return getattr(package, attribute)

    vars(package)["__getattr__"] = lookup  # PEP 562: called for names the module lacks
    sys.modules[name] = package
    for attribute, home in homes.items():
        if home == f"{name}.{attribute}":  # named like its submodule: bound now, or the module would win
            resolve(attribute)


_package_without_init("aws_lambda_powertools.event_handler")
_package_without_init("aws_lambda_powertools.utilities.data_classes")

from aws_lambda_powertools.event_handler import content_types  # noqa: E402
from aws_lambda_powertools.event_handler.api_gateway import APIGatewayHttpResolver, Response  # noqa: E402
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError  # noqa: E402
from aws_lambda_powertools.event_handler.openapi.params import Path, Query  # noqa: E402
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse  # noqa: E402

__all__ = [
    "APIGatewayHttpResolver",
    "OpenAPIResponse",
    "Path",
    "Query",
    "RequestValidationError",
    "Response",
    "content_types",
]
