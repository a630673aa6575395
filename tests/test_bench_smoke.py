"""The benchmark suite still runs: every benchmark once, timing nothing.

Performance is measured in bench/ (ratios against peers in one run), never
asserted here; this only keeps the suite and its correctness checks working.
"""

from __future__ import annotations

import json
import shutil
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


def test_one_command_writes_the_whole_report(tmp_path: Path) -> None:
    """``python -m bench --smoke``: every stage once (Python contenders,
    liblber, memory, servers), then run.json, report.md and the charts."""
    pytest.importorskip("matplotlib")
    run = subprocess.run([sys.executable, "-m", "bench", "--smoke", "--out", str(tmp_path)],
                         cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    data = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    contenders = {t["contender"] for t in data["timings"]}
    expected = {"ldapber-cython", "ldapber-python", "pyasn1", "ldap3-pyasn1", "ldap3-fast", "asn1tools", "ldaptor",
                "scapy"}
    if Path("/usr/include/lber.h").exists() and shutil.which("cc"):
        expected.add("liblber")
    assert expected <= contenders, expected - contenders
    assert {t["op"] for t in data["timings"]} == {"decode", "encode", "stream"}
    assert all(u["reason"] for u in data["unable"]) and any(u["contender"] == "ldap3-fast" for u in data["unable"])
    assert {(m["case"], m["contender"]) for m in data["memory"] if "peak_bytes" in m} >= {
        ("binary-entry", "ldapber-cython"), ("stream", "ldapber-cython"), ("stream", "pyasn1")}
    assert data["server"]["samples"]["base|ldapber"][0] > 0 and data["server"]["starts"][0]["server"] == "ldapber"
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    for heading in ("## Decode", "## Encode", "## Stream", "## Peak memory", "## Servers", "## Targets"):
        assert heading in report
    for chart in ("decode.png", "encode.png", "stream.png"):
        assert (tmp_path / chart).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "| small-entry |" in run.stdout  # the summary table is printed
