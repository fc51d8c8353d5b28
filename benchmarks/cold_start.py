"""Cold start: each handler's import, and its import + first request, as a ratio to ``import
boto3`` in the same run, with and without precompiled bytecode. (Package sizes: package_size.py.)

Ratios, not milliseconds (issue 13 item 5): absolute import times differ 2x between runs on a shared
machine, while a handler and boto3 imported back to back in fresh processes share the machine's
state. Each round imports boto3 and every handler in its own fresh interpreter; the figure is
the median over the rounds of handler / boto3, in CPU time (``time.process_time``: it ignores
time the process waited for a core on a busy machine) and wall time, with the spread (lowest and
highest round).

**First request.** Work moved out of the import (a schema built on first use, a module imported
when a path first needs it) is paid by the first request instead, so the same process then handles
one canonical event of tests/fixtures/aws (an ingest POST without and with an Idempotency-Key, a
Kinesis batch, a dashboard GET, a report POST) with AWS answered in process: botocore's
``Endpoint._send`` returns a canned success for each call (no network, everything above the HTTP
layer real: clients created, requests serialised and parsed, PynamoDB, Powertools, pydantic,
fpdf2 for the report). "import + first request" / boto3 is what a cold start costs in all.

Each import runs with ``python -S`` on a copy of what Lambda would see: ``task`` (our code and
the dependencies we ship) and ``runtime`` (the SDK Lambda provides, compiled), nothing from the
development virtualenv. Two layouts of ``task`` (``/var/task`` is read-only, so Python can never
write ``__pycache__`` there):
- ``source``: our code and our dependencies as ``sam build`` copies them, ``.py`` only: every cold
  start compiles every module it imports;
- ``compiled``: the same tree after the build's own bytecode step (``make bytecode`` of
  functions/Makefile, which ``sam build`` runs: ``compileall --invalidation-mode unchecked-hash``,
  so the ``.pyc`` files are used whatever the files' timestamps in the zip; see RESULTS.md).
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
FIXTURES = ROOT / "tests" / "fixtures" / "aws"
# The first request each handler gets: a canonical event (tests/fixtures/aws).
FIRST_REQUEST = {
    "collector": "http_api_ingest.json",  # without its Idempotency-Key header
    "collector+key": "http_api_ingest.json",
    "aggregator": "kinesis_two_shards.json",
    "query": "http_api_dashboard_self.json",
    "report": "http_api_report.json",
}
# What the handlers read from their environment on the first request (template.yaml's variables).
LAMBDA_ENV = {
    "AWS_ACCESS_KEY_ID": "cold",
    "AWS_SECRET_ACCESS_KEY": "cold",
    "AWS_SESSION_TOKEN": "cold",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_LAMBDA_FUNCTION_NAME": "cold-start",
    "POWERTOOLS_SERVICE_NAME": "event-analytics",
    "POWERTOOLS_METRICS_NAMESPACE": "EventAnalytics",
    "LOG_LEVEL": "WARNING",
    "TABLE_NAME": "analytics",
    "STREAM_NAME": "interactions",
    "IDEMPOTENCY_TABLE_NAME": "idempotency",
    "DLQ_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/dlq",
    "REPORTS_BUCKET": "reports",
    "CURSOR_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:cursor",
    "ALLOWED_ORIGINS": "*",
}

# After the timed import: AWS answered in process (botocore's last step before the network), then
# the first request, timed. DynamoDB's Query finds the user's profile (so the dashboard and the
# report are built), every other call succeeds with nothing to report.
_CHILD = r"""
import json, sys, time
cpu, wall = time.process_time(), time.perf_counter()
import {module} as function
took = [time.process_time() - cpu, time.perf_counter() - wall]
event = json.loads(sys.stdin.read() or "null")
status = None
if event is not None:
    from botocore.awsrequest import AWSResponse
    from botocore.endpoint import Endpoint

    PROFILE = {{"pk": {{"S": "EVT#e1#USR#u1"}}, "sk": {{"S": "PROFILE"}}, "kind": {{"S": "profile"}},
               "name": {{"S": "Zoë Ångström"}}, "company": {{"S": "Acme"}}}}

    def answer(operation, asked):
        if operation == "PutRecords":
            return {{"FailedRecordCount": 0, "Records": [
                {{"SequenceNumber": str(49656984342567312345678901234567890123456789012345678900 + i),
                  "ShardId": "shardId-000000000000"}} for i, _ in enumerate(asked["Records"])]}}
        if operation == "Query":
            return {{"Items": [PROFILE], "Count": 1, "ScannedCount": 1}}
        if operation == "BatchGetItem":
            return {{"Responses": {{table: [] for table in asked["RequestItems"]}}, "UnprocessedKeys": {{}}}}
        return {{}}

    class Raw:
        def __init__(self, body):
            self.body = body

        def stream(self, **_):
            yield self.body

    def send(self, request):
        target = request.headers.get("X-Amz-Target") or b""
        target = target.decode() if isinstance(target, bytes) else target
        if not target:  # S3 (REST): PutObject
            return AWSResponse(request.url, 200, {{}}, Raw(b""))
        body = json.dumps(answer(target.rsplit(".", 1)[-1], json.loads(request.body or b"{{}}")))
        return AWSResponse(request.url, 200, {{"Content-Type": "application/x-amz-json-1.0"}}, Raw(body.encode()))

    Endpoint._send = send

    class Context:
        function_name = "cold-start"
        memory_limit_in_mb = 512
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:cold-start"
        aws_request_id = "c01d5a27-0000-4000-8000-000000000000"

        def get_remaining_time_in_millis(self):
            return 29_000

    cpu, wall = time.process_time(), time.perf_counter()
    response = function.handler(event, Context())
    took += [time.process_time() - cpu, time.perf_counter() - wall]
    status = response.get("statusCode", 200) if response else 200  # the aggregator: no failures
    failures = (response or {{}}).get("batchItemFailures")
    if failures:
        status = f"{{len(failures)}} batch item failures"
