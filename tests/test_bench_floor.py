"""bench/floor.py: the asyncio floor the client benchmark sets beside the
clients frames responses correctly and reads what slapd holds (its figure
means nothing if it skipped work or waited on the wrong PDU)."""

from __future__ import annotations

from pathlib import Path

import pytest
from slapd import needs_slapd, slapd_with_sample  # first: it puts the checkout on sys.path for bench

import ldapber
from bench.floor import AsyncioFloorSession, _done_in
from ldapber import LDAPMessage, PartialAttribute, SearchResultDone, SearchResultEntry


def _pdus(mid: int, values: int) -> tuple[bytes, bytes]:
    entry = SearchResultEntry("uid=x,dc=example,dc=com", [PartialAttribute("description", [b"v" * 50] * values)])
    return (ldapber.encode(LDAPMessage(mid, entry)), ldapber.encode(LDAPMessage(mid, SearchResultDone(0, "", ""))))


@pytest.mark.parametrize("values", [1, 10, 2000])  # short, one-byte and two-byte long-form lengths
def test_framing_waits_for_the_done_and_counts_only_complete_pdus(values: int) -> None:
    entry, done = _pdus(7, values)
    data = entry + done
    for cut in range(len(data) + 1):
        complete, finished = _done_in(bytearray(data[:cut]))
        if cut == len(data):
            assert (complete, finished) == (len(data), True)
        elif cut >= len(entry):
            assert (complete, finished) == (len(entry), False)
        else:
            assert (complete, finished) == (0, False)


@needs_slapd
def test_the_floor_reads_the_entries_slapd_holds(tmp_path: Path) -> None:
    with slapd_with_sample(tmp_path) as server:
        session = AsyncioFloorSession(server.url)
        try:
            dns = ["uid=alice,ou=people,dc=example,dc=com", "uid=bob,ou=people,dc=example,dc=com"]
            timed, raws = session.sequential(dns)
        finally:
            session.close()
    assert timed.wall > 0 and len(raws) == 2
    got = [session.entries(raw) for raw in raws]
    assert [[dn for dn, _ in one] for one in got] == [[dns[0]], [dns[1]]]
    assert got[0][0][1]["uid"] == [b"alice"]
