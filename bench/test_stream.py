"""Decode a stream of small SearchResultEntry PDUs held back to back in one
buffer (what a search returning many entries puts on the wire).

ldapber: ``codec.decode_all(buffer)``.  Peers have no such call: they loop
over the PDUs with their single-message decoder, the PDUs being split
outside the timing.  ldapber-cython and ldap3-fast decode all
``STREAM_SIZE`` (10,000) PDUs; pyasn1 and ldapber-python, far slower, decode
the first ``STREAM_SLICE`` (500) so the suite stays quick.  Compare them by
throughput: ``extra_info["mb_per_s"]`` (10**6 bytes per second of median time),
which bench/report.py also computes.
"""

from __future__ import annotations

import pytest

from .conftest import record
from .contenders import CONTENDERS, LDAPBER_PYTHON, PYASN1, check_decoded_all, stream_decoder_for
from .workload import STREAM_SIZE, STREAM_SLICE

SLICED = (PYASN1, LDAPBER_PYTHON)


@pytest.mark.parametrize("contender", CONTENDERS, indirect=True)
def test_stream_decode(benchmark, stream, contender):
    data = stream.head(STREAM_SLICE) if contender in SLICED else stream
    decode, kind = stream_decoder_for(contender)
    arg = data.buffer if kind == "buffer" else data.pdus
    record(benchmark, op="stream", message=f"{STREAM_SIZE:,} small entries", contender=contender,
           nbytes=len(data.buffer), pdus=len(data.pdus))
    results = benchmark(decode, arg)
    check_decoded_all(contender, results, data.messages)
    if benchmark.stats is not None:  # None under --benchmark-disable
        median = benchmark.stats.stats.median
        benchmark.extra_info["mb_per_s"] = round(len(data.buffer) / median / 1e6, 3)
        benchmark.extra_info["us_per_pdu"] = round(median / len(data.pdus) * 1e6, 3)
