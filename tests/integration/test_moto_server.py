"""The local stack's moto server makes conditional writes atomic, as DynamoDB does (infra/moto_server.py)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from infra.moto_server import AtomicMotoServer

ROUNDS, WRITERS = 30, 8


@pytest.fixture
def fast_thread_switches() -> Iterator[None]:
    # Switching threads every microsecond opens moto's check-then-write window wide: with moto's
    # own ThreadedMotoServer, 3 of 30 rounds had two winners (2026-11-26).
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def test_concurrent_conditional_puts_have_exactly_one_winner(
    monkeypatch: pytest.MonkeyPatch, fast_thread_switches: None
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    server = AtomicMotoServer()
    server.start()
    try:
        host, port = server.get_host_and_port()
        dynamodb = boto3.client(
            "dynamodb",
            region_name="us-east-1",
            endpoint_url=f"http://{host}:{port}",
            config=Config(max_pool_connections=WRITERS, retries={"max_attempts": 0}),
        )
        dynamodb.create_table(
            TableName="race",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        winners = [_race(dynamodb, f"key-{n}") for n in range(ROUNDS)]
    finally:
        server.stop()
    assert winners == [1] * ROUNDS


def _race(dynamodb: Any, key: str) -> int:
    """``WRITERS`` threads put the same new key at once, each only if it doesn't exist yet."""
    start, won = threading.Barrier(WRITERS), []

    def put(writer: int) -> None:
        start.wait()
        try:
            dynamodb.put_item(
                TableName="race",
                Item={"id": {"S": key}, "writer": {"S": str(writer)}},
                ConditionExpression="attribute_not_exists(id)",
            )
            won.append(writer)
        except dynamodb.exceptions.ConditionalCheckFailedException:
            pass

    threads = [threading.Thread(target=put, args=(w,)) for w in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(won)
