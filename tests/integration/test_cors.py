"""CORS as AWS does it (SPEC section 11): API Gateway adds the configured headers and ignores a
function's; a preflight matches no route but ``$default``, so the query function must answer 2xx.

The local gateway routes OPTIONS exactly like that (no shortcut), so a browser-shaped preflight to
every route of the template goes through the real query handler here.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from werkzeug.test import Client

from infra.gateway import Cors, Gateway, Route, cors_from_template, routes_from_template
from infra.template import load_template, resources_of_type
from shared import http
from tests.conftest import Aws, reset_caches
from tests.support.lambda_events import FakeContext, http_event

ORIGIN = "https://dashboard.example"
OTHER = "https://elsewhere.example"
SAMPLE = {"eventId": "e1", "userId": "u1", "sessionId": "s1", "vodId": "v1"}


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: SAMPLE[m.group(1)], path)


# Every route of the template, and for $default a path no other route has.
ROUTES = sorted(
    (r.method, concrete(r.path) if r.path != "$default" else "/v1/no/such/route")
    for r in routes_from_template()
)


def preflight(method: str, origin: str = ORIGIN) -> dict[str, str]:
    """What Chromium sends before a cross-origin fetch with an Authorization header."""
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "GET" if method == "ANY" else method,
        "Access-Control-Request-Headers": "authorization,content-type",
        "Sec-Fetch-Mode": "cors",
    }


@pytest.fixture
def client(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> Client:
    """The local gateway deployed with AllowedOrigins=ORIGIN (functions and gateway alike)."""
    monkeypatch.setenv("ALLOWED_ORIGINS", ORIGIN)
    reset_caches()
    return Client(Gateway(parameters={"AllowedOrigins": ORIGIN}))


def test_a_browser_preflight_to_every_route_gets_2xx_and_the_configured_headers(client: Client) -> None:
    for method, path in ROUTES:
        response = client.options(path, headers=preflight(method))
        route = f"{method} {path}"
        assert 200 <= response.status_code < 300, (route, response.get_data(as_text=True))
        headers = response.headers
        assert headers.get("Access-Control-Allow-Origin") == ORIGIN, route
        asked = "GET" if method == "ANY" else method
        assert asked in headers["Access-Control-Allow-Methods"].split(","), route
        assert {"authorization", "content-type"} <= set(headers["Access-Control-Allow-Headers"].split(","))
        assert headers["Access-Control-Max-Age"] == "600", route


def test_a_preflight_from_another_origin_gets_no_cors_headers(client: Client) -> None:
    for method, path in ROUTES:
        response = client.options(path, headers=preflight(method, OTHER))
        cors = [name for name, _ in response.headers.items() if name.lower().startswith("access-control-")]
        assert cors == [], f"{method} {path}"


def test_requests_from_an_allowed_origin_get_the_origin_and_exposed_headers(client: Client) -> None:
    response = client.get("/v1/events/e1/users/u1/analytics", headers={"Origin": ORIGIN})  # no token: 401
    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert response.headers["Access-Control-Expose-Headers"] == "retry-after"
    assert "Access-Control-Allow-Methods" not in response.headers  # only a preflight gets those
    same_origin = client.get("/v1/openapi.json")  # no Origin: no CORS headers at all
    assert same_origin.status_code == 200
    assert "Access-Control-Allow-Origin" not in same_origin.headers


def test_the_gateway_drops_the_functions_own_cors_headers(aws: Aws) -> None:
    """With CorsConfiguration, API Gateway ignores whatever CORS headers the integration returns."""

    class Liar:
        def invoke(self, handler: str, event: dict[str, Any]) -> dict[str, Any]:
            headers = {"Access-Control-Allow-Origin": "https://evil.example", "X-Kept": "yes"}
            return {"statusCode": 200, "headers": headers, "body": "{}"}

    gateway = Gateway(Liar(), [Route("GET", "/v1/x", "any.handler", public=True)], Cors(origins=(ORIGIN,)))  # type: ignore[arg-type]
    response = Client(gateway).get("/v1/x", headers={"Origin": OTHER})
    assert "Access-Control-Allow-Origin" not in response.headers
    assert response.headers["X-Kept"] == "yes"
    assert (
        Client(gateway).get("/v1/x", headers={"Origin": ORIGIN}).headers["Access-Control-Allow-Origin"]
        == ORIGIN
    )


def test_a_preflight_goes_through_the_default_routes_authorizer_like_on_aws(aws: Aws) -> None:
    """Were $default behind the JWT authorizer, a preflight (which never carries a token) would get a
    401 and every browser call would fail: the reason the template's $default route is public."""
    cors = Cors(origins=("*",), allow_methods=("GET",))
    guarded = Gateway(routes=[Route("ANY", "$default", "query.api.handler", public=False)], cors=cors)
    assert Client(guarded).options("/v1/events/e1/users", headers=preflight("GET")).status_code == 401
    (default,) = [r for r in routes_from_template() if r.path == "$default"]
    assert default.public


