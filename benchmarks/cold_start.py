"""Cold start: import time of each handler in a fresh interpreter (median of 5).

The size of each function's package (what a cold start downloads) is package_size.py.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
from typing import Any

from benchmarks.common import ROOT, header, ratio

HANDLERS = {
    "collector": "ingest.collector",
    "aggregator": "ingest.aggregator",
    "query": "query.api",
    "report": "report.api",
}
TARGET_MS = {"collector": 400, "aggregator": 400, "query": 300, "report": 700}


def import_ms(module: str) -> float:
    """Total self+children time of ``module`` from ``python -X importtime`` in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "functions")}
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    for line in result.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\s*)(\S+)$", line)
        if match and match.group(3) == module and not match.group(2):
            return int(match.group(1)) / 1000
    raise RuntimeError(f"no importtime line for {module}")


def main(size: str = "full") -> dict[str, Any]:
    header("cold start")
    runs = 5 if size == "full" else 1
    baseline = statistics.median(import_ms("boto3") for _ in range(runs))
    print(f"import boto3 alone: {baseline:.0f} ms (median of {runs})")
    results: dict[str, Any] = {}
    for name, module in HANDLERS.items():
        ms = statistics.median(import_ms(module) for _ in range(runs))
        results[name] = ms
        print(
            f"{name:>10} ({module}): {ms:.0f} ms  = {ms / baseline:.1f}x boto3  (target <= {TARGET_MS[name]} ms)"
        )
    for name in HANDLERS:
        ratio(f"import_ms_{name}_vs_target", results[name] / TARGET_MS[name], "<= 1")
    return {"imports_ms": results, "boto3_ms": baseline}


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "full")
