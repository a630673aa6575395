"""BER reading and writing primitives for the pure-Python backend.

Conventions shared with ``cruntime.pxi``:

* ``b`` is the whole input (``bytes``); ``p`` is the offset of an element's
  first identifier octet, ``s``/``u`` the start and end of its contents, and
  ``e`` the end of the enclosing element (nothing may run past it).
* Errors point at the first octet of the element at fault, name a
  :class:`~ldapber.errors.Rule`, and never leak IndexError or the like.
* Lengths: short and long form; long form may carry leading zero octets
  (OpenLDAP and Active Directory send ``84 00 00 00 05``); more than seven
  significant octets is ``length-too-large``; ``0x80`` is indefinite and
  always rejected; ``0xFF`` is reserved.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Iterable
from typing import Any

from ..errors import DecodeError, EncodeError, IncompleteError, PDUTooLargeError, Rule, relax_mask
from ..model._base import UnknownAlternative

# Relax bits, as in ldapber.errors.Rule.bit.
R_BOOL = 1
R_DEFAULT = 2
R_MININT = 4
R_RANGE = 8
R_SIZE = 16
R_SUBSTR = 32
R_UTF8 = 64
R_OID = 128

new = object.__new__
EMPTY: tuple[bytes, ...] = ()

#: The generated decoders read a header's first octets without testing them
#: against the buffer's end (a test per element is most of a header's cost);
#: octets past the enclosing element only feed a test that then fails.  Only
#: a header cut by the buffer's own end raises IndexError; the entry point
#: then decodes again over ``b + PAD``, where those reads see zeros (no tag
#: is 0x00), so the runtime reports the same error at the same offset.
PAD = b"\x00\x00\x00"
#: What an entry point's decode result is set to while it arranges that.
REDO = object()


#: Default bound on nesting: each BER constructed element is one level, from
#: the PDU's outermost element down (a SearchRequest's filter starts at level
#: 3), so that a filter of 256 nested and/or/not fits with room to spare.
#: slapd accepts filters nested 1,000 deep and refuses them at 10,000.
DEFAULT_MAX_DEPTH = 300
#: The highest ``max_depth`` a caller may ask for.  The pure-Python backend
#: decodes deep nesting on an explicit stack (:func:`deep`), so the interpreter's
#: recursion limit does not bound it; the compiled one recurses in C, at a few
#: hundred bytes of C stack per level, which this keeps well inside a small
#: thread stack.
MAX_DEPTH_LIMIT = 2000
#: Encoders refuse objects nested deeper than this (which also catches
#: cycles): what the default decoder would refuse, encode refuses, so that
#: ldapber never writes what ldapber will not read back.
ENC_MAX_DEPTH = DEFAULT_MAX_DEPTH
#: The pure-Python decoders of a type that contains itself (Filter) recurse
#: plainly down to this level and continue on an explicit stack below it.
DEEP_START = 48
#: The largest PDU a stream reader accepts by default: slapd refuses PDUs over
#: 16 MiB - 1 from authenticated clients (sockbuf_max_incoming_auth).
DEFAULT_MAX_PDU_SIZE = 16 * 1024 * 1024 - 1
#: The longest header an LDAPMessage can have: its tag and 1 + 127 length octets.
HEADER_MAX = 2 + 127


def check_options(strict: bool, relax: Iterable[Rule | str], max_depth: int) -> tuple[int, int]:
    """(relax bit mask, max_depth) from a decode call's options, checked."""
    if not isinstance(max_depth, int) or isinstance(max_depth, bool) or not 1 <= max_depth <= MAX_DEPTH_LIMIT:
        raise ValueError(f"max_depth must be an int in 1..{MAX_DEPTH_LIMIT}")
    return relax_mask(strict, relax), max_depth


def check_pdu_size(max_pdu_size: int) -> int:
    if not isinstance(max_pdu_size, int) or isinstance(max_pdu_size, bool) or max_pdu_size < 2:
        raise ValueError("max_pdu_size must be an int of at least 2")
    return max_pdu_size


