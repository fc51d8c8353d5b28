"""logic.quarantine: poison records go to the dead-letter queue whole, ten a request; a refusal fails
the batch (Lambda retries it) instead of losing the record."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from logic import quarantine as q


@dataclass
class FakePoison:
    seq: str

    def message(self) -> dict[str, Any]:
        return {"reason": "invalid_event", "errors": [], "sequenceNumber": self.seq, "data": "e30="}


class FakeSqs:
    def __init__(self, refuse: int = 0) -> None:
        self.batches: list[list[dict[str, Any]]] = []
        self.refuse = refuse

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> dict[str, Any]:
        assert QueueUrl == "https://sqs.example/dlq"
        self.batches.append([json.loads(e["MessageBody"]) for e in Entries])
        return {"Failed": [{"Id": e["Id"]} for e in Entries[: self.refuse]]}


@pytest.fixture
def sqs(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSqs]:
    from shared import settings

    fake = FakeSqs()
    monkeypatch.setenv("TABLE_NAME", "analytics")
    monkeypatch.setenv("DLQ_URL", "https://sqs.example/dlq")
    settings.get_settings.cache_clear()
    monkeypatch.setattr(q, "client", lambda service: fake)
    yield fake
    settings.get_settings.cache_clear()


def test_every_poison_record_is_sent_whole_in_batches_of_ten(sqs: FakeSqs) -> None:
    poison = [FakePoison(f"{i:03d}") for i in range(23)]
    q.quarantine(poison)
    assert [len(b) for b in sqs.batches] == [10, 10, 3]
    assert [m for b in sqs.batches for m in b] == [p.message() for p in poison]


def test_a_refused_message_fails_the_batch(sqs: FakeSqs) -> None:
    sqs.refuse = 1
    with pytest.raises(RuntimeError, match="refused 1 messages"):
        q.quarantine([FakePoison("001")])
