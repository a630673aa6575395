"""Encode one LDAPMessage: ldapber's two backends and pyasn1 (ldap3 has no
encoder of its own: it builds pyasn1 objects).

The object to encode (an ldapber model object, or a pyasn1 object) is built
once, outside the timing; the output must be the corpus' reference bytes.
"""

from __future__ import annotations

import pytest

from .conftest import record
from .contenders import ENCODERS, encoder_for
from .workload import MESSAGES

CASES = [pytest.param(message, contender, id=f"{message}-{contender}")
         for message in MESSAGES for contender in ENCODERS]


@pytest.mark.parametrize(("message", "contender"), CASES, indirect=["contender"])
def test_encode(benchmark, corpus, message, contender):
    sample = corpus[message]
    encode, value = encoder_for(contender, sample)
    record(benchmark, op="encode", message=message, contender=contender, nbytes=len(sample.data))
    result = benchmark(encode, value)
    assert bytes(result) == sample.data, f"{contender} encoded {message} differently"
