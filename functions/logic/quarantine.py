"""Poison records to the dead-letter queue (SPEC section 4): quarantined with their reason, never
silently dropped, never blocking the shard. The aggregator's batch processor decides what is
poison (``ingest.stream_batch``); this sends it, logs it and counts it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit

from shared.clients import client
from shared.observability import logger, metrics
from shared.settings import get_settings, require

SQS_BATCH = 10  # SendMessageBatch's limit


class Poisoned(Protocol):
    """A record that can never be applied (``ingest.stream_batch.Poison``)."""

    def message(self) -> dict[str, Any]:
        """The dead-letter message: the record whole, with ``reason``, ``errors``, ``sequenceNumber``."""
        ...


def quarantine(poison: Sequence[Poisoned]) -> None:
    """Send records that can never be applied to the dead-letter queue, with their reason.

    Raises when the queue refuses any of them: the batch then fails and Lambda retries it, so a
    record is never lost between the stream and the queue.
    """
    queue_url = require(get_settings().dlq_url, "DLQ_URL")
    sqs = client("sqs")
    messages = [p.message() for p in poison]
    for start in range(0, len(messages), SQS_BATCH):
        chunk = messages[start : start + SQS_BATCH]
        entries = [{"Id": str(i), "MessageBody": json.dumps(m)} for i, m in enumerate(chunk)]
        response = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        if response.get("Failed"):
            raise RuntimeError(f"dead-letter queue refused {len(response['Failed'])} messages")
    for m in messages:
        logger.warning(
            "record quarantined",
            extra={"reason": m["reason"], "sequenceNumber": m["sequenceNumber"], "errors": m["errors"]},
        )
    metrics.add_metric("RecordsQuarantined", MetricUnit.Count, len(messages))
