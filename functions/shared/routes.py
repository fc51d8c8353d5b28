"""What every HTTP function's resolver shares: the path parameters and the 400 for invalid requests."""

from __future__ import annotations

from typing import Annotated, Any

from models.ids import ID_MAX_LENGTH, PATH_ID_PATTERN
from models.messages import message_of
from shared.errors import ApiError
from shared.http import error_response
from shared.resolver import APIGatewayHttpResolver, Path, RequestValidationError, Response


def _path_id(description: str | None = None) -> Any:
    """An id in the path: the ingest contract's characters, not only dots, at most 128."""
    return Path(pattern=PATH_ID_PATTERN, max_length=ID_MAX_LENGTH, description=description)


EventId = Annotated[str, _path_id("the virtual event")]
UserId = Annotated[str, _path_id("the attendee")]
SessionId = Annotated[str, _path_id()]
VodId = Annotated[str, _path_id()]


def register_validation_errors(app: APIGatewayHttpResolver) -> None:
    """Parameters that fail validation answer ``400 invalid_request`` with one detail per field."""

    @app.exception_handler(RequestValidationError)
    def _invalid_request(exc: RequestValidationError) -> Response[Any]:
        details = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ())[1:]) or "request",
                "message": message_of(e),
            }
            for e in exc.errors()
        ]
        return error_response(ApiError("the request is invalid", code="invalid_request", details=details))
