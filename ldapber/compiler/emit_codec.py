"""Emit a module's BER codec from the resolved IR, in two dialects.

One emitter walks the IR and writes the control flow once; a small dialect
object renders the few places where Cython and Python differ (function
signatures and declarations, reading a header, filling a slot).  Both
backends therefore make the same decisions in the same order, and raise the
same errors at the same offsets with the same paths.

Generated function families (``K`` is a unit key made into an identifier):

* ``d_K(b, p, s, e, c, depth[, cls])`` decodes the contents ``b[s:e]`` of a
  SEQUENCE (instantiating ``cls``) or SEQUENCE OF whose element starts at ``p``;
* ``d_K(b, s, e, c, depth)`` decodes a CHOICE: exactly the element ``b[s:e]``;
  the Python decoders write the SEQUENCEs and SEQUENCE OFs they contain
  into their own body, up to INLINE_LEVELS deep (see :class:`Scope`), and
  call ``d_K`` below that;
* ``e_K(w, o, tag, depth)`` / ``e_K(w, o, depth)`` append the encoding of
  ``o`` to ``w``: the exact encoders, which take every valid object and say
  why they refuse one;
* ``decode_<Entry>`` / ``encode_<Entry>`` are the public entry points.  In
  the Python module ``encode_<Entry>`` first tries the fast encoders of
  :mod:`emit_pyfast` and then ``exact_<Entry>``.

Errors are located on the way out: each component, alternative or list item
is a *region* whose failure appends its name (or index) to the error's path.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

from . import ir
from .codewriter import CodeWriter
from .emit_common import ENUM_MAX, INT64_MAX, INT64_MIN, default_expr, fn, hx, range_test
from .emit_pyfast import FastEncoders, recursive_units

__all__ = ["emit_python", "emit_cython"]

#: Python: how many levels of SEQUENCE / SEQUENCE OF a decoder writes into
#: its own body instead of calling their functions (a call costs about as
#: much as decoding a short element); compiled calls are cheap, so never.
INLINE_LEVELS = 3


@dataclass(frozen=True)
class Scope:
    """The variables one level of decoding works with.  A unit decoded by its
    own function is level 0 (``s``/``e`` its contents, ``p`` its element);
    a unit written into its parent's body is level L > 0, and takes over the
    parent's variables for the element: the parent's ``t`` (content start)
    becomes its cursor and the parent's ``u`` (content end) its bound."""

    level: int = 0
    s: str = "s"
    e: str = "e"
    p: str = "p"

    def var(self, name: str) -> str:
        """A variable of this level: ``t``, ``u``, ``o``, ``out``, ``seg``, ``item``, ``last``."""
        return f"{name}_{self.level}" if self.level else name

    @property
    def t(self) -> str:
        return self.var("t")

    @property
    def u(self) -> str:
        return self.var("u")

    def depth(self, more: int = 0) -> str:
        """The nesting depth of this level's unit (plus ``more``)."""
        return f"depth + {self.level + more}" if self.level + more else "depth"

    def child(self) -> Scope:
        return Scope(self.level + 1, s=self.t, e=self.u, p=self.s)


ROOT = Scope()


class PyDialect:
    name = "py"

    #: How ``seg`` (the component being worked on) is typed, set and cleared:
    #: the Python codec keeps the name, the Cython one an index into SEGS.
    seg_type = "object"
    no_seg = "None"

    def seg_value(self, name: str, index: int) -> str:
        return repr(name)

    def decl(self, w: CodeWriter, **groups: str) -> None:
        pass

    def def_seq(self, key: str) -> str:
        return f"def d_{key}(b, p, s, e, c, depth, cls):"

    def def_seqof(self, key: str) -> str:
        return f"def d_{key}(b, p, s, e, c, depth):"

    def def_choice(self, key: str) -> str:
        return f"def d_{key}(b, s, e, c, depth):"

    def call_choice(self, key: str, s: str, e: str, depth: str, end: str) -> str:
        """Decode the CHOICE element at ``s`` (within ``e``) into ``v``; its end into ``end``."""
        return f"v, {end} = d_{key}(b, {s}, {e}, c, {depth})"

    def ret_choice(self, expr: str) -> list[str]:
        return [f"return {expr}, u"]

    def def_enc(self, key: str) -> str:
        return f"def e_{key}(w, o, tag, depth):"

    def def_enc_choice(self, key: str) -> str:
        return f"def e_{key}(w, o, depth):"

    def hdr(self, tag: int, sc: Scope = ROOT) -> str:
        # Inline the common case (the expected tag, a short-form length that
        # fits, or for a constructed element the one-octet long form, which
        # any element of 128-255 octets has); anything else goes to the
        # runtime, which raises precisely.  The octets are read without
        # testing ``s + 2 < e``: reading past ``e`` only feeds a test that
        # then fails, and reading past the buffer (IndexError) makes the
        # entry point decode again over a padded copy (see PAD).
        s, e, t, u = sc.s, sc.e, sc.t, sc.u
        fast = f"if b[{s}] != {hx(tag)} or (n := b[{s} + 1]) > 0x7F or ({u} := ({t} := {s} + 2) + n) > {e}:"
        slow = f"{t}, {u} = hdr(b, {s}, {e}, {hx(tag)})"
        if not tag & 0x20:
            return f"{fast}\n    {slow}"
        return (f"{fast}\n    if b[{s}] != {hx(tag)} or n != 0x81 or ({u} := ({t} := {s} + 3) + b[{s} + 2]) > {e}:\n"
                f"        {slow}")

    def octets(self, interned: bool, sc: Scope = ROOT) -> str:
        return f"b[{sc.t}:{sc.u}]"

    def text(self, interned: bool, target: str, sc: Scope = ROOT) -> str:
        return (f"try:\n    {target} = b[{sc.t}:{sc.u}].decode()\nexcept UnicodeDecodeError:\n"
                f"    {target} = rd_text(b, {sc.s}, {sc.t}, {sc.u}, c)")

    def new(self, cls: str) -> str:
        return f"new({cls})"

    def setf(self, layout: str, attr: str, expr: str, obj: str = "o") -> str:
        return f"{obj}.{attr} = {expr}"

    def getf(self, obj: str, layout: str, attr: str) -> str:
        return f"{obj}.{attr}"

    def cls_ref(self, cls: str) -> str:
        return cls


