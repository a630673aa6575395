"""Decode one LDAPMessage: every contender, every message of the corpus.

One benchmark group per message ("decode: small-entry", ...).  A contender
that cannot decode a message (bench/peers/capabilities.py: ldap3's fast
decoder knows responses only, scapy lacks some operations, ...) is a skipped
case whose reason says why, so reports show it as unable, not absent.
"""

from __future__ import annotations

import pytest

from .conftest import record, timed
from .peers import CONTENDERS, capability, check_decoded, decoder_for
from .workload import MESSAGES


def _case(message: str, contender: str):  # type: ignore[no-untyped-def]
    reason = capability(contender, "decode", message)
    marks = [pytest.mark.skip(reason=f"{contender} cannot decode: {reason}")] if reason else []
    return pytest.param(message, contender, id=f"{message}-{contender}", marks=marks)


CASES = [_case(message, contender) for message in MESSAGES for contender in CONTENDERS]


@pytest.mark.parametrize(("message", "contender"), CASES, indirect=["contender"])
def test_decode(benchmark, corpus, message, contender):
    sample = corpus[message]
    record(benchmark, op="decode", message=message, contender=contender, nbytes=len(sample.data))
    result = timed(benchmark, decoder_for(contender), sample.data)
    check_decoded(contender, result, sample.message)
