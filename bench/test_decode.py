"""Decode one LDAPMessage: every contender, every message it can decode.

One benchmark group per message ("decode: small-entry", ...).  ldap3's fast
decoder decodes server responses only, so it has no request benchmarks.
"""

from __future__ import annotations

import pytest

from .conftest import record
from .contenders import CONTENDERS, check_decoded, decoder_for, decodes
from .workload import MESSAGES

CASES = [pytest.param(message, contender, id=f"{message}-{contender}")
         for message in MESSAGES for contender in CONTENDERS if decodes(contender, message)]


@pytest.mark.parametrize(("message", "contender"), CASES, indirect=["contender"])
def test_decode(benchmark, corpus, message, contender):
    sample = corpus[message]
    record(benchmark, op="decode", message=message, contender=contender, nbytes=len(sample.data))
    result = benchmark(decoder_for(contender), sample.data)
    check_decoded(contender, result, sample.message)
