"""Encode one LDAPMessage: every contender with an encoder, every message.

The object to encode (an ldapber model object, or the peer's own object for
the message) is built once, outside the timing.  The output must decode,
with ldapber, to the expected message, and be ldapber's bytes exactly
unless the adapter says why the peer's may differ.  A contender that cannot
encode a message is a skipped case whose reason says why.
"""

from __future__ import annotations

import pytest

from .conftest import record, timed
from .peers import CONTENDERS, capability, check_encoded, encoder_for
from .workload import MESSAGES


def _case(message: str, contender: str):  # type: ignore[no-untyped-def]
    reason = capability(contender, "encode", message)
    marks = [pytest.mark.skip(reason=f"{contender} cannot encode: {reason}")] if reason else []
    return pytest.param(message, contender, id=f"{message}-{contender}", marks=marks)


CASES = [_case(message, contender) for message in MESSAGES for contender in CONTENDERS]


@pytest.mark.parametrize(("message", "contender"), CASES, indirect=["contender"])
def test_encode(benchmark, corpus, message, contender):
    sample = corpus[message]
    encode, value = encoder_for(contender, sample)
    record(benchmark, op="encode", message=message, contender=contender, nbytes=len(sample.encoded))
    result = timed(benchmark, encode, value)
    check_encoded(contender, result, sample)
