"""The syntax tree: ASN.1 as written, before references are resolved.

Frozen dataclasses, one per construct the parser accepts.  Every node keeps
the position of its first token for error messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "Bound", "Size", "Node", "BooleanT", "IntegerT", "EnumeratedT", "OctetStringT",
    "NullT", "SequenceT", "SequenceOfT", "ChoiceT", "TaggedT", "RefT", "WithComponentsT",
    "Component", "ComponentsOf", "Alternative", "TypeAssignment", "ValueAssignment",
    "Module",
]

# A bound of a range or SIZE constraint: a number, a value reference, or MIN/MAX.
Bound = int | str


@dataclass(frozen=True)
class Size:
    lo: Bound
    hi: Bound


@dataclass(frozen=True)
class Node:
    line: int
    col: int


@dataclass(frozen=True)
class BooleanT(Node):
    pass


@dataclass(frozen=True)
class IntegerT(Node):
    named: tuple[tuple[str, int], ...] = ()
    lo: Bound | None = None
    hi: Bound | None = None


@dataclass(frozen=True)
class EnumeratedT(Node):
    items: tuple[tuple[str, int], ...] = ()
    extensible: bool = False


@dataclass(frozen=True)
class OctetStringT(Node):
    size: Size | None = None


@dataclass(frozen=True)
class NullT(Node):
    pass


@dataclass(frozen=True)
class Component:
    name: str
    type: Node
    optional: bool
    default: object  # None when there is no DEFAULT
    line: int
    col: int


@dataclass(frozen=True)
class ComponentsOf:
    type: Node
    line: int
    col: int


@dataclass(frozen=True)
class SequenceT(Node):
    components: tuple[Component | ComponentsOf, ...] = ()
    extensible: bool = False


@dataclass(frozen=True)
class SequenceOfT(Node):
    kind: str = "SEQUENCE"  # or "SET"
    element_name: str | None = None
    element: Node | None = None
    size: Size | None = None


@dataclass(frozen=True)
class Alternative:
    name: str
    type: Node
    line: int
    col: int


@dataclass(frozen=True)
class ChoiceT(Node):
    alternatives: tuple[Alternative, ...] = ()
    extensible: bool = False


@dataclass(frozen=True)
class TaggedT(Node):
    tag_class: str = "CONTEXT"  # UNIVERSAL, APPLICATION, CONTEXT, PRIVATE
    number: int = 0
    mode: str | None = None  # "IMPLICIT", "EXPLICIT" or None (module default)
    inner: Node | None = None


@dataclass(frozen=True)
class RefT(Node):
    name: str = ""


@dataclass(frozen=True)
class WithComponentsT(Node):
    """``Base (WITH COMPONENTS { ..., name (SIZE(lo..hi)) })``: a partial
    specification that tightens SIZE constraints of named components."""

    base: Node | None = None
    sizes: tuple[tuple[str, Size], ...] = ()


@dataclass(frozen=True)
class TypeAssignment:
    name: str
    type: Node
    line: int
    col: int


@dataclass(frozen=True)
class ValueAssignment:
    name: str
    type: Node
    value: object
    line: int
    col: int


@dataclass(frozen=True)
class Module:
    name: str
    oid: tuple[str, ...]
    tag_default: str  # "IMPLICIT", "EXPLICIT"
    extensibility_implied: bool
    assignments: tuple[TypeAssignment | ValueAssignment, ...] = field(default=())
