"""API errors and the error envelope of SPEC section 3."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error a caller can act on; rendered as ``{"error": {code, message, details}}``."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        details: Any = None,
        code: str | None = None,
        status: int | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.details = details
        self.code = code or self.code
        self.status = status or self.status
        self.extra = extra or {}  # fields beside "error" (the ingest contract repeats its counts)
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            error["details"] = self.details
        return {"error": error, **self.extra}


class BadRequest(ApiError):
    status, code = 400, "bad_request"


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"


class Forbidden(ApiError):
    status, code = 403, "forbidden"


class NotFound(ApiError):
    status, code = 404, "not_found"


class Conflict(ApiError):
    status, code = 409, "conflict"


class PayloadTooLarge(ApiError):
    status, code = 413, "payload_too_large"


class UnsupportedMediaType(ApiError):
    status, code = 415, "unsupported_media_type"


class Unprocessable(ApiError):
    status, code = 422, "unprocessable"


class ServiceUnavailable(ApiError):
    status, code = 503, "service_unavailable"


def envelope(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return ApiError(message, code=code, details=details).body()
