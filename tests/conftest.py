"""Shared fixtures: AWS built by moto from template.yaml, so template and tests can't drift."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from hypothesis import settings
from moto import mock_aws

# No test is timed (speed lives in benchmarks/): Hypothesis's per-example deadline (200 ms) failed
# test_completion on a machine shared with three other suites (759 ms).
settings.register_profile("untimed", deadline=None)
settings.load_profile("untimed")

FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "POWERTOOLS_METRICS_NAMESPACE": "EventAnalyticsTest",
    "POWERTOOLS_DEV": "false",
}


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never reach a real account, whatever the developer's shell holds."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in FAKE_AWS_ENV.items():
        monkeypatch.setenv(name, value)


def reset_caches() -> None:
    """Forget clients, settings and lazily built helpers so each test starts cold."""
    from ingest import aggregator, collector
    from shared import clients, secret_key, settings

    clients.reset()
    settings.get_settings.cache_clear()
    collector._idempotent_ingest.cache_clear()
    aggregator._writers.cache_clear()
    secret_key.secret_key.cache_clear()  # the cursor key comes from this test's Secrets Manager


@dataclass
class Aws:
    names: dict[str, str]
    env: dict[str, str]

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name="us-east-1")

    @property
    def stream(self) -> str:
        return self.env["STREAM_NAME"]

    @property
    def table(self) -> str:
        return self.env["TABLE_NAME"]


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    from infra.provision import provision

    with mock_aws():
        provisioned = provision(prefix="test", shard_count=1)
        env = provisioned.environment()
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("PUT_RECORDS_BACKOFF_SECONDS", "0")
        reset_caches()
        yield Aws(provisioned.names, env)
    reset_caches()
    os.environ.pop("_X_AMZN_TRACE_ID", None)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Every collected test must run: fail the session when fewer distinct tests reported than were
    collected (two tests sharing one node id once hid seven of eight schemathesis operations)."""
    if hasattr(session.config, "workerinput") or exitstatus != 0 or session.config.option.collectonly:
        return  # checked once, by the controller, on a run that otherwise passed
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or not session.testscollected:
        return
    ran = {
        report.nodeid
        for outcome in ("passed", "failed", "skipped", "xfailed", "xpassed", "error")
        for report in reporter.stats.get(outcome, [])
        if getattr(report, "nodeid", None)
    }
    if session.testscollected > len(ran):
        reporter.write_line(
            f"error: {session.testscollected} tests collected but {len(ran)} reported: "
            "duplicate node ids or tests that never ran",
            red=True,
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
