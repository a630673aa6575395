"""The asyncio shim of the LDAP server: sockets, TLS, timeouts and limits.

All protocol decisions live in :class:`ldapber.proto.ServerConnection`;
all directory decisions in a :class:`Handler`.  This module moves bytes
between them and the network, and bounds what one client can cost:

- at most ``max_connections`` at once, and ``max_per_address`` from one
  address (more are told ``busy`` by a Notice of Disconnection and closed),
  with a ``reserve`` beyond the limit that keeps the operator in: a full
  server still admits ldapi:// connections, and TCP ones whose first request
  binds as an identity the handler calls privileged (the root DN);
- a PDU size limit, checked from its header (the framer);
- ``idle_timeout`` for a connection with nothing outstanding, including one
  that sent half a PDU and stopped;
- ``write_timeout`` for a client that stops reading its results;
- each request runs in its own task, so one slow search does not block
  the connection's other operations, Abandon cancels it, and a handler's
  exception becomes an ``other`` result for that operation alone.

StartTLS (when a ``starttls_context`` is given) is answered here: the
success response goes out in plaintext, then the TLS handshake runs on
the same socket.  LDAPS listens with TLS from the first byte.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import socket
import ssl
import struct
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from ..codec import DEFAULT_MAX_DEPTH, decode, encode
from ..errors import DecodeError
from ..extended import STARTTLS_OID, notice_of_disconnection
from ..model import (
    BindRequest,
    CompareRequest,
    ExtendedResponse,
    LDAPMessage,
    ResultCode,
    Scope,
    SearchRequest,
    SearchResultEntry,
)
from ..model.dn import DN, RDN
from ..proto import (
    DEFAULT_MAX_PDU_SIZE,
    Abandoned,
    EncodedResponse,
    Pause,
    ProtocolViolation,
    Request,
    ServerConnection,
    ServerState,
)
from ..proto.rules import FINAL_RESPONSE, LocalProtocolError, is_starttls
from .statslog import describe_request, describe_result, stats

__all__ = ["Handler", "Session", "ServerLimits", "LDAPServer"]

_OPEN, _CLOSED = ServerState.OPEN, ServerState.CLOSED  # looked up once (EnumMeta.__getattr__ is slow on 3.10-3.11)

log = logging.getLogger("ldapber.server")

#: Bytes a connection may have waiting in its transport before its writers
#: wait for the client to read (a client that never reads then times out).
WRITE_BUFFER_HIGH = 256 * 1024
#: Responses of a synchronous handler written together (and between which other connections run).
RESPONSE_BATCH = 64
#: Requests of one connection running at once; a pipelining client beyond
#: this waits (its unread requests stay in the socket) instead of flooding
#: the event loop and stalling every other connection.
MAX_IN_FLIGHT = 32


#: What a handler yields: messages, entries already encoded (:class:`~ldapber.proto.EncodedResponse`),
#: and :class:`~ldapber.proto.Pause` to wait without holding up other connections.
Reply = LDAPMessage | EncodedResponse | Pause

@dataclass
class Session:
    """What a handler knows about the connection a request came on."""

    peer: str
    tls_active: bool = False
    #: On an ldapi:// (Unix socket) connection, the client process's
    #: (pid, uid, gid) as the kernel reports them (SO_PEERCRED); else None.
    peer_credentials: tuple[int, int, int] | None = None
    #: Over TLS with a client certificate the server's context verified:
    #: its subject as an LDAP DN (RFC 4514 order), which SASL EXTERNAL uses.
    tls_peer_subject: str | None = None
    #: The DN the connection is bound as ("" for anonymous).
    bound_dn: str = ""
    #: Free for the handler (e.g. paged-search cookies).
    state: dict[str, object] = field(default_factory=dict)


class Handler(Protocol):
    """The directory behind the server.  ``handle`` yields the responses to
    one request in order (entries, then the final result; entries may come
    pre-encoded as :class:`~ldapber.proto.EncodedResponse`) and may be a plain
    or an async generator; it runs in its own task.  A handler may also have
    ``is_privileged(session) -> bool``: who may use the connection reserve of
    a full server (see :class:`ServerLimits`)."""

    def handle(self, request: LDAPMessage, session: Session) -> Iterable[Reply] | AsyncIterator[Reply]:
        ...


@dataclass(frozen=True)
class ServerLimits:
    max_connections: int = 1000
    #: Connections from one address at once (0: no cap); ldapi:// is not capped.
    max_per_address: int = 0
    #: Connections beyond max_connections kept for the operator (see the module docstring).
    reserve: int = 8
    max_pdu_size: int = DEFAULT_MAX_PDU_SIZE
    #: How deep a request may nest (see :meth:`ldapber.Codec.decode`): the
    #: default admits a filter 256 deep; slapd's own limit is 1,000.
    max_depth: int = DEFAULT_MAX_DEPTH
    idle_timeout: float = 300.0
    write_timeout: float = 30.0
    tls_handshake_timeout: float = 10.0


class LDAPServer:
    """Serve a :class:`Handler` over TCP (plain + StartTLS), LDAPS and CLDAP."""

    def __init__(self, handler: Handler, *, limits: ServerLimits | None = None,
                 starttls_context: ssl.SSLContext | None = None,
                 cldap_handler: Callable[[LDAPMessage], list[LDAPMessage]] | None = None) -> None:
        self.handler = handler
        self.limits = limits or ServerLimits()
        self.starttls_context = starttls_context
        self.cldap_handler = cldap_handler
        self._servers: list[asyncio.base_events.Server] = []
        self._udp: list[asyncio.DatagramTransport] = []
        self._connections: set[asyncio.Task[None]] = set()
        # Every connection's task until it has closed its socket (refused ones
        # and ones closing included): what close() cancels and waits for.
        self._tasks: set[asyncio.Task[None]] = set()
        self._per_address: dict[str, int] = {}  # TCP connections open, by client address
        self._conn_ids = itertools.count(1000)  # the stats log's conn= numbers, as slapd's

    # -- listening -------------------------------------------------------------
    async def listen_tcp(self, host: str | None, port: int, *, ssl_context: ssl.SSLContext | None = None) -> int:
        """Start a listener; returns the port actually bound (for port 0)."""
        server = await asyncio.start_server(
            lambda r, w: self._accept(r, w, tls=ssl_context is not None), host, port, ssl=ssl_context,
            ssl_handshake_timeout=self.limits.tls_handshake_timeout if ssl_context else None)
        self._servers.append(server)
        return int(server.sockets[0].getsockname()[1])

    async def listen_unix(self, path: str) -> str:
        """Listen on a Unix socket (ldapi://); returns its path.  Sessions on
        it carry the client's credentials (:attr:`Session.peer_credentials`)."""
        server = await asyncio.start_unix_server(lambda r, w: self._accept(r, w, tls=False, local=True), path)
        self._servers.append(server)
        return path

    async def listen_udp(self, host: str | None, port: int) -> int:
        """CLDAP (RFC 1798 / 3352 rootDSE queries) on a UDP port."""
        if self.cldap_handler is None:
            raise ValueError("no CLDAP handler")
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _CLDAPProtocol(self.cldap_handler), local_addr=(host or "0.0.0.0", port))  # type: ignore[arg-type]
        self._udp.append(transport)
        return int(transport.get_extra_info("sockname")[1])

    async def close(self) -> None:
        for server in self._servers:
            server.close()
        for transport in self._udp:
            transport.close()
        for task in list(self._tasks):
            task.cancel()
        for server in self._servers:
            await server.wait_closed()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    @property
    def connection_count(self) -> int:
        return len(self._connections)

    # -- one connection --------------------------------------------------------
    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, tls: bool,
                      local: bool = False) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._serve_connection(task, reader, writer, tls, local)
        except asyncio.CancelledError:
            # close() cancelled it: end as finished, because asyncio's own
            # callback on this task (3.11) logs a cancelled one as an error.
            pass
        finally:
            self._tasks.discard(task)

    async def _serve_connection(self, task: asyncio.Task[None], reader: asyncio.StreamReader,
                                writer: asyncio.StreamWriter, tls: bool, local: bool) -> None:
        limits, count = self.limits, len(self._connections)
        peer = writer.get_extra_info("peername")
        address = str(peer[0]) if isinstance(peer, tuple) else ""
        refusal = None
        if count >= limits.max_connections + limits.reserve:
            refusal = "too many connections"
        elif not local and limits.max_per_address and self._per_address.get(address, 0) >= limits.max_per_address:
            refusal = "too many connections from this address"
        if refusal is not None:
            with contextlib.suppress(OSError, asyncio.TimeoutError):
                writer.write(_encode_notice(ResultCode.BUSY, refusal))
                await asyncio.wait_for(writer.drain(), 1.0)
            writer.close()
            return
        reserved = count >= limits.max_connections and not local  # must bind as the operator, or go
        self._connections.add(task)
        if not local:
            self._per_address[address] = self._per_address.get(address, 0) + 1
        connection = _Connection(self, reader, writer, tls, reserved=reserved)
        if stats.isEnabledFor(logging.INFO):
            stats.info("conn=%d ACCEPT from %s%s", connection.conn_id,
                       "PATH=" if local else "IP=", connection.session.peer)
        try:
            await connection.run()
        except (OSError, asyncio.TimeoutError, ssl.SSLError) as exc:
            log.debug("connection ended: %r", exc)
        finally:
            if stats.isEnabledFor(logging.INFO):
                stats.info("conn=%d closed", connection.conn_id)
            self._connections.discard(task)
            if not local:
                left = self._per_address.get(address, 1) - 1
                if left > 0:
                    self._per_address[address] = left
                else:
                    self._per_address.pop(address, None)
            await _closed(writer, 1.0)


