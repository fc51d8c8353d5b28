"""Powertools' HTTP event handler, without the cost of its package ``__init__``.

``aws_lambda_powertools/event_handler/__init__.py`` imports every resolver it has: AppSync (which
brings ``asyncio``), AppSync Events, Bedrock agents, VPC Lattice, Lambda function URLs… Our HTTP
functions use one, ``APIGatewayHttpResolver``, yet a package's ``__init__`` runs before any of its
submodules can be imported: ~50 ms of a cold start, about 0.2x ``import boto3`` (RESULTS.md,
cold start). Powertools did the same fix for the parser's envelopes (a module ``__getattr__``,
PR #8405); until ``event_handler`` gets it, this module gives the package that ``__getattr__``.

How: the package's module object is created from its spec without running its ``__init__``, so
its submodules import as usual. A name the ``__init__`` would define is looked up on first use:
the ones it takes from ``api_gateway`` come from there (Powertools' own modules ask the package
for ``Response`` and ``ApiGatewayResolver``); any other name runs the real ``__init__`` once, so
nothing that asks for, say, ``AppSyncResolver`` breaks. If the package was already imported
whole, nothing changes.

Every HTTP function imports Powertools' event handler through this module (a unit test checks).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from typing import Any

_PACKAGE = "aws_lambda_powertools.event_handler"
# What the real __init__ imports from api_gateway (Powertools' own modules ask the package for some).
_FROM_SUBMODULE = dict.fromkeys(
    (
        "ALBResolver",
        "APIGatewayHttpResolver",
        "ApiGatewayResolver",
        "APIGatewayRestResolver",
        "CORSConfig",
        "Response",
    ),
    "api_gateway",
)


def _package_without_init() -> None:
    if _PACKAGE in sys.modules:
        return
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or spec.loader is None:  # pragma: no cover - Powertools is a dependency
        raise ImportError(_PACKAGE)
    package = importlib.util.module_from_spec(spec)
    loader = spec.loader

    def lookup(name: str) -> Any:
        if name in _FROM_SUBMODULE:
            return getattr(importlib.import_module(f"{_PACKAGE}.{_FROM_SUBMODULE[name]}"), name)
        if name.startswith("__") or importlib.util.find_spec(f"{_PACKAGE}.{name}") is not None:
            raise AttributeError(name)  # a submodule: the import system loads it
        del vars(package)["__getattr__"]  # the real __init__, once
        loader.exec_module(package)
        return getattr(package, name)

    vars(package)["__getattr__"] = lookup  # PEP 562: called for names the module lacks
    sys.modules[_PACKAGE] = package


_package_without_init()

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
