"""Which contender can decode / encode which message, and why not.

:data:`RECORDED` is the result of trying every contender on every built
message (``probe``: decode it and check every field, encode it and check the
bytes), written down with a short reason for each case that does not work.
bench/test_capabilities.py runs the same trials again and fails when reality
no longer matches the table (a peer upgrade that fixes or breaks something
is noticed there).  Captured samples (bench/captured.py) are not known when
the table is written: their capabilities are probed when first asked for.

The benchmarks use :func:`capability` to turn each unable case into a skip
that carries the reason; :func:`capabilities` lists them all for reports.
"""

from __future__ import annotations

from functools import cache

from .. import workload
from . import (
    BACKENDS,
    CONTENDERS,
    check_decoded,
    check_encoded,
    encoder_for,
    peer,
)

__all__ = ["OPS", "RECORDED", "capability", "capabilities", "probe", "STREAM"]

OPS = ("decode", "encode")
#: The "message" of the stream benchmark's capability.
STREAM = workload.STREAM_NAME

#: (contender, op, message) -> why it cannot; absent: it can.  Every entry
#: is the outcome of probe() (see the module docstring); messages are the
#: built ones (workload.BUILT).
_RFC2251_DEL = ("pyasn1-modules' rfc2251 types DelRequest as an LDAPResult SEQUENCE, not an LDAPDN "
                 "(PyAsn1Error: Constructed tag format expected)")
_PYASN1_TRUE = ("pyasn1's BER encoder writes BOOLEAN TRUE as 0x01; RFC 4511 5.1 requires 0xFF "
                "(ldapber rejects the output)")
_LDAP3_NOT = ("ldap3's rfc4511 spec cannot decode a NOT filter: its Filter holds a Not made before "
              "Not.componentType is set (PyAsn1Error: Read 13 bytes instead of expected 21)")
_LDAP3_FAST_REQUESTS = {
    "search-request": 3, "bind-request": 0, "modify-request": 6, "add-request": 8, "delete-request": 10,
    "modify-dn-request": 12, "compare-request": 14, "extended-request": 23, "paged-search": 3,
}
_SCAPY_MODDN = ("scapy tags ModifyDNRequest.newSuperior [0] as constructed (0xA0), RFC 4511's is primitive "
                "(0x80): BER_Decoding_Error, unexpected remainder")
_SCAPY_NO_OP = "scapy's LDAP layer has no {op}: ASN1_Error, protocolOp tag {tag:#x} not in its CHOICE"

RECORDED: dict[tuple[str, str, str], str] = {
    ("pyasn1", "decode", "delete-request"): _RFC2251_DEL,
    ("pyasn1", "encode", "delete-request"): _RFC2251_DEL,
    ("pyasn1", "encode", "modify-dn-request"): _PYASN1_TRUE,
    ("pyasn1", "encode", "paged-search"): _PYASN1_TRUE,
    ("ldap3-pyasn1", "decode", "search-request"): _LDAP3_NOT,
    **{("ldap3-fast", "decode", m): "ldap3's fast decoder knows server responses only (KeyError on a request's "
                                     "[APPLICATION n] tag)" for m in _LDAP3_FAST_REQUESTS},
    ("scapy", "decode", "modify-dn-request"): _SCAPY_MODDN,
    ("scapy", "encode", "modify-dn-request"): _SCAPY_MODDN,
    ("scapy", "decode", "compare-request"): _SCAPY_NO_OP.format(op="CompareRequest", tag=0x6E),
    ("scapy", "encode", "compare-request"): _SCAPY_NO_OP.format(op="CompareRequest", tag=0x6E),
    ("scapy", "decode", "extended-request"): _SCAPY_NO_OP.format(op="ExtendedRequest", tag=0x77),
    ("scapy", "encode", "extended-request"): _SCAPY_NO_OP.format(op="ExtendedRequest", tag=0x77),
}


def _short(err: BaseException, limit: int = 160) -> str:
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text}"[:limit]


def probe(contender: str, op: str, message: str) -> str | None:
    """Try it now: None if ``contender`` does ``op`` on ``message`` correctly,
    else what went wrong."""
    sample = workload.corpus()[message]
    p = peer(contender)
    if op == "decode":
        try:
            result = p.decode(sample.data)
        except Exception as err:
            return f"raises {_short(err)}"
        try:
            check_decoded(contender, result, sample.message)
        except AssertionError as err:
            return f"wrong decode: {_short(err)}"
        return None
    if op == "encode":
        if p.encode is None:
            return p.no_encoder
        try:
            encode, arg = encoder_for(contender, sample)
            out = encode(arg)
        except Exception as err:
            return f"raises {_short(err)}"
        try:
            check_encoded(contender, out, sample)
        except AssertionError as err:
            return f"wrong encoding: {_short(err)}"
        return None
    raise ValueError(op)


@cache
def _probed(contender: str, op: str, message: str) -> str | None:
    return probe(contender, op, message)


def capability(contender: str, op: str, message: str) -> str | None:
    """None if ``contender`` can do ``op`` ("decode", "encode" or "stream")
    on ``message``; else the reason it cannot.  (Whether ldapber's compiled
    backend is built is not a capability: the test fixtures skip it.)"""
    if op == "stream":
        for part in ("small-entry", "search-done"):
            reason = capability(contender, "decode", part)
            if reason:
                return f"cannot decode {part}: {reason}"
        return None
    if contender in BACKENDS:  # never instantiated here: the compiled one may not be built
        return RECORDED.get((contender, op, message))
    if op == "encode" and peer(contender).encode is None:
        return peer(contender).no_encoder
    if message in workload.BUILT:
        return RECORDED.get((contender, op, message))
    return _probed(contender, op, message)


def capabilities(messages: tuple[str, ...] | None = None) -> list[tuple[str, str, str, str]]:
    """Every (op, message, contender, reason) where the contender cannot,
    for ``messages`` (default: the whole corpus) and the stream."""
    out = []
    for op in OPS:
        for message in workload.MESSAGES if messages is None else messages:
            for contender in CONTENDERS:
                reason = capability(contender, op, message)
                if reason:
                    out.append((op, message, contender, reason))
    for contender in CONTENDERS:
        reason = capability(contender, "stream", STREAM)
        if reason:
            out.append(("stream", STREAM, contender, reason))
    return out
