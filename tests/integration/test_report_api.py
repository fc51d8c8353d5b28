"""The report function through its real handler: PDF in S3, presigned link, same access as the dashboard."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import patch
from urllib.parse import parse_qs, urlparse

import pytest
from pypdf import PdfReader

from tests.conftest import Aws, reset_caches
from tests.support import events as ev
from tests.support.lambda_events import CALLERS, FakeContext, claims, http_event
from tests.support.pipeline import apply_events, call_api
from tests.support.scenario import scripted_events

READER = claims(sub="organiser", scope="analytics:read", events=["e1"])
REPORT = "/v1/events/e1/users/u1/report"
# The scenario's user is "Zoë Ångström": ASCII fallback without accents, exact name in filename*.
DISPOSITION = (
    'attachment; filename="Zoe Angstrom - analytics.pdf"; '
    "filename*=UTF-8''Zo%C3%AB%20%C3%85ngstr%C3%B6m%20-%20analytics.pdf"
)
KEY = re.compile(r"^reports/e1/u1/\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z-[0-9a-f]{8}\.pdf$")


def call_report(path: str = REPORT, jwt: dict[str, Any] | None = READER) -> tuple[int, dict, dict[str, str]]:
    from report.api import handler

    response = handler(http_event("POST", path, jwt=jwt), FakeContext())
    return response["statusCode"], json.loads(response["body"]), response.get("headers", {})


def bucket(aws: Aws) -> str:
    return aws.env["REPORTS_BUCKET"]


def stored_keys(s3: Any, name: str) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=name).get("Contents", [])]


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def scripted(aws: Aws) -> Aws:
    apply_events(scripted_events())
    return aws


def test_report_is_stored_encrypted_and_linked(scripted: Aws) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    status, body, headers = call_report()
    assert status == 201, body
    assert set(body) == {"url", "expiresAt", "key"}
    assert KEY.match(body["key"]), body["key"]
    assert headers["Content-Type"] == "application/json"
    assert headers["Cache-Control"] == "no-store"

    s3 = scripted.client("s3")
    head = s3.head_object(Bucket=bucket(scripted), Key=body["key"])
    assert (head["ServerSideEncryption"], head["ContentType"]) == ("AES256", "application/pdf")
    data = s3.get_object(Bucket=bucket(scripted), Key=body["key"])["Body"].read()
    assert data.startswith(b"%PDF-")
    assert stored_keys(s3, bucket(scripted)) == [body["key"]]

    url = urlparse(body["url"])
    query = parse_qs(url.query)
    assert url.path.endswith(body["key"])
    assert query["X-Amz-Expires"] == ["900"]
    assert query["response-content-disposition"] == [DISPOSITION]
    assert query["response-content-type"] == ["application/pdf"]
    expires = datetime.strptime(body["expiresAt"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert before + timedelta(seconds=900) <= expires <= datetime.now(UTC) + timedelta(seconds=900)


def test_the_link_expires_when_its_signature_does_however_long_the_render_took(scripted: Aws) -> None:
    asked = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=30)  # a 30 s render
    with patch("report.api._now", return_value=asked):
        status, body, _ = call_report()
    assert status == 201, body
    query = parse_qs(urlparse(body["url"]).query)
    signed = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert body["expiresAt"] == f"{signed + timedelta(seconds=900):%Y-%m-%dT%H:%M:%SZ}"


def test_report_prints_the_dashboard_numbers(scripted: Aws) -> None:
    """One source of truth: the PDF shows what the dashboard API returns, formatted like the web page."""
    _, board, _ = call_api("GET", "/v1/events/e1/users/u1/analytics", jwt=READER)
    _, body, _ = call_report()
    stored = scripted.client("s3").get_object(Bucket=bucket(scripted), Key=body["key"])["Body"].read()
    lines = pdf_text(stored).splitlines()

    def tile(label: str) -> str:
        return lines[lines.index(label) - 1]

    # 140 s viewed = 2.3 min; live engagement only in s1: 15/40 s
    assert (board["kpis"]["minutesViewed"], board["kpis"]["liveEngagementRate"]) == (2.3, 0.375)
    assert lines[1] == board["user"]["name"] == "Zoë Ångström"
    assert tile("Total minutes viewed") == "2.3 min"
    assert tile("Average live engagement") == "37.5%"
    assert tile("Sessions viewed") == str(board["kpis"]["sessionsViewed"]) == "2"
    assert tile("Chat messages sent") == str(board["engagement"]["groupChatMessages"]) == "3"
    assert tile("Attachments downloaded") == str(board["engagement"]["attachmentsDownloaded"]) == "2"
    assert "Live 0.7 min Recordings 1.0 min Content on demand 0.7 min" in lines
    # s1: 40 s live, 15 engaged, 2 reactions, 1 hand, 2 downloads of a1, 2 chat messages, polls p1 and p2
    assert "Keynote 0.7 0.7 0.0 37.5% 2 1 2 2 2" in lines
    assert "Panel 1.0 0.0 1.0 — 0 0 0 0 0" in lines
    assert "Intro 0.7 30.0%" in lines


def test_expiry_follows_the_setting(scripted: Aws, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPORT_URL_EXPIRY_SECONDS", "120")
    reset_caches()
    status, body, _ = call_report()
    assert status == 201
    assert parse_qs(urlparse(body["url"]).query)["X-Amz-Expires"] == ["120"]


def test_unknown_user_is_404_and_stores_nothing(scripted: Aws) -> None:
    status, body, _ = call_report("/v1/events/e1/users/nobody/report")
    assert (status, body["error"]["code"]) == (404, "user_not_found")
    assert stored_keys(scripted.client("s3"), bucket(scripted)) == []


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v1/events/bad*id/users/u1/report", "eventId"),
        ("/v1/events/e1/users/" + "x" * 129 + "/report", "userId"),
    ],
)
def test_bad_ids_are_400(aws: Aws, path: str, field: str) -> None:
    status, body, _ = call_report(path)
    assert (status, body["error"]["code"]) == (400, "invalid_request")
    assert any(field in d["field"] for d in body["error"]["details"]), body


TOKENS = {
    **CALLERS,
    "admin-only": CALLERS["admin-event"],
    # Self-read is per event (user ids are per event): the token must still list the event.
    "self": claims(sub="u1", scope="", events=["e1"]),
    "self-other-event": claims(sub="u1", scope="", events=["e2"]),
    "self-no-events": claims(sub="u1", scope="", events=[]),
}
del TOKENS["admin-event"], TOKENS["admin-other-event"]
EXPECTED = {
    "none": 401,
    "no-scope": 403,
    "ingest-only": 403,
    "read-other-event": 403,
    "read-event": 201,
    "read-star": 201,
    "self": 201,
    "self-other-event": 403,
    "self-no-events": 403,
    "other-user": 403,
    "admin-only": 403,
}


@pytest.mark.parametrize("token", list(TOKENS))
def test_report_access_is_dashboard_access(scripted: Aws, token: str) -> None:
    status, body, _ = call_report(jwt=TOKENS[token])
    dashboard_status, _, _ = call_api("GET", "/v1/events/e1/users/u1/analytics", jwt=TOKENS[token])
    assert status == EXPECTED[token], body
    assert (status == 201) == (dashboard_status == 200)
    if status >= 400:
        assert body["error"]["code"] == {401: "unauthorized", 403: "forbidden"}[status]
        assert stored_keys(scripted.client("s3"), bucket(scripted)) == []


def test_report_for_an_empty_profile_only_user(aws: Aws) -> None:
    apply_events([ev.profile("Только профиль", user="u9")])
    status, body, _ = call_report("/v1/events/e1/users/u9/report")
    assert status == 201, body
    text = pdf_text(aws.client("s3").get_object(Bucket=bucket(aws), Key=body["key"])["Body"].read())
    for empty in (
        "No attachments downloaded.",
        "No sessions viewed.",
        "No videos viewed.",
        "Nothing watched",
    ):
        assert empty in text


# ---- the link works: a real HTTP GET against a moto server


@pytest.fixture
def moto_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    from infra.moto_server import AtomicMotoServer
    from infra.provision import provision

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = AtomicMotoServer()
    server.start()
    try:
        host, port = server.get_host_and_port()
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://{host}:{port}")
        provisioned = provision(prefix="download", shard_count=1)
        for name, value in provisioned.environment().items():
            monkeypatch.setenv(name, value)
        reset_caches()
        yield Aws(provisioned.names, provisioned.environment())
    finally:
        reset_caches()
        server.stop()


def test_presigned_link_downloads_the_stored_pdf(moto_server: Aws) -> None:
    apply_events(scripted_events())
    status, body, _ = call_report()
    assert status == 201, body
    assert body["url"].startswith(os.environ["AWS_ENDPOINT_URL"] + "/")  # a real URL to a real server
    stored = moto_server.client("s3").get_object(Bucket=bucket(moto_server), Key=body["key"])
    with urllib.request.urlopen(body["url"], timeout=10) as response:  # noqa: S310 (http to the local moto server)
        assert response.status == 200
        downloaded = response.read()
        disposition = response.headers["Content-Disposition"]
        content_type = response.headers["Content-Type"]
    assert downloaded == stored["Body"].read()
    assert downloaded.startswith(b"%PDF-")
    assert disposition == DISPOSITION
    assert content_type == "application/pdf"


def test_two_reports_at_the_same_moment_are_two_objects(
    scripted: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC, datetime

    from report import api

    moment = datetime(2026, 11, 20, 10, 0, 0, 123456, tzinfo=UTC)
    monkeypatch.setattr(api, "_now", lambda: moment)  # both requests in the same microsecond
    first, second = call_report(), call_report()
    assert (first[0], second[0]) == (201, 201)
    assert first[1]["key"] != second[1]["key"]
    assert sorted(stored_keys(scripted.client("s3"), bucket(scripted))) == sorted(
        [first[1]["key"], second[1]["key"]]
    )
    assert KEY.match(first[1]["key"])
    assert ".123Z-" in first[1]["key"]  # milliseconds really are in the key
