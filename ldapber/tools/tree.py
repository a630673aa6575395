"""Print a PDU as an indented tree of its BER elements, each with its byte
offset and its ASN.1 name, guided by the compiled module's IR.

It reads what it can and stops at the first element it cannot read, so a
malformed PDU is shown up to the point of error (the caller prints the
codec's own error for it).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from .._ber import pyruntime as rt
from ..compiler import compile_module, ir
from ..compiler.modules import MODULES
from ..errors import DecodeError

__all__ = ["tree_lines"]

_CLASS = {0x00: "UNIVERSAL", 0x40: "APPLICATION", 0x80: "", 0xC0: "PRIVATE"}
_MAX_SHOWN = 48  # value octets shown before "..."


@lru_cache(maxsize=1)
def _module() -> tuple[dict[str, ir.Unit], ir.RNode]:
    spec = MODULES[0]
    path = Path(__file__).resolve().parent.parent / "asn1" / spec.asn
    m = compile_module(path.read_text(encoding="utf-8"), spec, spec.asn)
    units = {u.key: u for u in m.units}
    root = next(e.node for e in m.entries if e.name == "LDAPMessage")
    return units, root


def _tag_name(tag: int) -> str:
    cls = _CLASS[tag & 0xC0]
    return f"[{cls + ' ' if cls else ''}{tag & 0x1F}]"


def _show_bytes(data: bytes) -> str:
    shown = repr(data[:_MAX_SHOWN])
    return shown + (f" ... ({len(data)} bytes)" if len(data) > _MAX_SHOWN else "")


class _Walker:
    def __init__(self, b: bytes, emit: Callable[[int, int, str], None]) -> None:
        self.b = b
        self.emit = emit
        self.units, self.root = _module()

    def node(self, node: ir.RNode, p: int, e: int, label: str, depth: int) -> int:
        """Show the element at ``p`` as ``node``; returns its end."""
        b = self.b
        if isinstance(node, ir.Ref) and node.kind == "choice" and node.tag is None:
            return self.choice(node, p, e, label, depth)
        s, u = rt.element_bounds(b, p, e)
        if isinstance(node, ir.Prim):
            self.emit(p, depth, f"{label} {self.prim(node, b[s:u])}")
            return u
        unit = self.units[node.unit]
        if isinstance(unit, ir.ChoiceUnit):  # an explicitly tagged CHOICE
            self.emit(p, depth, f"{label} {_tag_name(b[p])} ({u - s} bytes)")
            self.choice(node, s, u, label, depth + 1)
            return u
        kind = node.cls or ("SET OF" if isinstance(unit, ir.SeqOfUnit) and unit.kind == "SET" else "SEQUENCE OF")
        parts = [label] + ([kind] if kind != label else []) + ([_tag_name(b[p])] if b[p] & 0xC0 else [])
        self.emit(p, depth, f"{' '.join(parts)} ({u - s} bytes)")
        if isinstance(unit, ir.SeqOfUnit):
            i = 0
            while s < u:
                s = self.node(unit.element, s, u, f"[{i}]", depth + 1)
                i += 1
        else:
            assert isinstance(unit, ir.SequenceUnit)
            for f in unit.fields:
                if s >= u:
                    break
                if (f.optional or f.has_default) and (b[s] | 0x20) != ((f.node.tag or 0) | 0x20):
                    continue
                s = self.node(f.node, s, u, f.asn1, depth + 1)
            while s < u:
                end = rt.element_bounds(b, s, u)[1]
                self.emit(s, depth + 1, f"(extension) {_tag_name(b[s])} {_show_bytes(b[s:end])}")
                s = end
        return u

    def choice(self, node: ir.Ref, p: int, e: int, label: str, depth: int) -> int:
        unit = self.units[node.unit]
        assert isinstance(unit, ir.ChoiceUnit)
        for a in unit.alts:
            if (self.b[p] | 0x20) == (a.tag | 0x20):
                return self.node(a.node, p, e, f"{label}.{a.asn1}", depth)
        end = rt.element_bounds(self.b, p, e)[1]
        self.emit(p, depth, f"{label} (unknown alternative {_tag_name(self.b[p])}) {_show_bytes(self.b[p:end])}")
        return end

    @staticmethod
    def prim(node: ir.Prim, data: bytes) -> str:
        if node.kind in ("integer", "enumerated"):
            v = int.from_bytes(data, "big", signed=True) if data else 0
            if node.enum is not None:
                names = {value: asn1 for asn1, _, value in node.enum.items}
                return f"ENUMERATED {v} ({names.get(v, 'unknown')})"
            return f"INTEGER {v}"
        if node.kind == "boolean":
            return f"BOOLEAN {data.hex()}"
        if node.kind == "null":
            return "NULL"
        if node.kind == "text":
            try:
                return repr(data.decode("utf-8"))
            except UnicodeDecodeError:
                return _show_bytes(data) + " (invalid UTF-8)"
        return _show_bytes(data)


def tree_lines(pdu: bytes, base: int = 0) -> tuple[list[str], DecodeError | None]:
    """The tree of ``pdu`` as lines (offsets counted from ``base``), and the
    error that stopped the walk, if any."""
    lines: list[str] = []

    def emit(offset: int, depth: int, text: str) -> None:
        lines.append(f"{base + offset:>8}  {'  ' * depth}{text}")

    w = _Walker(pdu, emit)
    try:
        w.node(w.root, 0, len(pdu), "LDAPMessage", 0)
    except DecodeError as err:
        return lines, err
    return lines, None