def _answered_inline(op: object) -> bool:
    """Whether the connection's own task serves this request, rather than a
    task of its own: a bind (nothing else may run on the connection until it
    is answered, RFC 4511 4.2.1, and a throttled bind's wait then holds back
    only its own connection's input), and the requests that touch at most
    one entry.  Each saves a task and a turn of the loop; searches of a
    level or a subtree keep their task, so that an abandon is read while
    they run."""
    kind = type(op)
    return kind is BindRequest or kind is CompareRequest or (
        kind is SearchRequest and op.scope is Scope.BASE_OBJECT)  # type: ignore[attr-defined]


async def _closed(writer: asyncio.StreamWriter, seconds: float) -> None:
    """Close the connection and wait until its socket is closed: at most
    ``seconds`` for the transport to send what it holds, then abort (a timer,
    not wait_for's task per connection).  With nothing left to send on a
    plain socket (most connections), the transport closes it in the loop's
    next turn: nothing to wait for (TLS still has its closure alert to send)."""
    transport = writer.transport
    writer.close()
    if transport.get_write_buffer_size() == 0 and writer.get_extra_info("ssl_object") is None:
        return
    timer = asyncio.get_running_loop().call_later(seconds, writer.transport.abort)
    try:
        with contextlib.suppress(Exception):
            await writer.wait_closed()
    finally:
        timer.cancel()


