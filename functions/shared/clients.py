"""AWS clients created on first use and reused across invocations of a warm container."""

from __future__ import annotations

from functools import cache
from typing import Any

from botocore.config import Config

# Retries of whole calls (throttling, 5xx) are botocore's job; standard mode adds jitter.
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=3, read_timeout=10)
# botocore still presigns S3 URLs with legacy SigV2 by default, which newer buckets and regions refuse.
_SERVICE_CONFIG = {"s3": Config(signature_version="s3v4")}


@cache
def client(service: str) -> Any:
    # boto3 (and s3transfer with it) is imported on first use: ~30 ms off every cold start that
    # never needs a boto3 client (PynamoDB talks to DynamoDB through botocore directly).
    import boto3

    extra = _SERVICE_CONFIG.get(service)
    return boto3.client(service, config=_CONFIG.merge(extra) if extra else _CONFIG)


def reset() -> None:
    """Forget cached clients (tests switch between moto backends)."""
    client.cache_clear()
