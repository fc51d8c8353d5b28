"""Cold start: import time of each handler in a fresh interpreter (median of 5), and package sizes."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, header, ratio

HANDLERS = {
    "collector": "ingest.collector",
    "aggregator": "ingest.aggregator",
    "query": "query.api",
    "report": "report.api",
}
TARGET_MS = {"collector": 400, "aggregator": 400, "query": 300, "report": 700}
LAMBDA_PROVIDES = {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3"}


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


def _requirements(names: list[str]) -> set[str]:
    """The distributions behind the runtime requirements, transitively."""
    seen: set[str] = set()
    pending = list(names)
    while pending:
        name = pending.pop().lower().replace("_", "-")
        if name in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen.add(name)
        for requirement in dist.requires or []:
            if "extra ==" in requirement and "parser" not in requirement:
                continue
            pending.append(re.split(r"[ ;<>=!~\[]", requirement, maxsplit=1)[0])
    return seen


def package_bytes() -> dict[str, int]:
    runtime = [
        re.split(r"[=\[]", line, maxsplit=1)[0]
        for line in (ROOT / "functions" / "requirements.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    sizes: dict[str, int] = {}
    for name in _requirements(runtime):
        dist = metadata.distribution(name)
        sizes[name] = sum(
            (Path(str(dist.locate_file(f)))).stat().st_size
            for f in dist.files or []
            if Path(str(dist.locate_file(f))).is_file()
        )
    code = sum(
        p.stat().st_size
        for p in (ROOT / "functions").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )
    sizes["functions/ (our code + fonts)"] = code
    return sizes


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
    sizes = package_bytes()
    total = sum(sizes.values())
    without = sum(v for k, v in sizes.items() if k not in LAMBDA_PROVIDES)
    for name, value in sorted(sizes.items(), key=lambda kv: -kv[1])[:8]:
        print(f"  {name:<32} {value / 1e6:6.1f} MB")
    print(
        f"package (every function shares it): {total / 1e6:.1f} MB unzipped, {without / 1e6:.1f} MB without the SDK Lambda provides"
    )
    for name in HANDLERS:
        ratio(f"import_ms_{name}_vs_target", results[name] / TARGET_MS[name], "<= 1")
    return {"imports_ms": results, "boto3_ms": baseline, "package_mb": total / 1e6}


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "full")
