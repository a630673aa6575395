"""Bytes in any chunking -> whole PDUs as ``bytes``, undecoded.

For tools that need each PDU's raw octets (the decode CLI reports every PDU
of a capture, the bad ones too).  Connections do not use it: they read with
:class:`ldapber.StreamDecoder`, which frames and decodes in one pass.  Both
read headers with the same function (``pyruntime.stream_header``), so they
refuse the same headers with the same errors at the same stream offsets,
and a header announcing more than ``max_pdu_size`` bytes is refused before
its body is buffered.

The buffer is a bytearray with a read offset, compacted when the consumed
part is larger than what is left, so each byte is moved a bounded number of
times: the cost is linear in the bytes received, whatever the chunking.
"""

from __future__ import annotations

from .._ber.pyruntime import DEFAULT_MAX_PDU_SIZE, check_pdu_size, stream_header
from ..errors import PDUTooLargeError

__all__ = ["DEFAULT_MAX_PDU_SIZE", "Framer", "PDUTooLargeError"]


class Framer:
    """Feed bytes with :meth:`feed`; take whole PDUs with :meth:`next_pdu`
    (or iterate).  A malformed header raises :class:`~ldapber.DecodeError`;
    the stream cannot be resynchronised after that, so close the connection."""

    def __init__(self, max_pdu_size: int = DEFAULT_MAX_PDU_SIZE) -> None:
        self.max_pdu_size = check_pdu_size(max_pdu_size)
        self._buf = bytearray()
        self._pos = 0  # start of the unconsumed bytes
        self._end: int | None = None  # end of the PDU at _pos, once its header is in
        self._consumed = 0  # stream offset of _buf[0] (for error offsets)

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        """Add bytes received from the peer."""
        self._buf += data

    @property
    def buffered(self) -> int:
        """Bytes received but not yet handed out as a PDU."""
        return len(self._buf) - self._pos

    def next_pdu(self) -> bytes | None:
        """The next complete PDU, or None until more bytes arrive."""
        if self._end is None:
            head = stream_header(self._buf, self._pos, len(self._buf), self.max_pdu_size, self._consumed)
            if head is None:
                return None
            self._end = head[1]
        end = self._end
        if end > len(self._buf):
            return None
        pdu = bytes(self._buf[self._pos:end])
        self._pos, self._end = end, None
        if self._pos > len(self._buf) - self._pos:  # compact: amortised linear
            del self._buf[:self._pos]
            self._consumed += self._pos
            self._pos = 0
        return pdu

    def __iter__(self) -> Framer:
        return self

    def __next__(self) -> bytes:
        pdu = self.next_pdu()
        if pdu is None:
            raise StopIteration
        return pdu