class Ctx:
    """Per-call decoding options: the relax mask, the depth bound and the
    largest PDU (or value) the call accepts."""

    __slots__ = ("relax", "max_depth", "max_pdu")

    def __init__(self, relax: int, max_depth: int, max_pdu: int = DEFAULT_MAX_PDU_SIZE) -> None:
        self.relax = relax
        self.max_depth = max_depth
        self.max_pdu = max_pdu


DEFAULT_CTX = Ctx(0, DEFAULT_MAX_DEPTH, DEFAULT_MAX_PDU_SIZE)


def fail(rule: Rule, message: str, offset: int) -> DecodeError:
    return DecodeError(message, offset=offset, rule=rule)


# -- lengths and headers -------------------------------------------------------
def long_length(b: bytes, p: int, lp: int, e: int) -> tuple[int, int]:
    """Parse a long-form or invalid length at ``lp`` (the element starts at
    ``p``); the octets must lie before ``e``.  Returns (content start, length);
    raises IndexError-free errors; a caller at the top turns overflow into
    "incomplete"."""
    first = b[lp]
    if first == 0x80:
        raise fail(Rule.INDEFINITE_LENGTH, "indefinite length is not allowed (RFC 4511 5.1)", p)
    if first == 0xFF:
        raise fail(Rule.LENGTH_RESERVED, "length octet 0xFF is reserved (X.690 8.1.3.5)", p)
    k = first & 0x7F
    s = lp + 1 + k
    if s > e:
        raise fail(Rule.LENGTH_OVERFLOW, "length octets run past the enclosing element", p)
    i = lp + 1
    while i < s and b[i] == 0:
        i += 1
    if s - i > 7:
        raise fail(Rule.LENGTH_TOO_LARGE, "length needs more than 7 octets", p)
    return s, int.from_bytes(b[i:s], "big")


def missing_error(p: int) -> DecodeError:
    return fail(Rule.MISSING_COMPONENT, "a required component is missing", p)


def tag_error(got: int, p: int, tag: int) -> DecodeError:
    if got == tag | 0x20 and not tag & 0x20:
        return fail(Rule.CONSTRUCTED_STRING, "constructed form of a primitive element (RFC 4511 5.1)", p)
    return fail(Rule.UNEXPECTED_TAG, f"expected tag 0x{tag:02x}, found 0x{got:02x}", p)


def hdr(b: bytes, p: int, e: int, tag: int) -> tuple[int, int]:
    """Check that the element at ``p`` has identifier octet ``tag`` and lies
    within ``e``; return its (content start, content end)."""
    if p >= e:
        raise missing_error(p)
    if b[p] != tag:
        raise tag_error(b[p], p, tag)
    if p + 1 >= e:
        raise fail(Rule.LENGTH_OVERFLOW, "element runs past its enclosing element", p)
    n = b[p + 1]
    if n < 0x80:
        s = p + 2
    else:
        s, n = long_length(b, p, p + 1, e)
    u = s + n
    if u > e:
        raise fail(Rule.LENGTH_OVERFLOW, "element runs past its enclosing element", p)
    return s, u


def element_bounds(b: bytes, p: int, e: int) -> tuple[int, int]:
    """(content start, end) of the element at ``p`` whatever its tag
    (multi-octet tag numbers included); the element must end by ``e``."""
    if p >= e:
        raise missing_error(p)
    lp = p + 1
    if b[p] & 0x1F == 0x1F:
        while True:
            if lp >= e:
                raise fail(Rule.LENGTH_OVERFLOW, "tag runs past the enclosing element", p)
            if lp - p > 4:
                raise fail(Rule.TAG_TOO_LONG, "tag number needs more than 4 octets", p)
            octet = b[lp]
            if lp == p + 1 and octet == 0x80:  # judged as soon as seen, as the compiled backend does
                raise fail(Rule.TAG_ENCODING, _LEADING_0X80, p)
            lp += 1
            if not octet & 0x80:
                break
        _check_tag(b, p, lp)
    elif not b[p] & 0xDF:
        raise fail(Rule.TAG_ENCODING, "universal tag 0 is reserved for end-of-contents (X.690 8.1.5)", p)
    if lp >= e:
        raise fail(Rule.LENGTH_OVERFLOW, "element runs past its enclosing element", p)
    n = b[lp]
    if n < 0x80:
        s = lp + 1
    else:
        s, n = long_length(b, p, lp, e)
    u = s + n
    if u > e:
        raise fail(Rule.LENGTH_OVERFLOW, "element runs past its enclosing element", p)
    return s, u


