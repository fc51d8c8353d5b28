"""The aggregator's writes: one conditional UpdateItem per touched item per batch."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from dal.expressions import counter_update, latest_update
from dal.items import AnalyticsItem, model_for
from domain.apply import AlreadyApplied, ItemTooLarge, Written, hwm_attribute
from domain.coalesce import LatestGroup
from domain.delta import Delta
from domain.keys import ItemKey

_CONDITION_FAILED = "ConditionalCheckFailedException"


def _value(typed: dict[str, Any]) -> Any:
    # Not boto3's TypeDeserializer: importing boto3 costs the aggregator ~30 ms of cold start.
    ((kind, value),) = typed.items()
    if kind in ("S", "B", "BOOL"):
        return value
    if kind == "N":
        return Decimal(value)
    if kind == "SS":
        return set(value)
    if kind == "NS":
        return {Decimal(v) for v in value}
    if kind == "NULL":
        return None
    if kind == "L":
        return [_value(v) for v in value]
    if kind == "M":
        return plain(value)
    raise ValueError(f"unsupported DynamoDB type {kind}")


def plain(raw: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB JSON to Python values (numbers as Decimal)."""
    return {name: _value(value) for name, value in raw.items()}


def _old_item(exc: ClientError) -> dict[str, Any] | None:
    """The item returned by ReturnValuesOnConditionCheckFailure, or None if not a condition failure."""
    # PynamoDB re-raises botocore's error as its own; the item is on the original.
    for error in (exc.__cause__, exc):
        if (
            isinstance(error, ClientError)
            and error.response.get("Error", {}).get("Code") == _CONDITION_FAILED
        ):
            return plain(error.response.get("Item") or {})
    return None


def _too_large(exc: ClientError) -> bool:
    """DynamoDB's answer to an item growing past 400 KB (a ValidationException)."""
    for error in (exc.__cause__, exc):
        if isinstance(error, ClientError):
            info = error.response.get("Error", {})
            if info.get("Code") == "ValidationException" and "maximum allowed size" in info.get(
                "Message", ""
            ):
                return True
    return False


class DynamoItemStore:
    """``domain.apply.ItemStore`` on the PynamoDB models."""

    def add_after(
        self, key: ItemKey, shard: str, first_seq: str, last_seq: str, delta: Delta
    ) -> Written | AlreadyApplied:
        request = counter_update(model_for(key), key, delta, hwm_attribute(shard), first_seq, last_seq)
        try:
            data = _dispatch(request)
        except ClientError as exc:
            old = _old_item(exc)
            if old is not None:
                return AlreadyApplied(old)
            if _too_large(exc):
                raise ItemTooLarge(str(key)) from None
            raise
        return Written(plain(data.get("Attributes", {})))

    def put_latest(self, group: LatestGroup) -> bool:
        request = latest_update(
            model_for(group.key), group.key, group.values, group.time_attribute, group.time
        )
        try:
            _dispatch(request)
        except ClientError as exc:
            if _old_item(exc) is None:
                raise
            return False  # the item already holds a newer (or this very) value
        return True


def _dispatch(request: dict[str, Any]) -> dict[str, Any]:
    """Through PynamoDB's connection: one client, its retries, timeouts and signals."""
    return AnalyticsItem._get_connection().connection.dispatch("UpdateItem", request)