class CyDialect(PyDialect):
    name = "cy"
    seg_type = "int"
    no_seg = "-1"

    def seg_value(self, name: str, index: int) -> str:
        return str(index)

    def decl(self, w: CodeWriter, **groups: str) -> None:
        for ctype, names in groups.items():
            w(f"cdef {'long long' if ctype == 'long_long' else ctype} {names}")

    def def_seq(self, key: str) -> str:
        return (f"cdef object d_{key}(const unsigned char* b, Py_ssize_t p, Py_ssize_t s, Py_ssize_t e, "
                "Ctx c, int depth, object cls):")

    def def_seqof(self, key: str) -> str:
        return (f"cdef object d_{key}(const unsigned char* b, Py_ssize_t p, Py_ssize_t s, Py_ssize_t e, "
                "Ctx c, int depth):")

    def def_choice(self, key: str) -> str:
        return (f"cdef object d_{key}(const unsigned char* b, Py_ssize_t s, Py_ssize_t e, Ctx c, int depth, "
                "Py_ssize_t* end):")

    def call_choice(self, key: str, s: str, e: str, depth: str, end: str) -> str:
        return f"v = d_{key}(b, {s}, {e}, c, {depth}, &{end})"

    def ret_choice(self, expr: str) -> list[str]:
        return [f"o = {expr}", "seg = -1", "end[0] = u", "return o"]

    def def_enc(self, key: str) -> str:
        return f"cdef int e_{key}(Writer* w, object o, int tag, int depth) except -1:"

    def def_enc_choice(self, key: str) -> str:
        return f"cdef int e_{key}(Writer* w, object o, int depth) except -1:"

    def hdr(self, tag: int, sc: Scope = ROOT) -> str:
        return f"{sc.t} = hdr(b, {sc.s}, {sc.e}, {hx(tag)}, &{sc.u})"

    def octets(self, interned: bool, sc: Scope = ROOT) -> str:
        return f"{'rd_value' if interned else 'rd_bytes'}(b, {sc.t}, {sc.u})"

    def text(self, interned: bool, target: str, sc: Scope = ROOT) -> str:
        return f"{target} = {'rd_attr' if interned else 'rd_text'}(b, {sc.s}, {sc.t}, {sc.u}, c)"

    def new(self, cls: str) -> str:
        return f"lb_alloc({cls})"

    def setf(self, layout: str, attr: str, expr: str, obj: str = "o") -> str:
        return f"lb_set({obj}, OFF_{layout}_{attr}, {expr})"

    def getf(self, obj: str, layout: str, attr: str) -> str:
        return f"lb_get({obj}, OFF_{layout}_{attr})"

    def cls_ref(self, cls: str) -> str:
        return f"K_{cls}"


