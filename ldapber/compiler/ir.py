"""The resolved intermediate representation the emitters consume.

References, tagging (IMPLICIT TAGS, CHOICE made explicit), ``COMPONENTS OF``,
``WITH COMPONENTS`` and value references are resolved; what is left is a set
of *units* (one generated decode/encode function pair each) and the Python
classes and enumerations they build.

* A :class:`Prim` is decoded inline by whoever holds it.
* A :class:`Ref` points at a unit: a SEQUENCE (instantiating ``cls``), a
  SEQUENCE OF / SET OF (a list), or a CHOICE (one of its alternatives' classes).
* Tags are BER identifier octets (class, constructed bit and number in one
  byte); LDAP never needs tag numbers above 30.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Prim", "Ref", "RNode", "Field", "SequenceUnit", "SeqOfUnit", "Alt", "ChoiceUnit",
    "Unit", "ClassDef", "EnumDef", "Entry", "CompiledModule", "CONSTRUCTED",
]

CONSTRUCTED = 0x20


@dataclass(frozen=True)
class EnumDef:
    name: str  # Python class name
    asn1: str  # where it was defined, for docstrings
    items: tuple[tuple[str, str, int], ...]  # (asn1 name, member name, value)
    extensible: bool


@dataclass(frozen=True)
class Prim:
    """An inline primitive: ``boolean``, ``integer``, ``enumerated``,
    ``octets`` (bytes), ``text`` (UTF-8 str) or ``null``."""

    kind: str
    tag: int
    lo: int | None = None  # INTEGER value range, or SIZE for octets/text
    hi: int | None = None
    enum: EnumDef | None = None
    # Values that repeat across messages (attribute descriptions, short
    # attribute values): the compiled decoder shares one object per value.
    interned: bool = False
    # text constrained to RFC 4512's numericoid (LDAPOID): checked on decode.
    oid: bool = False

    @property
    def constrained(self) -> bool:
        return self.lo is not None or self.hi is not None


@dataclass(frozen=True)
class Ref:
    """A reference to a unit, with the tag it is encoded with here.

    For a CHOICE, ``tag`` is None when untagged, or the identifier octet of the
    explicit wrapper the CHOICE is nested in.
    """

    unit: str
    kind: str  # "sequence", "seqof", "choice"
    tag: int | None
    cls: str | None = None  # for sequences: the class to instantiate


RNode = Prim | Ref


@dataclass(frozen=True)
class Field:
    asn1: str
    attr: str
    node: RNode
    optional: bool = False
    default: object = None  # a Python literal (bool/int) or an enum member name
    has_default: bool = False


@dataclass(frozen=True)
class SequenceUnit:
    key: str
    asn1: str  # dotted ASN.1 name used in error paths, e.g. "LDAPMessage"
    layout: str  # the class whose slots the decoder fills
    fields: tuple[Field, ...]
    extensible: bool = True


@dataclass(frozen=True)
class SeqOfUnit:
    key: str
    asn1: str
    kind: str  # "SEQUENCE" or "SET"
    element: RNode
    element_name: str | None
    lo: int | None
    hi: int | None
    # Classes of the element CHOICE that must come first / last, at most once
    # each (SubstringFilter's initial and final); None when there is no such rule.
    first_last: tuple[str, str] | None = None


@dataclass(frozen=True)
class Alt:
    asn1: str
    tag: int  # identifier octet that selects this alternative
    node: RNode
    cls: str  # the Python class that represents this alternative
    wrap_attr: str | None  # the field of ``cls`` holding a wrapped value
    explicit: bool = False  # the value is a CHOICE inside an explicit tag


@dataclass(frozen=True)
class ChoiceUnit:
    key: str
    asn1: str
    alts: tuple[Alt, ...]
    alias: str  # the Python Union alias naming this CHOICE
    extensible: bool = True


Unit = SequenceUnit | SeqOfUnit | ChoiceUnit


@dataclass(frozen=True)
class ClassDef:
    name: str
    asn1: str  # the ASN.1 text this class stands for, for its docstring
    base: str | None
    fields: tuple[Field, ...]  # all fields, inherited ones first
    own: tuple[str, ...]  # attrs of the slots this class adds


@dataclass(frozen=True)
class Entry:
    """A named type that gets a public decode/encode entry point."""

    name: str
    node: RNode


@dataclass(frozen=True)
class CompiledModule:
    name: str
    source: str  # file name of the .asn
    classes: tuple[ClassDef, ...]
    enums: tuple[EnumDef, ...]
    units: tuple[Unit, ...]
    entries: tuple[Entry, ...]
    aliases: tuple[tuple[str, tuple[str, ...]], ...]  # choice alias -> classes
    stream_root: str | None = None  # the entry a StreamDecoder reads back to back
    mixins: tuple[tuple[str, str], ...] = ()  # class -> "module:Class" it also derives from (methods only)
