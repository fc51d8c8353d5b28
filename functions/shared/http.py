"""The one place API errors become HTTP responses (shared by every HTTP handler)."""

from __future__ import annotations

import base64
import json
from typing import Any

from aws_lambda_powertools.shared.json_encoder import Encoder

from shared.auth import Caller
from shared.errors import ApiError, envelope
from shared.observability import logger
from shared.resolver import APIGatewayHttpResolver, Response, content_types
from shared.settings import get_settings

JSON_HEADERS = {"Cache-Control": "no-store"}
# The HTTP API's CorsConfiguration (template.yaml; a test keeps them equal). On AWS the gateway
# adds these headers itself and ignores a function's: the function's own answer matters for the
# status (a preflight must get a 2xx) and wherever no gateway adds them.
CORS_ALLOW_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key")
CORS_ALLOW_METHODS = ("GET", "POST", "DELETE", "OPTIONS")
CORS_EXPOSE_HEADERS = ("Retry-After",)
CORS_MAX_AGE = 600


def to_json(body: Any) -> str:
    """Compact UTF-8 JSON: names in any script as themselves, not 6-byte ``\\u`` escapes."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), cls=Encoder)


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=to_json(body),
        headers={**JSON_HEADERS, **(headers or {})},
    )


def error_response(exc: ApiError) -> Response[Any]:
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


def api_base(app: APIGatewayHttpResolver) -> str:
    """What precedes ``/v1`` in the request's path: the stage (``/prod``), or nothing on the
    ``$default`` stage and locally. Links carry it, so they resolve against the API's host."""
    event = app.current_event
    return event.raw_path[: len(event.raw_path) - len(event.path)]


def caller(app: APIGatewayHttpResolver) -> Caller:
    authorizer = app.current_event.request_context.authorizer
    claims = authorizer.jwt_claim if authorizer else None
    return Caller.from_claims(claims)


def is_preflight(event: Any) -> bool:
    """A browser's CORS preflight: OPTIONS with ``Origin`` and ``Access-Control-Request-Method``."""
    headers = event.headers or {}
    return (
        event.http_method.upper() == "OPTIONS"
        and bool(headers.get("origin"))
        and bool(headers.get("access-control-request-method"))
    )


def options_response(event: Any, methods: list[str] | None = None) -> Response[Any]:
    """``204`` for OPTIONS (a preflight never reaches a route: API Gateway sends it to ``$default``).

    ``Allow`` lists ``methods`` when the path is known; a preflight from an allowed origin also
    gets the CORS headers the API's CorsConfiguration names.
    """
    headers: dict[str, str] = {}
    if methods:
        headers["Allow"] = ", ".join(sorted({*methods, "OPTIONS"}))
    origin = (event.headers or {}).get("origin", "")
    allowed = get_settings().origins()
    if is_preflight(event) and ("*" in allowed or origin in allowed):
        headers.update(
            {
                "Access-Control-Allow-Origin": "*" if "*" in allowed else origin,
                "Access-Control-Allow-Methods": ", ".join(CORS_ALLOW_METHODS),
                "Access-Control-Allow-Headers": ", ".join(CORS_ALLOW_HEADERS),
                "Access-Control-Max-Age": str(CORS_MAX_AGE),
                "Vary": "Origin",
            }
        )
    return Response(status_code=204, content_type=None, body="", headers=headers)


def register_error_handlers(app: APIGatewayHttpResolver) -> None:
    @app.exception_handler(ApiError)
    def _api_error(exc: ApiError) -> Response[Any]:
        if exc.status >= 500:
            logger.warning("request failed", extra={"code": exc.code, "status": exc.status})
        return error_response(exc)

    @app.not_found
    def _not_found(_: Exception) -> Response[Any]:
        if app.current_event.http_method.upper() == "OPTIONS":
            return options_response(app.current_event)
        return json_response(404, envelope("route_not_found", "no such route"))

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response[Any]:
        # Full detail goes to the log (with the request id), never to the caller.
        logger.exception("unhandled error")
        return json_response(500, envelope("internal_error", "something went wrong; try again later"))
