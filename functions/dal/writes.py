"""The aggregator's writes: one conditional UpdateItem per touched item per batch."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.operand import Path, Value
from pynamodb.expressions.update import Action

from dal.items import AnalyticsItem, attribute, model_for
from domain.apply import AlreadyApplied, ItemTooLarge, Written, hwm_attribute
from domain.coalesce import LatestGroup
from domain.delta import Delta
from domain.keys import ItemKey

_CONDITION_FAILED = "ConditionalCheckFailedException"
_deserializer = TypeDeserializer()


def plain(raw: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB JSON to Python values (numbers as Decimal)."""
    return {name: _deserializer.deserialize(value) for name, value in raw.items()}


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


def update_actions(model: type[AnalyticsItem], delta: Delta) -> list[Action]:
    actions: list[Action] = [AnalyticsItem.kind.set(model)]
    for name, amount in delta.add.items():
        actions.append(attribute(model, name).add(amount))
    for name, strings in delta.strings.items():
        actions.append(attribute(model, name).add(set(strings)))
    for name, numbers in delta.numbers.items():
        actions.append(attribute(model, name).add(set(numbers)))
    actions += _puts(model, delta.put)
    for name, value in delta.put_once.items():
        attr = attribute(model, name)
        actions.append(attr.set(attr | value))
    return actions


def _puts(model: type[AnalyticsItem], values: dict[str, Any]) -> list[Action]:
    """SET each value; a None removes the attribute (a newer profile without a company)."""
    return [
        attribute(model, name).remove() if value is None else attribute(model, name).set(value)
        for name, value in values.items()
    ]


class DynamoItemStore:
    """``domain.apply.ItemStore`` on the PynamoDB models."""

    def add_after(
        self, key: ItemKey, shard: str, first_seq: str, last_seq: str, delta: Delta
    ) -> Written | AlreadyApplied:
        model = model_for(key)
        mark = Path(hwm_attribute(shard))
        actions = [*update_actions(model, delta), mark.set(Value({"S": last_seq}))]
        condition = mark.does_not_exist() | (mark < Value({"S": first_seq}))
        try:
            data = self._update(model, key, actions, condition, "UPDATED_NEW")
        except ClientError as exc:
            old = _old_item(exc)
            if old is not None:
                return AlreadyApplied(old)
            if _too_large(exc):
                raise ItemTooLarge(str(key)) from None
            raise
        return Written(plain(data.get("Attributes", {})))

    def put_latest(self, group: LatestGroup) -> bool:
        model = model_for(group.key)
        stamp = attribute(model, group.time_attribute)
        actions: list[Action] = [AnalyticsItem.kind.set(model), stamp.set(group.time)]
        actions += _puts(model, group.values)
        try:
            self._update(model, group.key, actions, stamp.does_not_exist() | (stamp < group.time), "NONE")
        except ClientError as exc:
            if _old_item(exc) is None:
                raise
            return False  # the item already holds a newer (or this very) value
        return True

    @staticmethod
    def _update(
        model: type[AnalyticsItem], key: ItemKey, actions: list[Action], condition: Condition, returns: str
    ) -> dict[str, Any]:
        connection = model._get_connection()
        kwargs = connection.get_operation_kwargs(
            key.pk,
            key.sk,
            actions=actions,
            condition=condition,
            return_values=returns,
            return_values_on_condition_failure="ALL_OLD",
        )
        return connection.connection.dispatch("UpdateItem", kwargs)
