"""What the query and report functions import at cold start: nothing a dashboard read doesn't need."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _after_import(module: str, probe: str) -> str:
    code = f"import sys\nimport {module}\n{probe}"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "functions")}
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env, timeout=60
    )
    return result.stdout.strip()


def test_query_and_report_do_not_import_the_ingest_models_s3_helpers_or_fpdf() -> None:
    for handler in ("query.api", "report.api"):
        loaded = set(_after_import(handler, "print(' '.join(sorted(sys.modules)))").split())
        assert handler in loaded
        assert "models.events" not in loaded, handler  # pydantic models of every event type
        assert not {m for m in loaded if m == "fpdf" or m.startswith("fpdf.")}, handler
    loaded = set(_after_import("query.api", "print(' '.join(sorted(sys.modules)))").split())
    assert "shared.reports_bucket" not in loaded  # S3: erase only


def test_query_response_models_are_built_on_first_use() -> None:
    probe = (
        "from models.dashboard import Dashboard\n"
        "from query import models\n"
        "print(Dashboard.__pydantic_complete__, models.SessionAnalytics.__pydantic_complete__)\n"
        "Dashboard.model_json_schema()\n"
        "print(Dashboard.__pydantic_complete__)"
    )
    assert _after_import("query.api", probe).split() == ["False", "False", "True"]


def test_the_collector_imports_neither_boto3_nor_the_idempotency_utility() -> None:
    """Both come with the first request that has an Idempotency-Key; clients are botocore's."""
    loaded = set(_after_import("ingest.collector", "print(' '.join(sorted(sys.modules)))").split())
    assert "ingest.collector" in loaded
    assert not {m for m in loaded if m == "boto3" or m.startswith(("boto3.", "s3transfer"))}
    assert not {m for m in loaded if m.startswith("aws_lambda_powertools.utilities.idempotency")}


def test_the_event_models_are_built_by_the_first_event() -> None:
    probe = (
        "from models import events\n"
        "print(events.ViewHeartbeat.__pydantic_complete__, events.EVENT_ADAPTER.pydantic_complete)\n"
        'events.parse_record(b\'{"id":"a","time":"2026-11-26T10:00:00.000000Z","eventId":"e",'
        '"userId":"u","type":"chat.message.sent"}\')\n'
        "print(events.EVENT_ADAPTER.pydantic_complete)"
    )
    assert _after_import("ingest.aggregator", probe).split() == ["False", "False", "True"]
