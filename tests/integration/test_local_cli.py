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
