"""A receive buffer that splits a byte stream into LDAPMessages with
ldapber's :class:`~ldapber.StreamDecoder` and still knows each PDU's bytes.

An accelerator must give exactly what the library it speeds up gives, also
for a PDU ldapber refuses (a form real servers do not send, say): that PDU
is then handed out as bytes only, framed by the library's own rule, for the
library's own decoder, and decoding goes on with a fresh stream decoder
after it.  The bytes are kept beside the stream decoder's own copy, trimmed
once per :meth:`FallbackFramer.feed`, so the cost stays linear in the bytes.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from typing import Any

from .. import DecodeError, LDAPMessage, Rule, StreamDecoder

#: The rules relaxed: every relaxable one that the library's decoder does
#: not notice either, except ``default-value``.  A DEFAULT value encoded
#: explicitly (a control's criticality FALSE) reads differently in ldap3's
#: fast decoder (as TRUE), so such a PDU is left to it.
RELAX = frozenset({Rule.BOOLEAN_VALUE, Rule.MINIMAL_INTEGER, Rule.VALUE_RANGE, Rule.SIZE_CONSTRAINT,
                   Rule.SUBSTRING_ORDER, Rule.UTF8, Rule.OID_SYNTAX})

#: One PDU as the framer hands it out: the decoded message (None when
#: ldapber refused it), its offset in the framer's buffer and its length.
Frame = tuple[LDAPMessage | None, int, int]


def _new_stream() -> Any:
    # No size limit of ldapber's own: the library it stands in for has none
    # (and a declared length allocates nothing before its bytes are there).
    return StreamDecoder(strict=True, relax=RELAX, max_pdu_size=sys.maxsize)


class FallbackFramer:
    """One connection's received bytes -> complete PDUs, in order.

    ``size_of(head)`` is the library's own PDU size rule (total size from the
    first bytes, -1 while too few are in); it frames a PDU ldapber refused.
    """

    __slots__ = ("_stream", "_raw", "_off", "_origin", "_broken", "_size_of")

    def __init__(self, size_of: Callable[[bytes], int]) -> None:
        self._stream = _new_stream()
        self._raw = bytearray()  # bytes fed and not yet handed out (from _off on)
        self._off = 0  # offset in _raw of the next PDU
        self._origin = 0  # the stream decoder's position of _raw[0]
        self._broken = False  # the PDU at _off is ldapber's to refuse: framed by size_of
        self._size_of = size_of

    @property
    def buffered(self) -> int:
        """Bytes received that are not part of a PDU handed out yet."""
        return len(self._raw) - self._off

    def pdu(self, offset: int, length: int) -> bytes:
        """The bytes of a PDU handed out by :meth:`frames` (valid until the next feed)."""
        return bytes(self._raw[offset:offset + length])

    def feed(self, data: bytes) -> None:
        """Append bytes received from the peer."""
        if self._off:  # drop what was handed out: once per feed, linear overall
            del self._raw[:self._off]
            self._origin += self._off
            self._off = 0
        self._raw += data
        if not self._broken:
            try:
                self._stream.feed(data)
            except DecodeError:  # a header ldapber can never accept
                self._broken = True

    def frames(self) -> Iterator[Frame]:
        """Every complete PDU buffered now, as (message or None, offset,
        length); the bytes of one are :meth:`pdu` (offset, length)."""
        while True:
            if self._broken:  # the PDU at _off is framed by the library's rule
                offset = self._off
                size = self._size_of(bytes(self._raw[offset:offset + 16]))
                if size < 0 or offset + size > len(self._raw):
                    return  # not complete yet
                size = max(size, 1)  # always progress, whatever the rule says
                self._off = offset + size
                yield None, offset, size
                self._restart()
                continue
            stream = self._stream
            start = stream.position
            try:
                message: LDAPMessage = next(stream)
            except StopIteration:
                return
            except DecodeError:  # refused: the PDU at `start` goes to the library's decoder
                self._broken = True
                continue
            length = stream.position - start
            offset = start - self._origin
            self._off = offset + length
            yield message, offset, length

    def _restart(self) -> None:
        # A fresh stream decoder for the bytes after a refused PDU.
        self._stream = _new_stream()
        self._origin = -self._off  # its position 0 is _raw[_off]
        self._broken = False
        try:
            self._stream.feed(bytes(self._raw[self._off:]))
        except DecodeError:
            self._broken = True
