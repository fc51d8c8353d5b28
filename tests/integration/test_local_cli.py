"""The local stack's command line: clear one-line errors, tokens the gateway accepts."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from infra import tokens

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return subprocess.run(  # noqa: S603 - our own module
        [sys.executable, "-m", "infra.local", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_port_in_use_is_a_one_line_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli("--port", str(port), "--no-demo", timeout=30)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert f"port {port} is in use" in lines[0]


def test_token_command_prints_a_token_the_gateway_accepts() -> None:
    result = run_cli("token", "--scope", "analytics:read", "--event", "e1", "--sub", "u1")
    assert result.returncode == 0
    claims = tokens.verify("Bearer " + result.stdout.strip())
    assert (claims["sub"], claims["scope"], claims["eventIds"]) == ("u1", "analytics:read", ["e1"])


def test_sigterm_stops_the_stack_and_sigusr1_shows_its_threads(tmp_path: Path) -> None:
    """The stop signal is polled for (not an untimed wait), and a stack that won't stop can be
    asked for every thread's stack, which tests/support/local_stack.py does before it kills one."""
    import signal
    import time
    import urllib.request

    from tests.support.local_stack import free_port

    port, log = free_port(), tmp_path / "stack.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    with log.open("wb") as out:
        stack = subprocess.Popen(  # noqa: S603 - our own module
            [sys.executable, "-m", "infra.local", "--port", str(port), "--no-demo"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        while "Ctrl-C" not in log.read_text(errors="replace"):  # the banner: signals are handled now
            assert stack.poll() is None, log.read_text()[-2000:]
            assert time.monotonic() < deadline, "no banner in 120 s"
            time.sleep(0.1)
        urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/openapi.json", timeout=30).close()
        stack.send_signal(signal.SIGUSR1)
        while "Thread 0x" not in log.read_text(errors="replace") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert 'File "' in log.read_text(errors="replace")  # a traceback per thread
        stack.terminate()
        assert stack.wait(timeout=60) == 0
    finally:
        stack.kill()
