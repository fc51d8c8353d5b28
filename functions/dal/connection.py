"""The one adapter over PynamoDB's private connection API.

PynamoDB has no public way to share one connection between models of one table, to send a
request it has no method for (a conditional PutItem with our own expression), or to reach the
botocore client for event hooks. Those three reach into private names here and nowhere else, so
an upgrade that moves them breaks this module and its contract test
(tests/integration/test_pynamodb_contract.py), not the code that writes items.
"""

from __future__ import annotations

from typing import Any

from pynamodb.connection import TableConnection
from pynamodb.models import Model


def shared_connection(model: type[Model]) -> TableConnection:
    """The connection PynamoDB caches for ``model``: every item kind shares the base model's."""
    connection: TableConnection = Model._get_connection.__func__(model)  # type: ignore[attr-defined]
    return connection


def dispatch(model: type[Model], operation: str, request: dict[str, Any]) -> dict[str, Any]:
    """Send a low-level request (DynamoDB JSON) through the model's client, retries and timeouts."""
    response: dict[str, Any] = model._get_connection().connection.dispatch(operation, request)
    return response


def botocore_client(model: type[Model]) -> Any:
    return model._get_connection().connection.client
