"""Report function: ``POST /v1/events/{eventId}/users/{userId}/report`` (SPEC sections 5 and 6).

Builds the same dashboard as the query API, renders it as a PDF, stores it in S3 and
answers with a presigned download link. fpdf2 is imported on the first report, not at
import time: no other function ever loads it, and this one only when it renders.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from dal import bind_table
from logic.dashboard import user_dashboard
from report.disposition import content_disposition
from shared import reports_bucket as reports
from shared.errors import ServiceUnavailable
from shared.http import JSON_HEADERS, api_base, caller, register_error_handlers, to_json
from shared.observability import logger, metrics
from shared.resolver import APIGatewayHttpResolver, Response, content_types
from shared.routes import EventId, UserId, register_validation_errors
from shared.settings import get_settings, require

app = APIGatewayHttpResolver(enable_validation=True, serializer=to_json)
register_error_handlers(app)
register_validation_errors(app)


# The report path's time budget, inside the function's Timeout (29 s, under the HTTP API's 30 s):
# rendering the 200-row cap takes ~1.5 s at 1024 MB (benchmarks/RESULTS.md) against SPEC's bound of
# 10 s; storing and presigning take well under a second (the S3 client gives up after 3 + 10 s).
# When less than this is left after reading the dashboard, the caller gets a 503 it can retry
# instead of a timeout with no body.
RENDER_AND_STORE_SECONDS = 15
RETRY_AFTER_SECONDS = 5


class ReportLink(BaseModel):
    url: str = Field(description="presigned GET of the PDF; the download is named after the user")
    expiresAt: str = Field(description="when the link stops working (UTC)")
    key: str = Field(description="the S3 object key, reports/{eventId}/{userId}/<generated-at>.pdf")


def _now() -> datetime:
    return datetime.now(UTC)  # microseconds kept: the report's key carries them


@app.post(
    "/v1/events/<eventId>/users/<userId>/report",
    summary="The user's dashboard as a PDF, with a download link",
    description="Same access as the dashboard: analytics:read for the event, or the attendee themself.",
    responses={
        201: {
            "description": "Report stored; download it from url before expiresAt",
            "content": {"application/json": {"model": ReportLink}},
        },
        503: {"description": "Not enough time left to render and store the report; retry after Retry-After"},
    },
)
def create_report(eventId: EventId, userId: UserId) -> Response[ReportLink]:
    caller(app).require_read_user(eventId, userId)
    settings = get_settings()
    bucket = require(settings.reports_bucket, "REPORTS_BUCKET")
    now = _now()
    board = user_dashboard(eventId, userId, now, api_base(app))
    if app.lambda_context.get_remaining_time_in_millis() < RENDER_AND_STORE_SECONDS * 1000:
        raise ServiceUnavailable(
            "the report could not be made in time; try again shortly",
            code="report_timeout",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )

    from report.render import render_report  # fpdf2 and the fonts: only when rendering

    started = time.perf_counter()
    pdf = render_report(board, now)
    render_ms = round((time.perf_counter() - started) * 1000)
    key = reports.report_key(eventId, userId, now)
    reports.put_report(bucket, key, pdf)
    expires = settings.report_url_expiry_seconds
    url = reports.download_url(bucket, key, content_disposition(board.user.name), expires)

    metrics.add_metric(name="ReportsCreated", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="ReportRenderTime", unit=MetricUnit.Milliseconds, value=render_ms)
    logger.info("report created", extra={"eventId": eventId, "bytes": len(pdf), "renderMs": render_ms})
    link = ReportLink(url=url, expiresAt=_stamp(reports.link_expiry(url)), key=key)
    return Response(201, content_types.APPLICATION_JSON, link, JSON_HEADERS)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    bind_table(get_settings().table_name)
    return app.resolve(event, context)
