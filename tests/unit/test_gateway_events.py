"""The local gateway hands the handlers the event shapes API Gateway does (claims, bodies)."""

from __future__ import annotations

import json
from pathlib import Path

from werkzeug.test import EnvironBuilder

from infra.gateway import Gateway, Route

FIXTURE = Path(__file__).parents[1] / "fixtures" / "aws"
ROUTE = Route("POST", "/v1/interactions", "ingest.collector.handler", public=False)


def event_for(body: bytes, content_type: str, claims: dict[str, object] | None = None) -> dict:
    request = EnvironBuilder(
        method="POST", path="/v1/interactions", data=body, content_type=content_type
    ).get_request()
    return Gateway._event(request, ROUTE, {}, claims)


def test_claims_are_flattened_to_strings_like_the_jwt_authorizer_does() -> None:
    claims = {"sub": "u1", "eventIds": ["e1", "e2"], "scope": "analytics:read", "exp": 1795660523}
    event = event_for(b"{}", "application/json", claims)
    assert event["requestContext"]["authorizer"]["jwt"]["claims"] == {
        "sub": "u1",
        "eventIds": "[e1 e2]",
        "scope": "analytics:read",
        "exp": "1795660523",
    }
    canonical = [json.loads(p.read_text()) for p in FIXTURE.glob("http_*.json")]
    shapes = [e["requestContext"].get("authorizer", {}).get("jwt", {}).get("claims") for e in canonical]
    assert any(shapes)
    assert all(isinstance(v, str) for claims_ in shapes if claims_ for v in claims_.values())


def test_json_is_passed_as_text_and_other_bodies_in_base64() -> None:
    text = event_for('{"events": ["ü"]}'.encode(), "application/json; charset=utf-8")
    assert (text["body"], text["isBase64Encoded"]) == ('{"events": ["ü"]}', False)
    binary = event_for(b"\x00\x01", "application/octet-stream")
    assert (binary["body"], binary["isBase64Encoded"]) == ("AAE=", True)
    not_utf8 = event_for(b"\xff{}", "application/json")
    assert not_utf8["isBase64Encoded"] is True


def test_query_parameters_keep_blank_values_and_join_repeats_with_commas_like_payload_2() -> None:
    request = EnvironBuilder(
        method="GET", path="/v1/events/e1/users", query_string="q=&sort=name&x=1&x=2"
    ).get_request()
    event = Gateway._event(
        request, Route("GET", "/v1/events/{eventId}/users", "query.api.handler", public=False), {}, None
    )
    assert event["queryStringParameters"] == {"q": "", "sort": "name", "x": "1,2"}
    assert event["rawQueryString"] == "q=&sort=name&x=1&x=2"