_LEADING_0X80 = "a tag number's first octet is 0x80 (X.690 8.1.2.4.2 c)"


def _check_tag(b: bytes, p: int, end: int) -> None:
    """The high-tag-number form of the identifier octets ``b[p:end]``: no leading 0x80, a number of 31 or more."""
    if b[p + 1] == 0x80:
        raise fail(Rule.TAG_ENCODING, _LEADING_0X80, p)
    number = 0
    for octet in b[p + 1:end]:
        number = number << 7 | octet & 0x7F
    if number < 31:
        raise fail(Rule.TAG_ENCODING, f"tag number {number} in the high-tag-number form (X.690 8.1.2.4: "
                                      "numbers below 31 take one octet)", p)


def tlv_end(b: bytes, p: int, e: int) -> int:
    """The end of the element at ``p`` (see :func:`element_bounds`)."""
    return element_bounds(b, p, e)[1]


def top(b: bytes, n: int, tag: int, limit: int | None = None) -> tuple[int, int]:
    """Header of the outermost element of ``b[:n]``: like :func:`hdr`, but
    data that merely ends too soon is :class:`IncompleteError`.  ``tag`` -1
    accepts any tag (a CHOICE at the top).  An element announcing more than
    ``limit`` bytes in all is :class:`PDUTooLargeError`, from its header alone."""
    if n == 0:
        raise IncompleteError("no data", offset=0, needed=None)
    first = b[0]
    if tag >= 0 and first != tag:
        raise tag_error(first, 0, tag)
    lp = 1
    if tag < 0 and first & 0x1F == 0x1F:
        if n > 1 and b[1] == 0x80:
            raise fail(Rule.TAG_ENCODING, _LEADING_0X80, 0)
        while lp < n and lp <= 4 and b[lp] & 0x80:
            lp += 1
        if lp > 4:
            raise fail(Rule.TAG_TOO_LONG, "tag number needs more than 4 octets", 0)
        lp += 1
        if lp <= n:
            _check_tag(b, 0, lp)
    elif tag < 0 and not first & 0xDF:
        raise fail(Rule.TAG_ENCODING, "universal tag 0 is reserved for end-of-contents (X.690 8.1.5)", 0)
    if lp >= n:
        raise IncompleteError("the header is incomplete", offset=0, needed=None)
    ln = b[lp]
    if ln < 0x80:
        s = lp + 1
    elif ln == 0x81 and lp + 1 < n:  # 128-255 octets: most PDUs that are not tiny
        s = lp + 2
        ln = b[lp + 1]
    else:
        if ln not in (0x80, 0xFF) and lp + 1 + (ln & 0x7F) > n:
            raise IncompleteError("the header is incomplete", offset=0, needed=None)
        s, ln = long_length(b, 0, lp, n)
    u = s + ln
    if limit is not None and u > limit:
        raise PDUTooLargeError(u, limit, 0)
    if u > n:
        raise IncompleteError(f"the PDU needs {u - n} more bytes", offset=0, needed=u - n)
    return s, u


def top_at(b: bytes, pos: int, n: int, tag: int, limit: int | None = None) -> tuple[int, int]:
    """:func:`top` for the element at ``pos``; offsets stay absolute."""
    try:
        s, u = top(b[pos:pos + 2 + 127], n - pos, tag, limit)
    except DecodeError as err:
        err.offset += pos
        raise
    return s + pos, u + pos


