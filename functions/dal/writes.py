"""The aggregator's reads and writes (``domain.apply.ItemStore`` on DynamoDB).

One consistent BatchGetItem for the batch's items, one conditional PutItem per changed item (on its
version), one conditional UpdateItem per totals item. Requests go through PynamoDB's connection (one
client, its retries and timeouts); item kinds and attribute names come from the models.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache
from typing import Any

from botocore.exceptions import ClientError

from dal import connection
from dal.items import AnalyticsItem, model_for
from domain.apply import PAGE_VERSION, Conflict, ItemTooLarge
from domain.coalesce import LatestGroup
from domain.fold import hwm_attribute
from domain.keys import ItemKey

BATCH_GET_LIMIT = 100
_CONDITION_FAILED = "ConditionalCheckFailedException"


def _value(typed: dict[str, Any]) -> Any:
    # Not boto3's TypeDeserializer: importing boto3 costs the aggregator ~30 ms of cold start.
    ((kind, value),) = typed.items()
    if kind in ("S", "B", "BOOL"):
        return value
    if kind == "N":
        return _number(value)
    if kind in ("SS", "BS"):
        return set(value)
    if kind == "NS":
        return {_number(v) for v in value}
    if kind == "NULL":
        return None
    if kind == "L":
        return [_value(v) for v in value]
    if kind == "M":
        return plain(value)
    raise ValueError(f"unsupported DynamoDB type {kind}")


def _number(text: str) -> int | float:
    number = Decimal(text)
    return int(number) if number == number.to_integral_value() else float(number)


def plain(raw: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB JSON to Python values (integral numbers as int, others as float)."""
    return {name: _value(value) for name, value in raw.items()}


