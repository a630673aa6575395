"""The PROTOS-style corpus (fuzz/protos.py) through both backends: every
must-reject case rejected with a DecodeError, every must-accept case accepted,
nothing else raised, nothing slow."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fuzz.protos import GROUPS, generate, run  # noqa: E402


def test_protos_corpus() -> None:
    cases = list(generate(seed=0))
    assert {c.group for c in cases} == set(GROUPS)
    report = run(cases)
    for group, row in report.items():
        assert not row["crashed"], (group, row["crashed"][:3])
        assert not row["wrong"], (group, row["wrong"][:3])
        assert not row["slow"], (group, row["slow"][:3])
    assert sum(r["rejected"] for r in report.values()) > 0 and sum(r["accepted"] for r in report.values()) > 0
