"""Decode a stream of small SearchResultEntry PDUs ending with a
SearchResultDone, held back to back in one buffer (what a search returning
10,000 entries puts on the wire: 10,001 PDUs).

ldapber: ``codec.decode_all(buffer)``.  Peers have no such call: they loop
over the PDUs with their single-message decoder, the PDUs being split
outside the timing.  ldapber-cython and ldap3-fast decode all 10,001 PDUs;
the slower contenders decode the first ``stream_slice(contender)`` entries
and the SearchResultDone, so the suite stays quick.  Compare them by
throughput: ``extra_info["mb_per_s"]`` (10**6 bytes per second of median
time) and ``extra_info["us_per_pdu"]``, which bench/report.py also computes.
"""

from __future__ import annotations

import pytest

from .conftest import record, timed
from .peers import CONTENDERS, capability, check_decoded_all, stream_decoder_for, stream_slice
from .workload import STREAM_NAME


def _case(contender: str):  # type: ignore[no-untyped-def]
    reason = capability(contender, "stream", STREAM_NAME)
    marks = [pytest.mark.skip(reason=f"{contender} cannot decode the stream: {reason}")] if reason else []
    return pytest.param(contender, id=contender, marks=marks)


@pytest.mark.parametrize("contender", [_case(c) for c in CONTENDERS], indirect=True)
def test_stream_decode(benchmark, stream, contender):
    n = stream_slice(contender)
    data = stream if n is None else stream.head(n)
    decode, kind = stream_decoder_for(contender)
    arg = data.buffer if kind == "buffer" else data.pdus
    record(benchmark, op="stream", message=STREAM_NAME, contender=contender,
           nbytes=len(data.buffer), pdus=len(data.pdus))
    results = timed(benchmark, decode, arg)
    check_decoded_all(contender, results, data.messages)
    if benchmark.stats is not None:  # None under --benchmark-disable
        median = benchmark.stats.stats.median / benchmark.extra_info.get("calls", 1)
        benchmark.extra_info["mb_per_s"] = round(len(data.buffer) / median / 1e6, 3)
        benchmark.extra_info["us_per_pdu"] = round(median / len(data.pdus) * 1e6, 3)