def stream_header(b: bytes | bytearray, p: int, n: int, limit: int, base: int) -> tuple[int, int] | None:
    """The header of the PDU at ``b[p]`` in a stream whose data ends at ``n``:
    (content start, end), or None while its tag and length octets are not all
    in.  ``base`` is the stream offset of ``b[0]``, for errors.  Never raises
    for data that may still complete; a header that can never be valid
    raises as :func:`top` does, and one announcing more than ``limit`` bytes
    raises :class:`PDUTooLargeError`, before any of the body is buffered."""
    if n - p < 2:
        return None if n == p or b[p] == 0x30 else _bad_header(b, p, n, base)  # a wrong tag is judged at once
    first, ln = b[p], b[p + 1]
    if first == 0x30 and ln < 0x80:
        s, u = p + 2, p + 2 + ln
    elif first == 0x30 and 0x80 < ln < 0xFF:
        k = ln & 0x7F
        if n - p < 2 + k:
            return None
        value = int.from_bytes(b[p + 2:p + 2 + k], "big")
        if value.bit_length() > 56:
            return _bad_header(b, p, n, base)
        s = p + 2 + k
        u = s + value
    else:
        return _bad_header(b, p, n, base)
    if u - p > limit:
        raise PDUTooLargeError(u - p, limit, base + p)
    return s, u


def _bad_header(b: bytes | bytearray, p: int, n: int, base: int) -> tuple[int, int] | None:
    """Let :func:`top` judge a header the fast paths do not take (every such
    header is invalid, or cut before its last length octet)."""
    try:
        s, u = top(bytes(b[p:min(n, p + HEADER_MAX)]), n - p, 0x30)
    except IncompleteError:
        return None
    except DecodeError as err:
        err.offset = base + p + max(err.offset, 0)
        err.root = "LDAPMessage"
        raise
    return p + s, p + u  # pragma: no cover - top() accepts no header the fast paths refuse


def pdu_length(b: bytes, tag: int) -> int | None:
    """Total size of the first PDU once its header is in ``b``, else None."""
    try:
        return top(b, len(b), tag)[1]
    except IncompleteError as err:
        return None if err.needed is None else len(b) + err.needed


# -- primitive values ----------------------------------------------------------
def rd_bool(b: bytes, p: int, s: int, u: int, c: Ctx) -> bool:
    if u - s != 1:
        raise fail(Rule.PRIMITIVE_LENGTH, "a BOOLEAN has exactly one content octet", p)
    v = b[s]
    if v == 0xFF:
        return True
    if v == 0:
        return False
    if c.relax & R_BOOL:
        return True
    raise fail(Rule.BOOLEAN_VALUE, f"BOOLEAN TRUE must be 0xFF, found 0x{v:02x} (RFC 4511 5.1)", p)


def rd_int(b: bytes, p: int, s: int, u: int, c: Ctx) -> int:
    n = u - s
    if n == 0:
        raise fail(Rule.PRIMITIVE_LENGTH, "an INTEGER needs at least one content octet", p)
    if n > 1:
        first, second = b[s], b[s + 1]
        if (first == 0 and second < 0x80) or (first == 0xFF and second >= 0x80):
            if not c.relax & R_MININT:
                raise fail(Rule.MINIMAL_INTEGER, "INTEGER has redundant leading octets", p)
            while u - s > 1 and (
                (b[s] == 0 and b[s + 1] < 0x80) or (b[s] == 0xFF and b[s + 1] >= 0x80)
            ):
                s += 1
        if u - s > 8:
            raise fail(Rule.INTEGER_SIZE, "INTEGER wider than 64 bits", p)
    return int.from_bytes(b[s:u], "big", signed=True)


def range_error(v: int, lo: int | None, hi: int | None, p: int) -> DecodeError:
    return fail(Rule.VALUE_RANGE, f"value {v} is outside {lo}..{'MAX' if hi is None else hi}", p)


def rd_text(b: bytes, p: int, s: int, u: int, c: Ctx) -> str:
    try:
        return b[s:u].decode("utf-8")
    except UnicodeDecodeError as exc:
        if c.relax & R_UTF8:
            return b[s:u].decode("utf-8", "surrogateescape")
        raise fail(Rule.UTF8, f"invalid UTF-8 at content octet {exc.start}", p) from None


_NUMERICOID = re.compile(rb"(?:0|[1-9][0-9]*)(?:\.(?:0|[1-9][0-9]*))+")


