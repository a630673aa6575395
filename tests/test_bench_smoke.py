"""The benchmark suite still runs: every benchmark once, timing nothing.

Performance is measured in bench/ (ratios against peers in one run), never
asserted here; this only keeps the suite and its correctness checks working.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_benchmarks_run_once() -> None:
    pytest.importorskip("pytest_benchmark")
    out = subprocess.run([sys.executable, "-m", "pytest", "bench/", "-q", "--benchmark-disable", "-p", "no:cacheprovider"],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert " passed" in out.stdout and "failed" not in out.stdout


def test_server_benchmark_runs(tmp_path: Path) -> None:
    out = tmp_path / "server.md"
    run = subprocess.run([sys.executable, "-m", "bench.server", "--seconds", "0.3", "--connections", "2",
                          "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    rows = [line for line in out.read_text(encoding="utf-8").splitlines() if line.startswith("| ldapber")]
    assert len(rows) == 1 and int(rows[0].split("|")[2].strip().replace(",", "")) > 0
