"""Distinguished names in their string form (RFC 4514).

:func:`parse_dn` reads ``cn=Jöhn\\, Jr.+uid=jj,ou=People,dc=example,dc=com``
into a :class:`DN` of :class:`RDN` s of :class:`AttributeTypeAndValue` pairs;
``str()`` writes the RFC 4514 form back.  String values are ``str``; a value
written ``#hex`` (its BER encoding) is kept as ``bytes``.

Comparison is what servers do for the common case: attribute types compare
case-insensitively (OIDs and short names as given, not mapped to each other),
string values case-insensitively with insignificant spaces removed (leading,
trailing, and runs inside folded to one), ``#hex`` values exactly, and the
pairs of a multi-valued RDN in any order.  Parsing is lenient where real
DNs are: spaces around ``,``, ``+`` and ``=`` are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from .._generated.rfc4511_model import ResultCode
from ..errors import LDAPBERError

__all__ = ["DNSyntaxError", "AttributeTypeAndValue", "RDN", "DN", "parse_dn", "escape_dn_value"]

_TYPE = re.compile(r"[A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\.[0-9]+)*")
_HEX = "0123456789abcdefABCDEF"
_ESCAPE_ALWAYS = frozenset('"+,;<>\\')


class DNSyntaxError(LDAPBERError, ValueError):
    """A DN string that RFC 4514 does not allow; ``position`` is where.  A
    server answers it with ``result_code`` (invalidDNSyntax)."""

    result_code = ResultCode.INVALID_DN_SYNTAX
    matched_dn = ""

    def __init__(self, message: str, text: str, position: int) -> None:
        super().__init__(f"{message} at position {position}: {text!r}")
        self.message = message
        self.text = text
        self.position = position


def escape_dn_value(value: str) -> str:
    """The RFC 4514 (section 2.4) string form of an attribute value."""
    out = []
    last = len(value) - 1
    for i, ch in enumerate(value):
        if ch in _ESCAPE_ALWAYS or (ch == " " and (i == 0 or i == last)) or (ch == "#" and i == 0):
            out.append("\\" + ch)
        elif ch == "\x00":
            out.append("\\00")
        else:
            out.append(ch)
    return "".join(out)


def _normal_value(value: str | bytes) -> str | bytes:
    if isinstance(value, bytes):
        return value
    return " ".join(value.split()).casefold()


class AttributeTypeAndValue(NamedTuple):
    """One ``type=value`` of an RDN; ``value`` is bytes for a ``#hex`` value."""

    type: str
    value: str | bytes

    def __str__(self) -> str:
        if isinstance(self.value, bytes):
            return f"{self.type}=#{self.value.hex()}"
        return f"{self.type}={escape_dn_value(self.value)}"

    def normalized(self) -> tuple[str, str | bytes]:
        return self.type.lower(), _normal_value(self.value)


class RDN:
    """A relative distinguished name: one or more type=value pairs."""

    __slots__ = ("avas",)

    def __init__(self, *avas: AttributeTypeAndValue | tuple[str, str | bytes]) -> None:
        if not avas:
            raise ValueError("an RDN needs at least one type=value pair")
        self.avas = tuple(AttributeTypeAndValue(*a) for a in avas)

    def _key(self) -> frozenset[tuple[str, str | bytes]]:
        return frozenset(a.normalized() for a in self.avas)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = parse_rdn(other)
        return isinstance(other, RDN) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __str__(self) -> str:
        return "+".join(str(a) for a in self.avas)

    def __repr__(self) -> str:
        return f"RDN({str(self)!r})"

    def __iter__(self) -> Iterator[AttributeTypeAndValue]:
        return iter(self.avas)

    def __len__(self) -> int:
        return len(self.avas)

    def value(self, type_: str) -> str | bytes | None:
        """The value of ``type_`` (compared case-insensitively), or None."""
        for a in self.avas:
            if a.type.lower() == type_.lower():
                return a.value
        return None