print(json.dumps({{"took": took, "status": status}}))
"""


def first_request(name: str) -> dict[str, Any]:
    """The canonical event a handler gets first (the collector's without its Idempotency-Key)."""
    event: dict[str, Any] = json.loads((FIXTURES / FIRST_REQUEST[name]).read_text(encoding="utf-8"))
    if name == "collector":
        event["headers"].pop("idempotency-key")
    return event


def run_child(
    module: str, path: list[Path], isolated: bool = True, event: dict[str, Any] | None = None
) -> list[float]:
    """[CPU, wall] seconds of ``import module`` in a fresh interpreter that sees only the standard
    library and ``path`` (``-S``: no site-packages, like Lambda's /var/task + /var/runtime), then,
    given an ``event``, [CPU, wall] of the handler's first request on it."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        **LAMBDA_ENV,
        "PYTHONPATH": os.pathsep.join(map(str, path)),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, *(["-S"] if isolated else []), "-c", _CHILD.format(module=module)],
        env=env,
        cwd=str(path[0]),
        input=json.dumps(event) if event is not None else "",
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{module}: {result.stderr.strip()[-2000:]}")
    out = json.loads(result.stdout.strip().splitlines()[-1])
    if event is not None and not (isinstance(out["status"], int) and 200 <= out["status"] < 300):
        raise RuntimeError(f"{module}: the first request answered {out['status']}: {result.stdout[-1500:]}")
    took: list[float] = out["took"]
    return took


def import_seconds(module: str, path: list[Path], isolated: bool = True) -> tuple[float, float]:
    """(CPU, wall) seconds of ``import module`` alone in a fresh interpreter (see ``run_child``)."""
    cpu, wall = run_child(module, path, isolated)[:2]
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


def build_bytecode(target: Path) -> None:
    """The build's own bytecode step (functions/Makefile, which ``sam build`` runs) on ``target``."""
    subprocess.run(  # noqa: S603 - make, on our own Makefile
        [  # noqa: S607 - make from PATH, as sam build finds it
            "make",
            "--no-print-directory",
            "--makefile",
            str(ROOT / "functions" / "Makefile"),
            "bytecode",
            f"DIR={target}",
            f"LAMBDA_PYTHON={sys.executable}",
        ],
        cwd=ROOT / "functions",
        check=True,
        capture_output=True,
    )


def compile_tree(target: Path) -> None:
    """The runtime's SDK, as Lambda provides it: compiled."""
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


def _spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "low": min(values), "high": max(values)}


