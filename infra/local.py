"""The local stack (SPEC section 8): moto, the template's resources, the gateway, the poller, a demo.

python -m infra.local [--port 3000] [--no-demo] [--window 2] [--allowed-origins "*"]
python -m infra.local token --scope "analytics:read" --event e1 --sub u1
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import socket
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REGION = "us-east-1"
HANDLER_LOG = Path(__file__).resolve().parent.parent / ".local" / "handlers.log"
console = sys.stdout  # our own messages; the handlers' JSON logs and metrics go to HANDLER_LOG


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _quiet_environment(verbose: bool) -> None:
    """Fake credentials, one region; handler logs to a file unless --verbose."""
    os.environ.update(
        AWS_ACCESS_KEY_ID="local",
        AWS_SECRET_ACCESS_KEY="local",  # noqa: S106 - moto accepts anything
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
    )
    os.environ.pop("AWS_PROFILE", None)
    os.environ.pop("AWS_SESSION_TOKEN", None)
    if not verbose:
        # Handlers print structured logs and EMF metrics to stdout, as in Lambda; keep them in a file.
        HANDLER_LOG.parent.mkdir(exist_ok=True)
        sys.stdout = HANDLER_LOG.open("a", encoding="utf-8", buffering=1)
        # moto's server logs each of its transient 500s with a traceback; the poller retries them.
        werkzeug = logging.getLogger("werkzeug")
        werkzeug.addHandler(logging.StreamHandler(sys.stdout))
        werkzeug.propagate = False
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    _poller_log_lines(verbose)


class _OneLine(logging.Formatter):
    """A warning and the error's kind on one line; the traceback goes to the handler log."""

    def format(self, record: logging.LogRecord) -> str:
        kind = f" ({record.exc_info[1].__class__.__name__})" if record.exc_info and record.exc_info[1] else ""
        return f"stream poller: {record.getMessage()}{kind}"


def _poller_log_lines(verbose: bool) -> None:
    poller = logging.getLogger("infra.poller")
    poller.setLevel(logging.INFO)
    poller.propagate = False
    on_console = logging.StreamHandler(console)
    on_console.setFormatter(_OneLine())
    poller.addHandler(on_console)
    if not verbose:
        poller.addHandler(logging.StreamHandler(sys.stdout))  # the handler log, with tracebacks
    warnings.filterwarnings("ignore", message="No application metrics to publish")


@dataclass
class Stack:
    """Everything `make run` starts, stoppable in reverse order."""

    gateway_url: str
    moto_url: str
    environment: dict[str, str]
    poller: Any
    servers: list[Any]

    def stop(self) -> None:
        self.poller.stop()
        for server in reversed(self.servers):
            with contextlib.suppress(Exception):
                server.shutdown() if hasattr(server, "shutdown") else server.stop()


def start(
    port: int = 3000,
    window: float = 2.0,
    moto_port: int = 0,
    verbose: bool = False,
    parameters: dict[str, str] | None = None,
) -> Stack:
    """Start moto, provision from template.yaml, start the gateway and the stream poller.

    ``parameters`` override template parameters (e.g. ``AllowedOrigins``), as a deployment would.
    """
    _quiet_environment(verbose)
    from werkzeug.serving import make_server

    from infra.moto_server import AtomicMotoServer

    moto = AtomicMotoServer("127.0.0.1", moto_port)
    moto.start()
    host, bound = moto.get_host_and_port()
    moto_url = f"http://{host}:{bound}"
    os.environ["AWS_ENDPOINT_URL"] = moto_url

    import boto3

    from infra.gateway import Functions, Gateway
    from infra.poller import StreamPoller
    from infra.provision import provision

    provisioned = provision(prefix="local", region=REGION, parameters=parameters)
    environment = provisioned.environment()
    os.environ.update(environment)
    functions = Functions()
    poller = StreamPoller(
        boto3.client("kinesis", region_name=REGION),
        environment["STREAM_NAME"],
        lambda event: functions.invoke("ingest.aggregator.handler", event),
        window_seconds=window,
        sqs=boto3.client("sqs", region_name=REGION),
        dlq_url=environment["DLQ_URL"],
    )
    poller.start()
    server = make_server("127.0.0.1", port, Gateway(functions, parameters=parameters), threaded=True)
    threading.Thread(target=server.serve_forever, name="gateway", daemon=True).start()
    return Stack(f"http://127.0.0.1:{server.server_port}", moto_url, environment, poller, [moto, server])


def _load_demo(stack: Stack, seed: int, attendees: int, stopped: threading.Event) -> None:
    """Send the demo through the API, then wait until the poller has aggregated every event."""
    from infra import demo, tokens
    from infra.progress import DemoProgress

    token = tokens.issue("demo-loader", "analytics:ingest", [demo.EVENT_ID])
    events = demo.generate(seed=seed, attendees=attendees)
    users = len({e["userId"] for e in events if "userId" in e})
    progress = DemoProgress(len(events), console)
    applied_before = stack.poller.stats.records
    sent = 0

    def sent_more(count: int) -> None:
        nonlocal sent
        sent += count
        progress.update("sending", sent)

    try:
        accepted = demo.send(stack.gateway_url, token, events, on_batch=sent_more)
        while not stopped.is_set():
            aggregated = min(accepted, stack.poller.stats.records - applied_before)
            progress.update("aggregating", aggregated)
            if aggregated >= accepted:
                break
            stopped.wait(0.2)
    except Exception as exc:  # the stack keeps running; say what went wrong
        progress.close()
        print(f"demo: loading failed: {exc}", file=sys.stderr)
        return
    progress.close()
    if not stopped.is_set():
        retried = sum(stack.poller.stats.errors.values())
        note = f"; the stream poller retried {retried} transient errors" if retried else ""
        print(
            f"Demo ready: {accepted} events, {users} users, {progress.elapsed:.1f} s{note}. "
            "Open the dashboard URL above.",
            flush=True,
            file=console,
        )