class _Emitter:
    def __init__(self, m: ir.CompiledModule, d: PyDialect) -> None:
        self.m = m
        self.d = d
        self.w = CodeWriter()
        self.slots: set[tuple[str, str]] = set()  # (layout class, attr) pairs used
        self.seg_names: dict[str, int] = {}  # path segment -> its index in SEGS
        self.fast = FastEncoders(m)  # the Python backend's fast encoders
        # While a decoder is written: the units written inline (innermost
        # last), and per inline level the variables its handler must read.
        self.inline_stack: list[str] = []
        self.level_vars: dict[int, set[str]] = {}
        # The units that contain themselves (Filter), and while one's decoder
        # is written, its key and whether this is its Python generator twin
        # (see the runtimes' ``deep`` and ``deep_twin``); the Python module
        # that holds the twins.
        self.recursive = recursive_units(m)
        self.packed = packed_fields(m)  # the compiled decoders' packed value lists
        self.recursing: tuple[str, bool] | None = None
        self.twin_module = ""

    # -- shared pieces -----------------------------------------------------------
    def k(self, cls: str) -> str:
        """A class as the generated code refers to it."""
        return self.d.cls_ref(cls)

    @contextmanager
    def function(self, header: str, exc: str, decls: dict[str, str], items: bool = False,
                 index: str = "i") -> Iterator[None]:
        """A generated function whose body runs in one ``try``: a failure
        appends the current path segment (``seg``, or the item index
        ``index`` while ``item`` is set) to the error's path.  One exception frame per
        call instead of one per component keeps the happy path cheap."""
        w, d = self.w, self.d
        self.level_vars = {}
        with w.indent(header):
            d.decl(w, **decls)
            if not items:
                d.decl(w, **{d.seg_type: "seg"})
            w("item = 0" if items else f"seg = {d.no_seg}")
            init_at = len(w.lines)
            w("try:")
            w.level += 1
            yield
            w.level -= 1
            # Units written inline (Python only) have a segment or an item
            # index of their own: set up before the try, appended innermost first.
            levels = sorted(self.level_vars.items(), reverse=True)
            init = [f"{Scope(level).var(name)} = {'None' if name == 'seg' else '0'}"
                    for level, names in reversed(levels) for name in sorted(names)]
            w.lines[init_at:init_at] = [w.unit * w.level + line for line in init]
            if d.name == "cy":
                # Cython saves the handled-exception state on entry to every
                # try/except; try/finally costs nothing on the normal path.
                # Every normal exit clears seg/item first, so the finally
                # only acts on an exception in flight.
                with w.indent("finally:"):
                    with w.indent("if item:" if items else "if seg >= 0:"):
                        w(f"add_segment({exc}, {'i' if items else 'SEGS[seg]'})")
                return
            with w.indent(f"except {exc} as x:"):
                for level, names in levels:
                    sc = Scope(level)
                    if "seg" in names:
                        with w.indent(f"if {sc.var('seg')} is not None:"):
                            w(f"x._segs.append({sc.var('seg')})")
                    if "item" in names:
                        with w.indent(f"if {sc.var('item')}:"):
                            w(f"x._segs.append(len({sc.var('out')}))")
                if items:
                    with w.indent("if item:"):
                        w(f"x._segs.append({index})")
                else:
                    with w.indent("if seg is not None:"):
                        w("x._segs.append(seg)")
                w("raise")

    def seg(self, name: str, sc: Scope = ROOT) -> None:
        index = self.seg_names.setdefault(name, len(self.seg_names))
        self.w(f"{sc.var('seg')} = {self.d.seg_value(name, index)}")

    def value_from_content(self, node: ir.RNode, sc: Scope) -> None:
        """Code that sets ``v`` from the element at ``sc.s`` whose contents are
        ``b[t:u]`` (the header was checked against ``node.tag``)."""
        w, d = self.w, self.d
        s, t, u = sc.s, sc.t, sc.u
        if isinstance(node, ir.Prim):
            k = node.kind
            if k == "boolean":
                w(f"v = rd_bool(b, {s}, {t}, {u}, c)")
            elif k in ("integer", "enumerated"):
                # Python: one octet 0..127 (message IDs, result codes) inline.
                with w.indent(f"if {u} != {t} + 1 or (iv := b[{t}]) > 0x7F:") if d.name == "py" else nullcontext():
                    w(f"iv = rd_int(b, {s}, {t}, {u}, c)")
                # ENUMERATED: unknown values are kept, but only those the
                # encoder could write back (LDAP's enumerations are 0..maxInt).
                lo, hi = (node.lo, node.hi) if k == "integer" else (0, ENUM_MAX)
                test = range_test("iv", lo, hi)
                if test:
                    with w.indent(f"if ({test}) and not c.relax & R_RANGE:"):
                        w(f"raise range_error(iv, {lo}, {hi}, {s})")
                if k == "enumerated":
                    assert node.enum is not None
                    w(f"v = enum_value(T_{node.enum.name}, iv)")
                else:
                    w("v = iv")
            elif k == "text":
                w(d.text(node.interned, "v", sc))
                self.oid_check(node, sc)
            elif k == "octets":
                w(f"v = {d.octets(node.interned, sc)}")
                test = range_test(f"({u} - {t})", node.lo, node.hi)
                if test:
                    with w.indent(f"if ({test}) and not c.relax & R_SIZE:"):
                        w(f"raise size_error({u} - {t}, {node.lo}, {node.hi}, {s})")
            elif k == "null":
                w(f"rd_null({s}, {t}, {u})", "v = None")
            else:  # pragma: no cover - the resolver produces no other kinds
                raise AssertionError(k)
            return
        if node.kind in ("sequence", "seqof") and self.inlines(node.unit, sc):
            child = sc.child()
            self.inline_stack.append(node.unit)
            unit = self.fast.units[node.unit]
            if isinstance(unit, ir.SequenceUnit):
                self.decode_sequence(unit, child, self.k(node.cls))  # type: ignore[arg-type]
                w(f"v = {child.var('o')}")
            else:
                assert isinstance(unit, ir.SeqOfUnit)
                self.decode_seqof(unit, child)
                w(f"v = {child.var('out')}")
            self.inline_stack.pop()
        elif node.kind == "sequence":
            w(f"v = d_{fn(node.unit)}(b, {s}, {t}, {u}, c, {sc.depth(1)}, {self.k(node.cls)})")  # type: ignore[arg-type]
        elif node.kind == "seqof":
            w(f"v = d_{fn(node.unit)}(b, {s}, {t}, {u}, c, {sc.depth(1)})")
        else:  # an explicitly tagged CHOICE: the contents are exactly one element
            w(self.call_choice(node.unit, t, u, sc.depth(1), "w2"))  # type: ignore[arg-type]
            with w.indent(f"if w2 != {u}:"):
                w(f"raise trailing_error(w2, {u})")

    def call_choice(self, unit: str, s: str, e: str, depth: str, end: str) -> str:
        """Decode the CHOICE element at ``s`` into ``v``: the dialect's call,
        except that the decoder of a type containing itself calls itself
        plainly only down to DEEP_START.  Below, the Python one goes on
        through ``deep`` (its generator twin yields each call to it instead of
        making it), and the compiled one hands the element to that Python
        twin (``deep_twin``), so that neither the recursion limit nor the C
        stack bounds the nesting a caller admits."""
        if self.recursing is None or unit not in self.recursive:
            return self.d.call_choice(fn(unit), s, e, depth, end)
        key = fn(unit)
        if self.recursing[1]:
            assert unit == self.recursing[0], "a twin calls only its own type"
            return f"v, {end} = yield {s}, {e}, {depth}"
        if self.d.name == "cy":
            return (f"v = (d_{key}(b, {s}, {e}, c, {depth}, &{end}) if depth < DEEP_START "
                    f"else deep_twin(twin_{key}(), b, {s}, {e}, c, {depth}, &{end}))")
        return (f"v, {end} = (d_{key}(b, {s}, {e}, c, {depth}) if depth < DEEP_START "
                f"else deep(g_{key}, b, {s}, {e}, c, {depth}))")

    def oid_check(self, node: ir.RNode, sc: Scope) -> None:
        """For an LDAPOID just read (its contents ``b[t:u]``): refuse what is
        not a numericoid unless the call relaxes rule oid-syntax."""
        if isinstance(node, ir.Prim) and node.oid:
            with self.w.indent("if not c.relax & R_OID:"):
                self.w(f"check_oid(b, {sc.s}, {sc.t}, {sc.u})")

    def inlines(self, unit: str, sc: Scope) -> bool:
        """Whether the unit ``unit``, met at level ``sc``, is written inline."""
        return self.d.name == "py" and sc.level < INLINE_LEVELS and unit not in self.inline_stack

    def element(self, node: ir.RNode, sc: Scope) -> None:
        """Code that decodes the element at ``sc.s`` (bounded by ``sc.e``)
        into ``v`` and sets ``sc.u`` to its end."""
        if node.tag is None:  # an untagged CHOICE: any element
            self.w(self.call_choice(node.unit, sc.s, sc.e, sc.depth(), sc.u))  # type: ignore[arg-type]
            return
        self.w(self.d.hdr(node.tag, sc))
        self.value_from_content(node, sc)

    def direct_value(self, node: ir.RNode, sc: Scope) -> str | None:
        """Python: the expression of an OCTET STRING's value, to store
        without going through ``v``; None for every other type."""
        if self.d.name == "py" and isinstance(node, ir.Prim) and node.kind == "octets" and not node.constrained:
            return self.d.octets(node.interned, sc)
        return None

    def put(self, node: ir.RNode, var: str) -> None:
        """Code that appends the encoding of ``var`` (of type ``node``) to ``w``."""
        w = self.w
        tag = node.tag
        if isinstance(node, ir.Prim):
            assert tag is not None
            k = node.kind
            if k == "boolean":
                w(f"put_bool(w, {hx(tag)}, {var})")
            elif k == "integer":
                lo = INT64_MIN if node.lo is None else node.lo
                hi = INT64_MAX if node.hi is None else node.hi
                w(f"put_int(w, {hx(tag)}, check_int({var}, {lo}, {hi}))")
            elif k == "enumerated":
                w(f"put_int(w, {hx(tag)}, check_int({var}, 0, {ENUM_MAX}))")
            elif k == "text":
                w(f"put_text(w, {hx(tag)}, {f'check_oid_text({var})' if node.oid else var})")
            elif k == "octets":
                w(f"put_bytes(w, {hx(tag)}, {var})")
                if node.constrained:
                    w(f"check_size(len({var}), {node.lo}, {node.hi})")
            elif k == "null":
                w(f"put_null(w, {hx(tag)}, {var})")
            return
        if node.kind == "choice":
            if tag is None:  # an untagged CHOICE adds no level, as in decoding
                w(f"e_{fn(node.unit)}(w, {var}, depth)")
            else:
                w("m2 = mark(w)", f"e_{fn(node.unit)}(w, {var}, depth + 1)", f"close(w, {hx(tag)}, m2)")
            return
        w(f"e_{fn(node.unit)}(w, {var}, {hx(tag)}, depth + 1)")  # type: ignore[arg-type]

    def fast_put(self, node: ir.RNode) -> str | None:
        """Compiled: a call of the runtime's ``put_*_fast`` for a value of
        type ``node`` (format it with a borrowed pointer to the value): it
        writes an everyday value without taking a reference and says whether
        it did; None where every value takes the checking path."""
        if self.d.name != "cy" or not isinstance(node, ir.Prim):
            return None
        tag, k = hx(node.tag), node.kind  # type: ignore[arg-type]
        if k == "text" and not node.oid:  # an LDAPOID is checked on the way out, as on the way in
            return f"put_text_fast(w, {tag}, {{}})"
        if k == "octets" and not node.constrained:
            return f"put_bytes_fast(w, {tag}, {{}})"
        if k == "boolean":
            return f"put_bool_fast(w, {tag}, {{}})"
        if k in ("integer", "enumerated"):
            lo, hi = ((INT64_MIN if node.lo is None else node.lo, INT64_MAX if node.hi is None else node.hi)
                      if k == "integer" else (0, ENUM_MAX))
            return f"put_int_fast(w, {tag}, {{}}, {lo}, {hi})"
        return None

    @contextmanager
    def unless_fast(self, node: ir.RNode, borrowed: str) -> Iterator[None]:
        """Compiled, for a value with a ``put_*_fast``: ``if not
        put_*_fast(...):`` around the body, the checking path, which reads the
        value into ``v`` (a reference of its own, held until the next value is
        read, as in the Python backend) and writes it with :meth:`put`."""
        call = self.fast_put(node)
        if call is None:
            yield
            return
        with self.w.indent(f"if not {call.format(borrowed)}:"):
            yield

    def put_field(self, node: ir.RNode, layout: str, attr: str, f: ir.Field | None = None) -> None:
        """Code that appends the field ``attr`` of ``o`` (a ``layout``) of
        type ``node``, unless it is None (``f`` OPTIONAL) or ``f``'s DEFAULT."""
        w, d = self.w, self.d
        optional, default = f is not None and f.optional, f is not None and f.has_default
        if self.fast_put(node) and (not default or isinstance(f.default, bool)):  # type: ignore[union-attr]
            off = f"OFF_{layout}_{attr}"
            # Absent: the slot holds None, or the DEFAULT's own object (False).
            absent = "None" if optional else repr(f.default) if default else None  # type: ignore[union-attr]
            with w.indent(f"if not lb_slot_is(o, {off}, {absent}):") if absent else nullcontext():
                with self.unless_fast(node, f"lb_peek(o, {off})"):
                    w(f"v = {d.getf('o', layout, attr)}")
                    self.put(node, "v")
            return
        w(f"v = {d.getf('o', layout, attr)}")
        if optional:
            with w.indent("if v is not None:"):
                self.put(node, "v")
        elif default:
            cond = f"v is not {f.default}" if isinstance(f.default, bool) else f"v != {default_expr(f)}"  # type: ignore[union-attr, arg-type]
            with w.indent(f"if {cond}:"):
                self.put(node, "v")
        else:
            self.put(node, "v")

    # -- SEQUENCE ---------------------------------------------------------------
    def sequence(self, u: ir.SequenceUnit) -> None:
        w, d = self.w, self.d
        key = fn(u.key)
        self.recursing = (u.key, False) if u.key in self.recursive else None
        w("", "")
        decls = {"Py_ssize_t": "t, u, w2", "object": "o, v", "long_long": "iv"}
        with self.function(d.def_seq(key), "DecodeError", decls):
            self.decode_sequence(u, ROOT, "cls")
            w("return o")
        w("", "")
        with self.function(d.def_enc(key), "EncodeError", {"Py_ssize_t": "m, m2", "object": "v"}):
            with w.indent("if depth > ENC_MAX_DEPTH:"):
                w("raise enc_depth_error()")
            check = f"lb_layout_is(o, {self.k(u.layout)})" if d.name == "cy" else f"isinstance(o, {self.k(u.layout)})"
            with w.indent(f"if not {check}:"):
                w(f"raise type_error({u.layout!r}, o)")
            # Back to front (see the runtime's Writer): extensions, then the
            # components from the last.
            w("m = mark(w)")
            if d.name == "cy":
                w(f"put_extensions_at(w, o, OFF_{u.layout}_extensions)")
            else:
                w(f"put_extensions(w, {d.getf('o', u.layout, 'extensions')})")
            for f in reversed(u.fields):
                self.seg(f.asn1)
                self.put_field(f.node, u.layout, f.attr, f)
            w(f"seg = {d.no_seg}")
            w("close(w, tag, m)")
            if d.name == "cy":
                w("return 0")

    def decode_sequence(self, u: ir.SequenceUnit, sc: Scope, cls: str) -> None:
        """Code that decodes the contents ``b[s:e]`` of a SEQUENCE (``sc``'s
        bounds) into a new ``cls``, the level's ``o``."""
        w, d = self.w, self.d
        s, e, o = sc.s, sc.e, sc.var("o")
        if sc.level:
            self.level_vars.setdefault(sc.level, set()).add("seg")
        with w.indent(f"if {sc.depth()} > c.max_depth:"):
            w(f"raise depth_error({sc.p}, c.max_depth)")
        w(f"{o} = {d.new(cls)}")
        for f in u.fields:
            self.slots.add((u.layout, f.attr))
            tag = f.node.tag
            if f.optional or f.has_default:
                assert tag is not None
                with w.indent(f"if {s} < {e} and (b[{s}] | 0x20) == {hx(tag | 0x20)}:"):
                    self.seg(f.asn1, sc)
                    self.element(f.node, sc)
                    if f.has_default:
                        with w.indent(f"if v == {default_expr(f)} and not c.relax & R_DEFAULT:"):
                            w(f"raise default_error({s})")
                    w(d.setf(u.layout, f.attr, "v", o), f"{s} = {sc.u}")
                with w.indent("else:"):
                    w(d.setf(u.layout, f.attr, default_expr(f) if f.has_default else "None", o))
                continue
            self.seg(f.asn1, sc)
            direct = self.direct_value(f.node, sc)
            text = d.name == "py" and isinstance(f.node, ir.Prim) and f.node.kind == "text"
            if direct or text:  # Python: an OCTET STRING or UTF-8 string goes straight into its slot
                w(d.hdr(f.node.tag, sc))  # type: ignore[arg-type]
                w(d.setf(u.layout, f.attr, direct, o) if direct
                  else d.text(f.node.interned, f"{o}.{f.attr}", sc))  # type: ignore[union-attr]
                self.oid_check(f.node, sc)
            else:
                self.element(f.node, sc)
                w(d.setf(u.layout, f.attr, "v", o))
            w(f"{s} = {sc.u}")
        self.slots.add((u.layout, "extensions"))
        w(f"{sc.var('seg')} = {d.no_seg}")
        w(d.setf(u.layout, "extensions", f"extensions(b, {s}, {e}, ROOTS_{fn(u.key)}) if {s} < {e} else EMPTY",
                 o))

    def decode_seqof(self, u: ir.SeqOfUnit, sc: Scope, packed: bool = False) -> None:
        """Code that decodes the contents ``b[s:e]`` of a SEQUENCE OF / SET OF
        (``sc``'s bounds) into a new list, the level's ``out``.  Python
        counts the items by the list itself (a counter costs a quarter of a
        short item's work); compiled, ``i`` is a C integer.  ``packed``
        (compiled, at the root): a lone value is returned bare instead."""
        w, d = self.w, self.d
        s, e, out, item, last = sc.s, sc.e, sc.var("out"), sc.var("item"), sc.var("last")
        if sc.level:
            self.level_vars.setdefault(sc.level, set()).add("item")
        count = "i" if d.name == "cy" else f"len({out})"
        with w.indent(f"if {sc.depth()} > c.max_depth:"):
            w(f"raise depth_error({sc.p}, c.max_depth)")
        if d.name == "py" and u.first_last:
            w(f"{last} = 0")
        if d.name == "cy" and packed:  # a lone value goes bare into its slot (slots.h: packed value lists)
            assert not sc.level, "packed lists are decoded by their own function (the root scope's names)"
            w("k = count_elements(b, s, e)", "item = 1")
            with w.indent(f"if k == 1 and PACK_{fn(u.key)}:"):
                self.element(u.element, sc)
                with w.indent(f"if {sc.u} == {e}:"):
                    w("item = 0", "return v")
                # More follows that the count stopped at: the list, its first item read.
                w("out = new_list(1)", "list_put(out, 0, 1, v)", f"{s} = {sc.u}", "i = 1")
            with w.indent("else:"):
                w("out = new_list(k)")
        elif d.name == "cy":  # sized once from a header walk, not grown by appends
            w("k = count_elements(b, s, e)", "out = new_list(k)", "item = 1")
        else:
            w(f"{out} = []", f"{item} = 1")
        with w.indent(f"while {s} < {e}:"):
            direct = self.direct_value(u.element, sc)
            if direct:
                w(d.hdr(u.element.tag, sc), f"{out}.append({direct})")  # type: ignore[arg-type]
            else:
                self.element(u.element, sc)
            if u.first_last:
                first, final = (self.k(c) for c in u.first_last)
                with w.indent(f"if ({last} or (type(v) is {first} and {'i' if d.name == 'cy' else out})) "
                              "and not c.relax & R_SUBSTR:"):
                    w(f'raise order_error("{u.first_last[0].lower()} must come first and '
                      f'{u.first_last[1].lower()} last, each at most once", {s})')
                with w.indent(f"if type(v) is {final}:"):
                    w(f"{last} = 1")
            if d.name == "cy":
                w("list_put(out, i, k, v)", "s = u", "i += 1")
            else:
                w(*((f"{s} = {sc.u}",) if direct else (f"{out}.append(v)", f"{s} = {sc.u}")))
        if d.name == "cy":
            w("list_trim(out, i, k)")
        w(f"{item} = 0")
        test = range_test(count, u.lo, u.hi)
        if test:
            with w.indent(f"if ({test}) and not c.relax & R_SIZE:"):
                w(f"raise size_error({count}, {u.lo}, {u.hi}, {sc.p})")

    # -- SEQUENCE OF / SET OF ---------------------------------------------------
    def seqof(self, u: ir.SeqOfUnit) -> None:
        w, d = self.w, self.d
        key = fn(u.key)
        self.recursing = (u.key, False) if u.key in self.recursive else None
        w("", "")
        decls = {"Py_ssize_t": "t, u, w2, i = 0, k", "object": "v", "list": "out",
                 "long_long": "iv", "bint": "last = 0, item"}
        count = "i" if d.name == "cy" else "len(out)"
        packed = d.name == "cy" and u.key in self.packed
        with self.function(d.def_seqof(key), "DecodeError", decls, items=True, index=count):
            self.decode_seqof(u, ROOT, packed)
            w("return out")
        w("", "")
        decls = {"Py_ssize_t": "m, m2, i = 0, n", "object": "v", "list": "items", "bint": "item"}
        with self.function(d.def_enc(key), "EncodeError", decls, items=True):
            with w.indent("if depth > ENC_MAX_DEPTH:"):
                w("raise enc_depth_error()")
            if packed:
                with w.indent(f"if PACK_{key}:"):
                    with w.indent("if type(o) is bytes:  # a packed lone value"):
                        w("m = mark(w)", "item = 1")
                        self.put(u.element, "o")
                        w("item = 0", "close(w, tag, m)", "return 0")
                    with w.indent("if type(o) is tuple and len(<tuple>o) == 1:  # as assigned, kept in a one-tuple"):
                        w("o = (<tuple>o)[0]")
            w("items = o if type(o) is list else list(check_list(o))", "n = len(items)")
            test = range_test("n", u.lo, u.hi)
            if test:
                with w.indent(f"if {test}:"):
                    w(f"raise enc_size_error(n, {u.lo}, {u.hi})")
            if u.first_last:
                w(f"order_check(items, {self.k(u.first_last[0])}, {self.k(u.first_last[1])})")
            w("m = mark(w)", "item = 1")
            with w.indent("for i in range(n - 1, -1, -1):"):  # back to front
                # The user's code (a __bytes__, say) may have shrunk the list.
                with w.indent(f"if i >= {'PyList_GET_SIZE(items)' if d.name == 'cy' else 'len(items)'}:"):
                    w("raise enc_changed_error(n)")
                with self.unless_fast(u.element, "PyList_GET_ITEM(items, i)"):
                    w("v = items[i]")
                    self.put(u.element, "v")
            w("item = 0", "close(w, tag, m)")
            if d.name == "cy":
                w("return 0")

    # -- CHOICE -----------------------------------------------------------------
    def choice(self, u: ir.ChoiceUnit) -> None:
        w, d = self.w, self.d
        key = fn(u.key)
        self.choice_decoder(u, d.def_choice(key), twin=False)
        if u.key in self.recursive and d.name == "py":
            self.choice_decoder(u, f"def g_{key}(b, s, e, c, depth):", twin=True)
        elif u.key in self.recursive:  # the compiled decoder's way to the twin, imported at first use
            w("", "", f"cdef object _twin_{key} = None", "", "")
            with w.indent(f"cdef object twin_{key}():"):
                w(f"global _twin_{key}")
                with w.indent(f"if _twin_{key} is None:"):
                    w(f"_twin_{key} = import_module({self.twin_module!r}).g_{key}")
                w(f"return _twin_{key}")
        self.recursing = None
        w("", "")
        decls = {"Py_ssize_t": "m2", "object": "v, held", "PyObject*": "k"} if d.name == "cy" else {}
        with self.function(d.def_enc_choice(key), "EncodeError", decls):
            self.choice_encoder(u, key)

    def choice_decoder(self, u: ir.ChoiceUnit, header: str, twin: bool) -> None:
        """The decoder of a CHOICE: a branch per alternative's tag, and an
        unknown alternative kept as its bytes; ``twin``, the generator twin
        of a Python decoder that contains itself."""
        w, d = self.w, self.d
        self.recursing = (u.key, twin) if u.key in self.recursive else None
        w("", "")
        decls = {"Py_ssize_t": "t, u, w2", "object": "o, v", "long_long": "iv", "int": "k"}
        with self.function(header, "DecodeError", decls):
            with w.indent("if s >= e:"):
                w("raise missing_error(s)")
            with w.indent("if depth > c.max_depth:"):
                w("raise depth_error(s, c.max_depth)")
            w("k = b[s] | 0x20")
            for a in u.alts:
                with w.indent(f"if k == {hx(a.tag | 0x20)}:"):
                    direct = isinstance(a.node, ir.Ref) and a.node.kind == "sequence" and a.wrap_attr is None
                    self.seg(a.asn1)
                    w(d.hdr(a.tag))
                    if direct:
                        w(*d.ret_choice(f"d_{fn(a.node.unit)}(b, s, t, u, c, depth + 1, {self.k(a.cls)})"))  # type: ignore[union-attr]
                        continue
                    self.value_from_content(a.node, ROOT)
                    w(f"o = {d.new(self.k(a.cls))}")
                    if a.wrap_attr:
                        self.slots.add((a.cls, a.wrap_attr))
                        w(d.setf(a.cls, a.wrap_attr, "v"))
                    w(*d.ret_choice("o"))
            w("u = tlv_end(b, s, e)", *d.ret_choice("unknown(b, s, u)"))

    def choice_encoder(self, u: ir.ChoiceUnit, key: str) -> None:
        """The body of a CHOICE's encoder: dispatch on the value's class."""
        w, d = self.w, self.d
        with w.indent("if depth > ENC_MAX_DEPTH:"):
            w("raise enc_depth_error()")
        # The chain of identity tests comes first (cheaper than a set
        # lookup); only a subclass misses it, and its layout's alternative
        # (found by identity too: no user code runs) then matches on the
        # second pass.  Compiled, ``k`` is borrowed from ``o`` (its class,
        # which nothing can change before it is compared) or from ``held``.
        if d.name == "py":
            w("k = type(o)")
        else:
            w("k = lb_type(o)")
        with w.indent("while True:"):
            self.choice_dispatch(u, key)
            if d.name == "py":
                w(f"k = alternative_class(o, S_{key}, {u.alias!r})")
            else:
                w(f"held = layout_alternative(o, S_{key}, {u.alias!r})", "k = <PyObject*>held")
        if d.name == "cy":
            w("seg = -1", "return 0")

    def choice_dispatch(self, u: ir.ChoiceUnit, key: str) -> None:
        """One branch per alternative on ``k``, the alternative's class, and
        an unknown alternative's raw bytes last; each ends the loop around it."""
        w, d = self.w, self.d
        test = "k == <PyObject*>{}" if d.name == "cy" else "k is {}"
        for i, a in enumerate(u.alts):
            with w.indent(f"{'el' if i else ''}if {test.format(self.k(a.cls))}:"):
                self.seg(a.asn1)
                if isinstance(a.node, ir.Ref) and a.node.kind == "sequence" and a.wrap_attr is None:
                    w(f"e_{fn(a.node.unit)}(w, o, {hx(a.tag)}, depth + 1)")
                elif a.wrap_attr:
                    self.put_field(a.node, a.cls, a.wrap_attr)
                else:
                    self.put(a.node, "None")
                w("break")
        with w.indent(f"elif {test.format(self.k('UnknownAlternative'))}:"):
            w(f"put_unknown(w, o.raw, N_{key})", "break")

    # -- entries and module -----------------------------------------------------
    def entry(self, e: ir.Entry) -> None:
        w, d = self.w, self.d
        n = e.node
        assert isinstance(n, ir.Ref)
        w("", "")
        with w.indent(f"def decode_{e.name}(data, relax, max_depth, prefix, max_pdu):"):
            if d.name == "cy":
                w("cdef Ctx c = ctx_for(relax, max_depth, max_pdu)", "cdef Py_buffer view", "cdef Py_ssize_t s, u, n, w2",
                  "cdef const unsigned char* b", "cdef int gc_was", "cdef bint rooted",
                  "PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)",
                  "b = <const unsigned char*>view.buf", "n = view.len",
                  "gc_was = PyGC_Disable()", "try:")
                w.level += 1
            else:
                w("c = Ctx(relax, max_depth, max_pdu)", "b = data", "n = len(b)")
            tag = -1 if n.tag is None else n.tag
            with self.region_root(e.name):
                w(f"s, u = top(b, n, {tag}, c.max_pdu)" if d.name == "py" else f"s = top(b, n, {tag}, c.max_pdu, &u)")
                with w.indent("if u != n and not prefix:"):
                    w("raise trailing_error(u, n)")
                if n.kind == "sequence":
                    self.root_call(f"v = d_{fn(n.unit)}(b, 0, s, u, c, 1, {self.k(n.cls)})")  # type: ignore[arg-type]
                elif n.kind == "seqof":
                    self.root_call(f"v = d_{fn(n.unit)}(b, 0, s, u, c, 1)")
                else:
                    self.root_call(d.call_choice(fn(n.unit), "0", "u", "0", "w2"))
            w("return v, u")
            if d.name == "cy":
                w.level -= 1
                with w.indent("finally:"):
                    w("if gc_was:", "    PyGC_Enable()", "PyBuffer_Release(&view)")
        if n.kind == "sequence":
            self.entry_many(e.name, n)
            self.entry_api(e.name, n)
        w("", "")
        if d.name == "py":
            self.fast_entry(e.name, n)
        exact = "encode" if d.name == "cy" else "exact"
        with w.indent(f"def {exact}_{e.name}(o, /):"):
            if d.name == "cy":
                w(f'"""Encode a {e.name} (strict BER); see :meth:`ldapber.Codec.encode`."""')
                w("cdef Writer* w", "cdef bint rooted = 1")
            else:
                w(f'"""Encode a {e.name} with the exact encoder, which takes every valid object and says why it refuses one."""')
            w("w = new_writer()")
            with w.indent("try:"):
                if n.kind == "choice":
                    w(f"e_{fn(n.unit)}(w, o, 0)")
                else:
                    w(f"e_{fn(n.unit)}(w, o, {hx(n.tag)}, 1)")  # type: ignore[arg-type]
                w("out = writer_bytes(w)")
                if d.name == "cy":
                    w("rooted = 0")
                w("return out")
            if d.name == "py":
                with w.indent("except EncodeError as x:"):
                    w(f"x.root = {e.name!r}", "raise")
            with w.indent("finally:"):
                w("release_writer(w)")
                if d.name == "cy":
                    with w.indent("if rooted:"):
                        w(f"set_root(EncodeError, {e.name!r})")

    def fast_entry(self, name: str, n: ir.Ref) -> None:
        """Python: ``encode_<name>`` tries the fast encoder (see
        :mod:`emit_pyfast`), then the exact one, ``exact_<name>``."""
        w = self.w
        with w.indent(f"def encode_{name}(o, /):"):
            w(f'"""Encode a {name} (strict BER); see :meth:`ldapber.Codec.encode`."""')
            with w.indent("try:"):
                self.fast.entry(w, n)
            with w.indent("except Exception:"):
                w("pass  # not an everyday object, or not a valid one: the exact encoder decides")
            w(f"return exact_{name}(o)")
        w("", "")

    def entry_many(self, name: str, n: ir.Ref) -> None:
        """``decode_many_<name>``: back-to-back PDUs into a list, in one call
        (one buffer acquisition, one pause of the cyclic GC); offsets in
        errors count from the start of the whole buffer."""
        w, d = self.w, self.d
        w("", "")
        with w.indent(f"def decode_many_{name}(data, relax, max_depth, max_pdu):"):
            if d.name == "cy":
                w("cdef Ctx c = ctx_for(relax, max_depth, max_pdu)", "cdef Py_buffer view",
                  "cdef Py_ssize_t s, u, n, pos = 0", "cdef const unsigned char* b", "cdef int gc_was", "cdef bint rooted",
                  "cdef list out = []", "PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)",
                  "b = <const unsigned char*>view.buf", "n = view.len", "gc_was = PyGC_Disable()", "try:")
                w.level += 1
            else:
                w("c = Ctx(relax, max_depth, max_pdu)", "b = data", "n = len(b)", "pos = 0", "out = []")
            with self.region_root(name):
                with w.indent("while pos < n:"):
                    w(f"s, u = top_at(b, pos, n, {hx(n.tag)}, c.max_pdu)" if d.name == "py"  # type: ignore[arg-type]
                      else f"s = top_at(b, pos, n, {hx(n.tag)}, c.max_pdu, &u)")  # type: ignore[arg-type]
                    self.root_call(f"v = d_{fn(n.unit)}(b, pos, s, u, c, 1, {self.k(n.cls)})")  # type: ignore[arg-type]
                    w("out.append(v)")
                    w("pos = u")
            w("return out")
            if d.name == "cy":
                w.level -= 1
                with w.indent("finally:"):
                    w("if gc_was:", "    PyGC_Enable()", "PyBuffer_Release(&view)")

    def entry_api(self, name: str, n: ir.Ref) -> None:
        """``decode_api_<name>(data, *, strict, relax, max_depth, max_pdu_size)``: the public
        signature, with the everyday call (bytes, default options) decoded
        here without a Python frame in between; any other call goes to
        ``SLOW[name]``, set by :class:`ldapber.Codec`, which parses options."""
        w, d = self.w, self.d
        w("", "")
        with w.indent(f"def decode_api_{name}(data, *, strict=True, relax=(), max_depth=DEFAULT_MAX_DEPTH, "
                      "max_pdu_size=DEFAULT_MAX_PDU_SIZE):"):
            w(f'"""Decode exactly one {name} from ``data``; see :meth:`ldapber.Codec.decode`."""')
            if d.name == "cy":
                w("cdef const unsigned char* b", "cdef Py_ssize_t s, u, n", "cdef int gc_was", "cdef bint rooted")
            with w.indent("if type(data) is not bytes or strict is not True or relax or "
                          "max_depth != DEFAULT_MAX_DEPTH or max_pdu_size != DEFAULT_MAX_PDU_SIZE:"):
                w(f"return SLOW[{name!r}](data, strict, relax, max_depth, max_pdu_size)")
            if d.name == "cy":
                w("cdef Ctx c = DEFAULT_CTX", "b = <const unsigned char*>PyBytes_AS_STRING(data)",
                  "n = PyBytes_GET_SIZE(data)", "gc_was = PyGC_Disable()", "try:")
                w.level += 1
            else:
                w("c = DEFAULT_CTX", "b = data", "n = len(b)")
            with self.region_root(name):
                w(f"s, u = top(b, n, {hx(n.tag)}, DEFAULT_MAX_PDU_SIZE)" if d.name == "py"  # type: ignore[arg-type]
                  else f"s = top(b, n, {hx(n.tag)}, DEFAULT_MAX_PDU_SIZE, &u)")  # type: ignore[arg-type]
                with w.indent("if u != n:"):
                    w("raise trailing_error(u, n)")
                self.root_call(f"v = d_{fn(n.unit)}(b, 0, s, u, c, 1, {self.k(n.cls)})")  # type: ignore[arg-type]
            w("return v")
            if d.name == "cy":
                w.level -= 1
                with w.indent("finally:"):
                    w("if gc_was:", "    PyGC_Enable()")

    def entry_stream(self, name: str, n: ir.Ref) -> None:
        """``stream_pdu(b, p, s, u, ctx)``, one ``name`` of a stream decoded
        from its bounds, and the module's ``StreamDecoder`` around it: the
        runtime's (``cstream.pxi`` included, or a subclass of
        ``pystream.PyStreamDecoder``)."""
        w, d = self.w, self.d
        call = f"v = d_{fn(n.unit)}(b, p, s, u, c, 1, {self.k(n.cls)})"  # type: ignore[arg-type]
        w("", "")
        header = ("cdef object stream_pdu(const unsigned char* b, Py_ssize_t p, Py_ssize_t s, Py_ssize_t u, Ctx c):"
                  if d.name == "cy" else "def stream_pdu(b, p, s, u, c):")
        with w.indent(header):
            self.root_call(call)
            w("return v")
        w("", "")
        if d.name == "cy":
            w('include "../_ber/cstream.pxi"')
            return
        w("", "")
        with w.indent("class StreamDecoder(PyStreamDecoder):"):
            w("__doc__ = PyStreamDecoder.__doc__", "__slots__ = ()", "_pdu = staticmethod(stream_pdu)")

    def root_call(self, call: str) -> None:
        """``call``, the decoding of an entry's outermost element from ``b``.
        Python: a header cut by the buffer's end raises IndexError (see the
        dialect's ``hdr``); decoding again over the padded buffer then
        raises the error the runtime reports for it."""
        w = self.w
        if self.d.name == "cy":
            w(call, "lb_expose(v)")  # the root is tracked; what is below it as Python code reads it (slots.h)
            return
        with w.indent("try:"):
            w(call)
        with w.indent("except IndexError:"):
            w("v = REDO")  # outside this handler: the error raised then has no IndexError context
        with w.indent("if v is REDO:"):
            w(call.replace("(b, ", "(b + PAD, ", 1))

    @contextmanager
    def region_root(self, root: str) -> Iterator[None]:
        """``try: <body> except DecodeError: name the root type; raise``.
        Compiled, a ``finally`` does it (see :meth:`function`): the body must
        not return, it falls through to the code after the region."""
        w = self.w
        if self.d.name == "cy":
            w("rooted = 1")
        w("try:")
        w.level += 1
        yield
        if self.d.name == "cy":
            w("rooted = 0")
        w.level -= 1
        if self.d.name == "cy":
            with w.indent("finally:"):
                with w.indent("if rooted:"):
                    w(f"set_root(DecodeError, {root!r})")
            return
        with w.indent("except DecodeError as x:"):
            w(f"x.root = {root!r}", "raise")

    def module(self, header: str, model_module: str, runtime: str) -> str:
        body_writer = self.w
        self.twin_module = model_module.removesuffix("_model") + "_py"
        for u in self.m.units:
            if isinstance(u, ir.SequenceUnit):
                self.sequence(u)
            elif isinstance(u, ir.SeqOfUnit):
                self.seqof(u)
            else:
                self.choice(u)
        entries = [e for e in self.m.entries if not (e.node.kind == "seqof" and any(c.name == e.name for c in self.m.classes))]
        for e in entries:
            self.entry(e)
        root = next((e for e in entries if e.name == self.m.stream_root), None)
        if root is not None:
            assert isinstance(root.node, ir.Ref) and root.node.kind == "sequence"
            self.entry_stream(root.name, root.node)
        w = CodeWriter()
        w(header)
        classes = sorted({c.name for c in self.m.classes} | {e.name for e in self.m.enums})
        if self.d.name == "cy":
            w("# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, binding=False, embedsignature=True, embedsignature.format=clinic")
            w("from cpython.buffer cimport PyObject_GetBuffer, PyBuffer_Release, PyBUF_SIMPLE", "")
            w(f'include "{runtime}"', "")
        else:
            w(f"from {runtime} import *  # noqa: F403")
            w("from ldapber._ber.pyfast import *  # noqa: F403")
            if self.m.stream_root:
                w("from ldapber._ber.pystream import PyStreamDecoder, envelop")
            w("")
        w(f"from {model_module} import (  # noqa: F401")
        with w.indent():
            for c in classes:
                w(f"{c},")
        w(")", "")
        for enum in self.m.enums:
            w(f"{'cdef tuple ' if self.d.name == 'cy' else ''}T_{enum.name} = enum_table({enum.name})")
        cdef = "cdef frozenset " if self.d.name == "cy" else ""
        ctuple = "cdef tuple " if self.d.name == "cy" else ""
        units = {u.key: u for u in self.m.units}
        for u in self.m.units:
            if isinstance(u, ir.ChoiceUnit):
                w(f"{ctuple}S_{fn(u.key)} = ({', '.join(a.cls for a in u.alts)}, UnknownAlternative)")
                w(f"{cdef}N_{fn(u.key)} = frozenset(({', '.join(hx(a.tag | 0x20) for a in u.alts)},))")
            elif isinstance(u, ir.SequenceUnit):  # the components' tags, which no extension may carry
                roots = sorted({t | 0x20 for f in u.fields for t in _field_tags(f.node, units)})
                w(f"{cdef}ROOTS_{fn(u.key)} = frozenset(({''.join(hx(t) + ', ' for t in roots)}))")
        if self.d.name == "cy":
            for c in sorted({c.name for c in self.m.classes}):
                w(f"cdef type K_{c} = {c}")
            # Lean deallocator and freelist for the decoded classes (slots.h).
            for c in sorted({c.name for c in self.m.classes}):
                w(f"lb_install(K_{c})")
            for layout, attr in sorted(self.slots):
                w(f"cdef Py_ssize_t OFF_{layout}_{attr} = lb_slot_offset({layout}.{attr})")
            # Packed value lists (slots.h): the slot's descriptor first; the
            # decoders and encoders use the packed form only where it took.
            for layout, attr in sorted({slot for slots in self.packed.values() for slot in slots}):
                w(f"cdef bint PACKED_{layout}_{attr} = lb_pack_slot(K_{layout}, OFF_{layout}_{attr}) == 1")
            for key, slots in sorted(self.packed.items()):
                w(f"cdef bint PACK_{fn(key)} = {' and '.join(f'PACKED_{la}_{at}' for la, at in sorted(slots))}")
            w(f"cdef tuple SEGS = {tuple(self.seg_names)!r}  # path segments by index (seg)")
        w.lines.extend(body_writer.lines)
        if self.d.name == "py":
            w.lines.extend(self.fast.functions())
            w.lines.extend(self.fast.tables())
        w("", "")
        w("DECODERS = {")
        with w.indent():
            for e in entries:
                w(f"{e.name!r}: decode_{e.name},")
        w("}")
        w("SLOW = {}  # name -> the Codec's option-parsing decode, for calls off the fast path")
        w("DECODE_API = {")
        with w.indent():
            for e in entries:
                if e.node.kind == "sequence":
                    w(f"{e.name!r}: decode_api_{e.name},")
        w("}")
        w("DECODE_MANY = {")
        with w.indent():
            for e in entries:
                if e.node.kind == "sequence":
                    w(f"{e.name!r}: decode_many_{e.name},")
        w("}")
        w("ENCODERS = {")
        with w.indent():
            for e in entries:
                w(f"{e.name!r}: encode_{e.name},")
        w("}")
        return w.text()