def check_oid(b: bytes, p: int, s: int, u: int) -> None:
    """``b[s:u]``, an LDAPOID's contents, must be a numericoid (RFC 4512
    1.4: two or more dot-separated numbers without leading zeros)."""
    if _NUMERICOID.fullmatch(b, s, u) is None:
        raise fail(Rule.OID_SYNTAX, f"{bytes(b[s:u])[:64]!r} is not a numericoid (RFC 4512 1.4)", p)


def rd_null(p: int, s: int, u: int) -> None:
    if u != s:
        raise fail(Rule.PRIMITIVE_LENGTH, "NULL has no content octets", p)


def size_error(n: int, lo: int | None, hi: int | None, p: int) -> DecodeError:
    return fail(Rule.SIZE_CONSTRAINT, f"size {n} is outside {lo}..{'MAX' if hi is None else hi}", p)


def default_error(p: int) -> DecodeError:
    return fail(Rule.DEFAULT_VALUE, "a value equal to its DEFAULT must be absent (RFC 4511 5.1)", p)


def deep(decoder: Callable[..., Generator[tuple[int, int, int], Any, tuple[Any, int]]],
         b: bytes, s: int, e: int, c: Ctx, depth: int) -> tuple[Any, int]:
    """Decode the element at ``s`` with ``decoder``, the generator twin of a
    type's decoder that contains itself (Filter): where the plain one would
    call itself, the twin yields (start, end, depth) and is sent the result.
    Those calls go on a list instead of the interpreter's stack, so that the
    nesting ``max_depth`` admits, not the recursion limit, bounds the decode.
    An error in an inner level is thrown into the level around it, which adds
    its path segment as a plain call would."""
    stack = [decoder(b, s, e, c, depth)]
    result: Any = None
    error: BaseException | None = None
    while True:
        level = stack[-1]
        try:
            if error is None:
                request = level.send(result)
            else:
                thrown, error = error, None
                request = level.throw(thrown)
        except StopIteration as done:
            stack.pop()
            if not stack:
                return done.value  # type: ignore[no-any-return]
            result = done.value
            continue
        except BaseException as err:  # noqa: BLE001 - handed to the level around, re-raised at the top
            stack.pop()
            if not stack:
                raise
            error = err
            continue
        stack.append(decoder(b, request[0], request[1], c, request[2]))
        result = None


def depth_error(p: int, max_depth: int) -> DecodeError:
    return fail(Rule.MAX_DEPTH, f"nesting deeper than {max_depth}", p)


def order_error(what: str, p: int) -> DecodeError:
    return fail(Rule.SUBSTRING_ORDER, what, p)


def extensions(b: bytes, s: int, e: int, roots: frozenset[int]) -> tuple[bytes, ...]:
    """Unknown trailing elements of a SEQUENCE, kept as raw TLVs.  ``roots``
    are the identifier octets (constructed bit set) of the SEQUENCE's own
    components: one of them after an unknown element is out of order (the
    first element after the components may carry any tag)."""
    out: list[bytes] = []
    while s < e:
        if out and b[s] | 0x20 in roots:
            raise fail(Rule.COMPONENT_ORDER, f"a component (tag 0x{b[s]:02x}) after an unknown element: "
                                             "extensions come after every component of the SEQUENCE", s)
        try:
            u = tlv_end(b, s, e)
        except DecodeError as err:
            if err.rule is Rule.TAG_ENCODING:
                raise
            raise fail(Rule.TRAILING_DATA, "bytes that form no element: " + err.message, s) from None
        out.append(b[s:u])
        s = u
    return tuple(out)


def unknown(b: bytes, s: int, e: int) -> UnknownAlternative:
    o = new(UnknownAlternative)
    o.raw = b[s:e]
    return o


# -- encoding ------------------------------------------------------------------
def _long_header(tag: int, n: int) -> bytes:
    if n < 0x100:  # the common long forms, built directly
        return bytes((tag, 0x81, n)) if n >= 0x80 else bytes((tag, n))
    if n < 0x10000:
        return bytes((tag, 0x82, n >> 8, n & 0xFF))
    return bytes((tag,)) + _length_octets(n)


def _length_octets(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(body),)) + body


