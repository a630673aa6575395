"""``ldap3-fast``: ldap3's hand-written decoder, ``ldap3.utils.asn1.decode_message_fast``.

It is what ldap3 uses for every response it reads (``fast_decoder=True``,
the default).  Decode only (ldap3 encodes with pyasn1: see the
``ldap3-pyasn1`` contender), and responses only: it knows the APPLICATION
tags a client receives, not the requests (a request raises ``KeyError``).

Its result (``{'messageID', 'protocolOp', 'payload', 'controls'}``, the
payload as nested lists of ``(class, constructed, tag number, value)``
tuples with INTEGER / ENUMERATED as int, BOOLEAN as bool, OCTET STRINGs as
bytes) is its full decode: every field is a plain Python value.  No field
names: :func:`canonical` walks ldapber's IR over the tuples, matching
components by tag, to give the canonical form (and rejects an element the
schema does not allow where it is).
"""

from __future__ import annotations

import warnings
from typing import Any

from ldapber.compiler import ir

from .base import Peer
from .canonical import PlainFormError, Schema, schema

with warnings.catch_warnings():  # ldap3 2.9 uses pyasn1's deprecated tagMap/typeMap
    warnings.simplefilter("ignore", DeprecationWarning)
    from ldap3.utils.asn1 import decode_message_fast

__all__ = ["LDAP3_FAST", "canonical"]

_PROTOCOL_OP = "LDAPMessage.protocolOp"


def _ident(element: tuple) -> int:
    cls, constructed, number, _value = element
    return cls << 6 | (0x20 if constructed else 0) | number


def _tags(node: ir.RNode, s: Schema) -> set[int]:
    """Identifier octets that can start a value of ``node`` here."""
    if isinstance(node, ir.Ref) and node.kind == "choice" and node.tag is None:
        return {t for alt in s.units[node.unit].alts for t in _tags(alt.node, s) | {alt.tag}}  # type: ignore[union-attr]
    return {node.tag}  # type: ignore[set-item]


def _from_tlv(node: ir.RNode, element: tuple, s: Schema, path: str) -> Any:
    value = element[3]
    if isinstance(node, ir.Prim):
        if _ident(element) != node.tag:
            raise PlainFormError(f"{path}: tag {_ident(element):#x} instead of {node.tag:#x}")
        if node.kind == "text":
            return bytes(value).decode("utf-8")
        if node.kind == "octets":
            return bytes(value)
        if node.kind in ("integer", "enumerated") and type(value) is int:
            return value
        if node.kind == "boolean" and type(value) is bool:
            return value
        raise PlainFormError(f"{path}: {node.kind} expected, got {value!r:.60}")
    unit = s.units[node.unit]
    if isinstance(unit, ir.ChoiceUnit):
        ident = _ident(element)
        for alt in unit.alts:
            if alt.tag == ident:
                if alt.explicit:  # [n] EXPLICIT: the element holds one element
                    (inner,) = value
                    return (alt.asn1, _from_tlv(alt.node, inner, s, f"{path}.{alt.asn1}"))
                return (alt.asn1, _from_tlv(alt.node, element, s, f"{path}.{alt.asn1}"))
        raise PlainFormError(f"{path}: no alternative has tag {ident:#x}")
    if node.tag is not None and _ident(element) != node.tag:
        raise PlainFormError(f"{path}: tag {_ident(element):#x} instead of {node.tag:#x}")
    if isinstance(unit, ir.SeqOfUnit):
        return [_from_tlv(unit.element, e, s, f"{path}[{i}]") for i, e in enumerate(value)]
    out = {}
    rest = list(value)
    for f in unit.fields:
        if rest and _ident(rest[0]) in _tags(f.node, s):
            out[f.asn1] = _from_tlv(f.node, rest.pop(0), s, f"{path}.{f.asn1}")
        elif f.has_default:
            out[f.asn1] = f.default
        elif not f.optional:
            raise PlainFormError(f"{path}: mandatory component {f.asn1} missing")
    if rest:
        raise PlainFormError(f"{path}: unexpected element with tag {_ident(rest[0]):#x}")
    return out


def canonical(result: dict) -> dict:
    """The canonical form of ``decode_message_fast``'s result."""
    s = schema()
    op_number = result["protocolOp"]
    for alt in s.units[_PROTOCOL_OP].alts:  # type: ignore[union-attr]
        if alt.tag & 0xC0 == 0x40 and alt.tag & 0x1F == op_number:
            break
    else:
        raise PlainFormError(f"protocolOp: no alternative is [APPLICATION {op_number}]")
    element = (1, bool(alt.tag & 0x20), op_number, result["payload"])
    out = {"messageID": result["messageID"],
           "protocolOp": (alt.asn1, _from_tlv(alt.node, element, s, f"LDAPMessage.protocolOp.{alt.asn1}"))}
    if result["controls"] is not None:
        controls = s.units["LDAPMessage"].fields[2].node  # type: ignore[union-attr]
        out["controls"] = _from_tlv(controls, (2, True, 0, result["controls"]), s, "LDAPMessage.controls")
    return out


LDAP3_FAST = Peer("ldap3-fast", decode_message_fast, canonical,
                  no_encoder="ldap3 has no encoder of its own (it builds pyasn1 objects: see ldap3-pyasn1)")
