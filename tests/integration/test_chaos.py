"""Chaos replay: a whole demo event through the real handlers on a bad day equals a clean run."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from infra import demo
from tests.conftest import Aws
from tests.support.faults import DynamoFaults, PartialFailures
from tests.support.pipeline import call_api, post_interactions, run_aggregator, stream_records, table_items
from tests.support.scenario import readers_view

READER = {"sub": "chaos", "scope": "analytics:read", "eventIds": ["*"]}
# A fixed day: the faults are drawn from the request bodies, which hold the events' times, so a
# demo stamped "8 hours ago" drew a different fault pattern (and crash count) every day.
DEMO_START = datetime(2026, 11, 20, 8, tzinfo=UTC)


def ingest_with_retries(events: list[dict[str, Any]], rng: random.Random) -> int:
    """Post like a well-behaved producer: resend only retryIndexes, with a new Idempotency-Key."""
    requests = 0
    for start in range(0, len(events), 500):
        pending = events[start : start + 500]
        while pending:
            requests += 1
            status, body, _ = post_interactions(pending, headers={"Idempotency-Key": f"chaos-{requests}"})
            assert status in (202, 503), body
            assert body["rejected"] == []
            pending = [pending[i] for i in body.get("retryIndexes", [])]
    return requests


def deliver(records: list[dict], rng: random.Random, chaotic: bool) -> dict[str, int]:
    """The event source mapping on a bad day: random batch sizes, duplicate deliveries, crashes
    that bisect the batch, and resumption at reported failures."""
    counts = {"deliveries": 0, "resumed": 0, "crashes": 0}
    position = 0
    while position < len(records):
        batch = records[position : position + rng.randint(1, 400)]
        position = _deliver_batch(records, position, batch, rng, chaotic, counts)
        assert counts["deliveries"] < 20 * len(records), "no progress"
    return counts


def _deliver_batch(
    records: list[dict], position: int, batch: list[dict], rng: random.Random, chaotic: bool, counts: dict
) -> int:
    """Returns where the stream resumes after this batch."""
    for _ in range(rng.randint(1, 3) if chaotic else 1):
        counts["deliveries"] += 1
        failures = run_aggregator(batch)["batchItemFailures"]
        # The third delivery always crashes, so a seed or code change can't leave the bisection untried.
        if chaotic and len(batch) > 1 and (counts["deliveries"] == 3 or rng.random() < 0.1):
            # The function timed out after doing part of the work: Lambda bisects and retries both halves.
            counts["crashes"] += 1
            half = len(batch) // 2
            middle = _deliver_batch(records, position, batch[:half], rng, chaotic, counts)
            if middle < position + half:
                return middle
            return _deliver_batch(records, middle, batch[half:], rng, chaotic, counts)
        if failures:
            first = min(int(f["itemIdentifier"]) for f in failures)
            counts["resumed"] += 1
            return next(i for i, r in enumerate(records) if int(r["kinesis"]["sequenceNumber"]) == first)
    return position + len(batch)


def dashboards(users: list[str]) -> dict[str, Any]:
    boards = {}
    for user in users:
        status, board, _ = call_api("GET", f"/v1/events/{demo.EVENT_ID}/users/{user}/analytics", jwt=READER)
        assert status == 200, board
        board.pop("generatedAt")
        boards[user] = board
    return boards


def wipe(aws: Aws) -> None:
    dynamodb = aws.client("dynamodb")
    for pk, sk in table_items(dynamodb, aws.table):
        dynamodb.delete_item(TableName=aws.table, Key={"pk": {"S": pk}, "sk": {"S": sk}})


def test_chaos_replay_equals_a_clean_run(aws: Aws) -> None:
    rng = random.Random(2026)
    events = demo.generate(seed=5, attendees=10, start=DEMO_START)
    users = sorted({e["userId"] for e in events if "userId" in e})

    # About 2 % of records refused on each PutRecords attempt, the same ones in every run.
    kinesis_faults = PartialFailures(lambda attempt, i: (attempt * 31 + i) % 47 == 0)
    kinesis_faults.install()
    requests = ingest_with_retries(events, rng)
    records = stream_records(aws.client("kinesis"), aws.stream)
    assert len(records) == len(events)  # nothing lost, nothing doubled by the producer's retries

    deliver(records, rng, chaotic=False)
    clean_items = readers_view(table_items(aws.client("dynamodb"), aws.table))
    clean_boards = dashboards(users)
    wipe(aws)

    faults = DynamoFaults(rate=0.05, seed=7).install()
    try:
        counts = deliver(records, rng, chaotic=True)
    finally:
        faults.uninstall()
    summary = (
        f"chaos: {len(events)} events in {requests} requests, {kinesis_faults.injected} PutRecords refusals, "
        f"{faults.total} DynamoDB faults {dict(sorted(faults.injected.items()))}, {counts['deliveries']} "
        f"deliveries, {counts['resumed']} resumptions, {counts['crashes']} bisected crashes"
    )
    print(summary)
    assert kinesis_faults.injected > 0
    assert faults.total > 10
    assert counts["crashes"] > 0
    assert readers_view(table_items(aws.client("dynamodb"), aws.table)) == clean_items
    assert dashboards(users) == clean_boards
    # The run is deterministic, so the figures docs/reliability.md quotes must be this run's.
    assert summary == quoted_chaos_run(), f"docs/reliability.md quotes another run; this one: {summary}"


def quoted_chaos_run() -> str:
    text = (Path(__file__).parents[2] / "docs" / "reliability.md").read_text(encoding="utf-8")
    quote = re.search(r"`(chaos: [^`]*)`", text)
    assert quote, "docs/reliability.md quotes no chaos run"
    return " ".join(quote.group(1).split())
