"""Start ``python -m infra.local`` as `make run` does, on a free loopback port (tests, benchmarks)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class StackError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def running_stack(
    window: float, log: Path | None = None, start_timeout: float = 60, allowed_origins: str | None = None
) -> Iterator[str]:
    """Yields the gateway URL once it answers; stops the stack (SIGTERM) afterwards, and fails
    loudly if it exits early, never comes up, or does not stop within 15 s. ``allowed_origins``
    is the template's AllowedOrigins parameter (default: its default)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    command = [sys.executable, "-m", "infra.local", "--port", str(port), "--no-demo", "--window", str(window)]
    if allowed_origins:
        command += ["--allowed-origins", allowed_origins]
    with contextlib.ExitStack() as files:
        out = files.enter_context(log.open("wb")) if log else subprocess.DEVNULL
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            if process.poll() is not None:
                raise StackError(
                    f"local stack exited: {log.read_text()[-2000:] if log else process.returncode}"
                )
            try:
                urllib.request.urlopen(url + "/v1/openapi.json", timeout=2).close()  # noqa: S310 - loopback
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise StackError(f"local stack did not come up in {start_timeout:.0f} s") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)  # generous: a loaded machine was seen needing more than 15 s
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGUSR1)  # infra.local dumps every thread's stack to its log
            time.sleep(2)
            process.kill()
            stacks = log.read_text(errors="replace")[-6000:] if log else "(no log: pass one to see it)"
            message = f"local stack did not stop on SIGTERM within 60 s; its threads:\n{stacks}"
            raise StackError(message) from None
