"""The local stack in a subprocess (as `make run` starts it), the dashboard served from another
origin than the API (so the browser preflights every call, as on AWS), and a headless chromium."""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.local_stack import StackError, free_port, running_stack

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
WINDOW_SECONDS = 1.0
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class LocalStack:
    url: str
    log: Path

    def request(self, method: str, path: str, token: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - loopback
            self.url + path,
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def poll(
        self, path: str, token: str, until: Callable[[Any], bool], timeout: float = 60
    ) -> tuple[int, Any]:
        """GET ``path`` until it answers 200 with a body ``until`` accepts, or ``timeout`` passes;
        the last answer either way (the caller asserts on it)."""
        deadline = time.monotonic() + timeout
        while True:
            status, body = self.request("GET", path, token)
            if (status == 200 and until(body)) or time.monotonic() > deadline:
                return status, body
            time.sleep(0.2)


@dataclass
class Site:
    """web/ served by a plain static server on its own port: another origin than the API's."""

    url: str  # the origin the stack allows
    other_url: str  # the same pages from an origin the stack doesn't allow


@pytest.fixture(scope="session")
def site_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, site_port: int) -> Iterator[LocalStack]:
    log = tmp_path_factory.mktemp("stack") / "stack.log"
    try:
        with running_stack(WINDOW_SECONDS, log, allowed_origins=f"http://127.0.0.1:{site_port}") as url:
            yield LocalStack(url, log)
    except StackError as error:
        pytest.fail(str(error))


class _StaticSite(http.server.SimpleHTTPRequestHandler):
    api_base = ""

    def do_GET(self) -> None:
        if self.path.split("?")[0] == "/config.js":  # what a deployment writes: where the API is
            body = f"window.EA_CONFIG = {{ apiBase: {json.dumps(self.api_base)} }};\n".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/javascript")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def site(stack: LocalStack, site_port: int) -> Iterator[Site]:
    handler = type("Handler", (_StaticSite,), {"api_base": stack.url})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", site_port), functools.partial(handler, directory=str(WEB))
    )
    thread = threading.Thread(target=server.serve_forever, name="site", daemon=True)
    thread.start()
    yield Site(f"http://127.0.0.1:{site_port}", f"http://localhost:{site_port}")
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail(
            f"chromium not found at {CHROMIUM}: install it (apt-get install chromium) or set CHROMIUM"
        )
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
