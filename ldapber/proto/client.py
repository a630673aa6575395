"""The client side of one LDAP connection, without I/O (like h11).

:meth:`ClientConnection.send_request` assigns a message ID and returns the
bytes to write; bytes from the server go to
:meth:`~ClientConnection.receive_data`, and :meth:`~ClientConnection.next_event`
yields each response as :class:`Response` (``final`` set on the one that
completes the operation) or an unsolicited :class:`Notice`.  Several
operations may be in flight at once; responses are matched by message ID.

RFC 4511's rules for the client are enforced on this side
(:class:`~ldapber.proto.rules.LocalProtocolError`): nothing while a bind is
outstanding (4.2.1), StartTLS only with nothing outstanding and nothing
after it until its response and, on success, until :meth:`start_tls_done`
(4.14.1), nothing after Unbind (4.3).  The server's side is checked too
(:class:`~ldapber.proto.rules.RemoteProtocolError` and a closed machine): a
response to no outstanding request or of the wrong type, a request sent by
the server, an undecodable PDU.  Responses to an abandoned operation are
dropped (4.11: the server may still send some).
"""

from __future__ import annotations

from typing import NamedTuple, NoReturn

from ..codec import DEFAULT_MAX_PDU_SIZE, Codec
from ..errors import DecodeError
from ..extended import is_notice_of_disconnection
from ..model import (
    AbandonRequest,
    BindRequest,
    BindResponse,
    Control,
    ExtendedRequest,
    ExtendedResponse,
    LDAPMessage,
    LDAPResult,
    ResultCode,
    UnbindRequest,
)
from .machine import ConnectionState, Machine
from .rules import (
    FINAL_RESPONSE,
    MAX_MESSAGE_ID,
    LocalProtocolError,
    RemoteProtocolError,
    allowed_response,
    is_starttls,
)

__all__ = ["ClientConnection", "ClientState", "Response", "Notice", "MAX_ABANDONED", "READ_SIZE"]

#: Abandoned IDs remembered (to drop late responses and not reuse the IDs).
MAX_ABANDONED = 1024
#: Bytes a transport asks of its socket per read, into a buffer it keeps
#: (a large search arrives in reads of this size; a fresh bytes object of
#: this size per read would cost more than the read: glibc maps it anew).
READ_SIZE = 256 * 1024


ClientState = ConnectionState  # the states are the same on both sides

_OPEN = ClientState.OPEN  # looked up once (EnumMeta.__getattr__ is slow on 3.10-3.11)

#: Requests no sequencing rule concerns (binds and extended requests such as
#: StartTLS are checked one by one; abandon and unbind are never answered).
_PLAIN_REQUESTS = frozenset(FINAL_RESPONSE) - {BindRequest, ExtendedRequest}


class Response(NamedTuple):
    """A response to the request ``message.message_id``; ``final`` when it
    completes the operation (the ID is then free again).  Immutable (a named
    tuple: one is made per message received, so it is the cheapest kind)."""

    message: LDAPMessage
    final: bool


class Notice(NamedTuple):
    """An unsolicited notification (message ID 0).  After a Notice of
    Disconnection the machine is closed (``disconnect`` is set)."""

    message: LDAPMessage
    disconnect: bool


def _same_event(event: object, other: object) -> bool:
    """Events are equal as their dataclass forerunners were: same class, same fields
    (a Response never equals a Notice or a bare tuple)."""
    return type(other) is type(event) and tuple.__eq__(event, other)  # type: ignore[arg-type,operator]


for _kind in (Response, Notice):  # (methods a NamedTuple's body would have to repeat)
    _kind.__eq__ = _same_event  # type: ignore[method-assign,assignment]
    _kind.__ne__ = lambda event, other: not _same_event(event, other)  # type: ignore[method-assign,assignment,misc]


_new_response = tuple.__new__  # Response(m, f) without NamedTuple's Python-level __new__


Event = Response | Notice


