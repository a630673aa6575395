"""Search filters in their string form (RFC 4515), both ways.

:func:`parse_filter` turns ``(&(objectClass=person)(cn=Jo*n))`` into the
Filter objects of the model; :func:`filter_to_string` (also ``str()`` of any
filter object) writes them back.  ``parse_filter(filter_to_string(f)) == f``
for every filter that has a string form.

Values are bytes (assertion values are OCTET STRINGs): unescaped text is
taken as UTF-8, ``\\XX`` escapes give any byte.  On output NUL, ``*``, ``(``,
``)``, ``\\``, control characters and every non-ASCII byte are escaped, so
the result is plain ASCII.  ``(&)`` and ``(|)`` (RFC 4526 absolute true and
false) parse to an empty And / Or.  As ldapsearch does, an item without
parentheses (``cn=foo``) is accepted.
"""

from __future__ import annotations

import re

from .._ber.pyruntime import DEFAULT_MAX_DEPTH
from .._generated.rfc4511_model import (
    And,
    Any,
    ApproxMatch,
    EqualityMatch,
    Filter,
    Final,
    GreaterOrEqual,
    Initial,
    LessOrEqual,
    MatchingRuleAssertion,
    Not,
    Or,
    Present,
    Substring,
    SubstringFilter,
)
from ..errors import LDAPBERError

__all__ = ["FILTER_MAX_DEPTH", "FilterSyntaxError", "parse_filter", "filter_to_string", "escape_filter_value"]

#: How deep :func:`parse_filter` nests filters by default (a lone item is 1):
#: the deepest filter that a SearchRequest carries within the codec's
#: DEFAULT_MAX_DEPTH (LDAPMessage and SearchRequest take the first two
#: levels), so that whatever parses also encodes and decodes.
FILTER_MAX_DEPTH = DEFAULT_MAX_DEPTH - 2

# attributedescription = attributetype options (RFC 4512 2.5): a descr or a
# numericoid, then ;options.
_ATTR = re.compile(r"(?:[A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\.[0-9]+)*)(?:;[A-Za-z0-9-]+)*")
_RULE = re.compile(r"[A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\.[0-9]+)*")
_SPECIAL = frozenset(b"\x00*()\\")


class FilterSyntaxError(LDAPBERError, ValueError):
    """A filter string that RFC 4515 does not allow; ``position`` is the
    index in the string where reading stopped."""

    def __init__(self, message: str, text: str, position: int) -> None:
        super().__init__(f"{message} at position {position}: {text!r}")
        self.message = message
        self.text = text
        self.position = position


def escape_filter_value(value: bytes) -> str:
    """The RFC 4515 ``valueencoding`` of ``value``, in printable ASCII."""
    out = []
    for byte in value:
        if byte in _SPECIAL or byte < 0x20 or byte >= 0x7F:
            out.append(f"\\{byte:02x}")
        else:
            out.append(chr(byte))
    return "".join(out)


class _Parser:
    def __init__(self, text: str, max_depth: int) -> None:
        self.text = text
        self.i = 0
        self.max_depth = max_depth

    def error(self, message: str, at: int | None = None) -> FilterSyntaxError:
        return FilterSyntaxError(message, self.text, self.i if at is None else at)

    def expect(self, ch: str) -> None:
        if self.i >= len(self.text) or self.text[self.i] != ch:
            found = repr(self.text[self.i]) if self.i < len(self.text) else "the end"
            raise self.error(f"expected {ch!r}, found {found}")
        self.i += 1

    def peek(self) -> str:
        return self.text[self.i] if self.i < len(self.text) else ""

    def filter(self) -> Filter:
        """The parenthesized filter at ``i``.  Open and/or/not wait on a list,
        not on the interpreter's stack, so ``max_depth`` alone bounds nesting."""
        open_sets: list[tuple[str, list[Filter]]] = []  # (operator, items so far), outermost first
        while True:
            if len(open_sets) >= self.max_depth:
                raise self.error(f"filter nested deeper than {self.max_depth}")
            self.expect("(")
            op = self.peek()
            done: Filter | None
            if op in ("&", "|", "!"):
                self.i += 1
                open_sets.append((op, []))
                if op == "!" or self.peek() == "(":
                    continue  # read the first item
                done = None  # (&) or (|): closes at once, empty
            else:
                done = self.item(")")
                self.expect(")")
            while True:  # hand the finished filter to the set around it, closing every set that ends here
                if done is not None:
                    if not open_sets:
                        return done
                    op, items = open_sets[-1]
                    items.append(done)
                    if op != "!" and self.peek() == "(":
                        break
                op, items = open_sets.pop()
                self.expect(")")
                done = Not(items[0]) if op == "!" else And(items) if op == "&" else Or(items)

    def item(self, stop: str) -> Filter:
        """``simple / present / substring / extensible`` up to ``stop``."""
        start = self.i
        end = self.text.find(stop, start) if stop else len(self.text)
        if end < 0:
            raise self.error("unterminated filter item", len(self.text))
        # The value may not contain an unescaped ')' so the first one ends it;
        # the operator is the first '=' (attribute names cannot hold one).
        eq = self.text.find("=", start, end)
        if eq < 0:
            raise self.error("expected an operator (=, ~=, >=, <=, :=)", end)
        left, op = self.text[start:eq], "="
        if left.endswith(("~", ">", "<", ":")):
            op = left[-1] + "="
            left = left[:-1]
        value_at = eq + 1
        raw = self.text[value_at:end]
        self.i = end
        if op == ":=":
            return self.extensible(left, start, raw, value_at)
        if not _ATTR.fullmatch(left):
            raise self.error("invalid attribute description", start)
        if op == "=":
            pieces = self.split_stars(raw, value_at)
            if len(pieces) == 1:
                return EqualityMatch(left, pieces[0])
            if len(pieces) == 2 and pieces == [b"", b""]:
                return Present(left)
            subs: list[Substring] = []
            if pieces[0]:
                subs.append(Initial(pieces[0]))
            subs.extend(Any(p) for p in pieces[1:-1])
            if pieces[-1]:
                subs.append(Final(pieces[-1]))
            return SubstringFilter(left, subs)
        value = self.unescape(raw, value_at)
        if op == "~=":
            return ApproxMatch(left, value)
        return GreaterOrEqual(left, value) if op == ">=" else LessOrEqual(left, value)

    def extensible(self, left: str, start: int, raw: str, value_at: int) -> MatchingRuleAssertion:
        parts = left.split(":")
        attr = parts[0] or None
        if attr is not None and not _ATTR.fullmatch(attr):
            raise self.error("invalid attribute description", start)
        rest = parts[1:]
        dn = bool(rest) and rest[0].lower() == "dn"
        if dn:
            rest = rest[1:]
        rule = None
        if rest:
            if len(rest) != 1 or not _RULE.fullmatch(rest[0]):
                raise self.error("invalid matching rule", start)
            rule = rest[0]
        if attr is None and rule is None:
            raise self.error("an extensible match needs an attribute or a matching rule", start)
        return MatchingRuleAssertion(matching_rule=rule, type=attr, match_value=self.unescape(raw, value_at),
                                     dn_attributes=dn)

    def split_stars(self, raw: str, at: int) -> list[bytes]:
        pieces, cur, j = [], at, 0
        for j, ch in enumerate(raw):
            if ch == "*":
                pieces.append(self.unescape(raw[cur - at:j], cur))
                cur = at + j + 1
        pieces.append(self.unescape(raw[cur - at:], cur))
        return pieces

    def unescape(self, raw: str, at: int) -> bytes:
        out = bytearray()
        j = 0
        while j < len(raw):
            ch = raw[j]
            if ch == "\\":
                pair = raw[j + 1:j + 3]
                if len(pair) != 2 or not all(c in "0123456789abcdefABCDEF" for c in pair):
                    raise self.error("a backslash must be followed by two hex digits", at + j)
                out.append(int(pair, 16))
                j += 3
                continue
            if ch in "()\x00":
                raise self.error(f"{ch!r} must be escaped in a value", at + j)
            if "\ud800" <= ch <= "\udfff":
                raise self.error("a lone surrogate is not a character", at + j)
            out += ch.encode("utf-8")
            j += 1
        return bytes(out)