def _peer_credentials(sock: object) -> tuple[int, int, int] | None:
    """(pid, uid, gid) of the process at the other end of a Unix socket (Linux's SO_PEERCRED)."""
    family = getattr(sock, "family", None)
    peercred = getattr(socket, "SO_PEERCRED", None)
    if family != getattr(socket, "AF_UNIX", None) or peercred is None:
        return None
    try:
        raw = sock.getsockopt(socket.SOL_SOCKET, peercred, struct.calcsize("3i"))  # type: ignore[attr-defined]
    except OSError:
        return None
    pid, uid, gid = struct.unpack("3i", raw)
    return pid, uid, gid


#: X.509 attribute names as Python's ssl module spells them -> LDAP's short names (RFC 4514 3).
_CERT_NAMES = {"commonName": "cn", "organizationName": "o", "organizationalUnitName": "ou", "countryName": "c",
               "localityName": "l", "stateOrProvinceName": "st", "streetAddress": "street",
               "domainComponent": "dc", "userId": "uid"}


def certificate_dn(peercert: object) -> str | None:
    """The subject of a verified peer certificate (``getpeercert()``) as
    an LDAP DN: RDNs most specific first, as slapd names a TLS client.
    None without a certificate (the context did not ask for one)."""
    if not isinstance(peercert, dict) or not peercert.get("subject"):
        return None
    rdns = [RDN(*((_CERT_NAMES.get(name, name), value) for name, value in rdn))
            for rdn in reversed(peercert["subject"])]
    return str(DN(tuple(rdns)))