class ClientConnection(Machine[Event]):
    """One connection's protocol state, client side; see the module docstring."""

    def __init__(self, *, codec: Codec | None = None, max_pdu_size: int = DEFAULT_MAX_PDU_SIZE,
                 strict: bool = False, tls_active: bool = False) -> None:
        # Lenient decoding by default: clients meet servers (Active Directory,
        # older slapd) that send BOOLEAN TRUE as 0x01 and explicit defaults.
        super().__init__(codec=codec, max_pdu_size=max_pdu_size, strict=strict, tls_active=tls_active)
        self._abandoned: dict[int, None] = {}  # insertion-ordered set, at most MAX_ABANDONED
        self._next_id = 1
        #: The server answered saslBindInProgress: until the bind ends, only
        #: another BindRequest (the next step, or an abort) may go (RFC 4511 4.2.1).
        self.sasl_in_progress = False

    # -- requests --------------------------------------------------------------
    def send_request(self, op: object, controls: list[Control] | None = None) -> tuple[int, bytes]:
        """Assign a message ID to the request ``op`` (a protocol-op object such
        as :class:`~ldapber.SearchRequest`) and return (ID, bytes to write)."""
        if self.state is not _OPEN:
            raise LocalProtocolError(f"cannot send a request: the connection is {self.state.value}")
        if type(op) in _PLAIN_REQUESTS and self._exclusive is None and not self.sasl_in_progress:
            # The common case (search, modify, ...: no sequencing rule applies), straight through.
            mid = self._allocate_id()
            msg = LDAPMessage(mid, op, controls=controls)  # type: ignore[arg-type]
            data = self.codec.encode(msg)  # before any state change: an invalid op raises EncodeError
            self._outstanding[mid] = msg
            return mid, data
        return self._send_checked(op, controls)

    def _send_checked(self, op: object, controls: list[Control] | None) -> tuple[int, bytes]:
        """:meth:`send_request` for binds, StartTLS, abandon, unbind, anything
        sent while a bind is in progress, and what is not a request."""
        if type(op) not in FINAL_RESPONSE and not isinstance(op, (AbandonRequest, UnbindRequest)):
            raise LocalProtocolError(f"{type(op).__name__} is not a request")
        if self._exclusive is not None and not isinstance(op, UnbindRequest):
            raise LocalProtocolError("a bind or StartTLS is in progress; wait for its response")
        if self.sasl_in_progress and not isinstance(op, (BindRequest, UnbindRequest)):
            raise LocalProtocolError("a SASL bind is in progress: send its next BindRequest (or another bind, "
                                     f"which aborts it) before {type(op).__name__}")
        mid = self._allocate_id()
        msg = LDAPMessage(mid, op, controls=controls)  # type: ignore[arg-type]
        starttls = isinstance(op, ExtendedRequest) and is_starttls(msg)
        if starttls:
            if self.tls_active:
                raise LocalProtocolError("TLS is already established")
            if self._outstanding:
                raise LocalProtocolError("StartTLS needs a connection with no operation outstanding")
        data = self.codec.encode(msg)
        if isinstance(op, UnbindRequest):
            self.close()
            return mid, data
        if isinstance(op, AbandonRequest):
            if op.value in self._outstanding and op.value != self._exclusive:
                del self._outstanding[op.value]
                self._abandoned[op.value] = None
                if len(self._abandoned) > MAX_ABANDONED:  # bounded: the oldest are assumed done
                    del self._abandoned[next(iter(self._abandoned))]
            return mid, data
        self._outstanding[mid] = msg
        if starttls or isinstance(op, BindRequest):
            self._exclusive = mid
        return mid, data

    def _allocate_id(self) -> int:
        # IDs count up and wrap; skip those still in use (outstanding or
        # abandoned with responses possibly still in transit).
        mid = self._next_id
        if mid < MAX_MESSAGE_ID and mid not in self._outstanding and mid not in self._abandoned:
            self._next_id = mid + 1
            return mid
        for _ in range(len(self._outstanding) + len(self._abandoned) + 1):
            mid = self._next_id
            self._next_id = mid + 1 if mid < MAX_MESSAGE_ID else 1
            if mid not in self._outstanding and mid not in self._abandoned:
                return mid
        raise LocalProtocolError("no free message ID")  # unreachable: 2**31 - 1 IDs

    # -- responses -------------------------------------------------------------
    def receive_data(self, data: bytes | bytearray | memoryview) -> None:
        """Bytes from the server."""
        if self.state is _OPEN and data:
            self._feed(data)

    def next_event(self) -> Event | None:
        """The next response or notice, or None until more bytes arrive.
        Raises RemoteProtocolError (and closes) when the server breaks the
        protocol."""
        while not self._events and self.state is _OPEN:
            try:
                msg = self._next_message()
            except DecodeError as err:
                self._undecodable(err)
            if msg is None:
                break
            event = self._receive(msg)
            if event is not None:
                self._events.append(event)
        return self._events.popleft() if self._events else None

    def receive(self, data: bytes | bytearray | memoryview = b"") -> list[Event]:
        """:meth:`receive_data`, then every event now available, as a list:
        the responses one read brought in, decoded in one pass (what a
        transport wants; :meth:`next_event` gives the same events one by
        one).  Raises RemoteProtocolError (and closes) as next_event does."""
        events: list[Event] = []
        if self._events:  # any that next_event has not handed out yet come first
            events += self._events
            self._events.clear()
        if self.state is not _OPEN:
            return events
        try:
            batch = self._read_batch(data)
        except DecodeError as err:
            self._undecodable(err)
        receive, append = self._receive, events.append
        try:
            for msg in batch:
                if self.state is not _OPEN:
                    break  # after a StartTLS success or a disconnection: the rest is not to be read
                event = receive(msg)
                if event is not None:
                    append(event)
        except RemoteProtocolError:
            self._events.extend(events)  # what came before the violation stays available, as with next_event
            raise
        return events

    def _undecodable(self, err: DecodeError) -> NoReturn:
        self.close()
        raise RemoteProtocolError(f"undecodable PDU from the server: {err}") from err

    def _receive(self, msg: LDAPMessage) -> Event | None:
        """The event a message from the server makes (None for a late
        response to an abandoned operation)."""
        mid = msg.message_id
        request = self._outstanding.get(mid)
        if request is None:  # message ID 0 (never a request's) or no request of ours
            return self._unsolicited(msg)
        op = msg.protocol_op
        ok, final = allowed_response(request.protocol_op, op)
        if not ok:
            self._fail(f"{type(op).__name__} cannot answer {type(request.protocol_op).__name__} (message {mid})")
        if final:
            del self._outstanding[mid]
            if mid == self._exclusive:
                self._exclusive = None
                if isinstance(op, BindResponse):
                    self.sasl_in_progress = op.result_code == ResultCode.SASL_BIND_IN_PROGRESS
                if is_starttls(request) and isinstance(op, LDAPResult) and op.result_code == ResultCode.SUCCESS:
                    self.state = ClientState.TLS_HANDSHAKE
        return _new_response(Response, (msg, final))  # type: ignore[no-any-return]

    def _unsolicited(self, msg: LDAPMessage) -> Notice | None:
        mid, op = msg.message_id, msg.protocol_op
        if mid == 0:
            if not isinstance(op, ExtendedResponse):
                self._fail(f"unsolicited {type(op).__name__} (only ExtendedResponse may have message ID 0)")
            disconnect = is_notice_of_disconnection(msg)
            if disconnect:
                self.close()
            return Notice(msg, disconnect)
        if mid in self._abandoned:
            return None  # a late response to an abandoned operation
        self._fail(f"{type(op).__name__} for message ID {mid}, which has no outstanding request")

    def _fail(self, reason: str) -> NoReturn:
        self.close()
        raise RemoteProtocolError(reason)

    def forget_abandoned(self, message_id: int) -> None:
        """Allow an abandoned operation's ID to be reused (once no more late
        responses are expected for it)."""
        self._abandoned.pop(message_id, None)

    def close(self) -> None:
        self.state = ClientState.CLOSED
        self._outstanding.clear()
        self._exclusive = None