# The encoders write back to front, as the compiled ones do (see Writer in
# cruntime.pxi): the last component first, contents before their header, so
# each length is known when written.  Here the writer is a list: its first
# item counts the octets written, the others are the pieces, last piece
# first; writer_bytes() joins them once, in order.
Writer = list  # [octets written, piece, piece, ...]


def _short_heads(tag: int) -> list[bytes]:
    heads = _SHORT_HEADS[tag] = [bytes((tag, n)) for n in range(0x80)]
    return heads


#: Per tag, built on first use: the header of each short length.
_SHORT_HEADS: list[list[bytes] | None] = [None] * 256


def mark(w: Writer) -> int:
    return w[0]  # type: ignore[no-any-return]


def close(w: Writer, tag: int, m: int) -> None:
    """The header of the constructed element whose contents began at ``m``."""
    n = w[0] - m
    if n < 0x80:
        w.append((_SHORT_HEADS[tag] or _short_heads(tag))[n])
        w[0] += 2
        return
    if n >> 32:
        raise EncodeError(f"an element of {n} bytes is longer than 4 GiB - 1")
    head = _long_header(tag, n)
    w.append(head)
    w[0] += len(head)


def put_raw(w: Writer, tag: int, data: bytes) -> None:
    n = len(data)
    if n < 0x80:  # one piece: a short copy costs less than a second piece
        w.append((_SHORT_HEADS[tag] or _short_heads(tag))[n] + data)
        w[0] += n + 2
    else:
        head = _long_header(tag, n)
        w.append(data)
        w.append(head)
        w[0] += n + len(head)


def type_error(expected: str, v: object) -> EncodeError:
    return EncodeError(f"expected {expected}, got {type(v).__name__}")


def put_text(w: Writer, tag: int, v: object) -> None:
    if type(v) is not str and not isinstance(v, str):
        raise type_error("str", v)
    try:
        data = v.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise EncodeError(f"not valid Unicode at character {exc.start}") from None
    put_raw(w, tag, data)


def put_bytes(w: Writer, tag: int, v: object) -> None:
    if type(v) is not bytes:
        if not isinstance(v, (bytes, bytearray, memoryview)):
            raise type_error("bytes", v)
        v = bytes(v)
    put_raw(w, tag, v)  # type: ignore[arg-type]


def put_bool(w: Writer, tag: int, v: object) -> None:
    if type(v) is not bool:
        raise type_error("bool", v)
    w.append(bytes((tag, 1, 0xFF if v else 0)))
    w[0] += 3


def check_int(v: object, lo: int | None, hi: int | None) -> int:
    if not isinstance(v, int) or isinstance(v, bool):
        raise type_error("int", v)
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise EncodeError(f"value {v} is outside {lo}..{'MAX' if hi is None else hi}")
    return v


