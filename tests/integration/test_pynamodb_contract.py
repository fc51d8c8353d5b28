"""The hand-built DynamoDB requests (dal/writes.py) agree with PynamoDB's own, for every item kind.

The aggregator builds its PutItem/UpdateItem requests itself (conditions PynamoDB can't express,
and ~15 µs instead of ~200 per request) and sends them through dal/connection.py. If a PynamoDB
upgrade changed how a model serialises an attribute, the items we write would no longer read
back as the models say: these tests compare both ways of writing, attribute by attribute.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from pynamodb.attributes import BinaryAttribute, NumberAttribute, UnicodeAttribute, UnicodeSetAttribute

from dal import items
from dal.items import AnalyticsItem, bind_table, model_for
from dal.writes import DynamoItemStore, item_request
from domain import keys
from domain.coalesce import LatestGroup
from domain.fold import hwm_attribute
from domain.keys import ItemKey
from tests.conftest import Aws

E, U = "e1", "u1"
SESSION_TOTAL = keys.session_total_key(E, "s1")

KEY_OF: dict[type[AnalyticsItem], ItemKey] = {
    items.Profile: keys.profile_key(E, U),
    items.UserSession: keys.user_session_key(E, U, "s1"),
    items.UserVod: keys.user_vod_key(E, U, "v1"),
    items.UserView: keys.user_view_key(E, U, "live", "s1", "2026-11-20T10"),
    items.UserAttachment: keys.user_attachment_key(E, U, "a1"),
    items.UserEvent: keys.user_event_key(E, U),
    items.DedupPage: keys.dedup_page_key(keys.user_session_key(E, U, "s1"), 1),
    items.Tombstone: keys.tombstone_key(E, U),
    items.SessionTotal: SESSION_TOTAL,
    items.VodTotal: keys.vod_total_key(E, "v1"),
    items.AttachmentTotal: keys.attachment_total_key(E, "a1"),
    items.AttachmentLink: ItemKey(SESSION_TOTAL.pk, keys.attachment_sk("a1")),
    items.CatalogSession: keys.catalog_key(E, keys.session_sk("s1")),
    items.CatalogVod: keys.catalog_key(E, keys.vod_sk("v1")),
    items.CatalogAttachment: keys.catalog_key(E, keys.attachment_sk("a1")),
}
TOTALS = (items.SessionTotal, items.VodTotal, items.AttachmentTotal)
LATEST = (items.Profile, items.CatalogSession, items.CatalogVod, items.CatalogAttachment)
KEY_ATTRIBUTES = {"pk", "sk", "kind"}


def concrete_models() -> list[type[AnalyticsItem]]:
    """Every model with a discriminator value: every kind of item the table holds."""
    found, todo = [], list(AnalyticsItem.__subclasses__())
    while todo:
        model = todo.pop()
        todo += model.__subclasses__()
        try:
            AnalyticsItem.kind.serialize(model)
        except KeyError:
            continue  # an abstract base (_Folded, _Catalog…)
        if model not in found:
            found.append(model)
    return found


def sample_state(model: type[AnalyticsItem]) -> dict[str, Any]:
    """A value for every attribute the model declares, of the kind the aggregator stores."""
    state: dict[str, Any] = {}
    for name, attribute in model.get_attributes().items():
        if name in KEY_ATTRIBUTES:
            continue
        if isinstance(attribute, UnicodeSetAttribute):
            state[name] = {"p2", "p1", "ü"}
        elif isinstance(attribute, BinaryAttribute):
            state[name] = bytes(range(16))
        elif isinstance(attribute, NumberAttribute):
            state[name] = 1800.5 if name == "duration" else 42
        elif isinstance(attribute, UnicodeAttribute):
            state[name] = f"{name}: Ana Müller 漢字 ✓"
        else:  # pragma: no cover - a new attribute type needs a sample here and in dal/writes._typed
            raise AssertionError(f"no sample for {type(attribute).__name__} {model.__name__}.{name}")
    return state


def normalised(item: dict[str, Any]) -> dict[str, Any]:
    return {k: {t: sorted(v) if t == "SS" else v for t, v in typed.items()} for k, typed in item.items()}


def raw_item(aws: Aws, key: ItemKey) -> dict[str, Any]:
    response = aws.client("dynamodb").get_item(
        TableName=aws.table, Key={"pk": {"S": key.pk}, "sk": {"S": key.sk}}, ConsistentRead=True
    )
    item: dict[str, Any] = response["Item"]
    return item


def twin(key: ItemKey) -> ItemKey:
    """Where PynamoDB writes the same item, for comparison (same kind: only the event differs)."""
    return ItemKey(key.pk.replace(f"EVT#{E}#", "EVT#e2#", 1), key.sk)


def test_every_item_kind_is_covered() -> None:
    assert set(concrete_models()) == set(KEY_OF), "give the new item kind a key in KEY_OF"
    for model, key in KEY_OF.items():
        assert model_for(key) is model


@pytest.mark.parametrize("model", list(KEY_OF), ids=lambda m: m.__name__)
def test_item_request_is_what_pynamodb_serialises(model: type[AnalyticsItem]) -> None:
    key = KEY_OF[model]
    state = sample_state(model)
    ours = item_request(key, state)
    theirs = model(key.pk, key.sk, **state).serialize()
    assert normalised(ours) == normalised(theirs)


@pytest.mark.parametrize("model", list(KEY_OF), ids=lambda m: m.__name__)
def test_an_item_we_write_reads_back_through_its_model(aws: Aws, model: type[AnalyticsItem]) -> None:
    bind_table(aws.table)
    key = KEY_OF[model]
    state = sample_state(model)
    DynamoItemStore().write_item(key, state, None)
    read = AnalyticsItem.get(key.pk, key.sk, consistent_read=True)
    assert type(read) is model
    assert {name: getattr(read, name) for name in state} == state


@pytest.mark.parametrize("model", TOTALS, ids=lambda m: m.__name__)
def test_totals_update_matches_pynamodb_update(aws: Aws, model: type[AnalyticsItem]) -> None:
    bind_table(aws.table)
    key = KEY_OF[model]
    counters = [n for n, a in model.get_attributes().items() if isinstance(a, NumberAttribute)]
    add = {name: i + 1 for i, name in enumerate(counters)}
    store = DynamoItemStore()
    store.add_to_total(key, {"shardId-000000000000": (None, "003100")}, add)
    store.add_to_total(key, {"shardId-000000000000": ("003100", "003200")}, add)  # ADD adds up
    other = twin(key)
    for _ in range(2):
        model(other.pk, other.sk).update(
            actions=[getattr(model, name).add(amount) for name, amount in add.items()]
        )
    ours, theirs = raw_item(aws, key), raw_item(aws, other)
    mark = hwm_attribute("shardId-000000000000")
    assert ours.pop(mark) == {"S": "003200"}
    assert ours.pop("kind") == {"S": AnalyticsItem.kind.serialize(model)}
    theirs.pop("kind", None)  # PynamoDB's update() doesn't set the discriminator
    assert {k: v for k, v in ours.items() if k not in KEY_ATTRIBUTES} == {
        k: v for k, v in theirs.items() if k not in KEY_ATTRIBUTES
    }
    assert type(AnalyticsItem.get(key.pk, key.sk, consistent_read=True)) is model


@pytest.mark.parametrize("model", LATEST, ids=lambda m: m.__name__)
def test_latest_value_update_matches_pynamodb_save(aws: Aws, model: type[AnalyticsItem]) -> None:
    bind_table(aws.table)
    key = KEY_OF[model]
    time_attribute = "profile_time" if model is items.Profile else "catalog_time"
    values = {k: v for k, v in sample_state(model).items() if k != time_attribute}
    values["name"] = None  # a value the newer event no longer has is removed
    DynamoItemStore().put_latest(LatestGroup(key, "001", "2026-11-20T10:00:00.000Z", values, time_attribute))
    other = twin(key)
    kept = {k: v for k, v in values.items() if v is not None} | {time_attribute: "2026-11-20T10:00:00.000Z"}
    model(other.pk, other.sk, **kept).save()
    ours, theirs = raw_item(aws, key), raw_item(aws, other)
    assert "name" not in ours
    assert normalised({k: v for k, v in ours.items() if k not in {"pk", "sk"}}) == normalised(
        {k: v for k, v in theirs.items() if k not in {"pk", "sk"}}
    )


def test_pynamodb_private_names_are_reached_only_through_the_adapter() -> None:
    """``_get_connection`` and the connection's ``dispatch``/``client`` live in dal/connection.py only;
    dal/items.py may override ``_get_connection`` (to share the adapter's connection), not call it."""
    root = Path(__file__).parents[2] / "functions"
    allowed = {root / "dal" / "connection.py"}
    found = []
    for path in sorted(root.rglob("*.py")):
        if path in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and (
                node.attr == "_get_connection"
                or (isinstance(node.value, ast.Attribute) and node.value.attr == "connection")
            ):
                found.append(f"{path.relative_to(root)}:{node.lineno}")
    assert found == [], f"PynamoDB internals outside dal/connection.py: {found}"
