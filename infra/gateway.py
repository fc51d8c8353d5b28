"""A local HTTP API: routes from template.yaml to the real handlers, API Gateway style.

Builds payload-format-2.0 events as AWS does (infra/apigw.py): the verified JWT claims flattened to
strings in the request context, non-text bodies in base64;
invokes the handler in-process (one at a time per function, like one warm container),
and returns its response. Also serves the reference dashboard from web/.

CORS as an HTTP API with a ``CorsConfiguration`` does it (SPEC section 11): ``OPTIONS`` is
routed like any other method (no route has it, so a preflight reaches ``$default`` and its
function, through that route's authorizer if it had one); the configured CORS headers are added
to every response of a request from an allowed origin, and whatever CORS headers a function
returns are dropped.
"""

from __future__ import annotations

import base64
import importlib
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.wrappers import Request, Response

from infra import tokens
from infra.apigw import flatten_claims, sent_as_text
from infra.template import load_template, parameter_values, resources_of_type

WEB = Path(__file__).resolve().parent.parent / "web"
_STATIC_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
}


def query_parameters(query: str) -> dict[str, str]:
    """As payload format 2.0 has them: blank values kept, a repeated name's values joined by commas."""
    out: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        out[name] = f"{out[name]},{value}" if name in out else value
    return out


@dataclass
class Route:
    method: str
    path: str
    handler: str
    public: bool
    pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.path))
        # "$default" is API Gateway's catch-all: it matches nothing by pattern, only as a fallback.
        self.pattern = re.compile("(?!)" if self.path == "$default" else f"^{regex}$")


@dataclass(frozen=True)
class Cors:
    """The HTTP API's CorsConfiguration, applied the way API Gateway applies it."""

    origins: tuple[str, ...]
    allow_headers: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool = False

    def allowed_origin(self, origin: str | None) -> str | None:
        if not origin:
            return None
        if "*" in self.origins:
            return "*"
        return origin if origin in self.origins else None

    def apply(self, request: Request, response: Response) -> Response:
        for name in {n for n, _ in response.headers.items() if n.lower().startswith("access-control-")}:
            del response.headers[name]  # API Gateway ignores the integration's CORS headers
        origin = self.allowed_origin(request.headers.get("Origin"))
        if origin is None:
            return response
        headers = {"Access-Control-Allow-Origin": origin}
        if self.allow_credentials:
            headers["Access-Control-Allow-Credentials"] = "true"
        if is_preflight(request):
            if self.allow_methods:
                headers["Access-Control-Allow-Methods"] = ",".join(self.allow_methods)
            if self.allow_headers:
                headers["Access-Control-Allow-Headers"] = ",".join(h.lower() for h in self.allow_headers)
            if self.max_age is not None:
                headers["Access-Control-Max-Age"] = str(self.max_age)
        elif self.expose_headers:
            headers["Access-Control-Expose-Headers"] = ",".join(h.lower() for h in self.expose_headers)
        response.headers.update(headers)
        return response


def is_preflight(request: Request) -> bool:
    return (
        request.method == "OPTIONS"
        and "Origin" in request.headers
        and "Access-Control-Request-Method" in request.headers
    )


def cors_from_template(parameters: dict[str, str] | None = None) -> Cors | None:
    """The HttpApi's CorsConfiguration, !Refs resolved (parameter defaults, or ``parameters``)."""
    template = load_template()
    values = parameter_values(template, parameters)
    (api,) = resources_of_type(template, "AWS::Serverless::HttpApi").values()
    config = api.get("CorsConfiguration")
    if not config:
        return None

    def strings(value: Any) -> tuple[str, ...]:
        if isinstance(value, dict) and set(value) == {"Ref"}:
            value = values[value["Ref"]]
        if isinstance(value, str):
            value = value.split(",")
        return tuple(str(v).strip() for v in value or [])

    return Cors(
        origins=strings(config.get("AllowOrigins")),
        allow_headers=strings(config.get("AllowHeaders")),
        allow_methods=strings(config.get("AllowMethods")),
        expose_headers=strings(config.get("ExposeHeaders")),
        max_age=int(config["MaxAge"]) if "MaxAge" in config else None,
        allow_credentials=bool(config.get("AllowCredentials", False)),
    )


def routes_from_template() -> list[Route]:
    found = []
    for props in resources_of_type(load_template(), "AWS::Serverless::Function").values():
        for event in props.get("Events", {}).values():
            if event["Type"] != "HttpApi":
                continue
            spec = event["Properties"]
            public = spec.get("Auth", {}).get("Authorizer") == "NONE"
            found.append(Route(spec["Method"].upper(), spec["Path"], props["Handler"], public))
    return found


@dataclass
class FakeContext:
    function_name: str
    aws_request_id: str
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:local:000000000000:function:local"
    deadline: float = field(default_factory=lambda: time.monotonic() + 30)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


