"""Base classes of the protocol object model.

The generated classes (one per SEQUENCE and CHOICE alternative of a module)
derive from these.  Objects are plain slotted Python classes: decoders fill
their slots directly, without running ``__init__``.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = ["Asn1Object", "Asn1Sequence", "Asn1Value", "UnknownAlternative"]


class _Text(str):
    """A piece of repr text (not a value to repr)."""


class _UnsetType:
    def __repr__(self) -> str:
        return "<unset>"


_UNSET = _UnsetType()


class Asn1Object:
    """Common behaviour: field-wise equality and a readable repr."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    #: The ASN.1 definition this class stands for.
    asn1_type: ClassVar[str] = ""
    __hash__ = None  # type: ignore[assignment]  # mutable

    def __eq__(self, other: object) -> bool:
        # Field by field, with nested objects (and lists of them, a Filter's
        # and/or) compared from a work list rather than by recursion, so that
        # objects nested as deep as a decoder admits compare without
        # reaching the interpreter's recursion limit.
        if type(other) is not type(self):
            return NotImplemented
        pending: list[tuple[Asn1Object, Asn1Object]] = [(self, other)]
        while pending:
            a, b = pending.pop()
            for name in a._all_slots():
                x, y = getattr(a, name), getattr(b, name)
                if x is y:
                    continue
                if type(x) is list and type(y) is list:
                    if len(x) != len(y):
                        return False
                    for i, j in zip(x, y, strict=True):
                        if not _defer(i, j, pending) and i != j:
                            return False
                elif not _defer(x, y, pending) and x != y:
                    return False
        return True

    def _all_slots(self) -> tuple[str, ...]:
        return self._fields

    def _repr_fields(self) -> list[tuple[str, object]]:
        return [(name, getattr(self, name, _UNSET)) for name in self._fields]

    def __repr__(self) -> str:
        # Written from a work list, as __eq__ compares: a message nested as
        # deep as a decoder admits has a repr, not a RecursionError.
        out: list[str] = []
        pending: list[object] = [self]
        while pending:
            item = pending.pop()
            if type(item) is _Text:
                out.append(item)  # type: ignore[arg-type]
            elif isinstance(item, Asn1Object) and type(item).__repr__ is Asn1Object.__repr__:
                pieces: list[object] = [_Text(f"{type(item).__name__}(")]
                for i, (name, value) in enumerate(item._repr_fields()):
                    pieces += [_Text(f"{', ' if i else ''}{name}="), value]
                pieces.append(_Text(")"))
                pending += reversed(pieces)
            elif type(item) is list:
                pieces = [_Text("[")]
                for i, value in enumerate(item):
                    pieces += [_Text(", "), value] if i else [value]
                pieces.append(_Text("]"))
                pending += reversed(pieces)
            else:
                out.append(repr(item))
        return "".join(out)


def _defer(x: object, y: object, pending: list[tuple[Asn1Object, Asn1Object]]) -> bool:
    """Queue ``(x, y)`` for field-wise comparison if both are model objects
    of one class compared by :meth:`Asn1Object.__eq__`; False otherwise."""
    if isinstance(x, Asn1Object) and type(x) is type(y) and type(x).__eq__ is Asn1Object.__eq__:
        pending.append((x, y))  # type: ignore[arg-type]
        return True
    return False


class Asn1Sequence(Asn1Object):
    """A SEQUENCE.  ``extensions`` keeps, as raw TLV bytes, the elements that
    followed the known components (EXTENSIBILITY IMPLIED); they are encoded
    again after the known components, so a proxy loses nothing."""

    __slots__ = ("extensions",)
    extensions: tuple[bytes, ...]

    def _all_slots(self) -> tuple[str, ...]:
        return self._fields + ("extensions",)

    def _repr_fields(self) -> list[tuple[str, object]]:
        fields = super()._repr_fields()
        if getattr(self, "extensions", ()):
            fields.append(("extensions", self.extensions))
        return fields


class Asn1Value(Asn1Object):
    """A CHOICE alternative that wraps a value which is not a SEQUENCE."""

    __slots__ = ()


class UnknownAlternative(Asn1Object):
    """A CHOICE alternative the module does not define (EXTENSIBILITY IMPLIED).

    ``raw`` is the whole element, tag and length included, exactly as
    received; encoding writes it back unchanged.  A server can answer an
    unknown operation properly instead of dropping the connection.
    """

    __slots__ = ("raw",)
    _fields = ("raw",)

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    @property
    def tag(self) -> int:
        """The first identifier octet (class, constructed bit, tag number)."""
        return self.raw[0] if self.raw else -1