def test_the_query_function_used_to_refuse_preflights_and_now_answers_204(aws: Aws) -> None:
    """The handler alone, as AWS invokes it for a preflight on $default: 2xx, not 405."""
    from query.api import handler

    event = http_event(
        "OPTIONS", "/v1/events/e1/users", headers={k.lower(): v for k, v in preflight("GET").items()}
    )
    response = handler(event, FakeContext())
    assert response["statusCode"] == 204
    assert response["headers"]["Allow"] == "GET, OPTIONS"
    assert response["headers"]["Access-Control-Allow-Origin"] == "*"  # ALLOWED_ORIGINS is the default, "*"
    plain = handler(http_event("OPTIONS", "/v1/no/such/route"), FakeContext())  # not a preflight, no route
    assert (plain["statusCode"], json.loads(plain["body"])["error"]["code"]) == (404, "route_not_found")


@pytest.mark.parametrize("origin", [ORIGIN, OTHER])
def test_the_report_function_answers_a_preflight_too(
    aws: Aws, monkeypatch: pytest.MonkeyPatch, origin: str
) -> None:
    from report.api import handler

    monkeypatch.setenv("ALLOWED_ORIGINS", ORIGIN)
    reset_caches()
    headers = {k.lower(): v for k, v in preflight("POST", origin).items()}
    response = handler(http_event("OPTIONS", "/v1/events/e1/users/u1/report", headers=headers), FakeContext())
    assert response["statusCode"] == 204
    assert response["headers"].get("Access-Control-Allow-Origin") == (ORIGIN if origin == ORIGIN else None)


def test_functions_gateway_and_template_agree_on_the_cors_configuration() -> None:
    (api,) = resources_of_type(load_template(), "AWS::Serverless::HttpApi").values()
    config = api["CorsConfiguration"]
    assert config["AllowOrigins"] == {"Ref": "AllowedOrigins"}
    assert tuple(config["AllowHeaders"]) == http.CORS_ALLOW_HEADERS
    assert tuple(config["AllowMethods"]) == http.CORS_ALLOW_METHODS
    assert tuple(config["ExposeHeaders"]) == http.CORS_EXPOSE_HEADERS
    assert config["MaxAge"] == http.CORS_MAX_AGE
    assert "AllowCredentials" not in config  # bearer tokens, never cookies
    cors = cors_from_template()
    assert cors is not None
    assert cors.origins == ("*",)  # the parameter's default
    overridden = cors_from_template({"AllowedOrigins": f"{ORIGIN},{OTHER}"})
    assert overridden is not None
    assert overridden.origins == (ORIGIN, OTHER)
    with pytest.raises(ValueError, match="no such template parameter"):
        cors_from_template({"AllowedOrigin": ORIGIN})
