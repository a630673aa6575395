"""Recursive-descent parser: tokens -> :mod:`syntax` tree.

It accepts the subset of X.680 that LDAP's modules use and nothing more; any
other construct is a :class:`CompileError` naming the line and column, so the
compiler never produces code for something it did not understand.
"""

from __future__ import annotations

from . import syntax as s
from .errors import CompileError
from .lexer import Token, tokenize

__all__ = ["parse_module"]

_TAG_CLASSES = ("UNIVERSAL", "APPLICATION", "PRIVATE")


class _Parser:
    def __init__(self, tokens: list[Token], filename: str) -> None:
        self.toks = tokens
        self.i = 0
        self.filename = filename

    # -- token helpers -------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def peek(self, k: int = 1) -> Token:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def error(self, message: str, tok: Token | None = None) -> CompileError:
        t = tok or self.tok
        return CompileError(message, self.filename, t.line, t.col)

    def at(self, text: str) -> bool:
        return self.tok.kind in ("word", "punct") and self.tok.text == text

    def accept(self, text: str) -> Token | None:
        if self.at(text):
            t = self.tok
            self.i += 1
            return t
        return None

    def expect(self, text: str) -> Token:
        t = self.accept(text)
        if t is None:
            found = self.tok.text or "end of file"
            raise self.error(f"expected {text!r}, found {found!r}")
        return t

    def word(self, what: str) -> Token:
        t = self.tok
        if t.kind != "word":
            raise self.error(f"expected {what}, found {t.text or 'end of file'!r}")
        self.i += 1
        return t

    def number(self) -> int:
        neg = self.accept("-") is not None
        t = self.tok
        if t.kind != "number":
            raise self.error(f"expected a number, found {t.text or 'end of file'!r}")
        self.i += 1
        return -int(t.text) if neg else int(t.text)

    # -- module ----------------------------------------------------------
    def module(self) -> s.Module:
        name = self.word("a module name").text
        oid: list[str] = []
        if self.accept("{"):
            while not self.accept("}"):
                oid.append(self.tok.text)
                self.i += 1
                if self.tok.kind == "eof":
                    raise self.error("unterminated module identifier")
        self.expect("DEFINITIONS")
        tag_default = "EXPLICIT"
        if self.tok.text in ("IMPLICIT", "EXPLICIT", "AUTOMATIC") and self.peek().text == "TAGS":
            if self.tok.text == "AUTOMATIC":
                raise self.error("AUTOMATIC TAGS is not supported")
            tag_default = self.tok.text
            self.i += 2
        implied = False
        if self.accept("EXTENSIBILITY"):
            self.expect("IMPLIED")
            implied = True
        self.expect("::=")
        self.expect("BEGIN")
        if self.at("IMPORTS") or self.at("EXPORTS"):
            raise self.error(f"{self.tok.text} is not supported")
        assignments: list[s.TypeAssignment | s.ValueAssignment] = []
        while not self.at("END"):
            if self.tok.kind == "eof":
                raise self.error("missing END")
            assignments.append(self.assignment())
        self.expect("END")
        if self.tok.kind != "eof":
            raise self.error("text after END")
        return s.Module(name, tuple(oid), tag_default, implied, tuple(assignments))

    def assignment(self) -> s.TypeAssignment | s.ValueAssignment:
        t = self.word("a type or value reference")
        if t.text[0].isupper():
            self.expect("::=")
            return s.TypeAssignment(t.text, self.type(), t.line, t.col)
        typ = self.type()
        self.expect("::=")
        return s.ValueAssignment(t.text, typ, self.value(), t.line, t.col)

    def value(self) -> object:
        t = self.tok
        if t.kind == "number" or t.text == "-":
            return self.number()
        if t.text in ("TRUE", "FALSE"):
            self.i += 1
            return t.text == "TRUE"
        if t.kind == "word" and t.text[0].islower():
            self.i += 1
            return t.text  # a value reference or a named number, resolved later
        raise self.error(f"unsupported value {t.text!r}")

    # -- types -----------------------------------------------------------
    def type(self) -> s.Node:
        start = self.tok
        if self.at("["):
            return self.tagged()
        node = self.builtin_or_ref()
        while self.at("("):
            node = self.constraint(node, start)
        return node

    def tagged(self) -> s.TaggedT:
        start = self.expect("[")
        tag_class = "CONTEXT"
        if self.tok.text in _TAG_CLASSES:
            tag_class = self.tok.text
            self.i += 1
        number = self.number()
        if number < 0:
            raise self.error("a tag number cannot be negative", start)
        self.expect("]")
        mode = None
        if self.tok.text in ("IMPLICIT", "EXPLICIT"):
            mode = self.tok.text
            self.i += 1
        return s.TaggedT(start.line, start.col, tag_class, number, mode, self.type())

    def builtin_or_ref(self) -> s.Node:
        t = self.tok
        if t.kind != "word":
            raise self.error(f"expected a type, found {t.text or 'end of file'!r}")
        kw = t.text
        self.i += 1
        if kw == "BOOLEAN":
            return s.BooleanT(t.line, t.col)
        if kw == "NULL":
            return s.NullT(t.line, t.col)
        if kw == "OCTET":
            self.expect("STRING")
            return s.OctetStringT(t.line, t.col)
        if kw == "INTEGER":
            named: list[tuple[str, int]] = []
            if self.accept("{"):
                named = self.named_numbers(allow_ellipsis=False)[0]
            return s.IntegerT(t.line, t.col, tuple(named))
        if kw == "ENUMERATED":
            self.expect("{")
            items, ext = self.named_numbers(allow_ellipsis=True)
            return s.EnumeratedT(t.line, t.col, tuple(items), ext)
        if kw == "CHOICE":
            return self.choice(t)
        if kw in ("SEQUENCE", "SET"):
            return self.sequence_or_set(t)
        if kw in _UNSUPPORTED:
            raise self.error(f"unsupported type {kw}", t)
        if kw[0].isupper():
            return s.RefT(t.line, t.col, kw)
        raise self.error(f"expected a type, found {kw!r}", t)

    def named_numbers(self, allow_ellipsis: bool) -> tuple[list[tuple[str, int]], bool]:
        items: list[tuple[str, int]] = []
        ext = False
        while True:
            if self.accept("..."):
                if not allow_ellipsis:
                    raise self.error("an extension marker is not allowed here")
                ext = True
            else:
                name = self.word("a named number")
                if not name.text[0].islower():
                    raise self.error("a named number must start with a lower-case letter", name)
                self.expect("(")
                items.append((name.text, self.number()))
                self.expect(")")
            if self.accept("}"):
                return items, ext
            self.expect(",")

    def choice(self, start: Token) -> s.ChoiceT:
        self.expect("{")
        alts: list[s.Alternative] = []
        ext = False
        while True:
            if self.accept("..."):
                ext = True
            else:
                name = self.word("an alternative name")
                alts.append(s.Alternative(name.text, self.type(), name.line, name.col))
            if self.accept("}"):
                return s.ChoiceT(start.line, start.col, tuple(alts), ext)
            self.expect(",")

    def sequence_or_set(self, start: Token) -> s.Node:
        kind = start.text
        size = None
        if self.at("SIZE"):
            self.i += 1
            size = self.size_body()
        elif self.at("(") and self.peek().text == "SIZE":
            self.i += 2
            size = self.size_body()
            self.expect(")")
        if self.accept("OF"):
            element_name = None
            if self.tok.kind == "word" and self.tok.text[0].islower():
                element_name = self.tok.text
                self.i += 1
            return s.SequenceOfT(start.line, start.col, kind, element_name, self.type(), size)
        if size is not None:
            raise self.error("a SIZE constraint needs SEQUENCE OF or SET OF")
        if kind == "SET":
            raise self.error("SET { ... } is not supported", start)
        self.expect("{")
        comps: list[s.Component | s.ComponentsOf] = []
        ext = False
        if self.accept("}"):
            return s.SequenceT(start.line, start.col, (), False)
        while True:
            t = self.tok
            if self.accept("..."):
                if ext:
                    raise self.error("a second extension marker is not supported", t)
                ext = True
            elif ext:
                raise self.error("extension additions in a SEQUENCE are not supported", t)
            elif self.accept("COMPONENTS"):
                self.expect("OF")
                comps.append(s.ComponentsOf(self.type(), t.line, t.col))
            else:
                name = self.word("a component name")
                if not name.text[0].islower():
                    raise self.error("a component name must start with a lower-case letter", name)
                typ = self.type()
                optional = False
                default = None
                if self.accept("OPTIONAL"):
                    optional = True
                elif self.accept("DEFAULT"):
                    default = self.value()
                comps.append(s.Component(name.text, typ, optional, default, name.line, name.col))
            if self.accept("}"):
                return s.SequenceT(start.line, start.col, tuple(comps), ext)
            self.expect(",")

    # -- constraints -----------------------------------------------------
    def bound(self) -> s.Bound:
        t = self.tok
        if t.text in ("MIN", "MAX"):
            self.i += 1
            return t.text
        if t.kind == "word" and t.text[0].islower():
            self.i += 1
            return t.text
        return self.number()

    def range_body(self) -> tuple[s.Bound, s.Bound]:
        lo = self.bound()
        if self.accept(".."):
            return lo, self.bound()
        return lo, lo

    def size_body(self) -> s.Size:
        self.expect("(")
        lo, hi = self.range_body()
        self.expect(")")
        return s.Size(lo, hi)

    def constraint(self, node: s.Node, start: Token) -> s.Node:
        open_tok = self.expect("(")
        if self.accept("SIZE"):
            size = self.size_body()
            self.expect(")")
            if isinstance(node, s.OctetStringT):
                return s.OctetStringT(node.line, node.col, size)
            if isinstance(node, s.SequenceOfT):
                return s.SequenceOfT(node.line, node.col, node.kind, node.element_name, node.element, size)
            raise self.error("SIZE applies only to OCTET STRING, SEQUENCE OF and SET OF", open_tok)
        if self.accept("WITH"):
            self.expect("COMPONENTS")
            self.expect("{")
            self.expect("...")
            sizes: list[tuple[str, s.Size]] = []
            while self.accept(","):
                name = self.word("a component name")
                self.expect("(")
                self.expect("SIZE")
                sizes.append((name.text, self.size_body()))
                self.expect(")")
            self.expect("}")
            self.expect(")")
            return s.WithComponentsT(start.line, start.col, node, tuple(sizes))
        if isinstance(node, s.IntegerT):
            lo, hi = self.range_body()
            self.expect(")")
            return s.IntegerT(node.line, node.col, node.named, lo, hi)
        raise self.error("unsupported constraint", open_tok)


_UNSUPPORTED = frozenset({
    "REAL", "BIT", "OBJECT", "EXTERNAL", "EMBEDDED", "ANY", "UTF8String",
    "IA5String", "PrintableString", "NumericString", "GeneralizedTime", "UTCTime",
    "RELATIVE-OID", "CLASS", "INSTANCE", "TYPE-IDENTIFIER", "ABSTRACT-SYNTAX",
})


def parse_module(text: str, filename: str = "<asn1>") -> s.Module:
    """Parse one ASN.1 module.  Raises :class:`CompileError` on anything else."""
    return _Parser(tokenize(text, filename), filename).module()
