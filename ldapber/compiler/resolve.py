"""Resolve a parsed module into the :mod:`ir` the emitters consume.

This is where ASN.1 semantics live: IMPLICIT TAGS (a tag replaces the tag of
what it tags, except a CHOICE, which it wraps), ``COMPONENTS OF``,
``WITH COMPONENTS`` SIZE tightening, value references in constraints,
EXTENSIBILITY IMPLIED, and the naming rules of :mod:`naming` that decide
which Python class stands for each SEQUENCE and CHOICE alternative.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from . import ir
from . import syntax as s
from .errors import CompileError
from .naming import class_name, plural_field, snake, upper_snake

__all__ = ["ModuleSpec", "resolve"]

_CLASS_BITS = {"UNIVERSAL": 0x00, "APPLICATION": 0x40, "CONTEXT": 0x80, "PRIVATE": 0xC0}
RESERVED_ATTRS = frozenset({"extensions"})


@dataclass(frozen=True)
class ModuleSpec:
    """How one ``.asn`` file is compiled.

    ``text_types`` names the OCTET STRING types whose values are UTF-8 text
    (``str`` in Python, validated on decode).  ``interned_types`` names the
    text or OCTET STRING types whose values repeat across messages (attribute
    descriptions, attribute values), or such elements of a SEQUENCE OF by
    ASN.1 path (``AttributeSelection.selector``): the compiled decoder shares
    one object per recently seen value, and the Python encoder caches the
    encodings of the text ones.  ``first_last`` names SEQUENCE OF
    CHOICE components whose first / last alternatives may appear only first /
    last and once (RFC 4511 4.5.1.7.2, SubstringFilter), by ASN.1 path.
    ``stream_root`` names the SEQUENCE type a byte stream carries back to back
    (LDAPMessage): the module then also gets a ``StreamDecoder`` for it.
    """

    asn: str
    stem: str
    text_types: frozenset[str] = frozenset()
    interned_types: frozenset[str] = frozenset()
    first_last: dict[str, tuple[str, str]] = field(default_factory=dict)
    stream_root: str | None = None
    #: The text types constrained to RFC 4512's numericoid (LDAPOID), checked
    #: on decode in strict mode (rule oid-syntax).
    oid_types: frozenset[str] = frozenset()
    #: Generated classes that also derive from a hand-written class of
    #: methods (no slots), by class name: ``{"SearchResultEntry":
    #: "ldapber.model._views:EntryView"}``, so that type checkers see them.
    mixins: dict[str, str] = field(default_factory=dict)


class _Resolver:
    def __init__(self, module: s.Module, spec: ModuleSpec, filename: str) -> None:
        self.m = module
        self.spec = spec
        self.filename = filename
        self.types: dict[str, s.TypeAssignment] = {}
        self.values: dict[str, object] = {}
        for a in module.assignments:
            table = self.types if isinstance(a, s.TypeAssignment) else self.values
            if a.name in self.types or a.name in self.values:
                raise self.err(f"{a.name} is defined twice", a)
            table[a.name] = a if isinstance(a, s.TypeAssignment) else a.value  # type: ignore[assignment]
        self.memo: dict[str, ir.RNode] = {}
        self.units: dict[str, ir.Unit] = {}
        self.classes: dict[str, ir.ClassDef] = {}
        self.enums: dict[str, ir.EnumDef] = {}
        self.aliases: dict[str, tuple[str, ...]] = {}
        self.resolving: set[str] = set()

    def err(self, message: str, at: object) -> CompileError:
        return CompileError(message, self.filename, getattr(at, "line", 0), getattr(at, "col", 0))

    # -- values ------------------------------------------------------------
    def bound(self, b: s.Bound | None, at: object) -> int | None:
        if b is None or b in ("MIN", "MAX"):
            return None
        if isinstance(b, int):
            return b
        v = self.values.get(b)
        if not isinstance(v, int) or isinstance(v, bool):
            raise self.err(f"{b} is not an INTEGER value", at)
        return v

    # -- classes -----------------------------------------------------------
    def add_class(self, name: str, asn1: str, base: str | None, fields: tuple[ir.Field, ...], at: object) -> str:
        attrs = [f.attr for f in fields]
        if len(set(attrs)) != len(attrs):
            raise self.err(f"{name}: two components map to the same Python name", at)
        for a in attrs:
            if a in RESERVED_ATTRS:
                raise self.err(f"{name}: component name {a!r} is reserved", at)
        inherited = set(f.attr for f in self.classes[base].fields) if base else set()
        own = tuple(a for a in attrs if a not in inherited)
        cdef = ir.ClassDef(name, asn1, base, fields, own)
        if name in self.classes:
            if self.classes[name] == cdef:
                return name
            raise self.err(f"two different classes would be named {name}", at)
        self.classes[name] = cdef
        return name

    def unique_name(self, wanted: str, prefix: str) -> str:
        taken = wanted in self.classes or wanted in self.enums or (wanted in self.types and wanted != prefix)
        return prefix + wanted if taken else wanted

    # -- named types -------------------------------------------------------
    def named(self, name: str, at: object) -> ir.RNode:
        if name in self.memo:
            return self.memo[name]
        if name in self.spec.text_types:
            node: ir.RNode = ir.Prim("text", 0x04, oid=name in self.spec.oid_types)
            self.memo[name] = node
            return node
        a = self.types.get(name)
        if a is None:
            raise self.err(f"undefined type {name}", at)
        if name in self.resolving:
            raise self.err(f"{name} refers to itself without a SEQUENCE, SET OF or CHOICE in between", at)
        self.resolving.add(name)
        body = a.type
        if isinstance(body, (s.SequenceT, s.SequenceOfT, s.ChoiceT)) or (
            isinstance(body, s.TaggedT) and isinstance(body.inner, (s.SequenceT, s.SequenceOfT))
        ):
            # Register first, so that recursive references (Filter) resolve.
            self.memo[name] = self.preview(name, body)
        node = self.resolve(body, name, name)
        if name in self.spec.interned_types and isinstance(node, ir.Prim) and node.kind in ("text", "octets"):
            node = replace(node, interned=True)
        if isinstance(node, ir.Ref) and node.kind == "sequence" and node.cls != name:
            # X ::= [APPLICATION n] Y, or Y (WITH COMPONENTS ...): a class of its own.
            base = node.cls
            assert base is not None
            self.add_class(name, name, base, self.classes[base].fields, a)
            node = replace(node, cls=name)
        self.memo[name] = node
        self.resolving.discard(name)
        return node

    def preview(self, name: str, body: s.Node) -> ir.Ref:
        tag = None
        if isinstance(body, s.TaggedT):
            tag = self.tag_octet(body) | ir.CONSTRUCTED
            body = body.inner  # type: ignore[assignment]
        if isinstance(body, s.SequenceT):
            return ir.Ref(name, "sequence", tag or 0x30, name)
        if isinstance(body, s.SequenceOfT):
            return ir.Ref(name, "seqof", tag or (0x30 if body.kind == "SEQUENCE" else 0x31))
        return ir.Ref(name, "choice", None)

    def tag_octet(self, t: s.TaggedT) -> int:
        if t.number > 30:
            raise self.err("tag numbers above 30 are not supported", t)
        return _CLASS_BITS[t.tag_class] | t.number

    # -- any type ----------------------------------------------------------
    def resolve(self, node: s.Node, key: str, cname: str) -> ir.RNode:
        if isinstance(node, s.TaggedT):
            assert node.inner is not None
            inner = self.resolve(node.inner, key, cname)
            octet = self.tag_octet(node)
            if isinstance(inner, ir.Ref) and inner.kind == "choice":
                if inner.tag is not None:
                    raise self.err("a tag on an already tagged CHOICE is not supported", node)
                return replace(inner, tag=octet | ir.CONSTRUCTED)
            explicit = node.mode == "EXPLICIT" or (node.mode is None and self.m.tag_default == "EXPLICIT")
            if explicit:
                raise self.err("EXPLICIT tagging is supported only for CHOICE types", node)
            assert inner.tag is not None
            return replace(inner, tag=octet | (inner.tag & ir.CONSTRUCTED))
        if isinstance(node, s.BooleanT):
            return ir.Prim("boolean", 0x01)
        if isinstance(node, s.IntegerT):
            return ir.Prim("integer", 0x02, self.bound(node.lo, node), self.bound(node.hi, node))
        if isinstance(node, s.EnumeratedT):
            return ir.Prim("enumerated", 0x0A, enum=self.enum(node, key, cname))
        if isinstance(node, s.OctetStringT):
            lo = hi = None
            if node.size is not None:
                lo, hi = self.bound(node.size.lo, node), self.bound(node.size.hi, node)
            return ir.Prim("octets", 0x04, lo, hi)
        if isinstance(node, s.NullT):
            return ir.Prim("null", 0x05)
        if isinstance(node, s.RefT):
            return self.named(node.name, node)
        if isinstance(node, s.SequenceT):
            return self.sequence(node, key, cname)
        if isinstance(node, s.SequenceOfT):
            return self.seqof(node, key)
        if isinstance(node, s.ChoiceT):
            return self.choice(node, key, cname)
        if isinstance(node, s.WithComponentsT):
            return self.with_components(node, key, cname)
        raise self.err(f"unsupported construct {type(node).__name__}", node)

    def enum(self, node: s.EnumeratedT, key: str, cname: str) -> ir.EnumDef:
        values = [v for _, v in node.items]
        if len(set(values)) != len(values) or any(v < 0 for v in values):
            raise self.err("ENUMERATED values must be distinct and not negative", node)
        items = tuple((n, upper_snake(n), v) for n, v in node.items)
        e = ir.EnumDef(cname, key, items, node.extensible or self.m.extensibility_implied)
        old = self.enums.get(cname)
        if old is not None and old != e:
            raise self.err(f"two different enumerations would be named {cname}", node)
        self.enums[cname] = e
        return e

    def sequence(self, node: s.SequenceT, key: str, cname: str) -> ir.Ref:
        fields: list[ir.Field] = []
        base = None
        for i, comp in enumerate(node.components):
            if isinstance(comp, s.ComponentsOf):
                r = self.resolve(comp.type, key, cname)
                unit = self.units.get(r.unit) if isinstance(r, ir.Ref) else None
                if not isinstance(unit, ir.SequenceUnit):
                    raise self.err("COMPONENTS OF needs a resolved SEQUENCE type", comp)
                if i == 0:
                    base = unit.layout
                fields.extend(unit.fields)
                continue
            r = self.resolve(comp.type, f"{key}.{comp.name}", class_name(comp.name))
            default, has_default = None, comp.default is not None
            if has_default:
                default = self.default_value(r, comp)
            fields.append(ir.Field(comp.name, snake(comp.name), r, comp.optional, default, has_default))
        self.check_unambiguous(fields, node)
        self.add_class(cname, key, base, tuple(fields), node)
        ext = node.extensible or self.m.extensibility_implied
        self.units[key] = ir.SequenceUnit(key, key, cname, tuple(fields), ext)
        return ir.Ref(key, "sequence", 0x30, cname)

    def default_value(self, r: ir.RNode, comp: s.Component) -> object:
        v = comp.default
        if isinstance(r, ir.Prim) and r.kind == "boolean" and isinstance(v, bool):
            return v
        if isinstance(r, ir.Prim) and r.kind == "integer" and isinstance(v, int) and not isinstance(v, bool):
            return v
        if isinstance(r, ir.Prim) and r.kind == "enumerated" and r.enum is not None:
            for asn1, member, _ in r.enum.items:
                if asn1 == v:
                    return member
        raise self.err(f"unsupported DEFAULT value {v!r} for {comp.name}", comp)

    def check_unambiguous(self, fields: list[ir.Field], at: object) -> None:
        for i, f in enumerate(fields):
            if not (f.optional or f.has_default):
                continue
            if f.node.tag is None:
                raise self.err(f"{f.asn1}: an OPTIONAL untagged CHOICE is not supported", at)
            for g in fields[i + 1:]:
                if g.node.tag is not None and (g.node.tag & ~ir.CONSTRUCTED) == (f.node.tag & ~ir.CONSTRUCTED):
                    raise self.err(f"{f.asn1} and {g.asn1} have the same tag", at)
                if g.node.tag is None:
                    raise self.err(f"{g.asn1}: an untagged CHOICE after an OPTIONAL component is ambiguous", at)
                if not (g.optional or g.has_default):
                    break

    def seqof(self, node: s.SequenceOfT, key: str) -> ir.Ref:
        assert node.element is not None
        ename = node.element_name or "item"
        elem = self.resolve(node.element, f"{key}.{ename}", class_name(ename))
        if f"{key}.{ename}" in self.spec.interned_types and isinstance(elem, ir.Prim) and elem.kind in ("text", "octets"):
            elem = replace(elem, interned=True)
        lo = hi = None
        if node.size is not None:
            lo, hi = self.bound(node.size.lo, node), self.bound(node.size.hi, node)
        first_last = None
        rule = self.spec.first_last.get(key)
        if rule is not None:
            unit = self.units.get(elem.unit) if isinstance(elem, ir.Ref) else None
            if not isinstance(unit, ir.ChoiceUnit):
                raise self.err("a first/last rule needs a SEQUENCE OF CHOICE", node)
            by_name = {a.asn1: a.cls for a in unit.alts}
            first_last = (by_name[rule[0]], by_name[rule[1]])
        self.units[key] = ir.SeqOfUnit(key, key, node.kind, elem, node.element_name, lo, hi, first_last)
        return ir.Ref(key, "seqof", 0x30 if node.kind == "SEQUENCE" else 0x31)

    def choice(self, node: s.ChoiceT, key: str, cname: str) -> ir.Ref:
        resolved = [(a, self.resolve(a.type, f"{key}.{a.name}", class_name(a.name))) for a in node.alternatives]
        uses: dict[str, int] = {}
        for _, r in resolved:
            if isinstance(r, ir.Ref) and r.kind == "sequence" and r.cls:
                uses[r.cls] = uses.get(r.cls, 0) + 1
        alts: list[ir.Alt] = []
        seen: dict[int, str] = {}
        for a, r in resolved:
            if r.tag is None:
                raise self.err(f"{a.name}: an untagged CHOICE inside a CHOICE is not supported", a)
            number = r.tag & ~ir.CONSTRUCTED
            if number in seen:
                raise self.err(f"{a.name} and {seen[number]} have the same tag", a)
            seen[number] = a.name
            wrap = None
            if isinstance(r, ir.Ref) and r.kind == "sequence" and r.cls:
                if uses[r.cls] == 1:
                    cls = r.cls
                else:
                    cls = self.unique_name(class_name(a.name), cname)
                    self.add_class(cls, f"{key}.{a.name}", r.cls, self.classes[r.cls].fields, a)
                    r = replace(r, cls=cls)
            else:
                if isinstance(a.type, s.RefT) and a.type.name in self.types:
                    cls = a.type.name
                else:
                    cls = self.unique_name(class_name(a.name), cname)
                fields: tuple[ir.Field, ...] = ()
                if not (isinstance(r, ir.Prim) and r.kind == "null"):
                    unit = self.units.get(r.unit) if isinstance(r, ir.Ref) else None
                    if isinstance(unit, ir.SeqOfUnit) and unit.element_name:
                        wrap = plural_field(unit.element_name)
                        fields = (ir.Field(unit.element_name, wrap, r),)
                    else:
                        wrap = "value"
                        fields = (ir.Field("value", wrap, r),)
                self.add_class(cls, f"{key}.{a.name}", None, fields, a)
            explicit = isinstance(r, ir.Ref) and r.kind == "choice"
            assert r.tag is not None  # checked above
            alts.append(ir.Alt(a.name, r.tag, r, cls, wrap, explicit))
        alias = cname
        self.aliases[alias] = tuple(a.cls for a in alts)
        ext = node.extensible or self.m.extensibility_implied
        self.units[key] = ir.ChoiceUnit(key, key, tuple(alts), alias, ext)
        return ir.Ref(key, "choice", None)

    def with_components(self, node: s.WithComponentsT, key: str, cname: str) -> ir.Ref:
        assert node.base is not None
        base = self.resolve(node.base, key, cname)
        unit = self.units.get(base.unit) if isinstance(base, ir.Ref) else None
        if not isinstance(unit, ir.SequenceUnit) or not isinstance(base, ir.Ref):
            raise self.err("WITH COMPONENTS applies only to SEQUENCE types here", node)
        sizes = dict(node.sizes)
        fields = []
        for f in unit.fields:
            if f.asn1 in sizes:
                sz = sizes.pop(f.asn1)
                lo, hi = self.bound(sz.lo, node), self.bound(sz.hi, node)
                n = f.node
                if isinstance(n, ir.Ref) and n.kind == "seqof":
                    old = self.units[n.unit]
                    assert isinstance(old, ir.SeqOfUnit)
                    nkey = f"{key}.{f.asn1}"
                    self.units[nkey] = replace(old, key=nkey, asn1=nkey, lo=lo, hi=hi)
                    f = replace(f, node=replace(n, unit=nkey))
                elif isinstance(n, ir.Prim) and n.kind in ("octets", "text"):
                    f = replace(f, node=replace(n, lo=lo, hi=hi))
                else:
                    raise self.err(f"SIZE cannot apply to {f.asn1}", node)
            fields.append(f)
        if sizes:
            raise self.err(f"no component named {next(iter(sizes))}", node)
        self.add_class(cname, key, unit.layout, self.classes[unit.layout].fields, node)
        self.units[key] = ir.SequenceUnit(key, key, unit.layout, tuple(fields), unit.extensible)
        return ir.Ref(key, "sequence", base.tag, cname)

    # -- whole module --------------------------------------------------------
    def run(self) -> ir.CompiledModule:
        entries = []
        for name, a in self.types.items():
            node = self.named(name, a)
            if isinstance(node, ir.Ref):
                entries.append(ir.Entry(name, node))
        for enum_name in self.enums:
            if enum_name in self.classes or enum_name in self.aliases:
                raise self.err(f"an ENUMERATED and another type would both be named {enum_name}",
                               self.types.get(enum_name))
        return ir.CompiledModule(
            self.m.name, self.spec.asn, tuple(self.classes.values()), tuple(self.enums.values()),
            tuple(self.units.values()), tuple(entries), tuple(self.aliases.items()), self.spec.stream_root,
            tuple(sorted(self.spec.mixins.items())),
        )


def resolve(module: s.Module, spec: ModuleSpec, filename: str) -> ir.CompiledModule:
    """Resolve ``module`` per ``spec``; raises :class:`CompileError` with line:col."""
    return _Resolver(module, spec, filename).run()