def emit_python(m: ir.CompiledModule, header: str, model_module: str) -> str:
    return _Emitter(m, PyDialect()).module(header, model_module, "ldapber._ber.pyruntime")


def emit_cython(m: ir.CompiledModule, header: str, model_module: str) -> str:
    return _Emitter(m, CyDialect()).module(header, model_module, "../_ber/cruntime.pxi")


def _field_tags(node: ir.RNode, units: dict[str, ir.Unit]) -> list[int]:
    """The identifier octets a component may start with: its tag, or an untagged CHOICE's alternatives'."""
    if node.tag is not None:
        return [node.tag]
    unit = units[node.unit] if isinstance(node, ir.Ref) else None
    return [a.tag for a in unit.alts] if isinstance(unit, ir.ChoiceUnit) else []


def packed_fields(m: ir.CompiledModule) -> dict[str, list[tuple[str, str]]]:
    """The SET OF / SEQUENCE OF units whose lone value the compiled decoders
    store bare (slots.h, packed value lists), each with the (layout, attr)
    slots it fills: lists of plain OCTET STRINGs (PartialAttribute.vals)
    whose only use is a SEQUENCE component, so that no entry point or other
    unit ever receives the bare value."""
    def packable(u: ir.Unit) -> bool:
        return (isinstance(u, ir.SeqOfUnit) and isinstance(u.element, ir.Prim) and u.element.kind == "octets"
                and not u.element.constrained and u.first_last is None and (u.lo is None or u.lo <= 1)
                and (u.hi is None or u.hi >= 1))

    fields: dict[str, list[tuple[str, str]]] = {u.key: [] for u in m.units if packable(u)}
    other: set[str] = {e.node.unit for e in m.entries if isinstance(e.node, ir.Ref)}
    other |= {e.name for e in m.entries}
    for u in m.units:
        if isinstance(u, ir.SequenceUnit):
            for f in u.fields:
                if isinstance(f.node, ir.Ref) and f.node.unit in fields:
                    fields[f.node.unit].append((u.layout, f.attr))
        elif isinstance(u, ir.SeqOfUnit):
            if isinstance(u.element, ir.Ref):
                other.add(u.element.unit)
        else:
            other |= {a.node.unit for a in u.alts if isinstance(a.node, ir.Ref)}
    return {key: slots for key, slots in fields.items() if slots and key not in other}

