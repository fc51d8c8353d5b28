"""Pydantic's validation errors as messages a producer or a page can act on, one phrasing for the
ingest contract and the query API's parameters alike ("must be between 1 and 200")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ID_CHARS = "must be 1-128 characters of A-Z a-z 0-9 . _ : -, not only dots"
NOT_UNICODE = "must be valid Unicode text (no unpaired surrogates)"

_MESSAGES = {
    "missing": "is required",
    "string_type": "must be a string",
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "int_from_float": "must be an integer",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "string_too_short": "must not be empty",
    "string_unicode": NOT_UNICODE,
    "extra_forbidden": "is not allowed",
}


def message_of(error: Mapping[str, Any]) -> str:
    """One pydantic error (``ValidationError.errors()``'s item) as ``must be ...``."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    if kind == "string_pattern_mismatch":
        return ID_CHARS
    if kind == "literal_error":
        return f"must be one of: {ctx.get('expected')}"
    return _MESSAGES.get(kind, str(error["msg"]).replace("Input should be", "must be"))
