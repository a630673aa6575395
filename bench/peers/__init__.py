"""The contenders: one adapter module per peer, and this registry.

=================  ==========================================================
``ldapber-cython`` ldapber's compiled backend (:mod:`.ldapber_backends`)
``ldapber-python`` ldapber's pure-Python backend (:mod:`.ldapber_backends`)
``pyasn1``         pyasn1 + pyasn1-modules rfc2251 specs (:mod:`.pyasn1_peers`)
``ldap3-pyasn1``   pyasn1 with ldap3's own rfc4511 specs (:mod:`.pyasn1_peers`)
``ldap3-fast``     ldap3's hand-written response decoder (:mod:`.ldap3_fast`)
``asn1tools``      asn1tools' BER codec compiled from ldapber's rfc4511.asn
                   (:mod:`.asn1tools_peer`)
``ldaptor``        ldaptor's pureber / pureldap (:mod:`.ldaptor_peer`)
``scapy``          scapy's LDAP layer (:mod:`.scapy_peer`)
=================  ==========================================================

Every timed callable returns its result and every result is checked outside
the timing: :func:`check_decoded` (the peer's decode, in the canonical form of
:mod:`.canonical`, must equal the expected message's, field by field;
ldapber's objects must equal the model objects), :func:`check_encoded` (the
bytes must decode, with ldapber, to the expected message, and equal ldapber's
bytes unless the adapter says why they may differ).  Which peer can do what
is in :mod:`.capabilities`: :func:`capability` and :func:`capabilities`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import cache
from typing import Any

# ldap3.utils.asn1 patches pyasn1's BOOLEAN encoder (TRUE as 0xFF) when
# imported; import it here, first, so pyasn1 encodes the same way in every
# test whatever the test order (both pyasn1 contenders then write TRUE as
# 0xFF, as RFC 4511 and ldapber do).
with warnings.catch_warnings():  # ldap3 2.9 uses pyasn1's deprecated tagMap/typeMap
    warnings.simplefilter("ignore", DeprecationWarning)
    import ldap3.utils.asn1  # noqa: F401

import ldapber
from ldapber import LDAPMessage

from ..workload import STREAM_SLICE, Sample
from .base import Peer
from .canonical import canonical_model, first_difference
from .ldapber_backends import BACKENDS, ldapber_peer

__all__ = [
    "LDAPBER_CYTHON", "LDAPBER_PYTHON", "PYASN1", "LDAP3_PYASN1", "LDAP3_FAST", "ASN1TOOLS", "LDAPTOR", "SCAPY",
    "CONTENDERS", "ENCODERS", "Peer", "peer", "decoder_for", "stream_decoder_for", "encoder_for",
    "check_decoded", "check_decoded_all", "check_encoded", "stream_slice",
    "capability", "capabilities", "probe",
]

LDAPBER_CYTHON = "ldapber-cython"
LDAPBER_PYTHON = "ldapber-python"
PYASN1 = "pyasn1"
LDAP3_PYASN1 = "ldap3-pyasn1"
LDAP3_FAST = "ldap3-fast"
ASN1TOOLS = "asn1tools"
LDAPTOR = "ldaptor"
SCAPY = "scapy"

#: Report order.  The first is the reference every ratio is taken against.
CONTENDERS = (LDAPBER_CYTHON, LDAPBER_PYTHON, PYASN1, LDAP3_PYASN1, LDAP3_FAST, ASN1TOOLS, LDAPTOR, SCAPY)
#: Contenders that have an encoder at all (ldap3-fast does not).
ENCODERS = tuple(c for c in CONTENDERS if c != LDAP3_FAST)

#: Entries of the 10,000-entry stream each contender decodes (then the
#: closing SearchResultDone); None: all of them.  The slow ones decode a
#: slice so the suite stays quick; compare by MB/s or µs per PDU.
_STREAM_SLICES = {
    LDAPBER_PYTHON: STREAM_SLICE, PYASN1: STREAM_SLICE, LDAP3_PYASN1: STREAM_SLICE,
    ASN1TOOLS: STREAM_SLICE, LDAPTOR: STREAM_SLICE, SCAPY: STREAM_SLICE // 5,
}


@cache
def peer(contender: str) -> Peer:
    """The adapter of one contender (imported on first use)."""
    if contender in BACKENDS:
        p = ldapber_peer(contender)
    elif contender == PYASN1:
        from .pyasn1_peers import PYASN1 as p
    elif contender == LDAP3_PYASN1:
        from .pyasn1_peers import LDAP3_PYASN1 as p
    elif contender == LDAP3_FAST:
        from .ldap3_fast import LDAP3_FAST as p
    elif contender == ASN1TOOLS:
        from .asn1tools_peer import ASN1TOOLS as p
    elif contender == LDAPTOR:
        from .ldaptor_peer import LDAPTOR as p
    elif contender == SCAPY:
        from .scapy_peer import SCAPY as p
    else:
        raise KeyError(contender)
    assert p.name == contender
    return p


def stream_slice(contender: str) -> int | None:
    return _STREAM_SLICES.get(contender)


# -- callables ---------------------------------------------------------------------
def decoder_for(contender: str) -> Callable[[bytes], Any]:
    """``f(pdu_bytes) -> that contender's full decode`` of one PDU."""
    return peer(contender).decode


