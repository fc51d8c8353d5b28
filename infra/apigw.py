"""What API Gateway's HTTP API does to a request before a function sees it (payload format 2.0).

Shared by the local gateway and the tests' event builders, so both hand the handlers exactly
the shapes AWS does (tests/fixtures/aws holds the canonical events they are checked against).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

_TEXT_TYPES = ("application/json", "application/xml", "application/javascript")


def _claim_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else repr(value)
    if isinstance(value, list | tuple):
        return "[" + " ".join(_claim_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def flatten_claims(token_claims: Mapping[str, Any]) -> dict[str, str]:
    """``requestContext.authorizer.jwt.claims`` as the JWT authorizer renders them: every value a
    string, lists as ``"[a b]"``, numbers as digits."""
    return {name: _claim_text(value) for name, value in token_claims.items() if value is not None}


def sent_as_text(content_type: str | None) -> bool:
    """HTTP APIs pass text/*, JSON, XML and JavaScript bodies as text; everything else as base64."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media.startswith("text/") or media in _TEXT_TYPES
