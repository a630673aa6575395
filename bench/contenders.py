"""The contenders, as the tests and bench/report.py import them.

The adapters live in :mod:`bench.peers` (one module per peer, a registry,
the canonical form results are compared in, and the capability table); this
module keeps the names the rest of the suite uses.  See bench/peers/__init__.py.
"""

from __future__ import annotations

from .peers import (
    ASN1TOOLS,
    CONTENDERS,
    ENCODERS,
    LDAP3_FAST,
    LDAP3_PYASN1,
    LDAPBER_CYTHON,
    LDAPBER_PYTHON,
    LDAPTOR,
    PYASN1,
    SCAPY,
    capabilities,
    capability,
    check_decoded,
    check_decoded_all,
    check_encoded,
    decoder_for,
    encoder_for,
    peer,
    probe,
    stream_decoder_for,
    stream_slice,
)
from .peers.capabilities import RECORDED

__all__ = [
    "ASN1TOOLS", "CONTENDERS", "ENCODERS", "LDAP3_FAST", "LDAP3_PYASN1", "LDAPBER_CYTHON", "LDAPBER_PYTHON",
    "LDAPTOR", "PYASN1", "SCAPY", "RECORDED", "capabilities", "capability", "check_decoded", "check_decoded_all",
    "check_encoded", "decodes", "encodes", "decoder_for", "encoder_for", "peer", "probe", "stream_decoder_for",
    "stream_slice",
]


def decodes(contender: str, message: str) -> bool:
    """Whether ``contender`` can decode ``message`` (see :func:`capability`)."""
    return capability(contender, "decode", message) is None


def encodes(contender: str, message: str) -> bool:
    """Whether ``contender`` can encode ``message`` (see :func:`capability`)."""
    return capability(contender, "encode", message) is None
