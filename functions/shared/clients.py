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
def _session() -> Any:
    """One botocore session per container: credentials and region resolved once (environment)."""
    from botocore.session import get_session

    return get_session()


@cache
def client(service: str) -> Any:
    # A botocore client, as boto3.client would make it (boto3's own additions are resources and S3
    # transfer methods, which nothing here uses) without importing boto3 and s3transfer: ~100 ms
    # of the collector's first request. PynamoDB talks to DynamoDB through botocore too.
    extra = _SERVICE_CONFIG.get(service)
    made: Any = _session().create_client(service, config=_CONFIG.merge(extra) if extra else _CONFIG)
    return made


def reset() -> None:
    """Forget cached clients and the session (tests switch between moto backends)."""
    client.cache_clear()
    _session.cache_clear()