class DN:
    """A distinguished name: RDNs from the entry's own up to the root."""

    __slots__ = ("rdns",)

    def __init__(self, rdns: tuple[RDN, ...] | list[RDN] = ()) -> None:
        self.rdns = tuple(rdns)

    @classmethod
    def parse(cls, text: str) -> DN:
        return parse_dn(text)

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.rdns)

    def __repr__(self) -> str:
        return f"DN({str(self)!r})"

    def _key(self) -> tuple[frozenset[tuple[str, str | bytes]], ...]:
        return tuple(r._key() for r in self.rdns)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = parse_dn(other)
        return isinstance(other, DN) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __len__(self) -> int:
        return len(self.rdns)

    def __iter__(self) -> Iterator[RDN]:
        return iter(self.rdns)

    def __getitem__(self, index: int) -> RDN:
        return self.rdns[index]

    def __bool__(self) -> bool:
        return bool(self.rdns)

    @property
    def rdn(self) -> RDN | None:
        """The entry's own RDN (None for the empty DN, the root)."""
        return self.rdns[0] if self.rdns else None

    @property
    def parent(self) -> DN | None:
        """The DN of the superior entry (None for the root)."""
        return DN(self.rdns[1:]) if self.rdns else None

    def is_descendant_of(self, other: DN | str, *, strict: bool = True) -> bool:
        """True if this entry lies under ``other`` (or is it, with strict=False)."""
        base = parse_dn(other) if isinstance(other, str) else other
        n = len(base.rdns)
        if len(self.rdns) < n or (strict and len(self.rdns) == n):
            return False
        return n == 0 or self._key()[-n:] == base._key()

    def child(self, rdn: RDN | str) -> DN:
        """The DN of the entry named ``rdn`` under this one."""
        return DN((parse_rdn(rdn) if isinstance(rdn, str) else rdn,) + self.rdns)

    @staticmethod
    def join(*parts: DN | RDN | str) -> DN:
        """Concatenate DNs, RDNs or DN strings, leftmost (most specific) first."""
        rdns: list[RDN] = []
        for part in parts:
            if isinstance(part, RDN):
                rdns.append(part)
            else:
                rdns.extend(parse_dn(part) if isinstance(part, str) else part)
        return DN(rdns)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0

    def error(self, message: str, at: int | None = None) -> DNSyntaxError:
        return DNSyntaxError(message, self.text, self.i if at is None else at)

    def spaces(self) -> None:
        while self.i < len(self.text) and self.text[self.i] == " ":
            self.i += 1

    def dn(self) -> DN:
        self.spaces()
        if self.i == len(self.text):
            return DN()
        rdns = [self.rdn()]
        while self.i < len(self.text):
            if self.text[self.i] != ",":
                raise self.error("expected ',' between RDNs")
            self.i += 1
            rdns.append(self.rdn())
        return DN(rdns)

    def rdn(self) -> RDN:
        avas = [self.ava()]
        while self.i < len(self.text) and self.text[self.i] == "+":
            self.i += 1
            avas.append(self.ava())
        return RDN(*avas)

    def ava(self) -> AttributeTypeAndValue:
        self.spaces()
        m = _TYPE.match(self.text, self.i)
        if not m:
            raise self.error("expected an attribute type")
        type_ = m.group()
        self.i = m.end()
        self.spaces()
        if self.i >= len(self.text) or self.text[self.i] != "=":
            raise self.error("expected '='")
        self.i += 1
        self.spaces()
        value = self.hexstring() if self.text.startswith("#", self.i) else self.string()
        self.spaces()
        return AttributeTypeAndValue(type_, value)

    def hexstring(self) -> bytes:
        start = self.i = self.i + 1
        while self.i < len(self.text) and self.text[self.i] in _HEX:
            self.i += 1
        digits = self.text[start:self.i]
        if not digits or len(digits) % 2:
            raise self.error("a #hex value needs pairs of hex digits", start)
        return bytes.fromhex(digits)

    def string(self) -> str:
        out = bytearray()
        trailing_plain_spaces = 0  # unescaped spaces at the end are insignificant
        text, n = self.text, len(self.text)
        while self.i < n:
            ch = text[self.i]
            if ch in ",+":
                break
            if ch == "\\":
                nxt = text[self.i + 1:self.i + 2]
                if nxt and nxt in '\\"+,;<>#= ':
                    out += nxt.encode()
                    self.i += 2
                elif len(text[self.i + 1:self.i + 3]) == 2 and all(c in _HEX for c in text[self.i + 1:self.i + 3]):
                    out.append(int(text[self.i + 1:self.i + 3], 16))
                    self.i += 3
                else:
                    raise self.error("a backslash must escape a special character or two hex digits")
                trailing_plain_spaces = 0
                continue
            if ch in '";<>\x00':
                raise self.error(f"{ch!r} must be escaped in a value")
            if "\ud800" <= ch <= "\udfff":
                raise self.error("a lone surrogate is not a character")
            trailing_plain_spaces = trailing_plain_spaces + 1 if ch == " " else 0
            out += ch.encode()
            self.i += 1
        if trailing_plain_spaces:
            del out[-trailing_plain_spaces:]
        try:
            return out.decode("utf-8")
        except UnicodeDecodeError:
            raise self.error("escaped octets are not valid UTF-8") from None


def parse_dn(text: str) -> DN:
    """Parse an RFC 4514 DN string.  Raises :class:`DNSyntaxError` (a
    ValueError) naming the position."""
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    if text.isascii() and _NOT_SIMPLE.search(text) is None:
        simple = _simple_dn(text)
        if simple is not None:
            return simple
    return _Parser(text).dn()


#: What only the full parser handles: escapes, quotes, multi-valued RDNs, #hex values, characters to refuse.
_NOT_SIMPLE = re.compile(r'[\\"+;<>#\x00]')


def _simple_dn(text: str) -> DN | None:
    """The common DN (ASCII, one type=value per RDN, nothing to unescape)
    without the character-by-character parser; None where it is not that
    simple, and the full parser decides (it gives the same DN for every
    text this accepts: tests/test_dn.py checks both on generated DNs)."""
    if not text.strip(" "):
        return DN()
    pieces = text.split(",")
    rdns = []
    for i, piece in enumerate(pieces):
        rdn = _ANCESTORS.get(piece) if i else None
        if rdn is None:
            type_, eq, value = piece.partition("=")
            type_ = type_.strip(" ")
            if not eq or _TYPE.fullmatch(type_) is None:
                return None
            rdn = RDN(AttributeTypeAndValue(_TYPES.setdefault(type_, type_) if len(_TYPES) < 1024 else type_,
                                            value.strip(" ")))
            if i:
                if len(_ANCESTORS) >= 4096:
                    _ANCESTORS.clear()
                _ANCESTORS[piece] = rdn
        rdns.append(rdn)
    return DN(rdns)


# The RDNs above an entry's own (ou=people, dc=example, dc=com) recur in every
# DN under them: those parsed are shared (RDNs are values, never changed in
# place), which a directory of many entries feels in its memory.  Bounded.
_ANCESTORS: dict[str, RDN] = {}
_TYPES: dict[str, str] = {}  # one str per attribute type spelling


def parse_rdn(text: str) -> RDN:
    """Parse one RDN (``cn=a+sn=b``)."""
    p = _Parser(text)
    rdn = p.rdn()
    if p.i != len(text):
        raise p.error("text after the RDN")
    return rdn
