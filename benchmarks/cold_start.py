"""Cold start: each handler's import as a ratio to ``import boto3`` in the same run, with and
without precompiled bytecode. (The size of each function's package is package_size.py.)

Ratios, not milliseconds (issue 13 item 5): absolute import times differ 2x between runs on a shared
machine, while a handler and boto3 imported back to back in fresh processes share the machine's
state. Each round imports boto3 and every handler in its own fresh interpreter; the figure is
the median over the rounds of handler / boto3, in CPU time (``time.process_time``: it ignores
time the process waited for a core on a busy machine) and wall time.

Each import runs with ``python -S`` on a copy of what Lambda would see: ``task`` (our code and
the dependencies we ship) and ``runtime`` (the SDK Lambda provides, compiled), nothing from the
development virtualenv. Two layouts of ``task`` (``/var/task`` is read-only, so Python can never
write ``__pycache__`` there):
- ``source``: our code and our dependencies as ``sam build`` copies them, ``.py`` only: every cold
  start compiles every module it imports;
- ``compiled``: the same tree after ``python -m compileall -q --invalidation-mode unchecked-hash``
  (the ``.pyc`` files are used whatever the files' timestamps in the zip; see RESULTS.md).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
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
GOALS = {"collector": 2.0, "aggregator": 2.0, "query": 1.8, "report": 2.0}  # x import boto3
LAMBDA_PROVIDES = {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3"}

_CHILD = (
    "import json, time\n"
    "cpu, wall = time.process_time(), time.perf_counter()\n"
    "import {module}\n"
    "print(json.dumps([time.process_time() - cpu, time.perf_counter() - wall]))\n"
)


def import_seconds(module: str, path: list[Path], isolated: bool = True) -> tuple[float, float]:
    """(CPU, wall) seconds of ``import module`` in a fresh interpreter that sees only the standard
    library and ``path`` (``-S``: no site-packages, like Lambda's /var/task + /var/runtime)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, path)), "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, *(["-S"] if isolated else []), "-c", _CHILD.format(module=module)],
        env=env,
        cwd=str(path[0]),
        capture_output=True,
        text=True,
        check=True,
    )
    cpu, wall = json.loads(result.stdout.strip().splitlines()[-1])
    return cpu, wall


def _copy_distributions(names: set[str], target: Path) -> None:
    for name in sorted(names):
        dist = metadata.distribution(name)
        for file in dist.files or []:
            source = Path(str(dist.locate_file(file)))
            if "__pycache__" in file.parts or file.suffix == ".pyc" or ".." in file.parts:
                continue
            if source.is_file():
                destination = target / file
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, destination)


def lambda_layout(root: Path, code: Path = ROOT / "functions") -> tuple[Path, Path]:
    """``task``: ``code`` (functions/) and every runtime dependency Lambda doesn't provide, as
    ``sam build`` ships them (sources, no .pyc); ``runtime``: the SDK Lambda provides, compiled."""
    task, runtime = root / "task", root / "runtime"
    shutil.copytree(code, task, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    fonts = ROOT / "layers" / "report" / "report_fonts"  # the report's layer (/opt/python on Lambda)
    shutil.copytree(fonts, task / fonts.name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    needed = _requirements(_runtime_requirements())
    _copy_distributions(needed - LAMBDA_PROVIDES, task)
    _copy_distributions(needed & LAMBDA_PROVIDES, runtime)
    compile_tree(runtime)
    return task, runtime


def compile_tree(target: Path) -> None:
    subprocess.run(  # noqa: S603 - our own interpreter
        [
            sys.executable,
            "-m",
            "compileall",
            "-q",
            "-j",
            "0",
            "--invalidation-mode",
            "unchecked-hash",
            str(target),
        ],
        check=True,
        capture_output=True,
    )


def ratios(path: list[Path], rounds: int, handlers: dict[str, str], isolated: bool = True) -> dict[str, Any]:
    """Median handler/boto3 ratios (CPU and wall) over ``rounds`` rounds of fresh processes."""
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in ["boto3", *handlers]}
    per_round: dict[str, list[tuple[float, float]]] = {name: [] for name in handlers}
    for _ in range(rounds):
        base = import_seconds("boto3", path, isolated)
        runs["boto3"].append(base)
        for name, module in handlers.items():
            took = import_seconds(module, path, isolated)
            runs[name].append(took)
            per_round[name].append((took[0] / base[0], took[1] / base[1]))
    out: dict[str, Any] = {
        "boto3_ms": [1000 * statistics.median(r[i] for r in runs["boto3"]) for i in (0, 1)]
    }
    for name in handlers:
        out[name] = {
            "ms": [1000 * statistics.median(r[i] for r in runs[name]) for i in (0, 1)],
            "ratio": [statistics.median(r[i] for r in per_round[name]) for i in (0, 1)],
        }
    return out


def _runtime_requirements() -> list[str]:
    """Every function's lock and the report layer's (hashed locks: one ``name==version \\`` a line)."""
    locks = [ROOT / "functions" / "requirements.txt", ROOT / "layers" / "report" / "requirements.txt"]
    return [
        re.split(r"[=\[ ]", line, maxsplit=1)[0]
        for lock in locks
        for line in lock.read_text().splitlines()
        if line and not line.startswith(("#", " "))
    ]


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


def main(size: str = "full") -> dict[str, Any]:
    header("cold start")
    rounds = 5 if size == "full" else 1
    handlers = HANDLERS if size == "full" else {"query": HANDLERS["query"]}
    results: dict[str, Any] = {}
    if size == "full":
        with tempfile.TemporaryDirectory(prefix="lambda-") as scratch:
            task, runtime = lambda_layout(Path(scratch))
            results["source"] = ratios([task, runtime], rounds, handlers)
            compile_tree(task)
            results["compiled"] = ratios([task, runtime], rounds, handlers)
    else:  # the working tree and the virtualenv as they are (no copies): a smoke run
        results["source"] = results["compiled"] = ratios(
            [ROOT / "functions"], rounds, handlers, isolated=False
        )
    for layout in ("source", "compiled"):
        figures = results[layout]
        cpu, wall = figures["boto3_ms"]
        print(
            f"{layout:>8}: import boto3 {cpu:.0f} ms CPU / {wall:.0f} ms wall (median of {rounds} fresh processes)"
        )
        for name in handlers:
            (cpu, wall), (r_cpu, r_wall) = figures[name]["ms"], figures[name]["ratio"]
            print(
                f"          {name:>10} ({HANDLERS[name]}): {cpu:.0f} ms CPU / {wall:.0f} ms wall = "
                f"{r_cpu:.2f}x / {r_wall:.2f}x boto3  (goal <= {GOALS[name]}x)"
            )
    for name in handlers:
        ratio(f"import_{name}_vs_boto3_compiled", results["compiled"][name]["ratio"][0] / GOALS[name], "<= 1")
    for name in handlers:
        ratio(f"import_{name}_vs_boto3_source", results["source"][name]["ratio"][0] / GOALS[name], "<= 1")
    return results


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "full")
