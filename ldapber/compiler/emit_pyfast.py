"""Emit the pure-Python backend's fast encoders from the resolved IR.

The exact encoders (``e_*``, :mod:`emit_codec`) call a runtime helper per
primitive and write back to front, as the compiled ones do, so that both
backends report the same error for the same object.  In Python each call
costs more than the work it does, so the Python module also gets a second
family, ``x_*``, for the everyday object:

* primitives are written inline: exact type tests (``type(v) is str``),
  short headers and small INTEGERs from precomputed tables, attribute
  descriptions from a cache of whole elements;
* pieces go front to back into a list that is joined once; a constructed
  element reserves a slot for its header and fills it when its length is
  known, so a value is copied once, by the final join;
* the SEQUENCEs and SEQUENCE OFs a unit holds are written inline, a few
  levels deep, and so is a CHOICE of up to ten alternatives (a chain of
  class tests); a larger CHOICE, and the alternatives that contain their
  CHOICE again (Filter's and, or, not), dispatch on the value's class
  through a dict;
* sizes known when generating are counted once, not per element.

A fast encoder never reports errors: on anything it does not handle it
raises (``NotFast``, or whatever a failed operation raises), and the public
entry runs the exact encoder, which accepts every valid object and raises
the precise error.  It must therefore refuse at least what the exact
encoder refuses (every type, range, size and depth check is kept, or made
stricter), and produce the same bytes.  The tests hold both to that.

Generated functions (``K`` a unit key made into an identifier), where a
table or another function needs them (see :meth:`FastEncoders.functions`);
each appends to ``w`` and returns the number of octets it added:

* ``x_K(w, o, tag, depth)`` for a SEQUENCE or SEQUENCE OF;
* ``x_K(w, o, depth)`` for a CHOICE, through ``X_K = {class: (function, tag, class)}``;
* ``xa_K_<alt>(w, o, tag, depth)`` for a CHOICE alternative that wraps a value.
"""

from __future__ import annotations

import re

from . import ir
from .codewriter import CodeWriter
from .emit_common import ENUM_MAX, INT64_MAX, INT64_MIN, default_expr, fn, hx, range_test

__all__ = ["FastEncoders"]

#: What a fast encoder raises to leave an object to the exact one.
GIVE_UP = "raise NotFast"

#: How many levels of SEQUENCE / SEQUENCE OF / CHOICE are written into the
#: function of the unit that holds them, rather than called (recursion stops
#: at the dispatch table anyway: see :meth:`FastEncoders.choice_inline`).
INLINE_LEVELS = 4
#: A CHOICE with at most this many alternatives is written inline as a chain
#: of class tests; a larger one is dispatched through its table.
INLINE_ALTERNATIVES = 10


def depth_expr(offset: int) -> str:
    """``depth`` plus a constant, as Python."""
    return "depth" if offset == 0 else f"depth {'+' if offset > 0 else '-'} {abs(offset)}"


def recursive_units(m: ir.CompiledModule) -> set[str]:
    """The keys of the units that can contain themselves (Filter and the
    units of its and, or, not)."""
    def refs(u: ir.Unit) -> list[str]:
        if isinstance(u, ir.SequenceUnit):
            nodes = [f.node for f in u.fields]
        elif isinstance(u, ir.SeqOfUnit):
            nodes = [u.element]
        else:
            nodes = [a.node for a in u.alts]
        return [n.unit for n in nodes if isinstance(n, ir.Ref)]

    edges = {u.key: refs(u) for u in m.units}
    found = set()
    for start in edges:
        seen: set[str] = set()
        todo = list(edges[start])
        while todo:
            key = todo.pop()
            if key == start:
                found.add(start)
                break
            if key not in seen:
                seen.add(key)
                todo.extend(edges.get(key, ()))
    return found


_NAMES = re.compile(r"\b(?:x|xa|X)_\w+")


def names_used(lines: list[str]) -> set[str]:
    """The fast encoders' functions and tables that ``lines`` mention."""
    return {name for line in lines for name in _NAMES.findall(line)}


