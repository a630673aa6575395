"""The one plain form every decode is compared in.

It is the asn1tools value notation of RFC 4511's ``LDAPMessage``, with two
choices made where that notation leaves bytes or names:

* SEQUENCE -> ``dict`` keyed by the ASN.1 component names (``messageID``,
  ``protocolOp``, ...); an absent OPTIONAL component is left out; a DEFAULT
  component is always there (its default when absent on the wire);
* SEQUENCE OF / SET OF -> ``list`` (wire order);
* CHOICE -> ``(alternative name, value)``;
* OCTET STRING -> ``bytes``; the LDAPString and LDAPOID types (LDAPDN,
  AttributeDescription, URI, ...: the ``text`` types ldapber's compiler is
  told about) -> ``str``;
* INTEGER and ENUMERATED -> ``int``; BOOLEAN -> ``bool``; NULL -> ``None``.

The schema is not written out here: it is ldapber's own ASN.1 module
(``ldapber/asn1/rfc4511.asn``) compiled by ldapber's compiler into its IR
(:mod:`ldapber.compiler.ir`), which names every component in ASN.1 and in
Python.  :func:`canonical_model` walks that IR over an ldapber model object;
:func:`from_plain` walks it over a peer's plain decode (dicts, tuples, lists,
bytes / str / int / bool) whose component names may differ (:class:`Dialect`)
and turns it into the same form.  Both are generic: nothing per message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import ldapber
from ldapber.compiler import compile_module, ir
from ldapber.compiler.modules import MODULES
from ldapber.model import Asn1Sequence, LDAPMessage, UnknownAlternative

__all__ = ["Dialect", "Schema", "schema", "canonical_model", "from_plain", "first_difference", "ASN1_PATH", "ROOT",
           "PlainFormError"]

#: The module ldapber is compiled from (also what asn1tools compiles).
ASN1_PATH = Path(ldapber.__file__).resolve().parent / "asn1" / "rfc4511.asn"
ROOT = ir.Ref(unit="LDAPMessage", kind="sequence", tag=0x30, cls="LDAPMessage")


@dataclass(frozen=True)
class Schema:
    units: dict[str, ir.Unit]
    #: per CHOICE unit: model class name -> alternative
    alts_by_class: dict[str, dict[str, ir.Alt]]
    #: per CHOICE unit: ASN.1 alternative name -> alternative
    alts_by_name: dict[str, dict[str, ir.Alt]]


@cache
def schema() -> Schema:
    (spec,) = [m for m in MODULES if m.asn == ASN1_PATH.name]
    module = compile_module(ASN1_PATH.read_text(encoding="utf-8"), spec, str(ASN1_PATH))
    units = {u.key: u for u in module.units}
    by_class = {u.key: {a.cls: a for a in u.alts} for u in module.units if isinstance(u, ir.ChoiceUnit)}
    by_name = {u.key: {a.asn1: a for a in u.alts} for u in module.units if isinstance(u, ir.ChoiceUnit)}
    return Schema(units, by_class, by_name)


# -- ldapber model -> canonical ---------------------------------------------------
def canonical_model(msg: LDAPMessage) -> dict:
    """The canonical form of an ldapber ``LDAPMessage``."""
    return _model(ROOT, msg, schema(), "LDAPMessage")


def _prim(p: ir.Prim, value: Any, path: str) -> Any:
    kind = p.kind
    if kind == "text":
        if not isinstance(value, str):
            raise TypeError(f"{path}: expected str, got {type(value).__name__}")
        return value
    if kind == "octets":
        if not isinstance(value, (bytes, bytearray, memoryview)):
            raise TypeError(f"{path}: expected bytes, got {type(value).__name__}")
        return bytes(value)
    if kind in ("integer", "enumerated"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{path}: expected int, got {type(value).__name__}")
        return int(value)
    if kind == "boolean":
        if not isinstance(value, bool):
            raise TypeError(f"{path}: expected bool, got {type(value).__name__}")
        return value
    if kind == "null":
        return None
    raise TypeError(f"{path}: unknown primitive kind {kind}")


def _model(node: ir.RNode, value: Any, s: Schema, path: str) -> Any:
    if isinstance(node, ir.Prim):
        return _prim(node, value, path)
    unit = s.units[node.unit]
    if isinstance(unit, ir.SequenceUnit):
        if isinstance(value, Asn1Sequence) and value.extensions:
            raise TypeError(f"{path}: extension elements have no canonical form")
        out = {}
        for f in unit.fields:
            v = getattr(value, f.attr)
            if v is None and f.optional:
                continue
            out[f.asn1] = _model(f.node, v, s, f"{path}.{f.asn1}")
        return out
    if isinstance(unit, ir.SeqOfUnit):
        return [_model(unit.element, v, s, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, UnknownAlternative):
        raise TypeError(f"{path}: unknown CHOICE alternative has no canonical form")
    alt = s.alts_by_class[unit.key][type(value).__name__]
    inner = value if alt.wrap_attr is None else getattr(value, alt.wrap_attr)
    return (alt.asn1, _model(alt.node, inner, s, f"{path}.{alt.asn1}"))


# -- a peer's plain decode -> canonical ----------------------------------------------
@dataclass(frozen=True)
class Dialect:
    """How a peer's plain decode differs from the canonical form in names
    and shape.  Keys are (IR unit key, canonical ASN.1 name); the unit keys
    are ldapber's (``LDAPMessage``, ``Filter``, ``SearchResultEntry``,
    ``LDAPMessage.protocolOp``, ...; see :func:`schema`)."""

    name: str
    #: component / alternative names the peer spells differently
    renames: Mapping[tuple[str, str], str] = field(default_factory=dict)
    #: CHOICE alternatives whose value the peer wraps in one more CHOICE
    #: (``(inner name, value)``), e.g. ldap3's ``notFilter``/``innerNotFilter``
    wrapped: frozenset[tuple[str, str]] = frozenset()
    #: SEQUENCE OF units whose elements the peer wraps in a one-entry dict
    #: ``{key: element}`` (scapy's packets around a single value)
    element_keys: Mapping[str, str] = field(default_factory=dict)
    #: components the peer reports but RFC 4511 does not have (scapy's
    #: ``serverSaslCredsWrap``): (unit key, peer name); must be absent / None
    extra: frozenset[tuple[str, str]] = frozenset()
    #: OCTET STRING components / alternatives the peer's spec types as text
    #: (it hands back str; UTF-8 encoded here): (unit key, canonical name)
    text_octets: frozenset[tuple[str, str]] = frozenset()

    def peer_name(self, unit: str, name: str) -> str:
        return self.renames.get((unit, name), name)


CANONICAL = Dialect("canonical")


class PlainFormError(AssertionError):
    """A peer's decode does not have the shape the schema requires."""


