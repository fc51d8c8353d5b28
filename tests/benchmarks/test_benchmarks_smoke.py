"""Every benchmark runs once at a tiny size, so none can rot (figures are not judged here).

package_size needs the package registry: tests/deploy/test_deploy_resolution.py runs it.
"""

from __future__ import annotations

import re

import pytest

from benchmarks.__main__ import ALL, NETWORK


@pytest.mark.parametrize("name", [name for name in ALL if name not in NETWORK])
def test_benchmark_runs_and_prints_its_ratios(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    import importlib

    importlib.import_module(f"benchmarks.{name}").main("tiny")
    out = capsys.readouterr().out
    assert out.startswith("# "), out[:200]
    ratios = re.findall(r"^ratio [\w@.]+: -?[\d.]+", out, flags=re.MULTILINE)
    assert ratios, out[-500:]
    # Ratio lines come last, so a script can read them.
    assert out.rstrip().splitlines()[-1].startswith("ratio ")


def test_aggregator_cpu_by_phase_runs(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import aggregator_cpu

    aggregator_cpu.by_phase("tiny")
    assert capsys.readouterr().out.rstrip().splitlines()[-1].startswith("ratio aggregator_phases_vs")
