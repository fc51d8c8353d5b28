"""One dashboard model from the domain to the JSON and the PDF (issue 14, item 4).

The domain builds ``models.dashboard.Dashboard``; the query API sends exactly its serialisation
(nothing re-shaped on the way), and the report renders that same model for the same user. mypy
checks every attribute either reads; these tests check the values that travel.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from domain import dashboard as d
from models.dashboard import Dashboard
from shared.http import to_json
from tests.conftest import Aws
from tests.support.lambda_events import STAGE, FakeContext, claims, http_event
from tests.support.pipeline import apply_events
from tests.support.scenario import scripted_events

READER = claims(sub="organiser", scope="analytics:read", events=["e1"])
NOW = datetime(2026, 11, 20, 12, 0, 7, 250_000, tzinfo=UTC)


@pytest.fixture
def scripted(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> Aws:
    from query import api as query_api
    from report import api as report_api

    apply_events(scripted_events())
    monkeypatch.setattr(query_api, "_now", lambda: NOW)
    monkeypatch.setattr(report_api, "_now", lambda: NOW)
    return aws


def _get(path: str, query: dict[str, str] | None = None) -> str:
    from query.api import handler

    response = handler(http_event("GET", path, jwt=READER, query=query), FakeContext())
    assert response["statusCode"] == 200, response
    body: str = response["body"]
    return body


def test_the_dashboard_json_is_the_domain_model_serialised(scripted: Aws) -> None:
    from logic.dashboard import user_dashboard

    board = user_dashboard("e1", "u1", NOW, api_base=f"/{STAGE}")
    assert type(board) is Dashboard
    body = _get("/v1/events/e1/users/u1/analytics")
    # Byte for byte: the handler sends the domain's model as it is (camelCase names are the fields).
    assert body == to_json(board.model_dump(mode="json", by_alias=True))
    assert json.loads(body) == board.model_dump(mode="json")
    assert all((board.sessions, board.vods, board.attachments.items))  # the scenario fills every list


@pytest.mark.parametrize(
    ("listing", "kind"), [("sessions", d.SESSIONS), ("vods", d.VODS), ("attachments", d.ATTACHMENTS)]
)
def test_each_list_page_is_the_domain_rows_serialised(scripted: Aws, listing: str, kind: Any) -> None:
    from logic.dashboard import user_list_page

    rows, count, _ = user_list_page("e1", "u1", kind, None, 1, api_base=f"/{STAGE}")
    page = json.loads(_get(f"/v1/events/e1/users/u1/{listing}", {"limit": "1"}))
    assert page["items"] == [row.model_dump(mode="json", by_alias=True) for row in rows]
    assert page["count"] == count


def test_the_report_renders_the_model_the_api_serves(scripted: Aws, monkeypatch: pytest.MonkeyPatch) -> None:
    from report import render
    from report.api import handler

    rendered: list[Dashboard] = []
    real = render.render_report

    def spy(board: Dashboard, generated_at: datetime, max_rows: int | None = d.LIST_LIMIT) -> bytes:
        rendered.append(board)
        return real(board, generated_at, max_rows)

    monkeypatch.setattr(render, "render_report", spy)
    response = handler(http_event("POST", "/v1/events/e1/users/u1/report", jwt=READER), FakeContext())
    assert response["statusCode"] == 201, response
    (board,) = rendered
    assert type(board) is Dashboard
    assert board.model_dump(mode="json") == json.loads(_get("/v1/events/e1/users/u1/analytics"))
