"""The streaming decoder of the pure-Python backend: the twin of
``cstream.pxi`` (same methods, same errors, same offsets).

Bytes are appended to a bytearray; whenever PDUs are taken, every complete
PDU in it is cut out with one copy into ``bytes`` (the Python decoders
index ``bytes``) and decoded from there.  A PDU's header is parsed once, as
soon as its tag and length octets are in, so the cost is linear in the bytes
whatever the chunking; consumed bytes are dropped once they outweigh the
rest, so each byte is moved a bounded number of times.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ..errors import DecodeError, Rule
from .pyruntime import (
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_PDU_SIZE,
    Ctx,
    check_options,
    check_pdu_size,
    stream_header,
)

__all__ = ["PyStreamDecoder", "envelop", "failed_stream_error"]

#: A bytearray that has grown past this is released once it is empty.
_KEEP_CAPACITY = 256 * 1024


def envelop(message_id: int, ops: Sequence[bytes]) -> bytes:
    """Encoded protocolOps -> the LDAPMessages that carry them with
    ``message_id``, back to back in one bytes object (what a server sends
    for a batch of stored search entries).  The twin of ``cstream.pxi``'s."""
    if not 0 <= message_id <= 0x7FFFFFFF:
        raise ValueError(f"message ID {message_id} is out of range (0 .. 2**31 - 1)")
    octets = message_id.to_bytes((message_id.bit_length() + 8) // 8, "big")  # INTEGER: minimal, non-negative
    mid = bytes((0x02, len(octets))) + octets
    parts: list[bytes] = []
    for i, op in enumerate(ops):
        if type(op) is not bytes:
            raise TypeError(f"ops[{i}]: expected bytes, got {type(op).__name__}")
        size = len(mid) + len(op)
        if size < 0x80:
            parts.append(bytes((0x30, size)))
        else:
            length = size.to_bytes((size.bit_length() + 7) // 8, "big")
            parts.append(bytes((0x30, 0x80 | len(length))) + length)
        parts += (mid, op)
    return b"".join(parts)


def failed_stream_error(first: DecodeError) -> DecodeError:
    """What a stream decoder raises when used again after ``first``."""
    err = DecodeError(f"this StreamDecoder stopped at an earlier error and cannot continue (the PDU "
                      f"boundaries after it are unknown): {first.message}", offset=first.offset, rule=first.rule)
    err.root = first.root
    return err


class PyStreamDecoder:
    """Bytes in any chunking -> LDAPMessages, as msgpack's ``Unpacker`` does.

    ``feed(data)`` appends bytes (bytes, bytearray or memoryview); iterating
    yields each complete LDAPMessage and stops when the next one is not
    complete yet; ``read()`` returns all complete ones as a list (one call
    per batch of received bytes).  ``buffered`` is how many bytes wait,
    ``position`` the stream offset of the next PDU.  Options are those of
    :func:`ldapber.decode`, plus ``max_pdu_size``: a header announcing more
    raises :class:`~ldapber.PDUTooLargeError` before its body is buffered.

    A malformed PDU raises :class:`~ldapber.DecodeError` whose offset counts
    from the start of the stream; the decoder then refuses further use (the
    PDU boundaries after a malformed PDU are unknown)."""

    # The generated module's subclass supplies _pdu: decode one LDAPMessage
    # of ``b`` from its bounds (start, content start, end).

    __slots__ = ("_buf", "_start", "_base", "_head", "_ctx", "max_pdu_size", "_failure", "_pending", "_busy")
    _pdu: Callable[[bytes, int, int, int, Ctx], Any]

    def __init__(self, *, strict: bool = True, relax: Iterable[Rule | str] = (), max_depth: int = DEFAULT_MAX_DEPTH,
                 max_pdu_size: int = DEFAULT_MAX_PDU_SIZE) -> None:
        mask, depth = check_options(strict, relax, max_depth)
        self.max_pdu_size = check_pdu_size(max_pdu_size)
        self._ctx = Ctx(mask, depth, self.max_pdu_size)
        self._buf = bytearray()
        self._start = 0  # first byte not yet decoded
        self._base = 0  # stream offset of _buf[0]
        self._head: tuple[int, int] | None = None  # (content start, end) of the PDU at _start, once known
        self._failure: DecodeError | None = None  # the error that stopped the stream
        self._pending = False  # _failure is yet to be raised (messages before it were returned first)
        self._busy = False

    # -- input ----------------------------------------------------------------
    def feed(self, data: bytes | bytearray | memoryview) -> None:
        """Append bytes received from the peer (any chunking).  A header
        announcing more than ``max_pdu_size`` bytes, or one that can never be
        valid, raises here, before the body is buffered."""
        self._check_usable()
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"expected a bytes-like object, got {type(data).__name__}")
        self._buf += data
        if self._head is None:
            self._find_head()

    @property
    def buffered(self) -> int:
        """Bytes fed but not yet returned as part of a message."""
        return len(self._buf) - self._start

    @property
    def position(self) -> int:
        """Stream offset of the next byte to decode (bytes consumed so far)."""
        return self._base + self._start

    # -- output ---------------------------------------------------------------
    def read(self) -> list[Any]:
        """Every complete LDAPMessage buffered now, as a list (empty when the
        next one is not complete yet).  A malformed PDU raises DecodeError
        (offset counted from the start of the stream); messages before it
        are returned first, and the error is raised by the next call."""
        self._check_usable()
        bounds = self._complete()
        if not bounds:
            return []
        first, last = bounds[0][0], bounds[-1][2]
        with memoryview(self._buf) as view:
            chunk = bytes(view[first:last])
        out = []
        pdu, ctx, shift = self._pdu, self._ctx, self._base + first
        self._busy = True
        try:
            for p, s, u in bounds:
                try:
                    out.append(pdu(chunk, p - first, s - first, u - first, ctx))
                except DecodeError as err:
                    self._advance(p)
                    self._stop(err, shift, bool(out))
                    return out
        finally:
            self._busy = False
        self._advance(last)
        return out

    def __iter__(self) -> PyStreamDecoder:
        return self

    def __next__(self) -> Any:
        # One PDU at a time (a batch would be decoded ahead of the caller,
        # who may stop iterating and feed the rest elsewhere).
        self._check_usable()
        head = self._head
        if head is None or head[1] > len(self._buf):
            raise StopIteration
        p, (s, u) = self._start, head
        with memoryview(self._buf) as view:
            chunk = bytes(view[p:u])
        self._busy = True
        try:
            msg = self._pdu(chunk, 0, s - p, u - p, self._ctx)
        except DecodeError as err:
            self._stop(err, self._base + p, False)
            raise AssertionError("unreachable") from None  # pragma: no cover - _stop raises
        finally:
            self._busy = False
        self._advance(u)
        return msg

    # -- internals ------------------------------------------------------------
    def _check_usable(self) -> None:
        if self._busy:
            raise RuntimeError("the stream decoder is already decoding (re-entrant call)")
        if self._failure is not None:
            if self._pending:
                self._pending = False
                raise self._failure
            raise failed_stream_error(self._failure)

    def _find_head(self) -> None:
        try:
            self._head = stream_header(self._buf, self._start, len(self._buf), self.max_pdu_size, self._base)
        except DecodeError as err:
            err.root = "LDAPMessage"
            self._failure = err
            raise

    def _complete(self) -> list[tuple[int, int, int]]:
        """(start, content start, end) of every complete PDU from _start."""
        bounds = []
        p, n, buf, limit, base = self._start, len(self._buf), self._buf, self.max_pdu_size, self._base
        head = self._head
        while head is not None and head[1] <= n:
            bounds.append((p, head[0], head[1]))
            p = head[1]
            try:
                head = stream_header(buf, p, n, limit, base)
            except DecodeError as err:  # raised once the PDUs before it are out
                err.root = "LDAPMessage"
                self._failure, self._pending, head = err, True, None
        return bounds

    def _advance(self, p: int) -> None:
        """Mark everything before ``p`` consumed; find the next PDU's header."""
        self._start = p
        if p == len(self._buf):
            self._base += p
            if len(self._buf) > _KEEP_CAPACITY:
                self._buf = bytearray()
            else:
                del self._buf[:]
            self._start = 0
        elif p > len(self._buf) - p:  # drop the consumed part: amortised linear
            del self._buf[:p]
            self._base += p
            self._start = 0
        if self._failure is not None:
            self._head = None
            return
        try:
            self._find_head()
        except DecodeError:
            self._pending = True  # raised by the next call: the caller gets what was decoded first

    def _stop(self, err: DecodeError, shift: int, defer: bool) -> None:
        """A PDU failed to decode: fix its offset to the stream's, stop."""
        if err.offset >= 0:
            err.offset += shift
        if not err.root:
            err.root = "LDAPMessage"
        self._failure, self._pending, self._head = err, defer, None
        if not defer:
            raise err