def _encode_notice(code: ResultCode, text: str) -> bytes:
    return encode(notice_of_disconnection(code, text))


class _Connection:
    def __init__(self, server: LDAPServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 tls: bool, *, reserved: bool = False) -> None:
        #: Admitted into the operator's reserve: the first request must bind as a privileged identity.
        self.reserved = reserved
        self.server, self.reader, self.writer = server, reader, writer
        self.limits = server.limits
        self.proto = ServerConnection(max_pdu_size=self.limits.max_pdu_size, max_depth=self.limits.max_depth,
                                      tls_active=tls)
        peer = writer.get_extra_info("peername")
        self.session = Session(peer=f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer), tls_active=tls,
                               peer_credentials=_peer_credentials(writer.get_extra_info("socket")),
                               tls_peer_subject=certificate_dn(writer.get_extra_info("peercert")) if tls else None)
        self.tasks: dict[int, asyncio.Task[None]] = {}
        self.write_lock = asyncio.Lock()
        self.conn_id = next(server._conn_ids)
        # The idle timeout: one timer per connection, re-armed only when it
        # fires (a timer per read cost a heap push and a cancel each time).
        self.loop = asyncio.get_running_loop()
        self.read_since: float | None = None  # when the pending read began; None while not reading
        self.idle = False
        self.idle_timer = self.loop.call_later(self.limits.idle_timeout, self.check_idle)

    async def run(self) -> None:
        try:
            while self.proto.state is not _CLOSED:
                for event in self.proto.events():
                    await self.dispatch(event)
                    if len(self.tasks) >= MAX_IN_FLIGHT:
                        # A pipelining client waits for its own work; other
                        # connections run meanwhile.
                        await asyncio.wait(list(self.tasks.values()), return_when=asyncio.FIRST_COMPLETED)
                await self.flush()
                if self.proto.state is not _OPEN:
                    break
                self.read_since = self.loop.time()
                try:
                    data = await self.reader.read(65536)
                finally:
                    self.read_since = None
                if self.idle and not data:
                    if self.tasks:  # the last bytes before the timeout began an operation
                        await asyncio.wait(list(self.tasks.values()), timeout=self.limits.idle_timeout)
                    await self.say_goodbye(ResultCode.UNAVAILABLE, "idle timeout")
                    return
                if not data:
                    # The client closed its side: finish what it asked for
                    # (a half-closed client still reads), within bounds.
                    if self.tasks:
                        await asyncio.wait(list(self.tasks.values()), timeout=self.limits.idle_timeout)
                    return
                self.proto.receive_data(data)
        finally:
            self.idle_timer.cancel()
            for task in self.tasks.values():
                task.cancel()

    def check_idle(self) -> None:
        """The idle timer: a connection is idle when its read has waited
        ``idle_timeout`` with no operation running; it then reads an end of
        input (and says goodbye).  Otherwise the timer is set again."""
        timeout, started = self.limits.idle_timeout, self.read_since
        left = timeout if started is None or self.tasks else started + timeout - self.loop.time()
        if left > 0:
            self.idle_timer = self.loop.call_later(left, self.check_idle)
            return
        self.idle = True
        self.reader.feed_eof()

    def abort(self, reason: str) -> None:
        """Drop the connection now (a client that stopped reading)."""
        log.info("%s: %s; dropping the connection", self.session.peer, reason)
        self.proto.close()
        self.writer.transport.abort()
        current = asyncio.current_task()
        for task in self.tasks.values():
            if task is not current:
                task.cancel()

    async def dispatch(self, event: object) -> None:
        if isinstance(event, Request):
            msg = event.message
            if self.reserved and not isinstance(msg.protocol_op, BindRequest):
                await self.say_goodbye(ResultCode.BUSY, "the server is full: only its administrator may connect now")
                self.proto.close()
                return
            if is_starttls(msg):
                await self.start_tls(msg)
                return
            if _answered_inline(msg.protocol_op):
                await self.serve(msg)
            else:
                self.tasks[msg.message_id] = asyncio.create_task(self.serve(msg))
        elif isinstance(event, Abandoned):
            if stats.isEnabledFor(logging.INFO):
                stats.info("conn=%d ABANDON msg=%d", self.conn_id, event.message_id)
            task = self.tasks.pop(event.message_id, None)
            if task is not None:
                task.cancel()
        elif isinstance(event, ProtocolViolation):
            log.info("%s: protocol violation: %s", self.session.peer, event.reason)
        # Unbound: the machine is closed; run() ends the connection.

    async def serve(self, msg: LDAPMessage) -> None:
        mid = msg.message_id
        oplog = _OpLog(self.conn_id, msg) if stats.isEnabledFor(logging.INFO) else None
        try:
            responses = self.server.handler.handle(msg, self.session)
            if hasattr(responses, "__aiter__"):
                async for response in responses:  # type: ignore[union-attr]
                    if isinstance(response, Pause):
                        await asyncio.sleep(response.seconds)
                    else:
                        if oplog is not None:
                            oplog.seen(response)
                        await self.send(response)
            else:
                queued = 0
                for response in responses:  # type: ignore[union-attr]
                    if isinstance(response, Pause):  # the handler waits; other connections go on
                        await self.flush()
                        await asyncio.sleep(response.seconds)
                        continue
                    self.queue(response)
                    if oplog is not None:
                        oplog.seen(response)
                    if type(response) is EncodedResponse:
                        # an empty batch is the handler's scheduling point during a long scan
                        queued += len(response.ops) or RESPONSE_BATCH
                    else:
                        queued += 1
                    if queued >= RESPONSE_BATCH:
                        queued = 0
                        await self.flush()  # one write per batch of responses, not per response
                        await asyncio.sleep(0)  # let other connections run during long searches
            await self.flush()
            if self.reserved:
                privileged = getattr(self.server.handler, "is_privileged", None)
                if privileged is not None and privileged(self.session):
                    self.reserved = False  # the operator: a connection like any other from now on
                else:
                    await self.say_goodbye(ResultCode.BUSY, "the server is full: only its administrator may "
                                                            "connect now")
                    self.proto.close()
        except asyncio.CancelledError:
            raise
        except (OSError, asyncio.TimeoutError):
            self.abort("write failed")
        except Exception:  # a handler bug must not take the connection down
            log.exception("handler failed on message %d", mid)
            if mid in self.proto.outstanding:
                kind = FINAL_RESPONSE[type(msg.protocol_op)]
                await self.send(LDAPMessage(mid, kind(ResultCode.OTHER, "", "internal server error")))
        finally:
            self.tasks.pop(mid, None)
            if oplog is not None:
                oplog.done()

    def queue(self, message: LDAPMessage | EncodedResponse) -> None:
        """Queue a response in the machine, to go out with the next flush."""
        if self.proto.state is ServerState.CLOSED:
            raise asyncio.CancelledError
        try:
            self.proto.send(message)
        except LocalProtocolError:
            log.exception("handler sent an invalid response")
            raise

    async def send(self, message: LDAPMessage | EncodedResponse) -> None:
        self.queue(message)
        await self.flush()

    async def flush(self) -> None:
        """Write what the machine queued; wait for the client to read only
        when the transport's buffer is full (bounded by write_timeout)."""
        data = self.proto.data_to_send()
        if data:
            self.writer.write(data)
        transport = self.writer.transport
        if transport.get_write_buffer_size() > WRITE_BUFFER_HIGH:
            try:
                async with self.write_lock:
                    if self.proto.state is ServerState.CLOSED:
                        raise asyncio.CancelledError
                    await asyncio.wait_for(self.writer.drain(), self.limits.write_timeout)
            except asyncio.TimeoutError:
                self.abort(f"the client read nothing for {self.limits.write_timeout} s")
                raise

    async def say_goodbye(self, code: ResultCode, text: str) -> None:
        with contextlib.suppress(LocalProtocolError):
            self.proto.send(notice_of_disconnection(code, text))
        with contextlib.suppress(OSError, asyncio.TimeoutError):
            await self.flush()

    async def start_tls(self, msg: LDAPMessage) -> None:
        mid = msg.message_id
        if self.server.starttls_context is None:
            await self.send(LDAPMessage(mid, ExtendedResponse(
                ResultCode.PROTOCOL_ERROR, "", "StartTLS is not configured on this server")))
            return
        if not hasattr(self.writer, "start_tls"):  # StreamWriter.start_tls is new in Python 3.11
            await self.send(LDAPMessage(mid, ExtendedResponse(
                ResultCode.UNAVAILABLE, "", "StartTLS needs Python 3.11 on the server")))
            return
        # Stop reading before the response goes out: the client's TLS
        # ClientHello may follow it at once, and must reach the TLS layer,
        # not the plaintext stream.
        self.writer.transport.pause_reading()  # type: ignore[attr-defined]
        await self.send(LDAPMessage(mid, ExtendedResponse(ResultCode.SUCCESS, "", "", response_name=STARTTLS_OID)))
        await self.writer.start_tls(self.server.starttls_context,  # type: ignore[attr-defined]
                                    ssl_handshake_timeout=self.limits.tls_handshake_timeout)
        self.proto.start_tls_done()
        self.session.tls_active = True
        self.session.tls_peer_subject = certificate_dn(self.writer.get_extra_info("peercert"))


