"""HTTP → Kinesis collector: ``POST /v1/interactions`` (SPEC section 3)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from ingest.forward import OutgoingRecord, forward
from ingest.intake import Intake, parse_body, validate_events
from shared.auth import INGEST
from shared.clients import client
from shared.errors import ApiError, BadRequest, Conflict, Forbidden, ServiceUnavailable, Unprocessable
from shared.http import caller, error_response, json_response, raw_body, register_error_handlers
from shared.observability import logger, metrics
from shared.resolver import APIGatewayHttpResolver, OpenAPIResponse, Response
from shared.settings import get_settings, require

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

IDEMPOTENCY_KEY = "idempotency-key"
RETRY_AFTER_SECONDS = "2"

app = APIGatewayHttpResolver()
register_error_handlers(app)


class _Documented(BaseModel):
    # Only the OpenAPI document uses these: no validator is built at import.
    model_config = ConfigDict(defer_build=True)


class Rejection(_Documented):
    index: int
    id: str | None
    errors: list[dict[str, str]]


class IngestResult(_Documented):
    accepted: int = Field(description="events forwarded to the stream")
    rejected: list[Rejection] = Field(description="invalid events, by index in the request")


class IngestUnavailable(IngestResult):
    error: dict[str, Any]
    retryIndexes: list[int] = Field(description="indexes to resend, with a new Idempotency-Key")


def _json(model: type[BaseModel], description: str) -> OpenAPIResponse:
    return {"description": description, "content": {"application/json": {"model": model}}}


@app.post(
    "/v1/interactions",
    summary="Ingest interaction events",
    description="1..500 events, body at most 1 MiB. Valid events are forwarded even when others are "
    "rejected. An Idempotency-Key header (1..128 printable ASCII) makes retries safe for 24 h.",
    responses={
        202: _json(IngestResult, "Valid events accepted; invalid ones listed in rejected"),
        409: {"description": "A request with the same Idempotency-Key is in flight"},
        413: {"description": "More than 500 events or more than 1 MiB"},
        415: {
            "description": "Content-Type is not application/json, names a charset other than UTF-8, "
            "or Content-Encoding is not identity (compressed bodies are not accepted)"
        },
        422: {"description": "The Idempotency-Key was used with a different body"},
        503: _json(IngestUnavailable, "The stream refused some events after retries; resend retryIndexes"),
    },
)
def post_interactions() -> Response[dict[str, Any]]:
    who = caller(app)
    who.require(INGEST)
    event = app.current_event
    body = raw_body(event)
    events = parse_body(body, event.headers.get("content-type"), event.headers.get("content-encoding"))
    key = event.headers.get(IDEMPOTENCY_KEY)
    if key is None:
        result = ingest(events, who.covers)
    else:
        if not (1 <= len(key) <= 128 and key.isascii() and key.isprintable()):
            raise BadRequest(
                "Idempotency-Key must be 1-128 printable ASCII characters", code="invalid_header"
            )
        body_hash = hashlib.sha256(body).hexdigest()
        request = {"subject": who.subject, "key": key, "bodyHash": body_hash}
        ingest_once, config = _idempotent_ingest()
        config.register_lambda_context(app.lambda_context)  # in-flight records expire with the invocation
        result = ingest_once(request=request, events=events, may_ingest=who.covers)
    return json_response(result["status"], result["body"], result.get("headers"))


def ingest(events: list[Any], may_ingest: Any) -> dict[str, Any]:
    """Validate, forward the valid events, decide the response (JSON-able, so it can be replayed)."""
    settings = get_settings()
    intake = validate_events(events, may_ingest, datetime.now(UTC))
    metrics.add_metric("EventsRejected", MetricUnit.Count, len(intake.rejected))
    if not intake.valid:
        return _all_rejected(intake)
    outgoing = [OutgoingRecord(i, e.partition_key, e.to_record()) for i, e in intake.valid]
    refused = forward(
        client("kinesis"),
        require(settings.stream_name, "STREAM_NAME"),
        outgoing,
        settings.put_records_attempts,
        settings.put_records_backoff_seconds,
    )
    accepted = len(outgoing) - len(refused)
    metrics.add_metric("EventsAccepted", MetricUnit.Count, accepted)
    logger.info("interactions ingested", extra={"accepted": accepted, "rejected": len(intake.rejected)})
    body: dict[str, Any] = {"accepted": accepted, "rejected": intake.rejected}
    if not refused:
        return {"status": 202, "body": body}
    metrics.add_metric("EventsRefusedByStream", MetricUnit.Count, len(refused))
    unavailable = ServiceUnavailable(
        f"the stream refused {len(refused)} of {len(outgoing)} events; resend those (retryIndexes)",
        code="stream_unavailable",
        extra={**body, "retryIndexes": [r.index for r in refused]},
        headers={"Retry-After": RETRY_AFTER_SECONDS},
    )
    if accepted == 0:
        raise unavailable  # nothing was forwarded: don't remember it, the same key may be retried
    return {"status": 503, "body": unavailable.body(), "headers": unavailable.headers}


def _all_rejected(intake: Intake) -> dict[str, Any]:
    extra = {"accepted": 0, "rejected": intake.rejected}
    error: ApiError
    if intake.forbidden == len(intake.rejected):
        error = Forbidden("this token may not ingest events for these events", extra=extra)
    else:
        error = BadRequest("every event was invalid", code="invalid_events", extra=extra)
    return {"status": error.status, "body": error.body()}


@lru_cache(maxsize=1)
def _idempotent_ingest() -> tuple[Any, IdempotencyConfig]:
    """The idempotent ingest and its config, made on the first request with an Idempotency-Key.

    Powertools' idempotency utility imports boto3 (and s3transfer with it) for its DynamoDB layer:
    imported here, a request without a key never pays for it (~40 % of the collector's import).
    Its exceptions' handlers are registered here too: nothing else raises them.
    """
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyPersistenceLayerError,
        IdempotencyValidationError,
    )

    app.exception_handler(IdempotencyAlreadyInProgressError)(_in_flight)
    app.exception_handler(IdempotencyValidationError)(_key_reused)
    app.exception_handler(IdempotencyPersistenceLayerError)(_store_down)
    settings = get_settings()
    persistence = DynamoDBPersistenceLayer(
        table_name=require(settings.idempotency_table_name, "IDEMPOTENCY_TABLE_NAME"),
        boto3_client=client("dynamodb"),
    )
    config = IdempotencyConfig(
        event_key_jmespath="[subject, key]",  # keys are per caller: one producer can't replay another's
        payload_validation_jmespath="bodyHash",
        expires_after_seconds=settings.idempotency_ttl_seconds,
    )

    @idempotent_function(data_keyword_argument="request", persistence_store=persistence, config=config)
    def ingest_once(request: dict[str, Any], events: list[Any], may_ingest: Any) -> dict[str, Any]:
        return ingest(events, may_ingest)

    return ingest_once, config


def _in_flight(_: Exception) -> Response[Any]:
    return error_response(
        Conflict("a request with this Idempotency-Key is in flight", code="request_in_flight")
    )


def _key_reused(_: Exception) -> Response[Any]:
    return error_response(
        Unprocessable("this Idempotency-Key was used with a different body", code="idempotency_key_reused")
    )


def _store_down(_: Exception) -> Response[Any]:
    logger.exception("idempotency store unavailable")
    return error_response(
        ServiceUnavailable(
            "try again shortly", code="idempotency_unavailable", headers={"Retry-After": RETRY_AFTER_SECONDS}
        )
    )


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
