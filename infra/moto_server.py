"""moto's server, answering one request at a time, as the local stack and the tests run it.

moto's ``ThreadedMotoServer`` handles requests on concurrent threads, and its service backends
are not thread-safe: two concurrent ``PutItem`` calls with ``attribute_not_exists`` both
succeeded (two concurrent requests with one Idempotency-Key were both forwarded, CI 2026-11-26),
and a ``GetRecords`` during a ``PutRecords`` failed with "OrderedDict mutated during iteration".
DynamoDB's conditional writes are atomic, and Kinesis never fails that way, so this server runs
each request under one lock. Connections are still accepted on threads: a slow client never blocks
the server, only the handling of a request is serialised (moto's handlers are short).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server


class AtomicMotoServer:
    """``start()``, ``get_host_and_port()``, ``stop()``, as moto's ``ThreadedMotoServer``."""

    def __init__(self, ip_address: str = "127.0.0.1", port: int = 0) -> None:
        app = DomainDispatcherApplication(create_backend_app)
        lock = threading.Lock()

        def one_at_a_time(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            with lock:
                return list(app(environ, start_response))  # the body too: read under the lock

        self._server: BaseWSGIServer = make_server(
            ip_address, port, one_at_a_time, threaded=True, request_handler=MotoRequestHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def get_host_and_port(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()
