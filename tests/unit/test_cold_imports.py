"""What the query and report functions import at cold start: nothing a dashboard read doesn't need."""

from __future__ import annotations

import ast
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
    assert "logic.erase" not in loaded  # an admin's rare call, imported by its route


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


def test_http_functions_skip_the_event_handler_packages_init_and_it_still_works_whole() -> None:
    """shared.resolver: no AppSync/asyncio at cold start; any other name still runs the real ``__init__``."""
    classes = "aws_lambda_powertools.utilities.data_classes"
    probe = (
        "print('asyncio' in sys.modules, 'aws_lambda_powertools.event_handler.appsync' in sys.modules,\n"
        f"      '{classes}.kafka_event' in sys.modules)\n"
        "from aws_lambda_powertools.event_handler import AppSyncResolver, Response, content_types\n"
        "from aws_lambda_powertools.event_handler.appsync import AppSyncResolver as Real\n"
        "from aws_lambda_powertools.event_handler.api_gateway import Response as RealResponse\n"
        "print(AppSyncResolver is Real, Response is RealResponse, content_types.APPLICATION_JSON)\n"
        f"from {classes} import KafkaEvent, event_source\n"
        f"from {classes}.kafka_event import KafkaEvent as RealKafka\n"
        "print(KafkaEvent is RealKafka, type(event_source).__name__)"
    )
    expected = ["False", "False", "False", "True", "True", "application/json", "True", "function"]
    for handler in ("query.api", "report.api", "ingest.collector"):
        assert _after_import(handler, probe).split() == expected, handler


def test_only_shared_resolver_imports_the_event_handler() -> None:
    """A direct import elsewhere, ahead of shared.resolver, would run the package's whole ``__init__``."""
    offenders = []
    for path in (ROOT / "functions").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if any(n.startswith("aws_lambda_powertools.event_handler") for n in names):
                offenders.append(str(path.relative_to(ROOT)))
    assert sorted(set(offenders)) == ["functions/shared/resolver.py"]
