"""DEPLOY RESOLUTION — the one test that uses the network (the package registry; SPEC section 11).

For every function and layer of template.yaml it builds the package as ``sam build`` without a
container does, running the target SAM runs (``BuildMethod: makefile``: ``make build-<LogicalId>``)
that installs the package's hashed lock for the template's Runtime and Architectures (pip, that
platform's binary wheels only, ``--require-hashes``; infra/packaging.py) and compiles bytecode, so an
upstream change (a release without a manylinux2014 aarch64 wheel, say) fails here and not in a
deploy. The same install gives each function's unzipped size (benchmarks/package_size.py), which
must fit Lambda's limit; ingest and query must not carry the report's dependencies.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import package_size
from infra.packaging import LAMBDA_LIMIT_BYTES, Package, ResolutionError, measure, packages, resolve

MB = 1_000_000


def test_every_lock_resolves_for_the_template_runtime_and_architecture(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        sizes = measure(tmp_path)
    except ResolutionError as error:
        pytest.fail(str(error), pytrace=False)
    by_name = {size.name: size for size in sizes}
    assert set(by_name) == {package.name for package in packages()}

    # What each package holds, as installed for arm64.
    report = by_name["ReportFunction"]
    (layer_name,) = next(p for p in packages() if p.name == "ReportFunction").layers
    layer = by_name[layer_name]
    for name in ("CollectorFunction", "AggregatorFunction", "QueryFunction"):
        carried = {child.name for child in by_name[name].installed.iterdir()}
        assert not carried & set(package_size.REPORT_ONLY), f"{name} carries the report's {carried}"
        assert by_name[name].layers == 0
        assert "pydantic_core" in carried
    assert {"fpdf", "PIL", "fontTools", "uharfbuzz"} <= {c.name for c in layer.installed.iterdir()}
    assert any(layer.installed.glob("PIL/_imaging.cpython-311-aarch64-linux-gnu.so"))
    assert report.layers == layer.total

    for size in sizes:
        if size.kind == "function":
            assert size.total <= LAMBDA_LIMIT_BYTES, f"{size.name}: {size.total / MB:.1f} MB unzipped"
        # Built as sam build builds it (BuildMethod: makefile): bytecode beside every module.
        assert size.bytecode > 0, size.name
        assert any(size.installed.glob("pydantic/__pycache__/main.cpython-311.pyc")) or size.kind == "layer"

    # botocore is pure Python: the built package's own, with its trimmed service models, makes every
    # client the functions make (the offline test checks the code asks for no other).
    query = by_name["QueryFunction"].installed
    services = ["dynamodb", "kinesis", "s3", "sqs", "secretsmanager"]
    probe = (
        "import sys, botocore.session\n"
        "session = botocore.session.get_session()\n"
        "for name in sys.argv[1:]:\n"
        "    session.create_client(\n"
        "        name, region_name='us-east-1', aws_access_key_id='x', aws_secret_access_key='y'\n"
        "    )\n"
        "print(botocore.__file__)"
    )
    made = subprocess.run(  # noqa: S603 - our own interpreter on the built package
        [sys.executable, "-S", "-c", probe, *services],
        env={"PYTHONPATH": str(query), "PATH": os.environ.get("PATH", "")},
        capture_output=True,
        text=True,
        check=True,
    )
    assert made.stdout.strip().startswith(str(query)), made.stdout
    assert not (query / "botocore" / "data" / "ec2").exists()

    # The benchmark reports these same figures (it runs here because it needs the network).
    figures = package_size.report(sizes)
    out = capsys.readouterr().out
    assert re.findall(r"^ratio package_\w+: [\d.]+", out, flags=re.MULTILINE)
    assert out.rstrip().splitlines()[-1].startswith("ratio ")
    assert figures["QueryFunction"] == pytest.approx(by_name["QueryFunction"].total / MB)
    print(out)


def test_a_release_without_a_wheel_for_the_target_fails_naming_it(tmp_path: Path) -> None:
    """The failure sam build met: pillow 13.0.0 has no manylinux2014 aarch64 wheel (python3.11, AL2)."""
    (template_layer,) = (p for p in packages() if p.kind == "layer")
    lock = tmp_path / "requirements.txt"
    lock.write_text("pillow==13.0.0 \\\n    --hash=sha256:" + "0" * 64 + "\n", encoding="utf-8")
    broken = Package("ReportLayer", "layer", tmp_path, template_layer.target)

    with pytest.raises(ResolutionError) as failure:
        resolve(broken, tmp_path / "out")

    message = str(failure.value)
    assert "no wheel of pillow==13.0.0" in message, message
    assert "python3.11 arm64" in message, message
    assert "manylinux2014_aarch64" in message, message
    assert "12.2.0" in message  # the releases that have one are listed
