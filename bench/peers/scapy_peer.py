"""``scapy``: the packet library's LDAP layer, ``scapy.layers.ldap.LDAP``
(an ``ASN1_Packet`` dissected with scapy's own BER codec).

Decode (timed) = ``LDAP(data)`` (scapy dissects eagerly: every field is an
``ASN1_Object`` or a nested packet) plus :func:`materialize`, a generic walk
over the packet's ASN.1 fields that leaves plain Python: a packet -> dict by
scapy's field names, a CHOICE field -> ``(class name, value)``, SEQUENCE OF
-> list, an ``ASN1_Object`` -> its ``.val`` (bytes / int; BOOLEAN -> bool).
A packet with a single field stands for that field's value (scapy wraps
every SET OF element, substring, filter and attribute value in a packet of
its own).  Control values scapy knows (paged results) are dissected by scapy
into packets; the walk takes their bytes back from scapy's dissection cache.
LDAPString values stay bytes (scapy has no text type).

Encode (timed) = ``bytes(pkt)`` of scapy's own dissection of the reference
bytes, built outside the timing with its dissection cache cleared
(``clear_cache()``, recursive): scapy then builds every layer again on each
call instead of returning the bytes it was dissected from.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from ..workload import Sample
from .base import Peer
from .canonical import Dialect, from_plain

logging.getLogger("scapy").setLevel(logging.ERROR)  # scapy warns about missing libpcap etc. at import

from scapy.asn1.asn1 import ASN1_BOOLEAN, ASN1_NULL, ASN1_Object  # noqa: E402
from scapy.asn1fields import ASN1F_CHOICE, ASN1F_STRING_PacketField  # noqa: E402
from scapy.layers.ldap import LDAP  # noqa: E402
from scapy.packet import NoPayload, Packet  # noqa: E402

__all__ = ["SCAPY", "materialize", "DIALECT"]

_VALUE, _CHOICE, _PACKED = 0, 1, 2


@cache
def _layout(cls: type) -> tuple[tuple[str, int], ...]:
    out = []
    for f in cls.fields_desc:
        kind = _CHOICE if isinstance(f, ASN1F_CHOICE) else _PACKED if isinstance(f, ASN1F_STRING_PacketField) else _VALUE
        out.append((f.name, kind))
    return tuple(out)


def _value(v: Any) -> Any:
    if isinstance(v, ASN1_Object):
        if isinstance(v, ASN1_BOOLEAN):
            return bool(v.val)
        if isinstance(v, ASN1_NULL):
            return None
        return v.val
    if isinstance(v, Packet):
        return materialize(v)
    if isinstance(v, list):
        return [_value(x) for x in v]
    return v  # None: an absent OPTIONAL


def materialize(pkt: Packet) -> Any:
    """Every field of a dissected scapy ASN.1 packet as plain Python."""
    fields = pkt.fields
    out = {}
    layout = _layout(type(pkt))
    for name, kind in layout:
        v = fields.get(name)
        if kind == _CHOICE and v is not None:
            out[name] = (type(v).__name__, _value(v))
        elif kind == _PACKED and isinstance(v, Packet):
            out[name] = bytes(v)  # scapy dissected the value; these are the bytes it read
        else:
            out[name] = _value(v)
    if len(layout) == 1:
        return out[layout[0][0]]
    return {k: v for k, v in out.items() if v is not None}


def decode(data: bytes) -> Any:
    pkt = LDAP(data)
    if not isinstance(pkt.payload, NoPayload):
        raise ValueError(f"scapy left {type(pkt.payload).__name__} after the message")
    return materialize(pkt)


def prepare(sample: Sample) -> Packet:
    pkt = LDAP(sample.encoded)
    pkt.clear_cache()
    return pkt


def encode(pkt: Packet) -> bytes:
    return bytes(pkt)


_OPS = {
    "bindRequest": "LDAP_BindRequest", "bindResponse": "LDAP_BindResponse",
    "unbindRequest": "LDAP_UnbindRequest", "searchRequest": "LDAP_SearchRequest",
    "searchResEntry": "LDAP_SearchResponseEntry", "searchResDone": "LDAP_SearchResponseResultDone",
    "searchResRef": "LDAP_SearchResponseReference", "modifyRequest": "LDAP_ModifyRequest",
    "modifyResponse": "LDAP_ModifyResponse", "addRequest": "LDAP_AddRequest", "addResponse": "LDAP_AddResponse",
    "delRequest": "LDAP_DelRequest", "delResponse": "LDAP_DelResponse", "modDNRequest": "LDAP_ModifyDNRequest",
    "modDNResponse": "LDAP_ModifyDNResponse", "abandonRequest": "LDAP_AbandonRequest",
    "extendedResp": "LDAP_ExtendedResponse",
    # scapy has no CompareRequest, CompareResponse, ExtendedRequest, IntermediateResponse
}
_FILTERS = {
    "and": "LDAP_FilterAnd", "or": "LDAP_FilterOr", "not": "LDAP_FilterNot", "equalityMatch": "LDAP_FilterEqual",
    "substrings": "LDAP_SubstringFilter", "greaterOrEqual": "LDAP_FilterGreaterOrEqual",
    "lessOrEqual": "LDAP_FilterLessOrEqual", "present": "LDAP_FilterPresent",
    "approxMatch": "LDAP_FilterApproxMatch", "extensibleMatch": "LDAP_FilterExtensibleMatch",
}
_SUBSTRINGS = {"initial": "LDAP_SubstringFilterInitial", "any": "LDAP_SubstringFilterAny",
               "final": "LDAP_SubstringFilterFinal"}

DIALECT = Dialect(
    "scapy.layers.ldap",
    renames={
        ("LDAPMessage", "controls"): "Controls",
        **{("LDAPMessage.protocolOp", k): v for k, v in _OPS.items()},
        ("BindRequest", "name"): "bind_name",
        ("AuthenticationChoice", "simple"): "LDAP_Authentication_simple",
        ("AuthenticationChoice", "sasl"): "LDAP_Authentication_SaslCredentials",
        ("SearchRequest", "typesOnly"): "attrsOnly",
        ("PartialAttribute", "vals"): "values",
        ("Attribute", "vals"): "values",
        ("AttributeValueAssertion", "attributeDesc"): "attributeType",
        ("AttributeValueAssertion", "assertionValue"): "attributeValue",
        ("SubstringFilter", "substrings"): "filters",
        **{("Filter", k): v for k, v in _FILTERS.items()},
        **{("SubstringFilter.substrings.substring", k): v for k, v in _SUBSTRINGS.items()},
    },
    extra=frozenset({("BindResponse", "serverSaslCredsWrap")}),
)

SCAPY = Peer("scapy", decode, lambda result: from_plain(result, DIALECT), prepare, encode)
