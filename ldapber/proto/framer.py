"""Bytes as they arrive, in any chunking -> complete LDAP PDUs.

The cost is linear in the bytes received: a PDU's header is parsed once,
when its first octets (at most 2 + 127) are in; then the framer waits until
that many bytes are buffered and cuts the PDU out.  The buffer is a
bytearray with a read offset, compacted when the consumed part is larger
than what is left, so each byte is moved a bounded number of times.

The maximum PDU size is checked from the header, before the body is
buffered: a peer announcing a 4 GiB PDU is refused after six bytes.
"""

from __future__ import annotations

from ..codec import pdu_length
from ..errors import DecodeError, Rule

__all__ = ["DEFAULT_MAX_PDU_SIZE", "Framer", "PDUTooLargeError"]

#: slapd refuses PDUs over 16 MiB - 1 from authenticated clients
#: (sockbuf_max_incoming_auth; 256 KiB - 1 from anonymous ones).
DEFAULT_MAX_PDU_SIZE = 16 * 1024 * 1024 - 1
_HEADER_MAX = 2 + 127


class PDUTooLargeError(DecodeError):
    """A PDU's header announces more bytes than the framer accepts."""

    def __init__(self, size: int, limit: int, offset: int) -> None:
        super().__init__(f"PDU of {size} bytes exceeds the limit of {limit}", offset=offset, rule=Rule.LENGTH_TOO_LARGE)
        self.size = size
        self.limit = limit


class Framer:
    """Feed bytes with :meth:`feed`; take whole PDUs with :meth:`next_pdu`
    (or iterate).  A malformed header raises :class:`~ldapber.DecodeError`;
    the stream cannot be resynchronised after that, so close the connection."""

    def __init__(self, max_pdu_size: int = DEFAULT_MAX_PDU_SIZE) -> None:
        if max_pdu_size < 2:
            raise ValueError("max_pdu_size must be at least 2")
        self.max_pdu_size = max_pdu_size
        self._buf = bytearray()
        self._pos = 0  # start of the unconsumed bytes
        self._size: int | None = None  # size of the PDU at _pos, once known
        self._consumed = 0  # bytes handed out so far (for error offsets)

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        """Add bytes received from the peer."""
        self._buf += data

    @property
    def buffered(self) -> int:
        """Bytes received but not yet handed out as a PDU."""
        return len(self._buf) - self._pos

    def next_pdu(self) -> bytes | None:
        """The next complete PDU, or None until more bytes arrive."""
        available = len(self._buf) - self._pos
        if self._size is None:
            if available == 0:
                return None
            head = bytes(self._buf[self._pos:self._pos + _HEADER_MAX])
            try:
                size = pdu_length(head)
            except DecodeError as err:
                err.offset = self._consumed + max(err.offset, 0)
                raise
            if size is None:
                return None
            if size > self.max_pdu_size:
                raise PDUTooLargeError(size, self.max_pdu_size, self._consumed)
            self._size = size
        if available < self._size:
            return None
        pdu = bytes(self._buf[self._pos:self._pos + self._size])
        self._pos += self._size
        self._consumed += self._size
        self._size = None
        if self._pos > len(self._buf) - self._pos:  # compact: amortised linear
            del self._buf[:self._pos]
            self._pos = 0
        return pdu

    def __iter__(self) -> Framer:
        return self

    def __next__(self) -> bytes:
        pdu = self.next_pdu()
        if pdu is None:
            raise StopIteration
        return pdu
