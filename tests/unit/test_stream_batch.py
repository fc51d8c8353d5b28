"""The aggregator's batch decode (``decode_shard``) is ``decode`` of each record, faster."""

from __future__ import annotations

import json
from typing import Any

import pytest

from domain.sequence import order_key, order_keys
from ingest.stream_batch import Poison, _by_shard, decode, decode_shard
from tests.support import events as ev
from tests.support.lambda_events import kinesis_record


def _batch() -> list[dict]:
    good = [kinesis_record(str(i), json.dumps(ev.live("s1", 10)).encode(), arrival=1.5e9) for i in (1, 7)]
    no_arrival = kinesis_record("8", json.dumps(ev.live("s1", 10)).encode())
    del no_arrival["kinesis"]["approximateArrivalTimestamp"]
    odd_arrival = kinesis_record("9", json.dumps(ev.live("s1", 10)).encode())
    odd_arrival["kinesis"]["approximateArrivalTimestamp"] = "soon"
    not_base64 = kinesis_record("3", b"{}")
    not_base64["kinesis"]["data"] = "%%% not base64 %%%"
    return [
        good[0],
        kinesis_record("2", b'{"type": "view.heartbeat"'),
        not_base64,
        kinesis_record("4", json.dumps(ev.live("s1", 99)).encode()),
        good[1],
        no_arrival,
        odd_arrival,
    ]


def test_decode_shard_is_decode_of_each_record_in_order() -> None:
    batch = _batch()
    seqs, decoded, poison = decode_shard(batch)
    assert seqs == [order_key(r["kinesis"]["sequenceNumber"]) for r in batch]
    one_by_one = [decode(r, seq) for r, seq in zip(batch, seqs, strict=True)]
    assert decoded == [d for d in one_by_one if not isinstance(d, Poison)]
    assert [(p.reason, p.errors, p.record.raw_event) for p in poison] == [
        (p.reason, p.errors, p.record.raw_event) for p in one_by_one if isinstance(p, Poison)
    ]
    assert [d.arrival for d in decoded] == [1.5e9, 1.5e9, None, None]
    assert [p.reason for p in poison] == ["undecodable", "undecodable", "invalid_event"]


def test_order_keys_is_order_key_of_each() -> None:
    numbers = ["1", "0009", "0", "000", "49656984342567312345678901234567890123456789012345678900"]
    assert order_keys(numbers) == [order_key(n) for n in numbers]
    assert order_keys([]) == []


@pytest.mark.parametrize("bad", ["12a", "-1", "١٢", "1" * 1000, " 1"])
def test_order_keys_refuses_what_order_key_refuses(bad: str) -> None:
    with pytest.raises(ValueError, match="not a Kinesis sequence number"):
        order_key(bad)
    with pytest.raises(ValueError, match="not a Kinesis sequence number"):
        order_keys(["7", bad])


def test_records_are_grouped_by_shard_in_order_one_shard_or_many() -> None:
    one = [kinesis_record(str(i), b"{}", shard="shardId-000000000007") for i in (1, 2, 3)]
    assert _by_shard(one) == {"shardId-000000000007": one}
    mixed = [
        kinesis_record("1", b"{}", shard="shardId-000000000001"),
        kinesis_record("2", b"{}", shard="shardId-000000000002"),
        kinesis_record("3", b"{}", shard="shardId-000000000001"),
    ]
    assert _by_shard(mixed) == {
        "shardId-000000000001": [mixed[0], mixed[2]],
        "shardId-000000000002": [mixed[1]],
    }
    prefixed = [kinesis_record("1", b"{}", shard="shardId-1"), kinesis_record("2", b"{}", shard="shardId-10")]
    assert list(_by_shard(prefixed)) == ["shardId-1", "shardId-10"]
    assert _by_shard([]) == {}
    odd: list[dict[str, Any]] = [{"eventID": 7}, {"eventID": "7:1"}]  # not a string: split one by one
    assert _by_shard(odd) == {"7": odd}
