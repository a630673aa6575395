"""What the client and server connection machines share: the connection
states, the stream decoder they read with, the outstanding operations,
and the switch to TLS."""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Iterator
from typing import Any, Generic, TypeVar

from .._backend import BACKEND
from ..codec import DEFAULT_MAX_DEPTH, Codec, codec_for
from ..errors import DecodeError
from ..model import LDAPMessage
from .rules import LocalProtocolError

__all__ = ["ConnectionState", "Machine"]

E = TypeVar("E")


class ConnectionState(enum.Enum):
    OPEN = "open"  # operations flow
    TLS_HANDSHAKE = "tls-handshake"  # StartTLS succeeded; waiting for the TLS layer
    CLOSED = "closed"


class Machine(Generic[E]):
    """Base of :class:`~ldapber.proto.ClientConnection` and
    :class:`~ldapber.proto.ServerConnection`."""

    def __init__(self, *, codec: Codec | None, max_pdu_size: int, strict: bool, tls_active: bool,
                 max_depth: int = DEFAULT_MAX_DEPTH) -> None:
        self.codec = codec or codec_for(BACKEND)
        self.strict = strict
        #: The nesting bound of received PDUs (see :meth:`ldapber.Codec.decode`).
        self.max_depth = max_depth
        self.state = ConnectionState.OPEN
        #: Whether the connection is under TLS (LDAPS, or after StartTLS).
        self.tls_active = tls_active
        self.max_pdu_size = max_pdu_size
        self._stream: Any = self._new_stream()
        self._feed_error: DecodeError | None = None  # a header refused as bytes came in
        self._outstanding: dict[int, LDAPMessage] = {}
        self._exclusive: int | None = None  # ID of an outstanding Bind or StartTLS
        self._events: deque[E] = deque()

    def _new_stream(self) -> Any:
        return self.codec.StreamDecoder(strict=self.strict, max_pdu_size=self.max_pdu_size, max_depth=self.max_depth)

    def _feed(self, data: bytes | bytearray | memoryview) -> None:
        """Buffer received bytes; a bad header is reported by the next read."""
        if self._feed_error is None:
            try:
                self._stream.feed(data)
            except DecodeError as err:
                self._feed_error = err

    def _next_message(self) -> LDAPMessage | None:
        """The next complete message, or None; DecodeError for a bad PDU."""
        if self._feed_error is not None:
            raise self._feed_error
        return next(self._stream, None)

    def _read_batch(self, data: bytes | bytearray | memoryview) -> list[LDAPMessage]:
        """Buffer ``data``, then every complete message buffered now (one
        decoding pass); DecodeError for a bad header or PDU."""
        if data:
            self._feed(data)
        if self._feed_error is not None:
            raise self._feed_error
        return self._stream.read()  # type: ignore[no-any-return]

    def next_event(self) -> E | None:  # pragma: no cover - each machine defines it
        raise NotImplementedError

    def events(self) -> Iterator[E]:
        """All events available now."""
        while (event := self.next_event()) is not None:
            yield event

    @property
    def outstanding(self) -> dict[int, LDAPMessage]:
        """Operations in progress (not yet completed), by message ID (a copy)."""
        return dict(self._outstanding)

    def start_tls_done(self) -> None:
        """The transport installed TLS after a successful StartTLS."""
        if self.state is not ConnectionState.TLS_HANDSHAKE:
            raise LocalProtocolError("no StartTLS is waiting for its TLS layer")
        self.tls_active = True
        self.state = ConnectionState.OPEN
        # Bytes received before the handshake would be plaintext smuggled past
        # TLS (the "STARTTLS injection" attack): they are dropped.
        self._stream = self._new_stream()
        self._feed_error = None