def from_plain(value: Any, dialect: Dialect = CANONICAL) -> dict:
    """The canonical form of a peer's plain decode of an ``LDAPMessage``:
    text given as bytes is decoded as UTF-8, ENUMERATED given by name becomes
    its number, an absent DEFAULT component gets its default; a missing
    mandatory component, an unknown one or a value of the wrong type raises
    :class:`PlainFormError`."""
    return _plain(ROOT, value, schema(), dialect, "LDAPMessage")


def _plain_prim(p: ir.Prim, value: Any, path: str) -> Any:
    kind = p.kind
    if kind == "text":
        if isinstance(value, (bytes, bytearray)):
            try:
                return bytes(value).decode("utf-8")
            except UnicodeDecodeError:
                raise PlainFormError(f"{path}: text is not UTF-8") from None
        if isinstance(value, str):
            return value
    elif kind == "octets":
        if isinstance(value, (bytes, bytearray)):
            return bytes(value)
    elif kind == "integer":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif kind == "enumerated":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and p.enum is not None:
            for asn1_name, _member, number in p.enum.items:
                if asn1_name == value:
                    return number
            raise PlainFormError(f"{path}: unknown ENUMERATED name {value!r}")
    elif kind == "boolean":
        if isinstance(value, bool):
            return value
    elif kind == "null":
        if value is None:
            return None
    raise PlainFormError(f"{path}: {kind} expected, got {type(value).__name__} {value!r:.60}")