def banner_text(gateway_url: str, moto_url: str, read: str, ingest: str, demo_event: str | None) -> str:
    """What the stack prints when it is up. With the demo, the dashboard URL opens its event;
    without it (--no-demo) there is no event yet, so the URL names none (the page asks for one)
    and one line says how to send events."""
    dashboard = f"{gateway_url}/#token={read}"
    if demo_event:
        lines = [f"  Dashboard  {dashboard}&event={demo_event}"]
    else:
        lines = [
            f"  Dashboard  {dashboard}",
            "             (no events yet: the page asks which event to open; or add &event=<eventId>)",
            f"  Send events  POST {gateway_url}/v1/interactions with the ingest token, body"
            ' {"events": [...]} (SPEC section 3)',
        ]
    return "\n".join(
        [
            "",
            "Event Analytics is running (Ctrl-C stops it).",
            f"  API        {gateway_url}/v1/...      (moto at {moto_url})",
            *lines,
            f"  Read token   {read}",
            f"  Ingest token {ingest}",
        ]
    )


def _banner(stack: Stack, demo_loading: bool) -> None:
    from infra import demo, tokens

    event = demo.EVENT_ID
    read = tokens.issue("local-organiser", "analytics:read analytics:admin", ["*"])
    ingest = tokens.issue("local-producer", "analytics:ingest", ["*"])
    loading = f"  Demo event '{event}' is loading: a line starting 'Demo ready' says when it is in."
    text = banner_text(stack.gateway_url, stack.moto_url, read, ingest, event if demo_loading else None)
    print(
        f"""{text}
  Handler logs {HANDLER_LOG if sys.stdout is not console else "(this terminal)"}
  State        in memory only (moto): stopping the stack discards every event and report.
{loading if demo_loading else ""}""",
        flush=True,
        file=console,
    )


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[list[int]]:
    """Yields the list SIGINT and SIGTERM are recorded in. The handler takes no lock (one that
    does can deadlock the code it interrupts), and the caller polls the list: a process-directed
    signal may reach another thread, and a main thread blocked in an untimed wait would only run
    the handler when something else woke it (a stack once ignored SIGTERM for over 60 s)."""
    received: list[int] = []
    previous = {
        sig: signal.signal(sig, lambda signum, _: received.append(signum))
        for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield received
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run(args: argparse.Namespace) -> int:
    if not _port_free(args.port):
        return _fail(f"port {args.port} is in use; pick another with --port N (make run ARGS='--port N')")
    import faulthandler

    faulthandler.register(signal.SIGUSR1, all_threads=True)  # `kill -USR1`: every thread's stack
    overrides = {"AllowedOrigins": args.allowed_origins} if args.allowed_origins else None
    stack = start(args.port, args.window, args.moto_port, args.verbose, overrides)
    _banner(stack, not args.no_demo)
    stopped = threading.Event()  # tells the demo loader to give up
    with _stop_on_signals() as received:
        if not args.no_demo:
            loader = threading.Thread(
                target=_load_demo, args=(stack, args.seed, args.attendees, stopped), daemon=True
            )
            loader.start()
        while not received:
            time.sleep(0.25)
    stopped.set()
    print("stopping...", flush=True, file=console)
    # Never hang on the way out: whatever is still busy after 10 s is abandoned.
    watchdog = threading.Timer(10, lambda: os._exit(1))
    watchdog.daemon = True
    watchdog.start()
    stack.stop()
    return 0


def token(args: argparse.Namespace) -> int:
    from infra import tokens

    print(tokens.issue(args.sub, args.scope, args.event or ["*"], args.ttl))
    return 0


def main(argv: list[str] | None = None) -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 - the message is for people running an older python
        return _fail(f"Python 3.11+ is required (this is {sys.version.split()[0]})")
    parser = argparse.ArgumentParser(prog="python -m infra.local", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command")
    parser.add_argument("--port", type=int, default=3000, help="gateway port (default 3000)")
    parser.add_argument("--moto-port", type=int, default=0, help="moto server port (default: any free port)")
    parser.add_argument("--window", type=float, default=2.0, help="aggregator batching window, seconds")
    parser.add_argument("--no-demo", action="store_true", help="start empty, without the demo event")
    parser.add_argument("--seed", type=int, default=7, help="demo event seed")
    parser.add_argument("--attendees", type=int, default=200, help="demo event size")
    parser.add_argument("--verbose", action="store_true", help="show the handlers' JSON logs")
    parser.add_argument(
        "--allowed-origins",
        help="comma-separated origins whose pages may call the API (template parameter AllowedOrigins; "
        'default: its default, "*")',
    )
    issue = sub.add_parser("token", help="print a signed token for the local gateway")
    issue.add_argument("--scope", default="analytics:read", help='space-separated, e.g. "analytics:read"')
    issue.add_argument("--event", action="append", help="event id the token covers (repeatable; default *)")
    issue.add_argument("--sub", default="local-user", help="subject (a user id reads their own dashboard)")
    issue.add_argument("--ttl", type=int, default=12 * 3600, help="seconds until it expires")
    args = parser.parse_args(argv)
    return token(args) if args.command == "token" else run(args)


if __name__ == "__main__":
    sys.exit(main())