def _typed(value: Any) -> dict[str, Any]:
    kind = type(value)  # the common exact types first: this runs for every attribute written
    if kind is str:
        return {"S": value}
    if kind is int:
        return {"N": str(value)}
    if kind is bytes:
        return {"B": value}
    if isinstance(value, bool):
        return {"N": "1" if value else "0"}
    if isinstance(value, int | Decimal):
        return {"N": str(value)}
    if isinstance(value, float):
        return {"N": repr(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bytes | bytearray):
        return {"B": bytes(value)}
    if isinstance(value, set | frozenset):
        members = sorted(value)
        if all(isinstance(m, str) for m in members):
            return {"SS": members}
        return {"NS": [str(m) for m in members]}
    raise TypeError(f"cannot store {type(value).__name__}")


def _kind(model: type[AnalyticsItem]) -> dict[str, str]:
    """The item kind discriminator, as the model serialises it (a fresh dict: requests own theirs)."""
    return {"S": _kind_name(model)}


@lru_cache(maxsize=64)  # one per model; asked for every item written (PynamoDB's lookup: ~0.5 µs)
def _kind_name(model: type[AnalyticsItem]) -> str:
    name: str = AnalyticsItem.kind.serialize(model)  # type: ignore[no-untyped-call]  # untyped in PynamoDB
    return name


def item_request(key: ItemKey, state: dict[str, Any]) -> dict[str, Any]:
    """The full item: key, kind discriminator, and every attribute with a value (empty sets dropped)."""
    item = {"pk": {"S": key.pk}, "sk": {"S": key.sk}, "kind": {"S": _kind_of(key)}}
    if not _KEY_ATTRIBUTES.isdisjoint(state):  # never from the aggregator: the key is the key's
        state = {name: value for name, value in state.items() if name not in _KEY_ATTRIBUTES}
    for name, value in state.items():
        if value is not None and (value or not isinstance(value, set | frozenset)):
            item[name] = _typed(value)
    return item


@lru_cache(maxsize=65536)  # the same items are written batch after batch
def _kind_of(key: ItemKey) -> str:
    return _kind_name(model_for(key))


_KEY_ATTRIBUTES = frozenset(("pk", "sk", "kind"))


def _code(exc: ClientError) -> tuple[str, str]:
    for error in (exc.__cause__, exc):
        if isinstance(error, ClientError):
            info = error.response.get("Error", {})
            return str(info.get("Code", "")), str(info.get("Message", ""))
    return "", ""  # pragma: no cover - PynamoDB always chains botocore's error


def _translate(exc: ClientError) -> Exception:
    code, message = _code(exc)
    if code == _CONDITION_FAILED or (
        code == "TransactionCanceledException" and "ConditionalCheckFailed" in message
    ):
        return Conflict(code)
    if code == "ValidationException" and "maximum allowed size" in message:
        return ItemTooLarge(code)
    return exc  # type: ignore[no-any-return]  # botocore's ClientError is untyped


def _dispatch(operation: str, request: dict[str, Any]) -> dict[str, Any]:
    """Through PynamoDB's connection: one client, its retries, timeouts and signals."""
    if operation in ("PutItem", "UpdateItem", "DeleteItem"):
        request.setdefault("TableName", AnalyticsItem.Meta.table_name)
    try:
        return connection.dispatch(AnalyticsItem, operation, request)
    except ClientError as exc:
        raise _translate(exc) from None


class DynamoItemStore:
    def read(self, keys: Iterable[ItemKey]) -> dict[ItemKey, dict[str, Any]]:
        wanted = [{"pk": {"S": k.pk}, "sk": {"S": k.sk}} for k in sorted(keys)]  # same request every run
        found: dict[ItemKey, dict[str, Any]] = {}
        table = AnalyticsItem.Meta.table_name
        for start in range(0, len(wanted), BATCH_GET_LIMIT):
            request: dict[str, Any] = {
                table: {"Keys": wanted[start : start + BATCH_GET_LIMIT], "ConsistentRead": True}
            }
            while request:
                response = _dispatch("BatchGetItem", {"RequestItems": request})
                for raw in response.get("Responses", {}).get(table, []):
                    item = plain(raw)
                    found[ItemKey(item.pop("pk"), item.pop("sk"))] = item
                request = response.get("UnprocessedKeys") or {}
        return found

    def write_item(self, key: ItemKey, state: dict[str, Any], expected_version: int | None) -> None:
        put: dict[str, Any] = {"Item": item_request(key, state)}
        if expected_version is None:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        elif expected_version != PAGE_VERSION:
            put["ConditionExpression"] = "version = :version"
            put["ExpressionAttributeValues"] = {":version": {"N": str(expected_version)}}
        _dispatch("PutItem", put)

    def delete(self, keys: Iterable[ItemKey]) -> None:
        for key in keys:
            _dispatch("DeleteItem", {"Key": {"pk": {"S": key.pk}, "sk": {"S": key.sk}}})

    def add_to_total(
        self, key: ItemKey, marks: dict[str, tuple[str | None, str]], add: dict[str, int]
    ) -> None:
        names: dict[str, str] = {"#kind": "kind"}
        values: dict[str, Any] = {":kind": _kind(model_for(key))}
        sets, conditions = ["#kind = :kind"], []
        for i, (shard, (old, new)) in enumerate(sorted(marks.items())):
            names[f"#m{i}"] = hwm_attribute(shard)
            values[f":new{i}"] = {"S": new}
            sets.append(f"#m{i} = :new{i}")
            if old is None:
                conditions.append(f"attribute_not_exists(#m{i})")
            else:
                values[f":old{i}"] = {"S": old}
                conditions.append(f"#m{i} = :old{i}")
        adds = []
        for i, (name, amount) in enumerate(sorted(add.items())):
            names[f"#a{i}"] = name
            values[f":a{i}"] = {"N": str(amount)}
            adds.append(f"#a{i} :a{i}")
        expression = "SET " + ", ".join(sets) + (" ADD " + ", ".join(adds) if adds else "")
        _dispatch(
            "UpdateItem",
            {
                "Key": {"pk": {"S": key.pk}, "sk": {"S": key.sk}},
                "UpdateExpression": expression,
                "ConditionExpression": " AND ".join(conditions),
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            },
        )

    def put_latest(self, group: LatestGroup) -> bool:
        """Its link items, then the values unless the item holds a value at least as new."""
        names = {"#kind": "kind", "#t": group.time_attribute}
        values: dict[str, Any] = {
            ":kind": _kind(model_for(group.key)),
            ":t": {"S": group.time},
        }
        sets, removes = ["#kind = :kind", "#t = :t"], []
        for i, (name, value) in enumerate(group.values.items()):
            names[f"#v{i}"] = name
            if value is None:
                removes.append(f"#v{i}")
            else:
                values[f":v{i}"] = _typed(value)
                sets.append(f"#v{i} = :v{i}")
        update = {
            "Key": {"pk": {"S": group.key.pk}, "sk": {"S": group.key.sk}},
            "UpdateExpression": "SET "
            + ", ".join(sets)
            + (" REMOVE " + ", ".join(removes) if removes else ""),
            "ConditionExpression": "attribute_not_exists(#t) OR #t < :t",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        # Links first: a retry after a failure writes them again, whereas once the entry is
        # stored a retry stops at its condition. A link the catalog no longer confirms is
        # ignored when read.
        for link in group.links:
            _dispatch("PutItem", {"Item": item_request(link, {group.time_attribute: group.time})})
        try:
            _dispatch("UpdateItem", update)
        except Conflict:
            return False  # the item already holds a newer (or this very) value
        return True