def _plain(node: ir.RNode, value: Any, s: Schema, d: Dialect, path: str) -> Any:
    if isinstance(node, ir.Prim):
        return _plain_prim(node, value, path)
    unit = s.units[node.unit]
    if isinstance(unit, ir.SequenceUnit):
        if not isinstance(value, Mapping):
            raise PlainFormError(f"{path}: SEQUENCE expected, got {type(value).__name__}")
        out = {}
        seen = set()
        for f in unit.fields:
            key = d.peer_name(unit.key, f.asn1)
            seen.add(key)
            v = value.get(key)
            if v is not None:
                if isinstance(v, str) and (unit.key, f.asn1) in d.text_octets:
                    v = v.encode("utf-8")
                out[f.asn1] = _plain(f.node, v, s, d, f"{path}.{f.asn1}")
            elif f.has_default:
                out[f.asn1] = f.default
            elif not f.optional:
                raise PlainFormError(f"{path}: mandatory component {f.asn1} ({key}) missing")
        for key in set(value) - seen:
            if (unit.key, key) not in d.extra or value[key] is not None:
                raise PlainFormError(f"{path}: unexpected component {key!r}")
        return out
    if isinstance(unit, ir.SeqOfUnit):
        if not isinstance(value, list):
            raise PlainFormError(f"{path}: SEQUENCE OF expected, got {type(value).__name__}")
        key = d.element_keys.get(unit.key)
        if key is not None:
            if not all(isinstance(v, Mapping) and set(v) == {key} for v in value):
                raise PlainFormError(f"{path}: elements expected as {{{key!r}: value}}")
            value = [v[key] for v in value]
        return [_plain(unit.element, v, s, d, f"{path}[{i}]") for i, v in enumerate(value)]
    # CHOICE
    if not (isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str)):
        raise PlainFormError(f"{path}: CHOICE expected as (name, value), got {type(value).__name__}")
    name, inner = value
    for alt in unit.alts:
        if d.peer_name(unit.key, alt.asn1) == name:
            break
    else:
        raise PlainFormError(f"{path}: unknown alternative {name!r}")
    if (unit.key, alt.asn1) in d.wrapped:
        if not (isinstance(inner, tuple) and len(inner) == 2):
            raise PlainFormError(f"{path}.{alt.asn1}: wrapped alternative expected as (name, value)")
        inner = inner[1]
    if isinstance(inner, str) and (unit.key, alt.asn1) in d.text_octets:
        inner = inner.encode("utf-8")
    return (alt.asn1, _plain(alt.node, inner, s, d, f"{path}.{alt.asn1}"))


# -- reporting --------------------------------------------------------------------
def first_difference(got: Any, expected: Any, path: str = "LDAPMessage") -> str | None:
    """Where two canonical forms first differ, in words; None if equal."""
    if type(got) is not type(expected):
        return f"{path}: {type(got).__name__} {got!r:.60} instead of {type(expected).__name__} {expected!r:.60}"
    if isinstance(expected, dict):
        for key in expected:
            if key not in got:
                return f"{path}.{key}: missing"
            diff = first_difference(got[key], expected[key], f"{path}.{key}")
            if diff:
                return diff
        extra = set(got) - set(expected)
        return f"{path}: unexpected {sorted(extra)}" if extra else None
    if isinstance(expected, tuple):  # CHOICE
        if got[0] != expected[0]:
            return f"{path}: alternative {got[0]} instead of {expected[0]}"
        return first_difference(got[1], expected[1], f"{path}.{expected[0]}")
    if isinstance(expected, list):
        if len(got) != len(expected):
            return f"{path}: {len(got)} elements instead of {len(expected)}"
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            diff = first_difference(g, e, f"{path}[{i}]")
            if diff:
                return diff
        return None
    if got != expected:
        return f"{path}: {got!r:.60} instead of {expected!r:.60}"
    return None
