"""Put validated events on Kinesis, retrying only the records Kinesis refused."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from tenacity import Retrying, retry_if_result, stop_after_attempt, wait_exponential_jitter

from shared.observability import logger

MAX_RECORDS_PER_CALL = 500


@dataclass(frozen=True, slots=True)
class OutgoingRecord:
    index: int  # position of the event in the producer's request
    partition_key: str
    data: bytes


def put_records(kinesis: Any, stream: str, records: list[OutgoingRecord]) -> list[OutgoingRecord]:
    """One PutRecords call; returns the records Kinesis refused (partial failure)."""
    refused: list[OutgoingRecord] = []
    for start in range(0, len(records), MAX_RECORDS_PER_CALL):
        chunk = records[start : start + MAX_RECORDS_PER_CALL]
        response = kinesis.put_records(
            StreamName=stream,
            Records=[{"Data": r.data, "PartitionKey": r.partition_key} for r in chunk],
        )
        if response.get("FailedRecordCount"):
            # Results are positional: an ErrorCode marks a record that was not written.
            refused += [
                r for r, result in zip(chunk, response["Records"], strict=True) if result.get("ErrorCode")
            ]
    return refused


def forward(
    kinesis: Any, stream: str, records: list[OutgoingRecord], attempts: int, backoff_seconds: float
) -> list[OutgoingRecord]:
    """Put ``records``, retrying refused ones with jittered exponential backoff.

    Returns the records still refused after ``attempts`` calls. Errors of the whole
    call (throttling, 5xx) are retried by botocore first and then count as refusals.
    """
    pending = records

    def attempt() -> list[OutgoingRecord]:
        nonlocal pending
        try:
            pending = put_records(kinesis, stream, pending)
        except (ClientError, BotoCoreError) as exc:
            # The whole call failed after botocore's own retries: everything pending is refused.
            logger.warning("PutRecords failed", extra={"error": type(exc).__name__, "records": len(pending)})
        return pending

    Retrying(
        stop=stop_after_attempt(attempts),
        wait=wait_exponential_jitter(multiplier=backoff_seconds, max=max(backoff_seconds * 8, 0.001)),
        retry=retry_if_result(bool),
        retry_error_callback=lambda state: None,  # give up quietly: the caller reports what is left
    )(attempt)
    return pending