class Functions:
    """Handlers by their template name, each invoked serially like a single warm container."""

    def __init__(self) -> None:
        self._handlers: dict[str, Callable[..., Any]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def invoke(self, handler: str, event: dict[str, Any]) -> Any:
        with self._guard:
            if handler not in self._handlers:
                module, name = handler.rsplit(".", 1)
                self._handlers[handler] = getattr(importlib.import_module(module), name)
                self._locks[handler] = threading.Lock()
        with self._locks[handler]:
            return self._handlers[handler](event, FakeContext(handler, str(uuid.uuid4())))


def _envelope(status: int, code: str, message: str) -> Response:
    body = json.dumps({"error": {"code": code, "message": message}})
    return Response(body, status=status, content_type="application/json")


_FROM_TEMPLATE: Any = object()


class Gateway:
    def __init__(
        self,
        functions: Functions | None = None,
        routes: list[Route] | None = None,
        cors: Cors | None = _FROM_TEMPLATE,
        parameters: dict[str, str] | None = None,
    ):
        """``parameters`` override the template's defaults (as ``sam deploy --parameter-overrides``)."""
        self.functions = functions or Functions()
        self.routes = routes if routes is not None else routes_from_template()
        self.cors: Cors | None = cors_from_template(parameters) if cors is _FROM_TEMPLATE else cors

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        return self.dispatch(request)(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        path = request.path
        if not path.startswith("/v1/"):
            return self._static(path)
        return self._cors(request, self._route(request))

    def _route(self, request: Request) -> Response:
        path = request.path
        matches = [(r, m) for r in self.routes if (m := r.pattern.match(path))]
        route_match: tuple[Route, re.Match[str] | None] | None = next(
            ((r, m) for r, m in matches if r.method == request.method), None
        )
        if route_match is None:
            fallback = next((r for r in self.routes if r.path == "$default"), None)
            if fallback is None:
                if self.cors is not None and is_preflight(request):
                    return Response(status=204)  # API Gateway answers a preflight no route takes
                return _envelope(404, "route_not_found", "no such route")
            route_match = (fallback, None)
        route, match = route_match
        claims: dict[str, Any] | None = None
        if not route.public:
            try:
                claims = tokens.verify(request.headers.get("Authorization"))
            except tokens.InvalidToken:
                return _envelope(401, "unauthorized", "a valid bearer token is required")
        event = self._event(request, route, match.groupdict() if match else {}, claims)
        result = self.functions.invoke(route.handler, event)
        return self._response(result)

    @staticmethod
    def _event(request: Request, route: Route, params: dict[str, str], claims: dict[str, Any] | None) -> dict:
        body = request.get_data()
        text = None
        if sent_as_text(request.headers.get("Content-Type")):
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                text = None  # not text after all: base64, like a binary body
        encoded = text is None
        if text is None:
            text = base64.b64encode(body).decode()
        context: dict[str, Any] = {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": request.host,
            "http": {
                "method": request.method,
                "path": request.path,
                "protocol": "HTTP/1.1",
                "sourceIp": request.remote_addr or "127.0.0.1",
                "userAgent": request.headers.get("User-Agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": f"{route.method} {route.path}",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
            "timeEpoch": int(time.time() * 1000),
        }
        if claims is not None:
            context["authorizer"] = {"jwt": {"claims": flatten_claims(claims), "scopes": None}}
        query = request.query_string.decode()
        return {
            "version": "2.0",
            "routeKey": context["routeKey"],
            "rawPath": request.path,
            "rawQueryString": query,
            "queryStringParameters": query_parameters(query) or None,
            "pathParameters": params or None,
            "headers": {k.lower(): v for k, v in request.headers.items()},
            "requestContext": context,
            "body": text or None,
            "isBase64Encoded": encoded,
        }

    @staticmethod
    def _response(result: dict[str, Any]) -> Response:
        body = result.get("body") or ""
        data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
        response = Response(data, status=int(result.get("statusCode", 200)))
        for name, value in (result.get("headers") or {}).items():
            response.headers[name] = value
        for name, values in (result.get("multiValueHeaders") or {}).items():
            for value in values:
                response.headers.add(name, value)
        for cookie in result.get("cookies") or []:
            response.headers.add("Set-Cookie", cookie)
        return response

    def _cors(self, request: Request, response: Response) -> Response:
        return self.cors.apply(request, response) if self.cors is not None else response

    @staticmethod
    def _static(path: str) -> Response:
        name = "index.html" if path in ("", "/") else path.lstrip("/")
        target = (WEB / name).resolve()
        if WEB.resolve() not in target.parents or not target.is_file():
            return _envelope(404, "not_found", "no such page")
        content_type = _STATIC_TYPES.get(target.suffix, "application/octet-stream")
        return Response(target.read_bytes(), content_type=content_type, headers={"Cache-Control": "no-cache"})
