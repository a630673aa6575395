"""LDIF (RFC 2849): read and write directory entries and change records.

:func:`parse_ldif` turns LDIF text into :class:`LDIFRecord` (content records:
an entry) or :class:`LDIFChange` (change records: add, delete, modify,
modrdn/moddn) objects; :func:`dump_ldif` writes content records back, so an
in-memory directory can be loaded from a file and persisted to it again.

The reader follows the RFC's grammar and is lenient only where the RFC
itself is: ``version: 1`` may be missing, there may be any number of spaces
after a colon, keywords (``dn``, ``changetype``, ``add``, ``true``...) are
case-insensitive as in all ABNF, a plain value may end with a space (the RFC
says such values SHOULD be base64-encoded, not MUST).  Everything else is an
:class:`LDIFError` naming the line: a plain value that is not a SAFE-STRING
(non-ASCII, NUL, CR, or starting with ``:`` or ``<``), base64 with
extraneous characters, an invalid attribute description, a ``dn:`` line
inside a record (a missing blank line), a modify record without its final
``-``, content and change records in one file.

The writer emits exactly what the reader reads back to equal objects:
``parse_ldif(dump_ldif(records)) == records`` for every record it accepts.

Work is linear in the input: lines are split once, folded lines are joined
with ``bytes.join`` and attributes are merged through a dictionary; there is
no recursion.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit
from urllib.request import url2pathname

from ._gcpause import gc_paused
from .errors import LDAPBERError

__all__ = ["LDIFError", "LDIFRecord", "LDIFChange", "parse_ldif", "iter_ldif", "load_ldif", "dump_ldif"]


class LDIFError(LDAPBERError, ValueError):
    """The LDIF text is malformed, or a record cannot be written as LDIF.

    ``line`` is the 1-based line number of the line (or of the first line of
    the record) at fault, ``path`` the file name; both are ``None`` when not
    known (errors of :func:`dump_ldif`, text parsed without a ``path``).
    """

    def __init__(self, message: str, *, line: int | None = None, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.path = path

    def __str__(self) -> str:
        if self.line is None and self.path is None:
            return self.message
        where = self.path if self.path is not None else "<input>"
        if self.line is not None:
            where += f":{self.line}"
        return f"{where}: {self.message}"

    def __reduce__(self):  # type: ignore[no-untyped-def]
        # Keyword-only arguments defeat the default exception pickling.
        return (_rebuild_error, (type(self), self.message, self.line, self.path))


def _rebuild_error(cls: type[LDIFError], message: str, line: int | None, path: str | None) -> LDIFError:
    return cls(message, line=line, path=path)


@dataclass
class LDIFRecord:
    """A content record: one directory entry.

    ``attributes`` keeps the attribute descriptions in file order, each with
    its values in file order; an attribute description on several lines is
    one entry (matched case-insensitively, spelled as first seen).
    """

    dn: str
    attributes: list[tuple[str, list[bytes]]] = field(default_factory=list)


@dataclass
class LDIFChange:
    """A change record: an add, delete, modify or modrdn/moddn of one entry.

    Only the fields of its ``changetype`` are set: ``attributes`` for add,
    ``modifications`` (``(op, attribute, values)`` with op ``"add"``,
    ``"delete"`` or ``"replace"``) for modify, ``new_rdn``,
    ``delete_old_rdn`` and ``new_superior`` for modrdn/moddn.  ``controls``
    are the ``control:`` lines, as ``(oid, criticality, value or None)``.
    """

    dn: str
    changetype: str
    attributes: list[tuple[str, list[bytes]]] = field(default_factory=list)
    modifications: list[tuple[str, str, list[bytes]]] = field(default_factory=list)
    new_rdn: str | None = None
    delete_old_rdn: bool | None = None
    new_superior: str | None = None
    controls: list[tuple[str, bool, bytes | None]] = field(default_factory=list)


# AttributeDescription: (ldap-oid / ALPHA *attr-type-chars) *(";" option).
_ATTR_DESC = re.compile(rb"(?:[A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\.[0-9]+)*)(?:;[A-Za-z0-9-]+)*")
_ATTR_DESC_STR = re.compile(_ATTR_DESC.pattern.decode("ascii"))
# What follows "control:" and FILL: ldap-oid [1*SPACE ("true" / "false")] [value-spec].
_CONTROL = re.compile(rb"([0-9]+(?:\.[0-9]+)*)(?: +(true|false))?(:.*)?", re.IGNORECASE | re.DOTALL)
# Bytes no SAFE-STRING holds (LF cannot occur inside a line).
_UNSAFE = re.compile(rb"[\x00\n\r\x80-\xff]")
_UNSAFE_START = (b":", b"<")  # what a plain value may not start with
_CHANGETYPES = frozenset({"add", "delete", "modify", "modrdn", "moddn"})
_MOD_OPS = frozenset({b"add", b"delete", b"replace"})

# How a value is given: "attr: text", "attr:: base64" or "attr:< url".
_PLAIN, _BASE64, _URL = 0, 1, 2

_Line = tuple[int, bytes]  # (line number of the first physical line, the unfolded line)


def _show(raw: bytes) -> str:
    """Bytes of the input, printable in an error message."""
    return repr(raw.decode("utf-8", "backslashreplace"))


class _Parser:
    """One parse: carries the file name into every error."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._names: dict[bytes, str] = {}  # attribute descriptions seen, validated
        # the same, with each one's lower-cased key, for attrvals' fast path ("dn" never: it is an error there)
        self._keyed: dict[bytes, tuple[str, str]] = {}
        # True when the whole input holds no byte a plain value may not (NUL, CR, non-ASCII): then a
        # value needs only its first byte checked (most files are ASCII; LF cannot be inside a line)
        self._all_safe = False

    def error(self, message: str, line: int) -> LDIFError:
        return LDIFError(message, line=line, path=self.path)

    # -- lines ---------------------------------------------------------------

    def blocks(self, data: bytes) -> Iterator[list[_Line]]:
        """Unfold the lines, drop comments, and group the rest into records,
        one record at a time (the lines of a large file are never all held).

        A record ends at a blank line; one without continuations, comments or
        CRs (most records) is split in one call, others line by line."""
        pos, size, number = 0, len(data), 0
        while pos < size:
            end = data.find(b"\n\n", pos)
            stop = size if end < 0 else end + 2  # through the blank line
            chunk = data[pos:end] if end >= 0 else b""
            if chunk and chunk[:1] not in b" #\n" and b"\n " not in chunk and b"\n#" not in chunk and b"\r" not in chunk:
                lines = chunk.split(b"\n")
                yield list(zip(range(number + 1, number + 1 + len(lines)), lines, strict=True))
            else:
                yield from self._line_blocks(data, pos, stop, number)
            number += data.count(b"\n", pos, stop)
            pos = stop

    def _line_blocks(self, data: bytes, pos: int, size: int, number: int) -> Iterator[list[_Line]]:
        """:meth:`blocks` for ``data[pos:size]``, line by line; ``number`` lines come before it."""
        block: list[_Line] = []
        parts: list[bytes] = []  # the pieces of the current logical line
        start = 0
        state = 0  # 0: no line to continue (start, after a blank line), 1: a line, 2: a comment
        while pos < size:  # lines end at LF only (not splitlines(): VT, FF and friends are SAFE-CHARs)
            end = data.find(b"\n", pos, size)
            if end < 0:
                end = size
            line = data[pos:end]
            pos = end + 1
            number += 1
            if line.endswith(b"\r"):
                line = line[:-1]
            if line.startswith(b" "):
                # A continuation: exactly one space is dropped; a comment's continuation is comment.
                if state == 0:
                    raise self.error("continuation line (starting with a space) with no line to continue", number)
                if state == 1:
                    parts.append(line[1:])
                continue
            if state == 1:
                block.append((start, b"".join(parts)))
            if not line:
                if block:
                    yield block
                    block = []
                state = 0
            elif line.startswith(b"#"):
                state = 2
            else:
                state, start, parts = 1, number, [line]
        if state == 1:
            block.append((start, b"".join(parts)))
        if block:
            yield block

    def split(self, number: int, line: bytes) -> tuple[bytes, int, bytes]:
        """``name: value`` -> (name, how the value is given, the value text after FILL)."""
        name, colon, rest = line.partition(b":")
        if not colon:
            if line == b"-":
                raise self.error("a '-' line outside the modifications of a changetype: modify record", number)
            if line.rstrip(b" ") == b"-":
                raise self.error("a '-' line must not carry trailing spaces", number)
            raise self.error(f"expected 'attribute: value', found no colon in {_show(line[:40])}", number)
        kind = _PLAIN
        if rest.startswith(b":"):
            kind, rest = _BASE64, rest[1:]
        elif rest.startswith(b"<"):
            kind, rest = _URL, rest[1:]
        return name, kind, rest.lstrip(b" ")

    @staticmethod
    def keyword(line: bytes) -> bytes:
        """The lower-cased text before the first colon: ``dn``, ``changetype``..."""
        return line.partition(b":")[0].lower()

    # -- values --------------------------------------------------------------

    def attribute(self, number: int, name: bytes) -> str:
        """Validate an AttributeDescription: a keystring or numeric OID, then ;options."""
        known = self._names.get(name)
        if known is not None:
            return known
        if _ATTR_DESC.fullmatch(name) is None:
            raise self.error(f"invalid attribute description {_show(name)}", number)
        text = name.decode("ascii")
        if len(self._names) < 4096:  # one str per spelling, shared by every record that uses it
            self._names[name] = text
        return text

    def safe(self, number: int, raw: bytes, what: str) -> bytes:
        """Check a plain value is a SAFE-STRING, which the RFC requires of unencoded values."""
        if raw[:1] in (b":", b"<"):
            raise self.error(f"{what} starts with {raw[:1].decode()!r}: it must be base64-encoded", number)
        bad = _UNSAFE.search(raw)
        if bad is not None:
            byte = bad.group()[0]
            desc = {0: "a NUL byte", 13: "a carriage return"}.get(byte, f"the non-ASCII byte 0x{byte:02x}")
            raise self.error(f"{what} contains {desc}: it must be base64-encoded (RFC 2849 SAFE-STRING)", number)
        return raw

    def base64(self, number: int, raw: bytes, what: str) -> bytes:
        try:
            return base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise self.error(f"invalid base64 in {what}: {exc}", number) from None

    def url(self, number: int, raw: bytes, what: str) -> bytes:
        """The bytes of a ``file:///absolute/path`` URL: the only kind of URL supported."""
        try:
            url = raw.decode("ascii")
        except UnicodeDecodeError:
            raise self.error(f"non-ASCII URL in {what}", number) from None
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or not url[5:].startswith("//"):
            raise self.error(f"unsupported URL {url!r} in {what}: only file:// URLs are", number)
        if parts.netloc.lower() not in ("", "localhost") or not parts.path.startswith("/"):
            raise self.error(f"file URL {url!r} in {what} must name an absolute local path (file:///...)", number)
        if parts.query or parts.fragment:
            raise self.error(f"file URL {url!r} in {what} must not have a query or fragment", number)
        try:
            with open(url2pathname(parts.path), "rb") as f:
                return f.read()
        except OSError as exc:
            raise self.error(f"cannot read {url!r} for {what}: {exc.strerror or exc}", number) from None

    def value(self, number: int, kind: int, raw: bytes, what: str) -> bytes:
        if kind == _PLAIN:
            return self.safe(number, raw, what)
        if kind == _BASE64:
            return self.base64(number, raw, what)
        return self.url(number, raw, what)

    def name(self, number: int, kind: int, raw: bytes, what: str) -> str:
        """A DN or RDN: a SAFE-STRING, or base64 of UTF-8 (never a URL)."""
        if kind == _URL:
            raise self.error(f"{what} cannot be given by URL", number)
        if kind == _PLAIN:
            return self.safe(number, raw, what).decode("ascii")
        try:
            return self.base64(number, raw, what).decode("utf-8")
        except UnicodeDecodeError:
            raise self.error(f"base64 {what} is not valid UTF-8", number) from None

    # -- records -------------------------------------------------------------

    def attrvals(self, lines: list[_Line]) -> list[tuple[str, list[bytes]]]:
        """``attr: value`` lines, merged by attribute description (case-insensitively)."""
        attributes: list[tuple[str, list[bytes]]] = []
        index: dict[str, list[bytes]] = {}
        keyed, all_safe = self._keyed, self._all_safe
        for number, line in lines:
            name, fill, raw = line.partition(b": ")  # the common "name: value"
            # (a known description holds no colon, so "name:: base64" and "name:< url" miss here)
            if fill and (known := keyed.get(name)) is not None:
                attr, key = known
                kind = _PLAIN
                raw = raw.lstrip(b" ")
            else:
                name, kind, raw = self.split(number, line)
                attr = self.attribute(number, name)
                key = attr.lower()
                if key == "dn":
                    raise self.error("dn: line inside a record (records are separated by a blank line)", number)
                if len(keyed) < 4096:
                    keyed[name] = (attr, key)
            if kind == _PLAIN and raw[:1] not in _UNSAFE_START and (all_safe or _UNSAFE.search(raw) is None):
                value = raw  # the common plain SAFE-STRING, checked without building an error's text
            else:
                value = self.value(number, kind, raw, f"value of {attr}")
            values = index.get(key)
            if values is None:
                values = index[key] = []
                attributes.append((attr, values))
            values.append(value)
        return attributes

    def control(self, number: int, line: bytes) -> tuple[str, bool, bytes | None]:
        spec = _CONTROL.fullmatch(line.partition(b":")[2].lstrip(b" "))
        if spec is None:
            raise self.error("malformed control: expected 'control: OID [true|false][: value]'", number)
        oid, critical, rest = spec.groups()
        value = None
        if rest is not None:
            kind = {b":": _BASE64, b"<": _URL}.get(rest[1:2], _PLAIN)
            value = self.value(number, kind, rest[1 if kind == _PLAIN else 2:].lstrip(b" "), "control value")
        return oid.decode("ascii"), critical is not None and critical.lower() == b"true", value

    def record(self, block: list[_Line]) -> LDIFRecord | LDIFChange:
        number, line = block[0]
        name, kind, raw = self.split(number, line)
        if name.lower() != b"dn":
            if name.lower() == b"version":
                raise self.error("version: must be the first line of the file", number)
            raise self.error(f"a record must start with a dn: line, not {_show(line[:40])}", number)
        dn = self.name(number, kind, raw, "dn")
        i = 1
        controls = []
        while i < len(block) and self.keyword(block[i][1]) == b"control":
            controls.append(self.control(*block[i]))
            i += 1
        if i < len(block) and self.keyword(block[i][1]) == b"changetype":
            return self.change(dn, controls, block[i], block[i + 1:])
        if controls:
            raise self.error("control: lines must be followed by a changetype: line", block[i - 1][0])
        attributes = self.attrvals(block[i:])
        if not attributes:
            raise self.error("content record has no attributes", number)
        return LDIFRecord(dn, attributes)

    def change(self, dn: str, controls: list[tuple[str, bool, bytes | None]], head: _Line,
               rest: list[_Line]) -> LDIFChange:
        number, line = head
        _, kind, raw = self.split(number, line)
        changetype = raw.decode("ascii", "replace").lower()
        if kind != _PLAIN or changetype not in _CHANGETYPES:
            raise self.error(f"unknown changetype {_show(raw)} (add, delete, modify, modrdn or moddn)", number)
        change = LDIFChange(dn, changetype, controls=controls)
        if changetype == "add":
            change.attributes = self.attrvals(rest)
            if not change.attributes:
                raise self.error("changetype: add needs at least one attribute", number)
        elif changetype == "delete":
            if rest:
                raise self.error("changetype: delete takes no further lines", rest[0][0])
        elif changetype == "modify":
            change.modifications = self.modifications(rest)
        else:
            self.moddn(change, number, rest)
        return change

    def modifications(self, lines: list[_Line]) -> list[tuple[str, str, list[bytes]]]:
        """``add:|delete:|replace: attr``, its ``attr: value`` lines, then ``-``; repeated."""
        mods: list[tuple[str, str, list[bytes]]] = []
        i = 0
        while i < len(lines):
            number, line = lines[i]
            if line == b"-":
                raise self.error("'-' without a modification (add:, delete: or replace:) before it", number)
            op, kind, raw = self.split(number, line)
            if op.lower() not in _MOD_OPS or kind != _PLAIN:
                raise self.error(f"expected add:, delete: or replace:, not {_show(line[:40])}", number)
            attr = self.attribute(number, raw)
            values: list[bytes] = []
            i += 1
            while True:
                if i >= len(lines):
                    raise self.error(f"the modification of {attr} is not ended by a '-' line", number)
                vnumber, vline = lines[i]
                i += 1
                if vline == b"-":
                    break
                name, vkind, vraw = self.split(vnumber, vline)
                vattr = self.attribute(vnumber, name)
                if vattr.lower() != attr.lower():
                    raise self.error(f"value of {vattr} in the modification of {attr} (missing '-'?)", vnumber)
                values.append(self.value(vnumber, vkind, vraw, f"value of {vattr}"))
            mods.append((op.lower().decode("ascii"), attr, values))
        return mods

    def moddn(self, change: LDIFChange, number: int, lines: list[_Line]) -> None:
        """``newrdn:``, ``deleteoldrdn: 0|1``, optionally ``newsuperior:``, in that order."""
        expected = (b"newrdn", b"deleteoldrdn", b"newsuperior")
        for i, (lnumber, line) in enumerate(lines):
            if i >= len(expected):
                raise self.error(f"unexpected line after newsuperior: in a {change.changetype} record", lnumber)
            name, kind, raw = self.split(lnumber, line)
            if name.lower() != expected[i]:
                raise self.error(f"expected {expected[i].decode()}:, not {_show(line[:40])}", lnumber)
            if i == 0:
                change.new_rdn = self.name(lnumber, kind, raw, "newrdn")
            elif i == 1:
                if kind != _PLAIN or raw not in (b"0", b"1"):
                    raise self.error(f"deleteoldrdn must be 0 or 1, not {_show(raw)}", lnumber)
                change.delete_old_rdn = raw == b"1"
            else:
                change.new_superior = self.name(lnumber, kind, raw, "newsuperior")
        if len(lines) < 2:
            missing = "newrdn" if not lines else "deleteoldrdn"
            raise self.error(f"changetype: {change.changetype} needs a {missing}: line", number)

    def parse(self, data: bytes) -> Iterator[LDIFRecord | LDIFChange]:
        if data.startswith(b"\xef\xbb\xbf"):
            raise self.error("the file starts with a byte-order mark, which LDIF does not allow", 1)
        kind_seen: type | None = None
        self._all_safe = data.isascii() and b"\0" not in data and b"\r" not in data
        for i, block in enumerate(self.blocks(data)):
            if i == 0 and self.keyword(block[0][1]) == b"version":
                number, line = block.pop(0)
                _, kind, raw = self.split(number, line)
                if kind != _PLAIN or raw != b"1":
                    raise self.error(f"unsupported LDIF version {_show(raw)}: only version 1 exists", number)
                if not block:
                    continue
            record = self.record(block)
            if kind_seen is None:
                kind_seen = type(record)
            elif type(record) is not kind_seen:
                raise self.error("content and change records in one file: RFC 2849 allows one kind only",
                                 block[0][0])
            yield record


