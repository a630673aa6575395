"""An asyncio LDAP client over :class:`ldapber.proto.ClientConnection`.

::

    async with await connect("ldap://localhost:389") as ldap:
        await ldap.bind("cn=admin,dc=example,dc=com", b"secret")
        async for entry in ldap.search("dc=example,dc=com", "(uid=j*)", attributes=["cn", "mail"]):
            print(entry.object_name, entry.attributes)

Several operations may run at once on one connection (responses are
routed by message ID; requests issued in one turn of the event loop go out
in one write).  The bytes of each read are decoded in one pass of the
connection's :class:`~ldapber.StreamDecoder` and handed to the waiting
operations at once: the client's cost is per batch, not per message, and
:meth:`LDAPClient.search_batches` gives those batches to callers who want
lists.  A result code other than success (and the compare
results) raises the matching :class:`~ldapber.LDAPResultError` subclass.
Each call has a timeout; when it expires the operation is abandoned and
``asyncio.TimeoutError`` is raised.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ssl
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable, Mapping
from types import TracebackType
from typing import Any

from ..discovery import lookup_async
from ..extended import STARTTLS_OID, WHOAMI_OID
from ..model import (
    AbandonRequest,
    BindRequest,
    Control,
    DelRequest,
    DerefAliases,
    ExtendedRequest,
    ExtendedResponse,
    LDAPMessage,
    Operation,
    Scope,
    SearchResultEntry,
    SearchResultReference,
    UnbindRequest,
)
from ..model.filters import Filter
from ..proto import ClientConnection, ClientState, Notice, RemoteProtocolError, Response
from ..proto import operations as ops
from ..proto.client import READ_SIZE
from ..proto.operations import (
    NO_REFERRALS,
    AbandonedError,
    ConnectionClosedError,
    ModifyOperation,
    ReferralPolicy,
    SearchItem,
    Values,
)
from ..sasl.mechanism import ClientMechanism
from ._waiter import resume

__all__ = ["LDAPClient", "connect", "AbandonedError", "ConnectionClosedError", "ReferralPolicy"]

_TLS_HANDSHAKE = ClientState.TLS_HANDSHAKE  # looked up once (EnumMeta.__getattr__ is slow on 3.10-3.11)


async def connect(url: str = "ldap://localhost", *, ssl_context: ssl.SSLContext | None = None,
                  timeout: float = 30.0, resolver: Any = None,
                  referrals: ReferralPolicy = NO_REFERRALS) -> LDAPClient:
    """Open a connection from an LDAP URL: ``ldap://host:port`` (plain; call
    :meth:`LDAPClient.start_tls` to upgrade), ``ldaps://host:port`` (TLS
    from the first byte; ``ssl_context`` defaults to the system's),
    ``ldapi://%2Fpath%2Fto%2Fsocket`` (a Unix socket), or
    ``ldap:///dc=example,dc=com``: the servers DNS SRV records name for the
    domain, tried in RFC 2782 order until one answers (``resolver``: a
    ``dns.asyncresolver.Resolver``, the system's by default; needs dnspython).
    ``referrals`` says whether searches follow referrals (by default they
    are returned as data; see :class:`~ldapber.proto.operations.ReferralPolicy`)."""
    where = ops.endpoint(url)
    if where.domain is not None:
        targets = await lookup_async(where.domain, tls=where.tls, resolver=resolver)
        failures = []
        for target in targets:
            try:
                return await connect(ops.server_url(where.tls, target.host, target.port),
                                     ssl_context=ssl_context, timeout=timeout, referrals=referrals)
            except (OSError, asyncio.TimeoutError) as exc:  # refused, unreachable, timed out: the next target
                failures.append(f"{target.host}:{target.port}: {exc!r}")
        raise ops.unanswered(f"server of {where.domain}", failures)
    loop = asyncio.get_running_loop()
    client = LDAPClient(timeout=timeout, tls_active=where.tls, referrals=referrals, ssl_context=ssl_context)
    client.origin = ("ldaps" if where.tls else "ldap", where.host.lower(), where.port) if where.path is None else None
    if where.path is not None:
        opening = loop.create_unix_connection(lambda: _Wire(client), where.path)
    else:
        context = (ssl_context or ssl.create_default_context()) if where.tls else None
        opening = loop.create_connection(lambda: _Wire(client), where.host, where.port, ssl=context)
    await asyncio.wait_for(opening, timeout)
    return client


class _Operation:
    """One outstanding operation: the responses the wire delivered and that
    its caller has not taken yet, and the future the caller waits on."""

    __slots__ = ("responses", "waiter", "deadline", "abandoned")

    def __init__(self) -> None:
        self.responses: list[Response] = []
        self.waiter: asyncio.Future[None] | None = None
        self.deadline = 0.0  # loop time at which the wait in progress times out
        self.abandoned: AbandonedError | None = None  # set by abandon(): no more responses will come

    def wake(self, error: type[BaseException] | BaseException | None = None) -> None:
        """Resume the caller waiting (with ``error`` raised in it, if given)."""
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            resume(waiter, error)


class _Wire(asyncio.BufferedProtocol):
    """The transport's callbacks, handed to the client (no read task: bytes
    are decoded in the callback that brings them).  Buffered: the transport
    reads into one buffer kept for the connection (a plain Protocol gets a
    fresh 256 KiB bytes object per read, which costs more than the read)."""

    def __init__(self, client: LDAPClient) -> None:
        self.client = client
        self._view = memoryview(bytearray(READ_SIZE))

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.client._attach(transport)  # type: ignore[arg-type]

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._view

    def buffer_updated(self, nbytes: int) -> None:
        self.client._received(self._view[:nbytes])  # the decoder copies what it keeps

    def eof_received(self) -> bool | None:
        self.client._fail(ConnectionClosedError("the server closed the connection"))
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.client._lost(exc)

    def pause_writing(self) -> None:
        self.client._writable.clear()

    def resume_writing(self) -> None:
        self.client._writable.set()


class LDAPClient:
    """One connection; see the module docstring.  Made by :func:`connect`."""

    def __init__(self, *, timeout: float = 30.0, tls_active: bool = False,
                 referrals: ReferralPolicy = NO_REFERRALS, ssl_context: ssl.SSLContext | None = None) -> None:
        self.timeout = timeout
        self.referrals = referrals
        self._ssl_context = ssl_context  # for referred servers
        self._credentials: tuple[str, bytes | str] | None = None  # the last simple bind, if referrals send it
        #: (scheme, host, port) this connection went to, for referral loop detection.
        self.origin: tuple[str, str, int] | None = None
        self.proto = ClientConnection(tls_active=tls_active)
        self.transport: asyncio.Transport | None = None
        self._loop = asyncio.get_running_loop()
        # The loop's clock; the stock loops' is time.monotonic behind a Python method.
        self._clock = time.monotonic if type(self._loop).time is asyncio.BaseEventLoop.time else self._loop.time
        # The loop's futures; the stock loops' create_future is a Python method around asyncio.Future.
        self._new_future: Callable[[], asyncio.Future[None]] = (
            functools.partial(asyncio.Future, loop=self._loop)
            if type(self._loop).create_future is asyncio.BaseEventLoop.create_future else self._loop.create_future)
        self._operations: dict[int, _Operation] = {}
        self._notices: list[LDAPMessage] = []
        self._error: BaseException | None = None
        self._outbox: list[bytes] = []  # requests written at the end of this loop iteration, in one write
        self._dispatching = False  # True while _received wakes tasks (it writes what they queue)
        self._writable = asyncio.Event()  # cleared while the transport's buffer is over its high-water mark
        self._writable.set()
        self._closed = self._loop.create_future()  # done when the transport is gone
        self._filters = ops.FilterCache()  # for repeated searches
        # Timeouts: one timer for the connection, at the earliest deadline
        # of the operations waiting (or earlier), re-armed when it fires.
        self._waiting: set[_Operation] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0

    async def __aenter__(self) -> LDAPClient:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.unbind()

    @property
    def notices(self) -> list[LDAPMessage]:
        """Unsolicited notifications received so far."""
        return list(self._notices)

    # -- the wire --------------------------------------------------------------
    def _attach(self, transport: asyncio.Transport) -> None:
        self.transport = transport

    def _received(self, data: bytes | memoryview) -> None:
        """Every response one read brought in, decoded in one pass and handed
        to the operations; each waiting caller is woken once per read."""
        try:
            events = self.proto.receive(data)
        except RemoteProtocolError as exc:
            self._fail(exc)
            return
        woken: list[_Operation] = []
        operation_of = self._operations.get
        for event in events:
            if type(event) is Response:
                operation = operation_of(event.message.message_id)
                if operation is not None:
                    if not operation.responses:
                        woken.append(operation)
                    operation.responses.append(event)
            elif isinstance(event, Notice):
                self._notices.append(event.message)
                if event.disconnect:
                    reason = getattr(event.message.protocol_op, "diagnostic_message", "")
                    self._fail(ConnectionClosedError("notice of disconnection: " + reason))
                    return
        if self.proto.state is _TLS_HANDSHAKE and self.transport is not None:
            self.transport.pause_reading()  # start_tls() takes over the transport
        self._dispatching = True
        try:
            self._resume(woken)  # each waiting task runs its next step now (see _waiter)
        finally:
            self._dispatching = False
            if self._outbox:
                self._flush()  # the requests those steps made, in one write

    def _lost(self, exc: Exception | None) -> None:
        self._fail(ConnectionClosedError(f"the connection was lost: {exc}" if exc else "the connection was closed"))
        if not self._closed.done():
            self._closed.set_result(None)

    def _fail(self, exc: BaseException) -> None:
        if self._error is None:
            self._error = exc
        self.proto.close()
        self._writable.set()  # nobody waits to write on a dead connection
        self._resume(list(self._operations.values()))  # a resumed task may end its operation
        if self.transport is not None:
            self.transport.close()

    def _write(self, data: bytes) -> None:
        """Send ``data`` now when nothing else is in flight; else queue it
        for one write of every request issued in this turn of the loop (or,
        while a read's responses wake their tasks, by those tasks)."""
        if not self._outbox and len(self._operations) <= 1:
            if self.transport is not None and not self.transport.is_closing():
                self.transport.write(data)
            return
        if not self._outbox and not self._dispatching:
            self._loop.call_soon(self._flush)
        self._outbox.append(data)

    def _flush(self) -> None:
        if self._outbox and self.transport is not None and not self.transport.is_closing():
            self.transport.write(b"".join(self._outbox))  # one buffer: join hands it back uncopied
        self._outbox.clear()

    async def _drained(self) -> None:
        await asyncio.wait_for(self._writable.wait(), self.timeout)

    def _check_open(self) -> None:
        if self._error is not None:
            raise ConnectionClosedError(str(self._error)) from self._error

    def _start(self, op: object, controls: list[Control] | None) -> tuple[int, _Operation]:
        """Send a request (:meth:`_wait` waits for the transport's buffer
        to drain when it is over its high-water mark)."""
        if self._error is not None:
            self._check_open()
        mid, data = self.proto.send_request(op, controls)
        operation = self._operations[mid] = _Operation()
        self._write(data)
        return mid, operation

    async def _wait(self, mid: int, operation: _Operation, timeout: float | None) -> None:
        """Wait until a response for ``mid`` is in; on timeout the
        operation is abandoned (and asyncio.TimeoutError raised)."""
        if not self._writable.is_set():  # the transport's buffer is over its high-water mark
            await self._drained()
        while not operation.responses:
            if self._error is not None:
                self._check_open()
            if operation.abandoned is not None:
                raise operation.abandoned
            waiter = operation.waiter = self._new_future()
            self._arm(operation, timeout if timeout is not None else self.timeout)
            try:
                await waiter
            except asyncio.TimeoutError:
                self._operations.pop(mid, None)
                with contextlib.suppress(Exception):
                    await self.abandon(mid)
                raise
            finally:
                self._waiting.discard(operation)
                operation.waiter = None

    def _arm(self, operation: _Operation, timeout: float) -> None:
        operation.deadline = deadline = self._clock() + timeout
        self._waiting.add(operation)
        if self._timer is None or self._timer_at > deadline:
            if self._timer is not None:
                self._timer.cancel()
            self._timer, self._timer_at = self._loop.call_at(deadline, self._expire), deadline

    def _expire(self) -> None:
        """The connection's timer: time out the waits that are due, re-arm
        for the earliest of the others."""
        self._timer = None
        now, earliest, due = self._clock(), None, []
        for operation in list(self._waiting):
            if operation.deadline <= now:
                self._waiting.discard(operation)
                due.append(operation)
            elif earliest is None or operation.deadline < earliest:
                earliest = operation.deadline
        if earliest is not None:  # before the timed-out tasks run: they may arm or close
            self._timer, self._timer_at = self._loop.call_at(earliest, self._expire), earliest
        self._resume(due, asyncio.TimeoutError)

    def _resume(self, operations: list[_Operation], error: type[BaseException] | None = None) -> None:
        """Wake each operation's caller in turn (their tasks run now).  When
        one lets KeyboardInterrupt or SystemExit out, the others are woken
        from the loop before it propagates."""
        for index, operation in enumerate(operations):
            try:
                operation.wake(error)
            except BaseException:
                for later in operations[index + 1:]:
                    self._loop.call_soon(later.wake, error)
                raise

    async def request(self, op: object, *, controls: list[Control] | None = None,
                      timeout: float | None = None) -> LDAPMessage:
        """Send one request and return the message with its final response
        (no result-code check)."""
        mid, operation = self._start(op, controls)
        try:
            while True:
                await self._wait(mid, operation, timeout)
                responses, operation.responses = operation.responses, []
                final = ops.final_message(responses)
                if final is not None:
                    return final
        finally:
            self._operations.pop(mid, None)

    async def _result(self, op: object, controls: list[Control] | None = None,
                      ok: tuple[int, ...] = ops.SUCCESS_ONLY, timeout: float | None = None,
                      visited: ops.Visited | None = None) -> LDAPMessage:
        msg = await self.request(op, controls=controls, timeout=timeout)
        targets, visited = ops.referred_operation(msg, op, self.referrals.hops > 0, self.origin, visited)
        if not targets:
            return ops.check_result(msg, ok)
        failures = []
        for server, moved in targets:  # the first referred server that answers does it
            try:
                other = await connect(server, ssl_context=self._ssl_context, timeout=self.timeout,
                                referrals=self.referrals.deeper())
            except (OSError, ValueError, asyncio.TimeoutError) as exc:
                failures.append(f"{server}: {exc}")
                continue
            async with other:
                if self._credentials is not None:
                    await other.bind(*self._credentials)
                return await other._result(moved, controls, ok, timeout, visited)
        raise ops.unanswered("referred server", failures)

    # -- operations ------------------------------------------------------------
    async def bind(self, name: str = "", password: bytes | str = b"", *,
                   controls: list[Control] | None = None, timeout: float | None = None) -> LDAPMessage:
        """Simple bind; anonymous with no arguments."""
        self._credentials = None  # a failed bind leaves the connection anonymous: nothing to repeat
        done = await self._result(ops.bind_request(name, password), controls, timeout=timeout)
        self._credentials = (name, password) if self.referrals.send_credentials else None
        return done

    async def bind_sasl(self, mechanism: ClientMechanism, *, controls: list[Control] | None = None,
                  timeout: float | None = None) -> LDAPMessage:
        """A SASL bind (:mod:`ldapber.sasl`: ``External()``, ``Plain(user, password)``,
        ``ScramSHA256(user, password)``, ``GSSAPI(host)``), through as many
        round trips as the mechanism needs; returns the final BindResponse
        message.  Raises LDAPResultError for a refusal and SASLError when the
        server's last message does not verify (SCRAM: a server that does not
        know the password).  Referrals never repeat a SASL bind."""
        self._credentials = None
        exchange = ops.SaslBind(mechanism)
        request: BindRequest | None = exchange.first()
        while request is not None:
            request = exchange.next(await self.request(request, controls=controls, timeout=timeout))
        assert exchange.result is not None
        return exchange.result

    def _take_search(self, operation: _Operation) -> tuple[list[SearchItem], LDAPMessage | None]:
        responses, operation.responses = operation.responses, []
        return ops.split_search(responses)

    async def _stop_search(self, mid: int) -> None:
        """The caller stopped before the search was complete: stop the server too."""
        self._operations.pop(mid, None)
        if mid in self.proto.outstanding and self.proto.state is ClientState.OPEN:
            with contextlib.suppress(Exception):
                await self.abandon(mid)

    async def search_batches(self, base: str, filter: str | Filter = "(objectClass=*)", *,
                             scope: Scope = Scope.WHOLE_SUBTREE, attributes: Iterable[str] = (),
                             size_limit: int = 0, time_limit: int = 0, types_only: bool = False,
                             deref: DerefAliases = DerefAliases.NEVER_DEREF_ALIASES,
                             controls: list[Control] | None = None, timeout: float | None = None,
                             done: list[LDAPMessage] | None = None,
                             ) -> AsyncGenerator[list[SearchItem], None]:
        """Entries (and references) in lists, one list per batch the server's
        bytes brought in (the cheapest way to take a large result).
        ``done``, if given, receives the final SearchResultDone message (with
        its controls); a result code other than success raises after the
        entries before it were yielded."""
        async for batch in self._search_batches(base, filter, scope, attributes, size_limit, time_limit, types_only,
                                                deref, controls, timeout, done,
                                                ops.search_visited(self.origin, base, scope)):
            yield batch

    async def _search_batches(self, base: str, filter: str | Filter, scope: Scope, attributes: Iterable[str],
                              size_limit: int, time_limit: int, types_only: bool, deref: DerefAliases,
                              controls: list[Control] | None, timeout: float | None,
                              done: list[LDAPMessage] | None,
                              visited: ops.Visited) -> AsyncGenerator[list[SearchItem], None]:
        op = self._filters.search_request(base, filter, scope, attributes, size_limit, time_limit, types_only, deref)
        mid, operation = self._start(op, controls)
        final: LDAPMessage | None = None
        chase = self.referrals.hops > 0
        references: list[list[str]] = []
        try:
            while final is None:
                if not operation.responses:
                    await self._wait(mid, operation, timeout)
                items, final = self._take_search(operation)
                if chase:
                    references += [list(i.uris) for i in items if isinstance(i, SearchResultReference)]
                    items = [i for i in items if not isinstance(i, SearchResultReference)]
                if items:
                    yield items
        finally:
            if final is None:
                await self._stop_search(mid)
        self._operations.pop(mid, None)
        referred = ops.chased_referral(final, chase, base, scope, done, visited)
        referred += ops.referred_searches(references, base, scope, continuation=True, visited=visited)
        for part in referred:
            async for batch in self._chase(part, filter, attributes, size_limit, time_limit, types_only, deref,
                                           timeout, visited):
                yield batch

    async def _chase(self, part: ops.ReferredSearch, filter: str | Filter, attributes: Iterable[str],
                     size_limit: int, time_limit: int, types_only: bool, deref: DerefAliases, timeout: float | None,
                     visited: ops.Visited) -> AsyncGenerator[list[SearchItem], None]:
        """The referred part of a search, from the first of its servers that answers."""
        failures = []
        for server, base, scope, referred_filter in part.targets:
            try:
                other = await connect(server, ssl_context=self._ssl_context, timeout=self.timeout,
                                      referrals=self.referrals.deeper())
            except (OSError, asyncio.TimeoutError, ValueError) as exc:  # no answer there, or a URL that names no usable server
                failures.append(f"{server}: {exc!r}")
                continue
            async with other:
                if self._credentials is not None:
                    await other.bind(*self._credentials)
                async for batch in other._search_batches(base, filter if referred_filter is None else referred_filter,
                                                         scope, attributes, size_limit, time_limit, types_only, deref,
                                                         None, timeout, None, visited):
                    yield batch
            return
        raise ops.unanswered("referred server", failures)

    async def search(self, base: str, filter: str | Filter = "(objectClass=*)", *,
                     scope: Scope = Scope.WHOLE_SUBTREE, attributes: Iterable[str] = (),
                     size_limit: int = 0, time_limit: int = 0, types_only: bool = False,
                     deref: DerefAliases = DerefAliases.NEVER_DEREF_ALIASES,
                     controls: list[Control] | None = None, timeout: float | None = None,
                     done: list[LDAPMessage] | None = None) -> AsyncIterator[SearchItem]:
        """Entries (and references) as they arrive.  ``done``, if given,
        receives the final SearchResultDone message (with its controls)."""
        batches = self.search_batches(base, filter, scope=scope, attributes=attributes, size_limit=size_limit,
                                      time_limit=time_limit, types_only=types_only, deref=deref, controls=controls,
                                      timeout=timeout, done=done)
        try:
            async for batch in batches:
                for item in batch:
                    yield item
        finally:
            await batches.aclose()  # the caller stopped early: abandon now, not when collected

    async def search_all(self, base: str, filter: str | Filter = "(objectClass=*)", *,
                         scope: Scope = Scope.WHOLE_SUBTREE, attributes: Iterable[str] = (),
                         size_limit: int = 0, time_limit: int = 0, types_only: bool = False,
                         deref: DerefAliases = DerefAliases.NEVER_DEREF_ALIASES,
                         controls: list[Control] | None = None, timeout: float | None = None,
                         done: list[LDAPMessage] | None = None) -> list[SearchResultEntry]:
        """All entries of a search, as a list (references are skipped, or followed by the referral policy)."""
        if self.referrals.hops > 0:
            return [item async for batch in self.search_batches(
                        base, filter, scope=scope, attributes=attributes, size_limit=size_limit, time_limit=time_limit,
                        types_only=types_only, deref=deref, controls=controls, timeout=timeout, done=done)
                    for item in batch if isinstance(item, SearchResultEntry)]
        op = self._filters.search_request(base, filter, scope, attributes, size_limit, time_limit, types_only, deref)
        mid, operation = self._start(op, controls)
        entries: list[SearchResultEntry] = []
        final: LDAPMessage | None = None
        try:
            while final is None:
                if not operation.responses:
                    await self._wait(mid, operation, timeout)
                responses, operation.responses = operation.responses, []
                final = ops.collect_search(responses, entries, SearchResultEntry)
        finally:
            if final is None:
                await self._stop_search(mid)
        self._operations.pop(mid, None)
        ops.finish_search(final, done)
        return entries

    async def paged_search(self, base: str, filter: str | Filter = "(objectClass=*)", *, page_size: int = 500,
                           scope: Scope = Scope.WHOLE_SUBTREE, attributes: Iterable[str] = (),
                           size_limit: int = 0, time_limit: int = 0, types_only: bool = False,
                           deref: DerefAliases = DerefAliases.NEVER_DEREF_ALIASES,
                           timeout: float | None = None) -> AsyncIterator[SearchResultEntry]:
        """A search in pages of ``page_size`` entries (RFC 2696), yielding
        entries as each page arrives; the other options are :meth:`search`'s."""
        cookie = b""
        while True:
            done: list[LDAPMessage] = []
            async for entry in self.search(base, filter, scope=scope, attributes=attributes, size_limit=size_limit,
                                           time_limit=time_limit, types_only=types_only, deref=deref,
                                           controls=[ops.paged_control(page_size, cookie)], timeout=timeout,
                                           done=done):
                if isinstance(entry, SearchResultEntry):
                    yield entry
            cookie = ops.next_page_cookie(done[0])
            if not cookie:
                return

    async def compare(self, dn: str, attribute: str, value: bytes | str, *,
                      controls: list[Control] | None = None, timeout: float | None = None) -> bool:
        """True for compareTrue, False for compareFalse; other codes raise."""
        msg = await self._result(ops.compare_request(dn, attribute, value), controls, ops.COMPARED, timeout)
        return ops.compared(msg)

    async def add(self, dn: str, attributes: Mapping[str, Values], *,
                  controls: list[Control] | None = None, timeout: float | None = None) -> LDAPMessage:
        """Add an entry; ``attributes``: name -> values (str or bytes; one value alone is a list of one)."""
        return await self._result(ops.add_request(dn, attributes), controls, timeout=timeout)

    async def modify(self, dn: str, changes: Iterable[tuple[ModifyOperation | Operation | str, str, Values]], *,
                     controls: list[Control] | None = None, timeout: float | None = None) -> LDAPMessage:
        """``changes``: (kind, attribute, values), kind a :class:`~ldapber.proto.operations.ModifyOperation`
        or its name: "add", "delete", "replace" or "increment" (an unknown name raises ValueError)."""
        return await self._result(ops.modify_request(dn, changes), controls, timeout=timeout)

    async def delete(self, dn: str, *, controls: list[Control] | None = None,
                     timeout: float | None = None) -> LDAPMessage:
        return await self._result(DelRequest(dn), controls, timeout=timeout)

    async def modify_dn(self, dn: str, new_rdn: str, *, delete_old_rdn: bool = True,
                        new_superior: str | None = None, controls: list[Control] | None = None,
                        timeout: float | None = None) -> LDAPMessage:
        return await self._result(ops.modify_dn_request(dn, new_rdn, delete_old_rdn, new_superior), controls,
                                  timeout=timeout)

    async def extended(self, name: str, value: bytes | None = None, *,
                       controls: list[Control] | None = None, timeout: float | None = None) -> ExtendedResponse:
        msg = await self._result(ExtendedRequest(name, request_value=value), controls, timeout=timeout)
        return ops.extended_response(msg)

    async def who_am_i(self) -> str:
        """The authorization identity (RFC 4532): "" when anonymous, else "dn:..."."""
        return ops.authz_id(await self.extended(WHOAMI_OID))

    async def password_modify(self, user: bytes | str | None = None, old: bytes | str | None = None,
                              new: bytes | str | None = None) -> bytes | None:
        """Password Modify (RFC 3062); returns the password the server
        generated when ``new`` is None."""
        return ops.generated_password(await self._result(ops.password_modify_request(user, old, new)))

    async def abandon(self, message_id: int) -> None:
        """Abandon the operation ``message_id`` (RFC 4511 4.11: no response
        to it comes).  A caller still waiting for its result, in another
        task, gets :class:`AbandonedError` at once."""
        self._check_open()
        _, data = self.proto.send_request(AbandonRequest(message_id))
        operation = self._operations.pop(message_id, None)
        self._write(data)
        if operation is not None:  # its caller (another task) gets AbandonedError once it has taken what came
            operation.abandoned = AbandonedError(message_id)
            if not operation.responses:  # responses already in (its final one, perhaps) are not lost
                operation.wake(operation.abandoned)
        if not self._writable.is_set():
            await self._drained()

    async def start_tls(self, ssl_context: ssl.SSLContext | None = None, *, server_hostname: str | None = None) -> None:
        """StartTLS (RFC 4511 4.14): upgrade this connection to TLS.  The
        context defaults to the one given to ``connect`` (else the system's),
        and the name checked in the server's certificate to the host connected to."""
        if server_hostname is None and self.origin is not None:
            server_hostname = self.origin[1]
        await self._result(ExtendedRequest(STARTTLS_OID))
        # Reading stopped when the success response came in (the machine is
        # in TLS_HANDSHAKE): nothing the server sent after it is read as
        # plaintext; the TLS layer takes the transport over from here.
        assert self.transport is not None
        transport = await self._loop.start_tls(self.transport, self.transport.get_protocol(),
                                               ssl_context or self._ssl_context or ssl.create_default_context(),
                                               server_hostname=server_hostname, ssl_handshake_timeout=self.timeout)
        if transport is None:  # pragma: no cover - only when the loop has no TLS support
            raise ConnectionClosedError("the TLS handshake did not complete")
        self.transport = transport
        self.proto.start_tls_done()

    async def unbind(self) -> None:
        """Unbind (RFC 4511 4.3) and close."""
        if self.proto.state is ClientState.OPEN and self._error is None:
            with contextlib.suppress(Exception):
                _, data = self.proto.send_request(UnbindRequest())
                self._write(data)
                self._flush()
        await self.close()

    async def close(self) -> None:
        """Close the connection (operations still waiting get
        ConnectionClosedError) and wait, up to a second, until it is."""
        self._flush()
        if self._timer is not None:
            self._timer.cancel()
        self._fail(ConnectionClosedError("the connection was closed"))
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.shield(self._closed), 1.0)

