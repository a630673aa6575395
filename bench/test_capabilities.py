"""The recorded capability table (bench/peers/capabilities.py) still matches
reality: every contender is tried again on every built message, decode and
encode, with the same checks as the benchmarks.  A peer upgrade that fixes
(or breaks) something fails here until the table is updated.  Not a
benchmark: skipped under --benchmark-only.
"""

from __future__ import annotations

import pytest

from .peers import CONTENDERS, capabilities, capability, peer, probe
from .peers.capabilities import OPS, RECORDED, STREAM
from .workload import BUILT, MESSAGES


def test_recorded_keys_are_known() -> None:
    for contender, op, message in RECORDED:
        assert contender in CONTENDERS and op in OPS and message in BUILT, (contender, op, message)
        assert "failed" not in RECORDED[(contender, op, message)]  # tests/test_bench_smoke.py greps for it


@pytest.mark.parametrize("contender", CONTENDERS, indirect=True)
def test_recorded_table_matches_reality(contender: str) -> None:
    wrong = []
    for op in OPS:
        if op == "encode" and peer(contender).encode is None:
            continue
        for message in BUILT:
            now = probe(contender, op, message)
            recorded = RECORDED.get((contender, op, message))
            if (now is None) != (recorded is None):
                wrong.append(f"{op} {message}: recorded {recorded!r}, now {now!r}")
    assert not wrong, "capability table out of date:\n" + "\n".join(wrong)


def test_capabilities_list() -> None:
    rows = capabilities()
    assert all(op in (*OPS, "stream") and m in (*MESSAGES, STREAM) and c in CONTENDERS and reason
               for op, m, c, reason in rows)
    assert ("decode", "search-request", "ldap3-fast") in {(op, m, c) for op, m, c, _ in rows}
    assert all(capability(c, op, m) == reason for op, m, c, reason in rows)
