"""Shared pieces: machine facts, DynamoDB item sizes, synthetic traffic, output conventions."""

from __future__ import annotations

import base64
import os
import platform
import random
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "functions"))


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def header(title: str) -> None:
    print(f"# {title}  ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {machine()})")


def ratio(name: str, value: float, target: str) -> None:
    """Ratio lines come last in every benchmark, so a script can read them."""
    print(f"ratio {name}: {value:.3f} (target {target})")


# --- DynamoDB item sizes, as DynamoDB bills them -------------------------------------------------


def _value_size(value: Any) -> int:
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, bytes):
        return len(value)
    if isinstance(value, bool):
        return 1
    if isinstance(value, int | float | Decimal):
        digits = len(str(abs(Decimal(str(value)))).replace(".", "").lstrip("0")) or 1
        return (digits + 1) // 2 + 1
    if isinstance(value, set | frozenset | list | tuple):
        return 3 + sum(_value_size(v) for v in value)
    if value is None:
        return 1
    raise TypeError(type(value))


def item_size(item: dict[str, Any]) -> int:
    """Attribute name bytes + value bytes (numbers ~ 1 byte per 2 digits + 1)."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def wcu(size_bytes: int) -> int:
    return max(1, -(-size_bytes // 1024))


def rcu(size_bytes: int) -> int:
    """A strongly consistent read: 1 RCU per 4 KB (an item that isn't there still costs 1)."""
    return max(1, -(-size_bytes // 4096))


# --- synthetic traffic ------------------------------------------------------------------------------


def synthetic_event(
    attendees: int = 1000, sessions: int = 8, seed: int = 42, minutes_per_session: int = 12
) -> Iterator[dict[str, Any]]:
    """A big conference day in time order: every attendee watches half the sessions live,
    heartbeats every 10 s, plus reactions, chat, polls, Q&A, hands and downloads."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 20, 9, tzinfo=UTC)
    events: list[tuple[float, dict[str, Any]]] = []
    n = 0

    def add(at: float, kind: str, user: str, data: dict[str, Any]) -> None:
        nonlocal n
        n += 1
        when = (start + timedelta(seconds=at)).isoformat()
        event = {
            "id": f"syn-{n}",
            "type": kind,
            "time": when,
            "eventId": "bench",
            "userId": user,
            "data": data,
        }
        events.append((at, event))

    slot = minutes_per_session * 60
    for a in range(attendees):
        user = f"u{a:05d}"
        for s in rng.sample(range(sessions), sessions // 2):
            session = f"s{s}"
            joined = s * slot * 0.6 + rng.uniform(0, 120)
            for b in range(minutes_per_session * 6):
                at = joined + 10 * (b + 1)
                add(
                    at,
                    "view.heartbeat",
                    user,
                    {
                        "kind": "live",
                        "sessionId": session,
                        "seconds": 10,
                        "engagedSeconds": rng.choice([0, 5, 10, 10]),
                    },
                )
            for _ in range(rng.randint(0, 3)):
                add(joined + rng.uniform(0, slot), "reaction.sent", user, {"sessionId": session})
            for _ in range(rng.randint(0, 2)):
                add(joined + rng.uniform(0, slot), "chat.message.sent", user, {"sessionId": session})
            if rng.random() < 0.6:
                add(
                    joined + rng.uniform(0, slot),
                    "poll.answered",
                    user,
                    {"sessionId": session, "pollId": f"{session}-p{rng.randint(1, 3)}"},
                )
            if rng.random() < 0.1:
                add(joined + rng.uniform(0, slot), "qna.thread.created", user, {"sessionId": session})
            if rng.random() < 0.05:
                add(joined + rng.uniform(0, slot), "hand.raised", user, {"sessionId": session})
            if rng.random() < 0.2:
                add(
                    joined + rng.uniform(0, slot),
                    "attachment.downloaded",
                    user,
                    {"attachmentId": f"a{s}", "sessionId": session},
                )
    events.sort(key=lambda pair: pair[0])
    for at, event in events:
        event["_at"] = at
        yield event


def shard_of(partition_key: str, shards: int) -> int:
    import hashlib

    return int(hashlib.md5(partition_key.encode()).hexdigest(), 16) % shards  # noqa: S324 - Kinesis uses MD5


def lambda_record(seq: int, data: bytes, partition_key: str, shard: int) -> dict[str, Any]:
    shard_id = f"shardId-{shard:012d}"
    return {
        "eventID": f"{shard_id}:{seq}",
        "eventSourceARN": "arn:aws:kinesis:us-east-1:0:stream/bench",
        "kinesis": {
            "sequenceNumber": str(seq),
            "partitionKey": partition_key,
            "data": base64.b64encode(data).decode(),
            "approximateArrivalTimestamp": 0.0,
        },
    }
