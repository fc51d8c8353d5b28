"""Kinesis → DynamoDB aggregator: exactly-once per-user and per-session aggregates."""

from __future__ import annotations

import gc
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from dal import bind_table
from dal.writes import DynamoItemStore
from domain.apply import BatchOutcome, apply_batch
from domain.coalesce import StreamRecord, coalesce_batch
from ingest.stream_batch import CoalescingBatchProcessor
from logic.quarantine import quarantine
from shared.observability import logger, metrics
from shared.settings import get_settings

# CPython's default is 700. A 750-record batch of the benchmark's day holds ~9,000 tracked objects
# at its peak (events, the plan, the items and their requests; botocore's requests add to it here):
# 100,000 lets a 1,000-record batch end before a collection looks at them (20,000 collected 2-3
# times in 41 batches of the benchmark, ~2 % of its CPU).
YOUNG_OBJECTS_PER_COLLECTION = 100_000


@lru_cache(maxsize=1)
def calm_collector() -> None:
    """Make the cyclic garbage collector cheap for a batch (measured: ~20 % of the CPU per event).

    A batch allocates several objects per record and frees them when it ends, with no cycles
    among them; by default every 700 allocations trigger a collection, and the older ones walk
    everything the cold start imported. Freezing moves the imports out of the collector's sight,
    and a larger threshold lets a batch's short-lived objects die before they are looked at.
    """
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS_PER_COLLECTION, 10, 10)


@lru_cache(maxsize=1)
def _writers() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=get_settings().write_concurrency, thread_name_prefix="writer")


def apply_shard(shard: str, records: list[StreamRecord]) -> BatchOutcome:
    plan = coalesce_batch(records, shard)
    outcome = apply_batch(DynamoItemStore(), shard, plan, run=_writers().map)
    metrics.add_metric("RecordsApplied", MetricUnit.Count, len(records))
    metrics.add_metric("DuplicatesDropped", MetricUnit.Count, plan.duplicates)
    metrics.add_metric("ItemsWritten", MetricUnit.Count, outcome.written)
    logger.info(
        "batch applied",
        extra={
            "shard": shard,
            "records": len(records),
            "duplicates": plan.duplicates,
            "ignored": plan.ignored,
            "items": len(plan.groups) + len(plan.latest),
            "erased": outcome.erased,
            "written": outcome.written,
            "failedFrom": outcome.cut,
            # Error class names only: messages may echo item keys, which hold user ids.
            "errors": sorted({type(e).__name__ for e in outcome.errors}),
        },
    )
    return outcome


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path="Records[0].eventID")
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    calm_collector()
    bind_table(get_settings().table_name)
    processor = CoalescingBatchProcessor(apply_shard, quarantine)
    with processor(event.get("Records", []), handler=lambda record: None):
        processor.process()
    return processor.response()
