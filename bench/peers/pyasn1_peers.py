"""Two contenders on pyasn1's BER codec, with different ASN.1 specs.

``pyasn1``        pyasn1-modules' ``rfc2251`` specs (pyasn1-modules has no
                  rfc4511 module; RFC 2251 is LDAPv3's first edition).
``ldap3-pyasn1``  ldap3's own specs, ``ldap3.protocol.rfc4511``: what ldap3
                  uses for every request it sends (and for responses when its
                  fast decoder is off).

Decode (timed) = ``pyasn1.codec.ber.decoder.decode(data, asn1Spec=spec)``
plus :func:`materializer`'s walk of the whole result, which turns every
field into plain Python (SEQUENCE -> dict of the components present, CHOICE
-> ``(name, value)``, SEQUENCE OF -> list, the spec's LDAPString / LDAPOID
types -> str, other OCTET STRINGs -> bytes, BOOLEAN -> bool, INTEGER and
ENUMERATED -> int, NULL -> None), so pyasn1 pays for the same work ldapber
does.

Encode (timed), of an object built once outside the timing:

* ``pyasn1``: ``pyasn1.codec.ber.encoder.encode(obj)``, ``obj`` being the
  rfc2251 spec's decode of the reference bytes.  pyasn1's BER encoder writes
  BOOLEAN TRUE as 0x01, which RFC 4511 5.1 forbids (ldapber rejects it), so
  messages holding a TRUE are not encodable this way;
* ``ldap3-pyasn1``: ``ldap3.utils.asn1.encode(obj)``, the encoder ldap3 sends
  every request with (pyasn1's, with a BOOLEAN encoder writing TRUE as 0xFF),
  ``obj`` built by :func:`build` from fresh instances of ldap3's spec classes
  as ldap3's own request builders do (decoding with ldap3's spec would not
  do: it cannot decode a NOT filter, see the capability table).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from pyasn1.codec.ber import decoder as pyasn1_decoder
from pyasn1.codec.ber import encoder as pyasn1_encoder
from pyasn1.type import univ

from ldapber.compiler import ir

from ..workload import Sample
from .base import Peer
from .canonical import ROOT, Dialect, canonical_model, from_plain, schema

with warnings.catch_warnings():  # ldap3 2.9 uses pyasn1's deprecated tagMap/typeMap
    warnings.simplefilter("ignore", DeprecationWarning)
    from ldap3.protocol import rfc4511 as ldap3_rfc4511
    from ldap3.utils.asn1 import encode as ldap3_encode
from pyasn1_modules import rfc2251

__all__ = ["PYASN1", "LDAP3_PYASN1", "materializer", "build"]


def materializer(text_types: tuple[type, ...]):  # type: ignore[no-untyped-def]
    """A walk converting a decoded pyasn1 value to plain Python; values of
    ``text_types`` (and their subtypes) become str."""

    def materialize(value: Any) -> Any:
        if isinstance(value, univ.Choice):  # before Set: Choice derives from it
            return (value.getName(), materialize(value.getComponent()))
        if isinstance(value, univ.SequenceOfAndSetOfBase):
            return [materialize(v) for v in value]
        if isinstance(value, univ.SequenceAndSetBase):
            out = {}
            for idx, named in enumerate(value.componentType.namedTypes):
                component = value.getComponentByPosition(idx, default=None, instantiate=False)
                if component is not None and component.isValue:
                    out[named.name] = materialize(component)
            return out
        if isinstance(value, text_types):
            return value.asOctets().decode("utf-8")
        if isinstance(value, univ.Null):  # before OctetString: Null derives from it
            return None
        if isinstance(value, univ.OctetString):
            return value.asOctets()
        if isinstance(value, univ.Boolean):  # before Integer: Boolean derives from it
            return bool(value)
        if isinstance(value, univ.Integer):
            return int(value)
        raise TypeError(f"materialize: unhandled pyasn1 type {type(value).__name__}")

    return materialize


def _pyasn1_peer(name: str, spec_class: type, text_types: tuple[type, ...], dialect: Dialect,
                 encode: Callable[[Any], bytes], prepare: Callable[[Sample], Any] | None = None,
                 inexact: Callable[[Sample], str | None] | None = None) -> Peer:
    spec = spec_class()  # one spec instance, reused for every decode (as an application would)
    materialize = materializer(text_types)

    def decode(data: bytes) -> Any:
        obj, _rest = pyasn1_decoder.decode(data, asn1Spec=spec)
        return materialize(obj)

    def prepare_by_decoding(sample: Sample) -> Any:
        obj, rest = pyasn1_decoder.decode(sample.encoded, asn1Spec=spec_class())
        assert not rest, f"{name}: {len(rest)} bytes left over"
        return obj

    return Peer(name, decode, lambda result: from_plain(result, dialect), prepare or prepare_by_decoding, encode,
                inexact=inexact or (lambda sample: None))


# -- building ldap3's objects ------------------------------------------------------------
def _component_class(named_types: Any, name: str) -> type:
    return type(named_types.getTypeByPosition(named_types.getPositionByName(name)))


def build(node: ir.RNode, value: Any, cls: type, dialect: Dialect) -> Any:
    """An object of the pyasn1 spec class ``cls`` (and its component classes,
    instantiated afresh, as ldap3's own request builders do) holding the
    canonical ``value`` at IR position ``node``."""
    s = schema()
    if isinstance(node, ir.Prim):
        if node.kind == "text":
            return cls(value.encode("utf-8"))
        if node.kind == "null":
            return cls("")
        return cls(value)
    unit = s.units[node.unit]
    obj = cls()
    if isinstance(unit, ir.SequenceUnit):
        for f in unit.fields:
            if f.asn1 in value:
                key = dialect.peer_name(unit.key, f.asn1)
                obj.setComponentByName(key, build(f.node, value[f.asn1], _component_class(cls.componentType, key),
                                                  dialect))
        return obj
    if isinstance(unit, ir.SeqOfUnit):
        element = type(cls.componentType)
        for i, v in enumerate(value):
            obj.setComponentByPosition(i, build(unit.element, v, element, dialect))
        return obj
    alt_name, inner = value
    alt = s.alts_by_name[unit.key][alt_name]
    key = dialect.peer_name(unit.key, alt_name)
    alt_class = _component_class(cls.componentType, key)
    if (unit.key, alt_name) in dialect.wrapped:  # ldap3's Not: a CHOICE of one alternative around the filter
        (inner_key,) = [t.name for t in alt_class.componentType.namedTypes]
        wrapper = alt_class()
        wrapper.setComponentByName(inner_key, build(alt.node, inner, _component_class(alt_class.componentType,
                                                                                      inner_key), dialect))
        obj.setComponentByName(key, wrapper)
    else:
        obj.setComponentByName(key, build(alt.node, inner, alt_class, dialect))
    return obj


#: rfc2251 uses RFC 2251's names (errorMessage, modification, response) and
#: types the substring pieces as LDAPString.
RFC2251 = Dialect(
    "pyasn1-modules rfc2251",
    renames={
        **{(unit, "diagnosticMessage"): "errorMessage" for unit in ("LDAPResult", "BindResponse", "ExtendedResponse")},
        ("ModifyRequest", "changes"): "modification",
        ("ExtendedResponse", "responseValue"): "response",
    },
    text_octets=frozenset(("SubstringFilter.substrings.substring", k) for k in ("initial", "any", "final")),
)
#: ldap3 names some components after itself and wraps NOT's filter in one
#: more CHOICE (``notFilter`` -> ``innerNotFilter``).
LDAP3 = Dialect(
    "ldap3.protocol.rfc4511",
    renames={
        ("SearchResultEntry", "objectName"): "object",
        ("Filter", "not"): "notFilter",
        ("Filter", "substrings"): "substringFilter",
    },
    wrapped=frozenset({("Filter", "not")}),
)


def _ldap3_prepare(sample: Sample) -> Any:
    return build(ROOT, canonical_model(sample.message), ldap3_rfc4511.LDAPMessage, LDAP3)


PYASN1 = _pyasn1_peer("pyasn1", rfc2251.LDAPMessage, (rfc2251.LDAPString, rfc2251.LDAPOID), RFC2251,
                      pyasn1_encoder.encode)
LDAP3_PYASN1 = _pyasn1_peer("ldap3-pyasn1", ldap3_rfc4511.LDAPMessage,
                            (ldap3_rfc4511.LDAPString, ldap3_rfc4511.LDAPOID), LDAP3,
                            ldap3_encode, _ldap3_prepare)
