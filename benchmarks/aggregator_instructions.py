"""Aggregator instructions per event, x the decode + validate floor's: the CPU goal, counted.

On a shared machine one run's *time* ratio moves ±0.4x (RESULTS.md); the instructions a fixed
piece of work executes do not. valgrind's cachegrind counts every instruction a process runs, so
each phase is counted as the difference between two processes that differ only by that phase.
Every child imports the same modules, loads the same state (the store after the warm-up batches,
pickled by the parent), runs the measured batches once, as a long-lived function's caches would
have seen them, resets the store, then runs the phases up to its own and exits without teardown.

Needs valgrind (Debian: ``apt-get install valgrind``; ``.ci/run`` installs it when missing).
"""

from __future__ import annotations

import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from benchmarks.aggregator_cpu import RequestBuildingStore, build_batches, decode_floor, stream_records
from benchmarks.common import header, ratio
from dal.items import bind_table
from domain.apply import apply_batch
from domain.coalesce import coalesce_batch
from ingest.aggregator import calm_collector

SHARD = "shardId-000000000000"
# Each child runs the phases up to its own: "base" none, "floor" only the floor's decode.
STEPS = ("base", "floor", "decode", "coalesce", "apply")
ROOT = Path(__file__).resolve().parents[1]


def child(state: str, upto: str) -> None:
    bind_table("bench")
    calm_collector()
    with open(state, "rb") as f:
        items, chosen = pickle.load(f)  # noqa: S301 - the parent wrote it a moment ago
    store = RequestBuildingStore()

    def through(step: str) -> None:
        store.items = dict(items)
        for batch in chosen:
            if step == "floor":
                decode_floor([batch])
            elif step != "base":
                records = stream_records(batch)
                if step != "decode":
                    plan = coalesce_batch(records, SHARD)
                    if step == "apply":
                        apply_batch(store, SHARD, plan)

    through("apply")  # caches warm, as in a function that has seen these users before
    through(upto)
    os._exit(0)  # no teardown: it would differ with what each child left alive


def count(valgrind: str, state: Path, step: str) -> int:
    """Instructions of one child, start to exit."""
    out = state.with_name(f"cachegrind.{step}")
    subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [
            valgrind,
            "--tool=cachegrind",
            "--cache-sim=no",
            f"--cachegrind-out-file={out}",
            sys.executable,
            "-m",
            "benchmarks.aggregator_instructions",
            "child",
            str(state),
            step,
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONHASHSEED": "0"},  # the same set and dict orders in every child
        check=True,
        capture_output=True,
    )
    found = re.search(r"^summary:\s+(\d+)", out.read_text(), flags=re.MULTILINE)
    if found is None:
        raise RuntimeError(f"no summary line in {out}")
    return int(found.group(1))


def main(size: str = "full") -> dict[str, Any]:
    header("aggregator instructions")
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    bind_table("bench")
    calm_collector()
    batches = build_batches(200 if size == "full" else 5)
    warm, measured = (40, 8) if size == "full" else (1, 1)
    store = RequestBuildingStore()
    for batch in batches[:warm]:
        apply_batch(store, SHARD, coalesce_batch(stream_records(batch), SHARD))
    chosen = batches[warm : warm + measured]
    events = sum(len(b) for b in chosen)
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "state.pickle"
        state.write_bytes(pickle.dumps((store.items, chosen)))
        with ThreadPoolExecutor(max_workers=2) as pool:  # each child is one core's work
            counts = dict(zip(STEPS, pool.map(lambda step: count(valgrind, state, step), STEPS), strict=True))
    floor = counts["floor"] - counts["base"]
    phases = {
        "decode": counts["decode"] - counts["base"],
        "coalesce": counts["coalesce"] - counts["decode"],
        "apply": counts["apply"] - counts["coalesce"],
    }
    print(f"{events} events after {warm} batches; instructions (cachegrind, deterministic):")
    print(f"  floor    {floor / 1e6:9.1f} M  ({floor / events:,.0f} per event)")
    for name, spent in phases.items():
        print(
            f"  {name:<8} {spent / 1e6:9.1f} M  ({spent / events:,.0f} per event, {spent / floor:.3f} x the floor)"
        )
    total = sum(phases.values())
    ratio("aggregator_instructions_vs_decode_floor", total / floor, "<= 2.5 (time's goal; see RESULTS)")
    return {"events": events, "ratio": total / floor}


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:
        child(sys.argv[2], sys.argv[3])
    else:
        main(sys.argv[1] if len(sys.argv) > 1 else "full")
