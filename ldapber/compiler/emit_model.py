"""Emit the Python classes and enumerations of a module's object model.

One slotted class per SEQUENCE and per CHOICE alternative, one IntEnum per
ENUMERATED, and a ``Union`` alias per CHOICE.  Constructors take the fields
in ASN.1 order: positional up to the first OPTIONAL or DEFAULT one,
keyword-only after it.
"""

from __future__ import annotations

from . import ir
from .codewriter import CodeWriter

__all__ = ["emit_model"]


def hint(node: ir.RNode, module: ir.CompiledModule) -> str:
    if isinstance(node, ir.Prim):
        if node.kind == "enumerated":
            assert node.enum is not None
            return f"{node.enum.name} | int"
        return {"boolean": "bool", "integer": "int", "octets": "bytes", "text": "str", "null": "None"}[node.kind]
    if node.kind == "sequence":
        return node.cls or "object"
    unit = next(u for u in module.units if u.key == node.unit)
    if isinstance(unit, ir.SeqOfUnit):
        return f"list[{hint(unit.element, module)}]"
    assert isinstance(unit, ir.ChoiceUnit)
    return unit.alias


def _default_literal(f: ir.Field) -> str:
    if f.optional:
        return "None"
    if f.node.kind == "enumerated":  # type: ignore[union-attr]
        return f"{f.node.enum.name}.{f.default}"  # type: ignore[union-attr]
    return repr(f.default)


def emit_model(m: ir.CompiledModule, header: str) -> str:
    w = CodeWriter()
    w(header, "from __future__ import annotations", "", "import enum", "from typing import ClassVar, Union", "")
    w("from ldapber.model._base import Asn1Sequence, Asn1Value, UnknownAlternative", "")
    mixins = dict(m.mixins)
    for spec in sorted(set(mixins.values())):
        module, _, cls = spec.partition(":")
        w(f"from {module} import {cls}")
    if mixins:
        w("")
    names = [e.name for e in m.enums] + [c.name for c in m.classes] + [a for a, _ in m.aliases]
    w("__all__ = [")
    with w.indent():
        for n in names:
            w(f"{n!r},")
    w("]", "")
    for e in m.enums:
        w("")
        with w.indent(f"class {e.name}(enum.IntEnum):"):
            w(f'"""``{e.asn1}`` ENUMERATED.  Values the module does not list decode as plain ``int``."""', "")
            for asn1, member, value in e.items:
                w(f"{member} = {value}  # {asn1}")
    for c in m.classes:
        sequence = _is_sequence(c, m)
        base = c.base or ("Asn1Sequence" if sequence else "Asn1Value")
        if c.name in mixins:
            base = f"{base}, {mixins[c.name].partition(':')[2]}"
        w("", "")
        with w.indent(f"class {c.name}({base}):"):
            w(f'"""``{c.asn1}`` from {m.source}."""', "")
            w(f"__slots__ = {_tuple(c.own)}")
            if c.own or c.base is None:
                w(f"_fields: ClassVar[tuple[str, ...]] = {_tuple(tuple(f.attr for f in c.fields))}")
            w(f"asn1_type = {c.asn1!r}")
            if c.own or c.base is None:
                _emit_init(w, c, m, sequence)
    for alias, classes in m.aliases:
        w("", "")
        w(f"{alias} = Union[{', '.join(classes + ('UnknownAlternative',))}]")
    return w.text()


def _is_sequence(c: ir.ClassDef, m: ir.CompiledModule) -> bool:
    while c.base is not None:
        c = next(k for k in m.classes if k.name == c.base)
    return any(isinstance(u, ir.SequenceUnit) and u.layout == c.name for u in m.units)


def _tuple(items: tuple[str, ...]) -> str:
    if not items:
        return "()"
    return "(" + ", ".join(repr(i) for i in items) + ("," if len(items) == 1 else "") + ")"


def _emit_init(w: CodeWriter, c: ir.ClassDef, m: ir.CompiledModule, sequence: bool) -> None:
    params = ["self"]
    star = False
    for f in c.fields:
        h = hint(f.node, m)
        if f.optional or f.has_default:
            if not star:
                params.append("*")
                star = True
            params.append(f"{f.attr}: {h}{' | None' if f.optional else ''} = {_default_literal(f)}")
        else:
            params.append(f"{f.attr}: {h}")
    if sequence:
        if not star:
            params.append("*")
        params.append("extensions: tuple[bytes, ...] = ()")
    with w.indent(f"def __init__({', '.join(params)}) -> None:"):
        for f in c.fields:
            w(f"self.{f.attr} = {f.attr}")
        if sequence:
            w("self.extensions = extensions")
        if not c.fields and not sequence:
            w("pass")
