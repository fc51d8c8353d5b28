"""`make bench`: every benchmark at full size (or the ones named), figures then ratio lines.

python -m benchmarks [write_cost aggregator_cpu ...] [--tiny]
"""

from __future__ import annotations

import importlib
import sys

ALL = [
    "write_cost",
    "keynote",
    "aggregator_cpu",
    "aggregator_instructions",
    "collector_throughput",
    "dashboard_read",
    "cold_start",
    "report_render",
    "report_scale",
    "freshness",
    "load",
    "package_size",
]
# Benchmarks that need the package registry: `make test` runs these inside the one network test
# (tests/deploy/), not with the offline smoke tests.
NETWORK = ["package_size"]


def main(argv: list[str]) -> int:
    size = "tiny" if "--tiny" in argv else "full"
    names = [a for a in argv if not a.startswith("--")] or ALL
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        module.main(size)
        print(flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