def stream_decoder_for(contender: str) -> tuple[Callable[[Any], list], str]:
    """``(f, input kind)`` for the stream benchmark: ldapber decodes the one
    buffer with ``decode_all`` (input kind "buffer"); the peers have no such
    call, so they loop over the PDUs, already split outside the timing (input
    kind "pdus", which spares them the framing work)."""
    if contender in BACKENDS:
        return ldapber.codec_for(BACKENDS[contender]).decode_all, "buffer"
    decode = decoder_for(contender)

    def decode_each(pdus: tuple[bytes, ...]) -> list:
        return [decode(pdu) for pdu in pdus]

    return decode_each, "pdus"


def encoder_for(contender: str, sample: Sample) -> tuple[Callable[[Any], bytes], Any]:
    """``(f, argument)`` such that ``f(argument)`` encodes ``sample``; the
    argument (the contender's own object for the message) is built here,
    outside the timing."""
    p = peer(contender)
    if p.encode is None or p.prepare is None:
        raise KeyError(f"{contender} cannot encode: {p.no_encoder}")
    return p.encode, p.prepare(sample)


# -- correctness -------------------------------------------------------------------
def check_decoded(contender: str, result: Any, expected: LDAPMessage) -> None:
    """Assert that ``result`` is ``contender``'s complete, correct decode of
    ``expected`` (every field)."""
    if contender in BACKENDS:
        assert type(result) is LDAPMessage and result == expected, f"{contender} decoded {result!r:.300}"
        return
    try:
        got = peer(contender).canonical(result)
    except AssertionError:
        raise
    except Exception as err:  # a shape the converter cannot read is a wrong decode
        raise AssertionError(f"unreadable result ({type(err).__name__}: {err})") from err
    diff = first_difference(got, canonical_model(expected))
    assert diff is None, diff


def check_decoded_all(contender: str, results: list, expected: tuple[LDAPMessage, ...]) -> None:
    assert len(results) == len(expected), (len(results), len(expected))
    if contender in BACKENDS:
        assert all(type(r) is LDAPMessage for r in results) and list(results) == list(expected)
        return
    for i, (result, message) in enumerate(zip(results, expected, strict=True)):
        try:
            check_decoded(contender, result, message)
        except AssertionError as err:
            raise AssertionError(f"PDU {i}: {err}") from err


def check_encoded(contender: str, output: Any, sample: Sample) -> None:
    """Assert that ``output`` is a correct encoding of ``sample``'s message:
    it decodes (with ldapber, strictly) to the message, and is ldapber's
    bytes exactly unless the adapter says why it may differ."""
    data = bytes(output)
    try:
        decoded = ldapber.decode(data)
    except ldapber.LDAPBERError as err:
        raise AssertionError(f"output is not a valid LDAPMessage for ldapber: {err}") from err
    assert decoded == sample.message, f"output decodes to {decoded!r:.300}"
    if peer(contender).inexact(sample) is None and data != sample.encoded:
        at = next((i for i, (a, b) in enumerate(zip(data, sample.encoded, strict=False)) if a != b),
                  min(len(data), len(sample.encoded)))
        raise AssertionError(f"bytes differ from ldapber's at offset {at} "
                             f"({len(data)} bytes instead of {len(sample.encoded)})")


from .capabilities import capabilities, capability, probe  # noqa: E402  (uses the names above)
