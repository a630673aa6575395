"""The server side of one LDAP connection, without I/O (like h11).

Feed the bytes a client sends to :meth:`ServerConnection.receive_data`,
take events with :meth:`~ServerConnection.next_event`, answer requests with
:meth:`~ServerConnection.send`, and write :meth:`~ServerConnection.data_to_send`
to the transport.  The machine enforces RFC 4511's sequencing so that the
code behind it only sees well-formed, orderly requests:

- a PDU that cannot be framed or decoded, a request with message ID 0 or
  with the ID of an operation still outstanding, a response sent by the
  client, or an unknown operation: the machine queues a Notice of
  Disconnection (protocolError, section 4.4.1), emits
  :class:`ProtocolViolation` and closes;
- a request while a bind or a StartTLS is in progress (4.2.1, 4.14.1): it
  answers operationsError itself and the request is never seen;
- StartTLS while other operations are outstanding or TLS is already on:
  operationsError (4.14.1); after the success response is sent, no bytes
  are accepted until :meth:`~ServerConnection.start_tls_done` says the TLS
  layer is installed;
- Abandon (4.11): the operation is forgotten and :class:`Abandoned` tells
  the application to stop it; whatever it still sends for it is dropped;
- Unbind (4.3): :class:`Unbound`, and the connection is closed.

Responses are checked too: each must answer an outstanding request with a
type allowed for it (:class:`~ldapber.proto.rules.LocalProtocolError`
otherwise), and the final one frees the message ID.  A response may come
pre-encoded (:class:`EncodedResponse`: a directory's stored
SearchResultEntry), checked by the class it encodes; the machine wraps it
in the LDAPMessage envelope for the request's message ID.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from ..codec import DEFAULT_MAX_DEPTH, DEFAULT_MAX_PDU_SIZE, Codec
from ..codec import _default as _default_codec
from ..errors import DecodeError, Rule
from ..extended import NOTICE_OF_DISCONNECTION_OID, notice_of_disconnection
from ..model import (
    AbandonRequest,
    BindRequest,
    ExtendedResponse,
    LDAPMessage,
    LDAPResult,
    ResultCode,
    UnbindRequest,
)
from ..model._base import UnknownAlternative
from .machine import ConnectionState, Machine
from .rules import (
    FINAL_RESPONSE,
    MAX_MESSAGE_ID,
    LocalProtocolError,
    allowed_response,
    allowed_response_type,
    is_starttls,
)

__all__ = ["ServerConnection", "ServerState", "Request", "Abandoned", "Unbound", "ProtocolViolation",
           "EncodedResponse", "Pause"]


ServerState = ConnectionState  # the states are the same on both sides
_OPEN, _CLOSED = ServerState.OPEN, ServerState.CLOSED  # looked up once (EnumMeta.__getattr__ is slow on 3.10-3.11)


@dataclass(frozen=True)
class Request:
    """A request the application must answer (or, for Abandon's target,
    stop answering).  Everything here passed the sequencing checks."""

    message: LDAPMessage


@dataclass(frozen=True)
class Abandoned:
    """The client abandoned the operation ``message_id`` (still outstanding
    until now); stop working on it.  Responses sent for it are dropped."""

    message_id: int
    request: LDAPMessage


@dataclass(frozen=True)
class Unbound:
    """The client sent an UnbindRequest: close the connection."""


@dataclass(frozen=True)
class ProtocolViolation:
    """The client broke the protocol; a Notice of Disconnection is queued in
    :meth:`ServerConnection.data_to_send`.  Send it, then close."""

    reason: str
    error: DecodeError | None = None


Event = Request | Abandoned | Unbound | ProtocolViolation


class EncodedResponse(NamedTuple):
    """Responses to ``message_id`` whose protocolOps are already BER: each
    of ``ops`` is one whole element (tag, length, contents) and ``op_type``
    the model class they encode (``SearchResultEntry``), which the protocol
    checks use.  No controls.  Stored encodings go out without being rebuilt
    per request, checked once per batch.  An empty batch sends nothing (the
    directory yields one as a scheduling point during a long scan)."""

    message_id: int
    op_type: type
    ops: list[bytes]


class Pause(NamedTuple):
    """Not a response: the handler asks its server to wait ``seconds``
    before taking its next reply (without holding up other connections),
    as a bind throttle does.  The machine never sees it."""

    seconds: float


def envelope(message_id: int, op: bytes) -> bytes:
    """``LDAPMessage ::= SEQUENCE { messageID, protocolOp }`` around an encoded protocolOp."""
    return _default_codec.envelop(message_id, [op])



class ServerConnection(Machine[Event]):
    """One client connection's protocol state; see the module docstring."""

    def __init__(self, *, codec: Codec | None = None, max_pdu_size: int = DEFAULT_MAX_PDU_SIZE,
                 tls_active: bool = False, strict: bool = True, max_depth: int = DEFAULT_MAX_DEPTH) -> None:
        super().__init__(codec=codec, max_pdu_size=max_pdu_size, strict=strict, tls_active=tls_active,
                         max_depth=max_depth)
        self._outbox = bytearray()

    # -- input -----------------------------------------------------------------
    def receive_data(self, data: bytes | bytearray | memoryview) -> None:
        """Bytes from the client.  Decoding happens in :meth:`next_event`."""
        if self.state is _OPEN and data:
            self._feed(data)

    def next_event(self) -> Event | None:
        """The next event, or None until more bytes arrive.  Requests are
        decoded one at a time, as they are taken: bytes after a StartTLS
        request stay undecoded until the TLS layer is in (and are then
        dropped, see :meth:`start_tls_done`)."""
        while not self._events and self.state is _OPEN:
            try:
                msg = self._next_message()
            except DecodeError as err:
                self._violation(self._diagnostic(err), err)
                break
            if msg is None:
                break
            self._receive(msg)
        return self._events.popleft() if self._events else None

    def _diagnostic(self, err: DecodeError) -> str:
        """The notice's diagnostic for a PDU that does not decode: the reason
        and the limit first, so that it survives the notice's length cap
        (a deep filter's path alone runs to thousands of characters)."""
        if err.rule is Rule.MAX_DEPTH:
            return (f"request nested deeper than this server's limit of {self.max_depth} levels (max_depth; "
                    f"a search filter may nest {self.max_depth - 2} deep), at byte {err.offset}")
        if err.rule is Rule.LENGTH_TOO_LARGE:
            return f"{err.message} (this server's max_pdu_size), at byte {err.offset}"
        path = err.path
        if len(path) > 80:
            path = f"{path[:40]}...{path[-30:]}"
        rule = f" [{err.rule.value}]" if err.rule is not None else ""
        return f"malformed PDU: {err.message}{rule}, at byte {err.offset} ({path})"

    def _receive(self, msg: LDAPMessage) -> None:
        op, mid = msg.protocol_op, msg.message_id
        if isinstance(op, UnbindRequest):
            self.state = ServerState.CLOSED
            self._events.append(Unbound())
            return
        if isinstance(op, UnknownAlternative):
            return self._violation(f"unknown operation (tag 0x{op.raw[0]:02x}) in message {mid}")
        if type(op) not in FINAL_RESPONSE and not isinstance(op, AbandonRequest):
            return self._violation(f"{type(op).__name__} is not a request (message {mid})")
        if mid == 0:
            return self._violation("message ID 0 is reserved for unsolicited notifications")
        if mid in self._outstanding:
            return self._violation(f"message ID {mid} is already in use by an outstanding operation")
        if isinstance(op, AbandonRequest):
            target = self._outstanding.get(op.value)
            # Abandoning a Bind, a StartTLS or an unknown ID has no effect.
            if target is not None and op.value != self._exclusive:
                del self._outstanding[op.value]
                self._events.append(Abandoned(op.value, target))
            return
        if self._exclusive is not None:
            what = "bind" if isinstance(self._outstanding[self._exclusive].protocol_op, BindRequest) else "StartTLS"
            return self._refuse(msg, f"a {what} is in progress; no other operation may be sent until it completes")
        if is_starttls(msg):
            if self.tls_active:
                return self._refuse(msg, "TLS is already established")
            if self._outstanding:
                return self._refuse(msg, "StartTLS with operations outstanding")
        self._outstanding[mid] = msg
        if isinstance(op, BindRequest) or is_starttls(msg):
            self._exclusive = mid
        self._events.append(Request(msg))

    def _refuse(self, msg: LDAPMessage, why: str) -> None:
        response_type = FINAL_RESPONSE[type(msg.protocol_op)]
        self._queue(LDAPMessage(msg.message_id, response_type(ResultCode.OPERATIONS_ERROR, "", why)))

    def _violation(self, reason: str, error: DecodeError | None = None) -> None:
        self._queue(notice_of_disconnection(ResultCode.PROTOCOL_ERROR, reason[:200]))
        self.state = ServerState.CLOSED
        self._outstanding.clear()
        self._events.append(ProtocolViolation(reason, error))

    # -- output ----------------------------------------------------------------
    def send(self, message: LDAPMessage | EncodedResponse) -> bytes:
        """Queue a response (or an unsolicited notification, message ID 0)
        and return its bytes; b"" when the operation was abandoned."""
        if self.state is _CLOSED:
            raise LocalProtocolError("the connection is closed")
        if type(message) is EncodedResponse:
            return self._send_encoded(message)
        assert isinstance(message, LDAPMessage)
        mid, op = message.message_id, message.protocol_op
        if mid == 0:
            if not isinstance(op, ExtendedResponse):
                raise LocalProtocolError("an unsolicited notification must be an ExtendedResponse")
            data = self._queue(message)
            if op.response_name == NOTICE_OF_DISCONNECTION_OID:
                self.state = ServerState.CLOSED
            return data
        request = self._outstanding.get(mid)
        if request is None:
            if 0 < mid <= MAX_MESSAGE_ID:
                return b""  # abandoned (or never received): RFC 4511 4.11 says drop it
            raise LocalProtocolError(f"message ID {mid} is out of range")
        ok, final = allowed_response(request.protocol_op, op)
        if not ok:
            raise LocalProtocolError(f"{type(op).__name__} cannot answer {type(request.protocol_op).__name__}")
        data = self._queue(message)
        if final:
            del self._outstanding[mid]
            if mid == self._exclusive:
                self._exclusive = None
                if is_starttls(request) and isinstance(op, LDAPResult) and op.result_code == ResultCode.SUCCESS:
                    self.state = ServerState.TLS_HANDSHAKE
        return data

    def _send_encoded(self, message: EncodedResponse) -> bytes:
        mid = message.message_id
        request = self._outstanding.get(mid)
        if request is None:
            if 0 < mid <= MAX_MESSAGE_ID:
                return b""  # abandoned
            raise LocalProtocolError(f"message ID {mid} is out of range")
        ok, final = allowed_response_type(request.protocol_op, message.op_type)
        if not ok or final:  # a final response changes the machine's state: it goes through send()
            raise LocalProtocolError(f"{message.op_type.__name__} cannot answer {type(request.protocol_op).__name__}"
                                     + (" pre-encoded (final responses are sent as messages)" if ok else ""))
        data = self.codec.envelop(mid, message.ops)
        self._outbox += data
        return data

    def _queue(self, message: LDAPMessage) -> bytes:
        data = self.codec.encode(message)
        self._outbox += data
        return data

    def data_to_send(self) -> bytes:
        """Everything queued since the last call (responses and the
        machine's own answers), in order."""
        data = bytes(self._outbox)
        self._outbox.clear()
        return data

    def close(self) -> None:
        """The server closes the connection (after a Notice, a timeout, ...)."""
        self.state = ServerState.CLOSED
        self._outstanding.clear()
