"""The local stack's banner: the dashboard URL opens an event that exists."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest

from infra import demo, local, tokens


def printed(monkeypatch: pytest.MonkeyPatch, demo_loading: bool) -> str:
    out = io.StringIO()
    monkeypatch.setattr(local, "console", out)
    stack: Any = local.Stack("http://127.0.0.1:3300", "http://127.0.0.1:5555", {}, None, [])
    local._banner(stack, demo_loading)
    return out.getvalue()


def dashboard_url(text: str) -> str:
    found = re.search(r"^  Dashboard  (\S+)$", text, re.MULTILINE)
    assert found, text
    return found.group(1)


def test_with_the_demo_the_dashboard_url_opens_the_demo_event(monkeypatch: pytest.MonkeyPatch) -> None:
    text = printed(monkeypatch, demo_loading=True)
    url = dashboard_url(text)
    assert url.startswith("http://127.0.0.1:3300/#token=")
    assert url.endswith(f"&event={demo.EVENT_ID}")
    assert "Demo ready" in text


def test_without_the_demo_the_url_names_no_event_and_says_how_to_send_events(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = printed(monkeypatch, demo_loading=False)
    url = dashboard_url(text)
    assert "event=" not in url
    assert demo.EVENT_ID not in text
    token = url.split("#token=", 1)[1]
    assert tokens.verify("Bearer " + token)["scope"] == "analytics:read analytics:admin"
    sending = [line for line in text.splitlines() if line.lstrip().startswith("Send events")]
    assert len(sending) == 1
    assert "POST http://127.0.0.1:3300/v1/interactions" in sending[0]
    assert "ingest token" in sending[0]
    assert "Demo ready" not in text


def test_banner_text_is_the_same_either_way_but_for_the_event() -> None:
    with_demo = local.banner_text("http://g", "http://m", "R", "I", "ev1").splitlines()
    without = local.banner_text("http://g", "http://m", "R", "I", None).splitlines()
    assert "  Dashboard  http://g/#token=R&event=ev1" in with_demo
    assert "  Dashboard  http://g/#token=R" in without
    for line in ("  Read token   R", "  Ingest token I"):
        assert line in with_demo
        assert line in without
