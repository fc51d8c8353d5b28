"""Settings as a validated model, read from the environment when a handler first runs."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, Field, ValidationError

# One allowed origin: "*" or scheme://host[:port] (the template's AllowedOrigins pattern).
_ORIGIN = r"(\*|https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?)"


class SettingsError(RuntimeError):
    """The function is misconfigured (a deployment bug, not a caller's)."""


class Settings(BaseModel):
    table_name: str = Field(min_length=3)
    idempotency_table_name: str | None = None
    stream_name: str | None = None
    dlq_url: str | None = None
    reports_bucket: str | None = None
    cursor_secret_arn: str | None = None
    report_url_expiry_seconds: int = Field(default=900, ge=60, le=7 * 24 * 3600)
    # Collector: Kinesis refusals are retried this many times with exponential backoff.
    put_records_attempts: int = Field(default=4, ge=1, le=10)
    put_records_backoff_seconds: float = Field(default=0.05, ge=0, le=5)
    # Aggregator: items written in parallel per batch.
    write_concurrency: int = Field(default=16, ge=1, le=64)
    idempotency_ttl_seconds: int = Field(default=24 * 3600, ge=60)
    # Query and report: origins allowed to call from a browser (the template's AllowedOrigins, joined).
    allowed_origins: str = Field(default="*", pattern=f"^{_ORIGIN}(,{_ORIGIN})*$")

    def origins(self) -> frozenset[str]:
        return frozenset(o.strip() for o in self.allowed_origins.split(",") if o.strip())


_ENV = {
    "table_name": "TABLE_NAME",
    "idempotency_table_name": "IDEMPOTENCY_TABLE_NAME",
    "stream_name": "STREAM_NAME",
    "dlq_url": "DLQ_URL",
    "reports_bucket": "REPORTS_BUCKET",
    "cursor_secret_arn": "CURSOR_SECRET_ARN",
    "report_url_expiry_seconds": "REPORT_URL_EXPIRY_SECONDS",
    "put_records_attempts": "PUT_RECORDS_ATTEMPTS",
    "put_records_backoff_seconds": "PUT_RECORDS_BACKOFF_SECONDS",
    "write_concurrency": "WRITE_CONCURRENCY",
    "idempotency_ttl_seconds": "IDEMPOTENCY_TTL_SECONDS",
    "allowed_origins": "ALLOWED_ORIGINS",
}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    values = {field: os.environ[name] for field, name in _ENV.items() if os.environ.get(name)}
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        problems = ", ".join(f"{_ENV[str(e['loc'][0])]}: {e['msg']}" for e in exc.errors())
        raise SettingsError(f"invalid configuration: {problems}") from None


def require(value: str | None, name: str) -> str:
    if not value:
        raise SettingsError(f"{name} is not configured for this function")
    return value
