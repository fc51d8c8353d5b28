"""Package size: each function's deployment package unzipped, as ``sam build`` (no container) makes it.

Every package of template.yaml is built as sam build builds it (``BuildMethod: makefile``: the
Makefile's ``build-<LogicalId>`` target installs the lock for the function's Runtime and
Architectures, only that platform's wheels, hashes required, trims botocore's service models,
copies the code and compiles bytecode; infra/packaging.py), and the bytes of every file are
summed, ``.pyc`` included: a function's figure includes the layers it uses. Lambda's limit is 250 MB unzipped, function and layers together.

Needs the package registry, so ``make test`` runs it inside the one network test,
tests/deploy/test_deploy_resolution.py, not with the offline benchmark smoke tests. ``tiny`` and
``full`` are the same (there is nothing to scale).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.common import header, ratio
from infra.packaging import LAMBDA_LIMIT_BYTES, Size, measure

MB = 1_000_000
# Goals (issue 11): ingest and query <= 35 MB each, the report <= 120 MB with its layer.
GOAL_MB = {"CollectorFunction": 35, "AggregatorFunction": 35, "QueryFunction": 35, "ReportFunction": 120}
REPORT_ONLY = ("fpdf", "PIL", "fontTools", "uharfbuzz", "report_fonts")


def report(sizes: list[Size]) -> dict[str, Any]:
    """Print the figures, then the ratio lines; return them."""
    for size in sizes:
        print(
            f"{size.name:<20} {size.kind:<8} {size.total / MB:6.1f} MB unzipped  "
            f"(code {size.code / MB:.1f} + dependencies {size.dependencies / MB:.1f} + layers {size.layers / MB:.1f}; "
            f".pyc {size.bytecode / MB:.1f} of code and dependencies)"
        )
    functions = [size for size in sizes if size.kind == "function"]
    for size in functions:
        if size.name in GOAL_MB:
            ratio(f"package_{size.name}_vs_goal", size.total / (GOAL_MB[size.name] * MB), "<= 1")
    for size in functions:
        ratio(f"package_{size.name}_vs_lambda_limit", size.total / LAMBDA_LIMIT_BYTES, "<= 1")
    return {size.name: size.total / MB for size in sizes}


def main(size: str = "full", workdir: Path | None = None) -> dict[str, Any]:
    header("package size (sam build, no container)")
    with tempfile.TemporaryDirectory(prefix="package-size-") as scratch:
        return report(measure(workdir or Path(scratch)))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "full")
