"""HS256 tokens for the local stack: what the platform's identity provider issues in AWS."""

from __future__ import annotations

import os
import time
from typing import Any

import jwt

DEFAULT_SECRET = "local-dev-secret-not-for-production"
ISSUER = "event-analytics-local"
AUDIENCE = "event-analytics"


def secret() -> str:
    return os.environ.get("LOCAL_JWT_SECRET", DEFAULT_SECRET)


def issue(sub: str, scope: str, events: list[str], ttl_seconds: int = 12 * 3600) -> str:
    now = int(time.time())
    claims = {
        "sub": sub,
        "scope": scope,
        "eventIds": events,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    return jwt.encode(claims, secret(), algorithm="HS256")


class InvalidToken(Exception):
    pass


def verify(authorization: str | None) -> dict[str, Any]:
    """Claims of a ``Bearer`` token, verified like API Gateway's JWT authorizer (signature, exp, iss, aud)."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise InvalidToken("missing bearer token")
    token = authorization.split(" ", 1)[1].strip()
    try:
        return jwt.decode(
            token,
            secret(),
            algorithms=["HS256"],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "sub"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from None
