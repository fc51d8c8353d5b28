"""Read a (moto) Kinesis stream back as the records Lambda would deliver, per shard, in order."""

from __future__ import annotations

import base64
from typing import Any

from tests.support.lambda_events import kinesis_record


def read_stream(kinesis: Any, stream: str) -> dict[str, list[dict]]:
    shards: dict[str, list[dict]] = {}
    for shard in kinesis.list_shards(StreamName=stream)["Shards"]:
        shard_id = shard["ShardId"]
        iterator = kinesis.get_shard_iterator(
            StreamName=stream, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        records: list[dict] = []
        while iterator:
            page = kinesis.get_records(ShardIterator=iterator, Limit=10_000)
            records += [
                kinesis_record(r["SequenceNumber"], r["Data"], r["PartitionKey"], shard_id)
                for r in page["Records"]
            ]
            if not page["Records"]:
                break
            iterator = page.get("NextShardIterator")
        if records:
            shards[shard_id] = records
    return shards


def decoded(record: dict) -> bytes:
    return base64.b64decode(record["kinesis"]["data"])