def parse_filter(text: str, *, max_depth: int = FILTER_MAX_DEPTH) -> Filter:
    """Parse an RFC 4515 filter string into Filter objects.

    Raises :class:`FilterSyntaxError` (a ValueError) naming the position.
    """
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    stripped = text.strip()
    p = _Parser(stripped, max_depth)
    if not stripped.startswith("("):  # ldapsearch style: cn=foo
        result = p.item("")
    else:
        result = p.filter()
    if p.i != len(stripped):
        raise p.error("text after the filter")
    return result


def filter_to_string(f: object) -> str:
    """The RFC 4515 string form of a Filter object.

    Raises ValueError for what has no string form: an UnknownAlternative, or
    a substring filter with an empty ``initial``/``final`` (which the string
    form cannot tell from an absent one).
    """
    out: list[str] = []
    stack: list[object] = [f]
    while stack:  # iterative: a deep filter cannot exhaust the stack
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, (And, Or)):
            out.append("(&" if isinstance(item, And) else "(|")
            stack.append(")")
            stack.extend(reversed(item.filters))
        elif isinstance(item, Not):
            out.append("(!")
            stack.append(")")
            stack.append(item.value)
        else:
            out.append(_item_to_string(item))
    return "".join(out)


def _item_to_string(f: object) -> str:
    if isinstance(f, Present):
        return f"({f.value}=*)"
    for cls, op in ((EqualityMatch, "="), (ApproxMatch, "~="), (GreaterOrEqual, ">="), (LessOrEqual, "<=")):
        if type(f) is cls:
            return f"({f.attribute_desc}{op}{escape_filter_value(f.assertion_value)})"  # type: ignore[attr-defined]
    if isinstance(f, SubstringFilter):
        subs = list(f.substrings)
        text = ""
        first, last = (subs[0], subs[-1]) if subs else (None, None)
        if isinstance(first, Initial):
            if not first.value:
                raise ValueError("an empty initial substring has no RFC 4515 form")
            text = escape_filter_value(first.value)
            subs.pop(0)
        final = b""
        if isinstance(last, Final) and subs:
            final = last.value
            if not final:
                raise ValueError("an empty final substring has no RFC 4515 form")
            subs.pop()
        for s in subs:
            if not isinstance(s, Any):
                raise ValueError("initial must come first and final last in a substring filter")
            text += "*" + escape_filter_value(s.value)
        return f"({f.type}={text}*{escape_filter_value(final)})"
    if isinstance(f, MatchingRuleAssertion):
        return (f"({f.type or ''}{':dn' if f.dn_attributes else ''}"
                f"{':' + f.matching_rule if f.matching_rule else ''}:={escape_filter_value(f.match_value)})")
    raise ValueError(f"{type(f).__name__} has no RFC 4515 string form")


FILTER_CLASSES = (And, Or, Not, EqualityMatch, SubstringFilter, GreaterOrEqual, LessOrEqual, Present,
                  ApproxMatch, MatchingRuleAssertion)