def ratios(path: list[Path], rounds: int, handlers: dict[str, str], isolated: bool = True) -> dict[str, Any]:
    """Handler/boto3 ratios (CPU and wall; median, lowest and highest round) over ``rounds`` rounds
    of fresh processes, for the import alone and for the import + first request."""
    names = [*handlers, *(["collector+key"] if "collector" in handlers else [])]
    base: list[tuple[float, float]] = []
    took: dict[str, list[list[float]]] = {name: [] for name in names}
    for _ in range(rounds):
        cpu, wall = import_seconds("boto3", path, isolated)
        base.append((cpu, wall))
        for name in names:
            module = HANDLERS[name.split("+")[0]]
            took[name].append(run_child(module, path, isolated, first_request(name)))
    out: dict[str, Any] = {"boto3_ms": [1000 * statistics.median(b[i] for b in base) for i in (0, 1)]}
    for name in names:
        runs = took[name]
        out[name] = {
            "import_ms": [1000 * statistics.median(r[i] for r in runs) for i in (0, 1)],
            "first_ms": [1000 * statistics.median(r[2 + i] for r in runs) for i in (0, 1)],
            "ratio": [_spread([r[i] / b[i] for r, b in zip(runs, base, strict=True)]) for i in (0, 1)],
            # Less noisy than the per-round ratio, which divides two measurements taken at different
            # moments of a shared machine's load: the median import over the median boto3.
            "of_medians": [
                statistics.median(r[i] for r in runs) / statistics.median(b[i] for b in base) for i in (0, 1)
            ],
            "with_first": [
                _spread([(r[i] + r[2 + i]) / b[i] for r, b in zip(runs, base, strict=True)]) for i in (0, 1)
            ],
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


def _show(figure: dict[str, float]) -> str:
    return f"{figure['median']:.2f}x [{figure['low']:.2f}-{figure['high']:.2f}]"


def main(size: str = "full") -> dict[str, Any]:
    header("cold start")
    rounds = 5 if size == "full" else 1
    handlers = HANDLERS if size == "full" else {"query": HANDLERS["query"]}
    results: dict[str, Any] = {}
    if size == "full":
        with tempfile.TemporaryDirectory(prefix="lambda-") as scratch:
            task, runtime = lambda_layout(Path(scratch))
            results["source"] = ratios([task, runtime], rounds, handlers)
            build_bytecode(task)
            results["compiled"] = ratios([task, runtime], rounds, handlers)
    else:  # the working tree and the virtualenv as they are (no copies): a smoke run
        results["source"] = results["compiled"] = ratios(
            [ROOT / "functions"], rounds, handlers, isolated=False
        )
    for layout in ("source", "compiled"):
        figures = results[layout]
        cpu, wall = figures["boto3_ms"]
        print(
            f"{layout:>8}: import boto3 {cpu:.0f} ms CPU / {wall:.0f} ms wall (median of {rounds} fresh "
            "processes); handler / boto3 as median [lowest-highest round], CPU then wall"
        )
        for name in [n for n in figures if n != "boto3_ms"]:
            figure = figures[name]
            (cpu, wall), (first_cpu, first_wall) = figure["import_ms"], figure["first_ms"]
            goal = GOALS[name.split("+")[0]]
            print(
                f"  {name:>13}: import {cpu:.0f} ms CPU / {wall:.0f} ms wall = {_show(figure['ratio'][0])} / "
                f"{_show(figure['ratio'][1])} (goal <= {goal}x); first request +{first_cpu:.0f} ms CPU / "
                f"+{first_wall:.0f} ms wall: import + first = {_show(figure['with_first'][0])} / "
                f"{_show(figure['with_first'][1])}; median import / median boto3 = "
                f"{figure['of_medians'][0]:.2f}x / {figure['of_medians'][1]:.2f}x"
            )
    for name in handlers:
        figure = results["compiled"][name]["ratio"][0]["median"]
        ratio(f"import_{name}_vs_boto3_compiled", figure / GOALS[name], "<= 1")
    for name in handlers:
        figure = results["source"][name]["ratio"][0]["median"]
        ratio(f"import_{name}_vs_boto3_source", figure / GOALS[name], "<= 1")
    return results


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "full")