class _OpLog:
    """One operation's stats lines (see :mod:`.statslog`): what was asked, and how it ended."""

    __slots__ = ("conn_id", "mid", "started", "entries", "final")

    def __init__(self, conn_id: int, msg: LDAPMessage) -> None:
        self.conn_id, self.mid, self.started = conn_id, msg.message_id, time.perf_counter()
        self.entries = 0
        self.final: object = None
        stats.info("conn=%d op=%d %s", conn_id, self.mid, describe_request(msg.protocol_op))

    def seen(self, response: object) -> None:
        if type(response) is EncodedResponse:
            self.entries += len(response.ops)
        elif isinstance(response, LDAPMessage):
            if isinstance(response.protocol_op, SearchResultEntry):
                self.entries += 1
            else:
                self.final = response.protocol_op

    def done(self) -> None:
        stats.info("conn=%d op=%d %s", self.conn_id, self.mid,
                   describe_result(self.final, self.entries, time.perf_counter() - self.started))


class _CLDAPProtocol(asyncio.DatagramProtocol):
    """One datagram in, one datagram out (all response PDUs back to back)."""

    def __init__(self, answer: Callable[[LDAPMessage], list[LDAPMessage]]) -> None:
        self.answer = answer
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            msg = decode(data)
        except DecodeError:
            return  # connectionless: nothing to tell a sender of garbage
        try:
            replies = self.answer(msg)
        except Exception:
            log.exception("CLDAP handler failed")
            return
        if replies and self.transport is not None:
            self.transport.sendto(b"".join(encode(r) for r in replies), addr)