def parse_ldif(text: str | bytes, *, path: str | None = None) -> list[LDIFRecord | LDIFChange]:
    """Parse LDIF text into its records, content records or change records.

    ``text`` may be ``str`` or the bytes of a file (LDIF outside comments is
    ASCII, so no encoding needs guessing).  ``path`` only names the input in
    errors.  Raises :class:`LDIFError` with the line at fault.  ``attr:<``
    URLs must be ``file:///absolute/path``: the file is read as the value.
    """
    with gc_paused():  # records by the thousand, all kept: no collection pass finds anything in them
        return list(iter_ldif(text, path=path))


def iter_ldif(text: str | bytes, *, path: str | None = None) -> Iterator[LDIFRecord | LDIFChange]:
    """:func:`parse_ldif` one record at a time: a large file is read without
    its lines or records all held at once (the records before an error have
    been yielded when it is raised)."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
    return _Parser(path).parse(data)


def load_ldif(path: str | os.PathLike[str]) -> list[LDIFRecord | LDIFChange]:
    """Read and parse an LDIF file; errors name the file. ``OSError`` passes through."""
    with open(path, "rb") as f:
        data = f.read()
    return parse_ldif(data, path=os.fsdecode(path))


def _is_safe(value: bytes) -> bool:
    """True if ``value`` may be written plainly: a SAFE-STRING without a trailing space."""
    return not value or (value[0] not in b" :<" and not value.endswith(b" ") and _UNSAFE.search(value) is None)


def _spec(name: str, value: bytes) -> str:
    """``name: value``, or ``name:: base64`` when the value is not safe to write plainly."""
    if not value:
        return f"{name}:"
    if _is_safe(value):
        return f"{name}: {value.decode('ascii')}"
    return f"{name}:: {base64.b64encode(value).decode('ascii')}"


def _fold(line: str, width: int, out: list[str]) -> None:
    """Append ``line`` to ``out`` folded into physical lines of at most ``width`` characters."""
    out.append(line[:width] + "\n")
    for i in range(width, len(line), width - 1):
        out.append(" " + line[i:i + width - 1] + "\n")


def dump_ldif(records: Iterable[LDIFRecord], *, width: int = 76) -> str:
    """Write content records as an LDIF file, starting with ``version: 1``.

    Values and DNs that are not SAFE-STRINGs (non-ASCII, NUL, CR, LF, a
    leading space, colon or less-than, a trailing space) are written in
    base64, others plainly; lines longer than ``width`` characters are folded.
    Raises :class:`LDIFError` for a record LDIF cannot carry so that it reads
    back the same: no attributes, an attribute without values, an invalid or
    repeated (case-insensitively) attribute description, an attribute named
    ``dn``, or a first attribute named ``control`` or ``changetype`` (it
    would read back as a change record).
    """
    if width < 2:
        raise ValueError(f"width must be at least 2, not {width}")
    out: list[str] = []
    _fold("version: 1", width, out)
    for n, record in enumerate(records, 1):
        if not isinstance(record, LDIFRecord):
            raise TypeError(f"dump_ldif writes LDIFRecord objects, not {type(record).__name__}")
        try:
            dn = record.dn.encode("utf-8")
        except UnicodeEncodeError:
            raise LDIFError(f"record {n}: the DN is not encodable as UTF-8") from None
        lines = [_spec("dn", dn)]
        if not record.attributes:
            raise LDIFError(f"record {n} ({record.dn!r}) has no attributes")
        seen: set[str] = set()
        for attr, values in record.attributes:
            if not isinstance(attr, str) or _ATTR_DESC_STR.fullmatch(attr) is None:
                raise LDIFError(f"record {n}: invalid attribute description {attr!r}")
            key = attr.lower()
            if key == "dn" or (not seen and key in ("control", "changetype")):
                raise LDIFError(f"record {n}: attribute {attr!r} cannot be written here (it would not read back)")
            if key in seen:
                raise LDIFError(f"record {n}: attribute {attr!r} appears twice (merge its values)")
            seen.add(key)
            if not values:
                raise LDIFError(f"record {n}: attribute {attr!r} has no values")
            for value in values:
                if not isinstance(value, (bytes, bytearray)):
                    raise TypeError(f"record {n}: values of {attr!r} must be bytes, not {type(value).__name__}")
                lines.append(_spec(attr, bytes(value)))
        out.append("\n")
        for line in lines:
            _fold(line, width, out)
    return "".join(out)
