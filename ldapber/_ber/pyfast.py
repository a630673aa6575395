"""Helpers of the pure-Python backend's fast encoders (``x_*`` in the
generated ``*_py`` modules; see :mod:`ldapber.compiler.emit_pyfast`).

The fast encoders write front to back into a list of pieces that is joined
once: a constructed element reserves a slot for its header, fills in its
contents, then puts the header in the slot.  They handle the everyday
objects (exact types) with few calls, and give up with
:class:`NotFast` on anything else: a subclass, a ``bytearray``, an unknown
alternative, a value out of range.  The public entry then runs the exact
encoders (``e_*``), which accept every valid object and raise the precise
:class:`~ldapber.errors.EncodeError`.  So the fast path may refuse more
than the exact one, never less, and must produce the same bytes.
"""

from __future__ import annotations

from .pyruntime import _SHORT_HEADS, _long_header, _short_heads, one_element

__all__ = ["NotFast", "short_heads", "small_ints", "put_long", "head_at", "put_int_long",
           "put_exts_fast", "text_element"]

#: Attribute descriptions of up to this many octets are cached, this many in all.
TEXT_CACHE_LONGEST = 40
TEXT_CACHE_SIZE = 512

Pieces = list  # bytes, and None for a header slot until it is filled


class NotFast(Exception):
    """The fast encoder leaves this object to the exact one."""


def short_heads(tags: tuple[int, ...]) -> list[list[bytes] | None]:
    """The table of short headers by tag and length, filled for ``tags``."""
    for tag in tags:
        if _SHORT_HEADS[tag] is None:
            _short_heads(tag)
    return _SHORT_HEADS


def small_ints(tag: int) -> list[bytes]:
    """The whole element (tag, length 1, value) of each of 0..127."""
    return [bytes((tag, 1, v)) for v in range(0x80)]


def _long_head(tag: int, n: int) -> bytes:
    """The header of ``n`` octets of contents (refused from 4 GiB)."""
    if n >> 32:
        raise NotFast  # the exact encoder says why
    return _long_header(tag, n)


def put_long(w: Pieces, tag: int, data: bytes) -> int:
    """A primitive element of 128 octets or more; returns its size."""
    n = len(data)
    head = _long_head(tag, n)
    w.append(head)
    w.append(data)
    return n + len(head)


def head_at(w: Pieces, i: int, tag: int, n: int) -> int:
    """Fill slot ``i`` with the header of ``n`` octets of contents; returns
    the element's size."""
    head = _long_head(tag, n)
    w[i] = head
    return n + len(head)


def put_int_long(w: Pieces, tag: int, v: int, lo: int, hi: int) -> int:
    """An INTEGER the small-value table does not hold, checked against
    ``lo..hi`` and 64 bits."""
    if v < lo or v > hi:
        raise NotFast
    body = v.to_bytes(((~v if v < 0 else v).bit_length() // 8) + 1, "big", signed=True)
    if len(body) > 8:
        raise NotFast
    w.append(bytes((tag, len(body))) + body)
    return len(body) + 2


def put_exts_fast(w: Pieces, exts: object) -> int:
    """A SEQUENCE's kept extensions, each exactly one valid element."""
    if type(exts) is not tuple:
        raise NotFast
    k = 0
    for raw in exts:
        if type(raw) is not bytes or not one_element(raw):
            raise NotFast
        w.append(raw)
        k += len(raw)
    return k


def text_element(cache: dict[str, bytes], tag: int, v: str) -> bytes:
    """The element for the str ``v``, kept in ``cache`` when it is short
    (attribute descriptions repeat from message to message)."""
    data = v.encode()
    n = len(data)
    if n >= 0x80:
        return _long_header(tag, n) + data
    element = bytes((tag, n)) + data
    if n <= TEXT_CACHE_LONGEST:
        if len(cache) >= TEXT_CACHE_SIZE:
            cache.clear()
        cache[v] = element
    return element
