"""Brute-force viewing: every second each user watched of each content item, from raw events."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any


def watched_seconds(events: list[dict[str, Any]], kind: str | None = None) -> dict[tuple[str, str], set[int]]:
    """(user, content) -> the set of epoch seconds watched, for one kind of viewing or all."""
    seconds: dict[tuple[str, str], set[int]] = defaultdict(set)
    for e in events:
        data = e["data"]
        if e["type"] != "view.heartbeat" or kind not in (None, data["kind"]):
            continue
        end = int(datetime.fromisoformat(e["time"]).timestamp())
        content = f"{data['kind']}:{data.get('sessionId') or data['vodId']}"
        seconds[(e["userId"], content if kind is None else content.split(":", 1)[1])] |= set(
            range(end - data["seconds"], end)
        )
    return seconds


def seconds_per_user(events: list[dict[str, Any]]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for (user, _), seconds in watched_seconds(events).items():
        totals[user] += len(seconds)
    return dict(totals)