class Scope:
    """The variables of one element being written: the function's own
    (level 0) or those of a unit written inline at ``level``.  ``depth`` is
    the unit's nesting depth relative to the function's ``depth``."""

    def __init__(self, level: int, depth: int, obj: str) -> None:
        self.level = level
        self.depth = depth
        self.o = obj  # the value being encoded
        suffix = str(level) if level else ""
        self.i = "i" + suffix  # its header slot in w
        self.k = "k" + suffix  # octets of contents so far
        self.v = "v" + suffix  # the component in hand
        self.j = "j" + suffix
        # Octets of contents known when generating (always-present elements
        # of fixed size, and the headers of always-present short strings):
        # counted once, in the line that sets k (line number ``init``).
        self.fixed = 0
        self.init = -1

    def inner(self, obj: str) -> Scope:
        return Scope(self.level + 1, self.depth + 1, obj)


class FastEncoders:
    """Writes the ``x_*`` functions of one module and the tables they use."""

    def __init__(self, m: ir.CompiledModule) -> None:
        self.m = m
        self.w = CodeWriter()
        self.tags: set[int] = set()  # every tag a short header is taken for
        self.int_tags: set[int] = set()  # INTEGER/ENUMERATED tags with a small-value table
        self.bool_tags: set[int] = set()
        self.text_caches: set[int] = set()  # tags of interned text, each with a cache of elements
        self.units = {u.key: u for u in m.units}
        self.recursive = recursive_units(m)
        self.current: ir.SequenceUnit | ir.SeqOfUnit | None = None  # the unit whose body is being written
        self.top = False  # writing an entry's own element (see close_slot)
        self.deepest = -1
        self.depth_line = -1
        self.entry_depth = 1  # the deepest unit an entry writes inline
        self.tables_by_key: dict[str, list[tuple[str, str, int]]] = {}  # X_K: [(class, function, tag)]
        self.defs: list[tuple[str, int, int]] = []  # (function, first line, end line) in self.w
        self.root_refs: set[str] = set()  # what the entries use
        self.used: set[str] = set()  # the functions and tables written (see functions)

    # -- constructed elements --------------------------------------------------------
    def open_slot(self, sc: Scope, outer: Scope | None) -> None:
        """The checks, and a header slot for the element of ``sc``.

        The depth is checked once per function, for the deepest unit it
        writes inline (see :meth:`check_depth`); an entry is at depth 1,
        which the module checks once, when it is imported."""
        w = self.w
        function = outer is None and not self.top
        self.deepest = max(self.deepest, sc.depth)
        tests = ["depth > ENC_MAX_DEPTH"] if function else []
        if isinstance(self.current, ir.SeqOfUnit):
            tests.append(f"(type({sc.o}) is not list and type({sc.o}) is not tuple)")
        if function:
            self.depth_line = len(w.lines)
        if tests:
            with w.indent(f"if {' or '.join(tests)}:"):
                w(GIVE_UP)
        if isinstance(self.current, ir.SeqOfUnit):
            size = range_test(f"len({sc.o})", self.current.lo, self.current.hi)
            if size:
                with w.indent(f"if {size}:"):
                    w(GIVE_UP)
        if self.top:  # the entry's own element: its slot is the first piece
            w("w = [None]", f"{sc.i} = 0")
        else:
            w(f"{sc.i} = len(w)", "w.append(None)")
        self.init_count(sc)

    def init_count(self, sc: Scope) -> None:
        """``k = 0``, to be given the fixed count by :meth:`fix_count`."""
        sc.init = len(self.w.lines)
        self.w(f"{sc.k} = 0")

    def fix_count(self, sc: Scope) -> None:
        if sc.fixed:
            line = self.w.lines[sc.init]
            self.w.lines[sc.init] = line.replace(f"{sc.k} = 0", f"{sc.k} = {sc.fixed}")

    def close_slot(self, sc: Scope, tag: str, outer: Scope | None) -> None:
        """Fill the header slot; then return the element's size (a function),
        add it to the enclosing element's count (``outer``, inline), or
        return the joined pieces (``self.top``, an entry)."""
        w = self.w
        heads = f"H[{tag}]" if outer is None and not self.top else f"H_{tag[2:]}"
        # Short form from the table; 128..255 octets (common: a search
        # entry, a whole message) built here; longer ones by head_at.
        with w.indent(f"if {sc.k} < 0x80:"):
            w(f"w[{sc.i}] = {heads}[{sc.k}]")
            if not self.top:
                w(f"return {sc.k} + 2" if outer is None else f"{outer.k} += {sc.k} + 2")
        with w.indent(f"elif {sc.k} < 0x100:"):
            w(f"w[{sc.i}] = bytes(({tag}, 0x81, {sc.k}))")
            if not self.top:
                w(f"return {sc.k} + 3" if outer is None else f"{outer.k} += {sc.k} + 3")
        if self.top:
            with w.indent("else:"):
                w(f"head_at(w, {sc.i}, {tag}, {sc.k})")
            w('return b"".join(w)')
        elif outer is None:
            w(f"return head_at(w, {sc.i}, {tag}, {sc.k})")
        else:
            with w.indent("else:"):
                w(f"{outer.k} += head_at(w, {sc.i}, {tag}, {sc.k})")

    def body(self, u: ir.SequenceUnit | ir.SeqOfUnit, sc: Scope, tag: str, outer: Scope | None) -> None:
        """The element for ``sc.o``, a value of ``u`` tagged ``tag``."""
        saved, self.current = self.current, u
        self.open_slot(sc, outer)
        top, self.top = self.top, False
        if isinstance(u, ir.SequenceUnit):
            self.sequence_contents(u, sc)
        else:
            self.seqof_contents(u, sc)
        self.fix_count(sc)
        self.current = saved
        self.top = top
        self.close_slot(sc, tag, outer)

    def start_function(self) -> None:
        self.deepest = -1  # the deepest unit written so far, relative to ``depth``
        self.depth_line = -1  # the line of the function's own depth test, if it has one

    def check_depth(self, own: int) -> None:
        """Make the function's depth test cover the deepest unit it writes
        inline; ``own`` is where to insert one when it has none (-1: it
        must have one if it writes any unit)."""
        if self.deepest < 0:
            return
        limit = "ENC_MAX_DEPTH" + (f" - {self.deepest}" if self.deepest else "")
        if self.depth_line >= 0:
            line = self.w.lines[self.depth_line]
            self.w.lines[self.depth_line] = line.replace("depth > ENC_MAX_DEPTH", f"depth > {limit}")
            return
        assert own >= 0
        indent = self.w.unit * self.w.level
        self.w.lines[own:own] = [f"{indent}if depth > {limit}:", f"{indent}{self.w.unit}{GIVE_UP}"]

    def entry(self, w: CodeWriter, n: ir.Ref) -> None:
        """The fast path of ``encode_<Entry>(o)``, written into ``w``: returns
        the encoding, or raises to leave ``o`` to the exact encoder."""
        self.w, saved = w, self.w
        first = len(w.lines)
        if n.kind == "choice":
            w("w = []", f"x_{fn(n.unit)}(w, o, 0)", 'return b"".join(w)')
        else:
            assert n.tag is not None
            self.tags.add(n.tag)
            if n.kind == "sequence":
                with w.indent(f"if type(o) is not {n.cls}:"):
                    w(GIVE_UP)
            unit = self.units[n.unit]
            assert isinstance(unit, (ir.SequenceUnit, ir.SeqOfUnit))
            w("depth = 1")
            self.top = True
            self.start_function()
            self.body(unit, Scope(0, 0, "o"), hx(n.tag), None)
            self.entry_depth = max(self.entry_depth, 1 + self.deepest)
            self.top = False
        self.root_refs |= names_used(w.lines[first:])
        self.w = saved

    def sequence_contents(self, u: ir.SequenceUnit, sc: Scope) -> None:
        w = self.w
        for f in u.fields:
            w(f"{sc.v} = {sc.o}.{f.attr}")
            if f.optional:
                cond: str | None = f"{sc.v} is not None"
            elif f.has_default:
                cond = f"{sc.v} is not {f.default}" if isinstance(f.default, bool) else f"{sc.v} != {default_expr(f)}"
            else:
                cond = None
            if cond is None:
                self.put(f.node, sc.v, sc, static=True)
                continue
            with w.indent(f"if {cond}:"):
                self.put(f.node, sc.v, sc)
        with w.indent(f"if {sc.o}.extensions is not EMPTY:"):
            w(f"{sc.k} += put_exts_fast(w, {sc.o}.extensions)")

    def seqof_contents(self, u: ir.SeqOfUnit, sc: Scope) -> None:
        w = self.w
        if not u.first_last:
            with w.indent(f"for {sc.v} in {sc.o}:"):
                self.put(u.element, sc.v, sc)
            return
        # The exact encoder's order_check, folded into the loop: the first
        # class only at [0], the last only at [-1] (so each at most once).
        el = u.element
        assert isinstance(el, ir.Ref) and el.kind == "choice" and el.tag is None
        first, last = u.first_last
        j = sc.j
        w(f"{j} = 0", f"{j}_end = len({sc.o})")
        with w.indent(f"for {sc.v} in {sc.o}:"):
            w(f"{j} += 1")  # the item's position, from 1
            choice = self.units[el.unit]
            assert isinstance(choice, ir.ChoiceUnit)
            if sc.level < INLINE_LEVELS and len(choice.alts) <= INLINE_ALTERNATIVES:
                self.choice_inline(choice, sc.v, sc, guards={first: f"{j} != 1", last: f"{j} != {j}_end"})
                return
            w(f"c = type({sc.v})")
            with w.indent(f"if (c is {first} and {j} != 1) or (c is {last} and {j} != {j}_end):"):
                w(GIVE_UP)
            self.dispatch(fn(el.unit), sc.v, depth_expr(sc.depth + 1), f"{sc.k} += ", typed=True)

    def dispatch(self, key: str, var: str, depth: str, result: str, typed: bool = False) -> None:
        """Encode ``var`` through the CHOICE's table: ``result`` takes the
        size (``k += `` or ``return ``).  The table holds each class too,
        and the class found must be the value's own: a lookup also matches
        a key that merely compares equal (a user metaclass's __eq__)."""
        w = self.w
        if not typed:
            w(f"c = type({var})")
        w(f"f, t, e = X_{key}[c]  # KeyError: a subclass or an unknown alternative")
        with w.indent("if e is not c:"):
            w(GIVE_UP)
        w(f"{result}f(w, {var}, t, {depth})")

    # -- components ------------------------------------------------------------------
    def put(self, node: ir.RNode, var: str, sc: Scope, static: bool = False) -> None:
        """Append the element for ``var`` (of type ``node``), a component of
        the element of ``sc``, and add its size to ``sc.k``.  As in the exact
        encoder, an untagged CHOICE is at the depth of ``sc`` and any other
        unit one level below.  ``static``: the element is always written (not
        optional, in no loop or branch), so a fixed part of its size can go
        to ``sc.fixed``."""
        w = self.w
        tag = node.tag
        if isinstance(node, ir.Prim):
            assert tag is not None
            self.prim(node, tag, var, sc, static)
            return
        unit = self.units[node.unit]
        inline = sc.level < INLINE_LEVELS
        if isinstance(unit, ir.ChoiceUnit):
            inline = inline and len(unit.alts) <= INLINE_ALTERNATIVES
            if tag is None:
                # Dispatched here rather than through x_K: the depth x_K
                # would check is the enclosing element's, checked already.
                if inline:
                    self.choice_inline(unit, var, sc)
                else:
                    self.dispatch(fn(unit.key), var, depth_expr(sc.depth + 1), f"{sc.k} += ")
                return
            # An explicit tag around the CHOICE: a header slot of its own,
            # for the CHOICE one level down.
            self.tags.add(tag)
            inner = sc.inner(var)
            self.deepest = max(self.deepest, inner.depth)
            w(f"{inner.i} = len(w)", "w.append(None)")
            if inline:
                self.init_count(inner)
                self.choice_inline(unit, var, inner)
                self.fix_count(inner)
            else:
                w(f"{inner.k} = x_{fn(unit.key)}(w, {var}, {depth_expr(inner.depth)})")
            self.close_slot(inner, hx(tag), sc)
            return
        assert tag is not None
        self.tags.add(tag)
        if node.kind == "sequence":
            with w.indent(f"if type({var}) is not {node.cls}:"):
                w(GIVE_UP)
        if inline:
            self.body(unit, sc.inner(var), hx(tag), sc)
        else:
            w(f"{sc.k} += x_{fn(unit.key)}(w, {var}, {hx(tag)}, {depth_expr(sc.depth + 1)})")

    def choice_inline(self, u: ir.ChoiceUnit, var: str, sc: Scope, guards: dict[str, str] | None = None) -> None:
        """A CHOICE (at the depth of ``sc``) as a chain of class tests; an
        alternative that contains the CHOICE again (Filter's and, or, not)
        goes through the dispatch table, so the code stays finite.
        ``guards``: per class, a condition under which to give up."""
        w = self.w
        w(f"c = type({var})")
        inline = [a for a in u.alts if not (isinstance(a.node, ir.Ref) and a.node.unit in self.recursive)]
        assert not guards or len(inline) == len(u.alts)
        for n, a in enumerate(inline):
            self.tags.add(a.tag)
            with w.indent(f"{'el' if n else ''}if c is {a.cls}:"):
                if guards and a.cls in guards:
                    with w.indent(f"if {guards[a.cls]}:"):
                        w(GIVE_UP)
                if isinstance(a.node, ir.Ref) and a.node.kind == "sequence" and a.wrap_attr is None:
                    seq = self.units[a.node.unit]
                    assert isinstance(seq, ir.SequenceUnit)
                    self.body(seq, sc.inner(var), hx(a.tag), sc)
                    continue
                value = f"{sc.v}a"
                w(f"{value} = {f'{var}.{a.wrap_attr}' if a.wrap_attr else 'None'}")
                self.put(a.node, value, sc)
        with w.indent("else:"):
            if len(inline) < len(u.alts):
                self.dispatch(fn(u.key), var, depth_expr(sc.depth + 1), f"{sc.k} += ", typed=True)
            else:
                w(GIVE_UP + "  # a subclass or an unknown alternative")

    def prim(self, node: ir.Prim, tag: int, v: str, sc: Scope, static: bool) -> None:
        w = self.w
        kind = node.kind
        t = hx(tag)
        k_var = sc.k

        def count(size: int, expr: str = "") -> str:
            """Add ``expr`` + ``size`` octets: the constant at generation
            time when ``static``; returns what to subtract from a size
            computed at run time instead (on a rarer branch)."""
            if static:
                sc.fixed += size
                if expr:
                    w(f"{k_var} += {expr}")
                return f" - {size}"
            w(f"{k_var} += {expr + ' + ' if expr else ''}{size}")
            return ""

        if kind == "text" and node.interned:
            # Attribute descriptions repeat: their whole elements are cached.
            self.tags.add(tag)
            self.text_caches.add(tag)
            with w.indent(f"if type({v}) is not str:"):
                w(GIVE_UP)
            w(f"d = TX_{t[2:]}.get({v})")
            with w.indent("if d is None:"):
                w(f"d = text_element(TX_{t[2:]}, {t}, {v})")
            w("w.append(d)", f"{k_var} += len(d)")
        elif kind in ("text", "octets"):
            self.tags.add(tag)
            with w.indent(f"if type({v}) is not {'str' if kind == 'text' else 'bytes'}:"):
                w(GIVE_UP)
            if kind == "text" and node.oid:  # not a numericoid: the exact encoder says so
                with w.indent(f"if NUMERICOID_TEXT.fullmatch({v}) is None:"):
                    w(GIVE_UP)
            d = v
            if kind == "text":
                w(f"d = {v}.encode()")
                d = "d"
            w(f"n = len({d})")
            test = range_test("n", node.lo, node.hi) if kind == "octets" else None
            if test:
                with w.indent(f"if {test}:"):
                    w(GIVE_UP)
            # Header and value as two pieces: cheaper than concatenating them.
            with w.indent("if n < 0x80:"):
                w(f"w.append(H_{t[2:]}[n])", f"w.append({d})")
                less = count(2, "n")
            with w.indent("else:"):
                w(f"{k_var} += put_long(w, {t}, {d}){less}")
        elif kind in ("integer", "enumerated"):
            if kind == "integer":
                lo = INT64_MIN if node.lo is None else node.lo
                hi = INT64_MAX if node.hi is None else node.hi
                with w.indent(f"if type({v}) is not int:"):
                    w(GIVE_UP)
            else:
                lo, hi = 0, ENUM_MAX
                assert node.enum is not None
                with w.indent(f"if type({v}) is not {node.enum.name} and type({v}) is not int:"):
                    w(GIVE_UP)
            small_lo, small_hi = max(lo, 0), min(hi, 0x7F)
            if small_lo <= small_hi:  # a table of whole elements for small values
                self.int_tags.add(tag)
                # ``not v >> 7`` is ``0 <= v <= 127`` in fewer steps.
                small = f"not {v} >> 7" if (small_lo, small_hi) == (0, 0x7F) else f"{small_lo} <= {v} <= {small_hi}"
                with w.indent(f"if {small}:"):
                    w(f"w.append(I_{t[2:]}[{v}])")
                    less = count(3)
                with w.indent("else:"):
                    w(f"{k_var} += put_int_long(w, {t}, {v}, {lo}, {hi}){less}")
            else:
                w(f"{k_var} += put_int_long(w, {t}, {v}, {lo}, {hi})")
        elif kind == "boolean":
            self.bool_tags.add(tag)
            with w.indent(f"if type({v}) is not bool:"):
                w(GIVE_UP)
            w(f"w.append(B_{t[2:]}[{v}])")
            count(3)
        elif kind == "null":
            self.tags.add(tag)
            if v != "None":
                with w.indent(f"if {v} is not None:"):
                    w(GIVE_UP)
            w(f"w.append(H_{t[2:]}[0])")
            count(2)
        else:  # pragma: no cover - the resolver produces no other kinds
            raise AssertionError(kind)

    # -- units -----------------------------------------------------------------------
    def unit_function(self, u: ir.SequenceUnit | ir.SeqOfUnit) -> None:
        w = self.w
        start = len(w.lines)
        w("", "")
        with w.indent(f"def x_{fn(u.key)}(w, o, tag, depth):"):
            self.start_function()
            self.body(u, Scope(0, 0, "o"), "tag", None)
            self.check_depth(-1)
        self.defs.append((f"x_{fn(u.key)}", start, len(w.lines)))

    def choice(self, u: ir.ChoiceUnit) -> None:
        w = self.w
        key = fn(u.key)
        table = []
        for a in u.alts:
            self.tags.add(a.tag)
            if isinstance(a.node, ir.Ref) and a.node.kind == "sequence" and a.wrap_attr is None:
                table.append((a.cls, f"x_{fn(a.node.unit)}", a.tag))
                continue
            name = f"xa_{key}_{fn(a.asn1)}"
            table.append((a.cls, name, a.tag))
            start = len(w.lines)
            w("", "")
            with w.indent(f"def {name}(w, o, tag, depth):"):
                self.start_function()
                if a.wrap_attr and isinstance(a.node, ir.Ref) and a.node.kind == "seqof":
                    # A wrapped list (and, or): its loop here, one call fewer.
                    seqof = self.units[a.node.unit]
                    assert isinstance(seqof, ir.SeqOfUnit)
                    w(f"o = o.{a.wrap_attr}")
                    self.body(seqof, Scope(0, 0, "o"), "tag", None)
                    self.check_depth(-1)
                    self.defs.append((name, start, len(w.lines)))
                    continue
                # The alternative's depth is the CHOICE's plus one (see x_K);
                # a value of no unit needs no depth test (the CHOICE's is done).
                own = len(w.lines)
                sc = Scope(0, -1, "o")
                self.init_count(sc)
                w(f"{sc.v} = {f'o.{a.wrap_attr}' if a.wrap_attr else 'None'}")
                self.put(a.node, sc.v, sc, static=True)
                self.fix_count(sc)
                w(f"return {sc.k}")
                self.check_depth(own)
            self.defs.append((name, start, len(w.lines)))
        self.tables_by_key[key] = table
        start = len(w.lines)
        w("", "")
        with w.indent(f"def x_{key}(w, o, depth):"):
            with w.indent("if depth > ENC_MAX_DEPTH:"):
                w(GIVE_UP)
            self.dispatch(key, "o", "depth + 1", "return ")
        self.defs.append((f"x_{key}", start, len(w.lines)))

    # -- the whole module ----------------------------------------------------------
    def functions(self) -> list[str]:
        """The ``x_*`` functions the entries need, directly or not (after
        every :meth:`entry`); a unit whose every use was written inline
        gets none."""
        self.tags.update(e.node.tag for e in self.m.entries if e.node.tag is not None)
        for u in self.m.units:
            if isinstance(u, ir.ChoiceUnit):
                self.choice(u)
            else:
                self.unit_function(u)
        lines = self.w.lines
        refs = {name: names_used(lines[a:b]) - {name} for name, a, b in self.defs}
        refs.update({f"X_{key}": {func for _, func, _ in table} for key, table in self.tables_by_key.items()})
        todo = list(self.root_refs)
        while todo:
            name = todo.pop()
            if name not in self.used:
                self.used.add(name)
                todo.extend(refs.get(name, ()))
        return [line for name, a, b in self.defs if name in self.used for line in lines[a:b]]

    def tables(self) -> list[str]:
        """The constants the functions use (after :meth:`functions`)."""
        w = CodeWriter()
        w("", "")
        w("# Fast encoders' tables: short headers by tag and length, whole small")
        w("# INTEGER elements, BOOLEAN elements indexed by the value.")
        # The entries test no depth: they write units down to this one.
        with w.indent(f"if ENC_MAX_DEPTH < {self.entry_depth}:  # pragma: no cover"):
            w('raise ImportError("ENC_MAX_DEPTH is below what the entries write inline")')
        w(f"H = short_heads(({', '.join(hx(t) for t in sorted(self.tags | self.int_tags))},))")
        for t in sorted(self.tags):
            w(f"H_{hx(t)[2:]} = H[{hx(t)}]")
        for t in sorted(self.int_tags):
            w(f"I_{hx(t)[2:]} = small_ints({hx(t)})")
        for t in sorted(self.text_caches):
            w(f"TX_{hx(t)[2:]} = {{}}  # str -> its whole element (see text_element)")
        for t in sorted(self.bool_tags):
            w(f"B_{hx(t)[2:]} = (bytes(({hx(t)}, 1, 0x00)), bytes(({hx(t)}, 1, 0xFF)))")
        for key, table in self.tables_by_key.items():
            if f"X_{key}" not in self.used:
                continue
            w(f"X_{key} = {{")
            with w.indent():
                for cls, func, tag in table:
                    w(f"{cls}: ({func}, {hx(tag)}, {cls}),")
            w("}")
        return w.lines
