"""The contract's id pattern and stored time format, without pydantic: the query and report
functions validate path ids with these and never import the ingest models (cold start)."""

from __future__ import annotations

from datetime import UTC, datetime

ID_PATTERN = r"^[A-Za-z0-9._:-]{1,128}$"
# Path ids also may not be only dots (as event ids may not): "." and ".." are path segments that
# clients normalise away. Without a lookahead, which the Rust regex engine lacks; length apart.
PATH_ID_PATTERN = r"^[A-Za-z0-9._:-]*[A-Za-z0-9_:-][A-Za-z0-9._:-]*$"
ID_MAX_LENGTH = 128
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def format_time(value: datetime) -> str:
    """UTC time as a fixed-width string: string order is time order."""
    return value.astimezone(UTC).strftime(TIME_FORMAT)
