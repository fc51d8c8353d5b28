"""The API's key for cursors and log pseudonyms: from Secrets Manager on first use, cached per container."""

from __future__ import annotations

import hashlib
from functools import lru_cache

from shared.settings import get_settings, require


@lru_cache(maxsize=1)
def secret_key() -> bytes:
    """32 bytes derived from the ``CURSOR_SECRET_ARN`` secret (Powertools caches it for an hour)."""
    from aws_lambda_powertools.utilities import parameters  # only where a key is needed (cold start)

    arn = require(get_settings().cursor_secret_arn, "CURSOR_SECRET_ARN")
    value = parameters.get_secret(arn, max_age=3600)
    return hashlib.sha256(str(value).encode()).digest()