def put_int(w: Writer, tag: int, v: int) -> None:
    body = v.to_bytes(((~v if v < 0 else v).bit_length() // 8) + 1, "big", signed=True)
    if len(body) > 8:
        raise EncodeError(f"value {v} is wider than 64 bits")
    put_raw(w, tag, body)


def check_size(n: int, lo: int | None, hi: int | None) -> None:
    if (lo is not None and n < lo) or (hi is not None and n > hi):
        raise enc_size_error(n, lo, hi)


NUMERICOID_TEXT = re.compile(r"(?:0|[1-9][0-9]*)(?:\.(?:0|[1-9][0-9]*))+", re.ASCII)


def check_oid_text(value: object) -> object:
    """An LDAPOID to encode: a str must be a numericoid, what the strict
    decoder accepts (other types go on to the type check)."""
    if type(value) is str and NUMERICOID_TEXT.fullmatch(value) is None:
        raise EncodeError(f"{value[:64]!r} is not a numericoid (RFC 4512 1.4)")
    return value


def enc_depth_error() -> EncodeError:
    return EncodeError(f"nesting deeper than {ENC_MAX_DEPTH} (or a cycle)")


def enc_size_error(n: int, lo: int | None, hi: int | None) -> EncodeError:
    return EncodeError(f"size {n} is outside {lo}..{'MAX' if hi is None else hi}")


def enc_changed_error(n: int) -> EncodeError:
    # A list shrunk by the user's own code (a __bytes__ or __class__ of one
    # of its items) while its items were being written.
    return EncodeError(f"the list of {n} items changed size while it was being encoded")


def check_list(v: object) -> list:  # type: ignore[type-arg]
    if not isinstance(v, (list, tuple)):
        raise type_error("list", v)
    return v  # type: ignore[return-value]


def put_extensions(w: Writer, exts: object) -> None:
    if exts is EMPTY:
        return
    if not isinstance(exts, tuple):
        raise type_error("tuple of bytes", exts)
    for raw in reversed(exts):  # back to front, as everything
        put_verbatim(w, raw, "extension")


def one_element(raw: bytes) -> bool:
    """Is ``raw`` exactly one valid BER element (a kept extension, an
    unknown alternative)?"""
    try:
        return len(raw) > 0 and tlv_end(raw, 0, len(raw)) == len(raw)
    except DecodeError:
        return False


def put_verbatim(w: Writer, raw: object, what: str) -> None:
    """Write an element kept as raw bytes, after checking it is one valid TLV."""
    if not isinstance(raw, (bytes, bytearray)):
        raise type_error("bytes", raw)
    if not one_element(bytes(raw)):
        raise EncodeError(f"{what} is not exactly one valid BER element")
    w.append(bytes(raw))
    w[0] += len(raw)


def put_unknown(w: Writer, raw: object, known: frozenset) -> None:  # type: ignore[type-arg]
    """An UnknownAlternative, refused if its tag is a known alternative's
    (it would decode as that alternative, not as itself)."""
    if isinstance(raw, (bytes, bytearray)) and raw and raw[0] | 0x20 in known:
        raise EncodeError(f"an unknown alternative cannot use the tag 0x{raw[0]:02x} of a known one")
    put_verbatim(w, raw, "an unknown alternative")


def order_check(items: list, first: type, last: type) -> None:  # type: ignore[type-arg]
    n = len(items)
    for i, item in enumerate(items):
        if type(item) is first and i != 0:
            raise EncodeError(f"{first.__name__} may only come first, found at [{i}]")
        if type(item) is last and i != n - 1:
            raise EncodeError(f"{last.__name__} may only come last, found at [{i}]")


# -- shared by the generated code ----------------------------------------------
def trailing_error(u: int, n: int) -> DecodeError:
    return fail(Rule.TRAILING_DATA, f"{n - u} bytes follow the element", u)


def enum_table(cls: type) -> tuple:  # type: ignore[type-arg]
    """Members of an IntEnum indexed by value (None where a value is unused)."""
    size = max(int(m) for m in cls) + 1  # type: ignore[attr-defined]
    table = [None] * size
    for m in cls:  # type: ignore[attr-defined]
        table[int(m)] = m
    return tuple(table)


def enum_value(table: tuple, v: int) -> object:  # type: ignore[type-arg]
    """The member for ``v``, or ``v`` itself when the module does not list it
    (ENUMERATED types are extensible: an unknown value is kept, not fatal)."""
    if 0 <= v < len(table):
        m = table[v]
        if m is not None:
            return m
    return v


_BASE = type.__dict__["__base__"]  # a class's layout base, read without a metaclass's say


def alternative_class(o: object, classes: tuple[type, ...], alias: str) -> type:
    """The CHOICE alternative a subclass instance stands for: the first of
    ``classes`` on its class's layout chain (``__base__``), by identity, as
    the compiled encoders find it.  No user code runs: a metaclass's
    ``__eq__``/``__hash__`` cannot make another class pass for one."""
    t = type(o)
    while t is not None:
        for cls in classes:
            if cls is t:
                return cls
        t = _BASE.__get__(t)
    raise type_error(f"a {alias} alternative", o)


def put_null(w: Writer, tag: int, v: object) -> None:
    if v is not None:
        raise type_error("None", v)
    w.append(bytes((tag, 0)))
    w[0] += 2


def new_writer() -> Writer:
    return [0]


def writer_bytes(w: Writer) -> bytes:
    w[0] = b""
    w.reverse()
    return b"".join(w)


def release_writer(w: Writer) -> None:
    pass
