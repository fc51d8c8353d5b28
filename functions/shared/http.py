"""The one place API errors become HTTP responses (shared by every HTTP handler)."""

from __future__ import annotations

import base64
import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.shared.json_encoder import Encoder

from shared.auth import Caller
from shared.errors import ApiError, envelope
from shared.observability import logger

JSON_HEADERS = {"Cache-Control": "no-store"}


def to_json(body: Any) -> str:
    """Compact UTF-8 JSON: names in any script as themselves, not 6-byte ``\\u`` escapes."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), cls=Encoder)


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=to_json(body),
        headers={**JSON_HEADERS, **(headers or {})},
    )


def error_response(exc: ApiError) -> Response:
    return json_response(exc.status, exc.body(), exc.headers)


def raw_body(event: Any) -> bytes:
    """The request body as bytes, whatever its encoding: decoding is the parser's job (and its 400)."""
    body = event.body or ""
    if event.is_base64_encoded:
        try:
            return base64.b64decode(body, validate=True)
        except ValueError:
            return b"\xff"  # not base64 either: bytes no JSON parser accepts
    return body.encode("utf-8", "surrogateescape")


def caller(app: APIGatewayHttpResolver) -> Caller:
    authorizer = app.current_event.request_context.authorizer
    claims = authorizer.jwt_claim if authorizer else None
    return Caller.from_claims(claims)


def register_error_handlers(app: APIGatewayHttpResolver) -> None:
    @app.exception_handler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        if exc.status >= 500:
            logger.warning("request failed", extra={"code": exc.code, "status": exc.status})
        return error_response(exc)

    @app.not_found
    def _not_found(_: Exception) -> Response:
        return json_response(404, envelope("route_not_found", "no such route"))

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response:
        # Full detail goes to the log (with the request id), never to the caller.
        logger.exception("unhandled error")
        return json_response(500, envelope("internal_error", "something went wrong; try again later"))
