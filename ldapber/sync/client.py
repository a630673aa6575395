"""A blocking LDAP client over :class:`ldapber.proto.ClientConnection`.

::

    from ldapber.sync import connect

    with connect("ldap://localhost:389") as ldap:
        ldap.bind("cn=admin,dc=example,dc=com", b"secret")
        for entry in ldap.search("dc=example,dc=com", "(uid=j*)", attributes=["cn", "mail"]):
            print(entry.object_name, entry.attributes)

The same methods, arguments, results and errors as the asyncio client
(:mod:`ldapber.aio.client`), for scripts and code that is not async: both
build their requests and read their responses with
:mod:`ldapber.proto.operations`; only the waiting differs.  Here a call
sends its request and reads the socket until its answer is complete; each
read is decoded in one pass of the connection's stream decoder.  Searches
are generators: stop iterating (or close the generator) and the search is
abandoned.  Each call has a timeout; when it expires the operation is
abandoned and :class:`TimeoutError` is raised.

One client is one connection, used by one thread at a time (give each
thread its own connection).
"""

from __future__ import annotations

import contextlib
import os
import socket
import ssl
import time
from collections.abc import Generator, Iterable, Iterator, Mapping
from types import TracebackType
from typing import Any

from ..discovery import lookup
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

__all__ = ["LDAPClient", "connect", "AbandonedError", "ConnectionClosedError", "ReferralPolicy"]

#: How far (seconds) a read's socket timeout may differ from the time left
#: until the operation's deadline.
_TIMEOUT_SLACK = 0.01
#: Whether a socket's fileno() is a file descriptor os.write takes (on
#: Windows it is a socket handle).
_WRITE_FD = os.name != "nt"


def connect(url: str = "ldap://localhost", *, ssl_context: ssl.SSLContext | None = None,
            timeout: float = 30.0, resolver: Any = None,
            referrals: ReferralPolicy = NO_REFERRALS) -> LDAPClient:
    """Open a connection from an LDAP URL: ``ldap://host:port`` (plain; call
    :meth:`LDAPClient.start_tls` to upgrade), ``ldaps://host:port`` (TLS
    from the first byte; ``ssl_context`` defaults to the system's),
    ``ldapi://%2Fpath%2Fto%2Fsocket`` (a Unix socket), or
    ``ldap:///dc=example,dc=com``: the servers DNS SRV records name for the
    domain, tried in RFC 2782 order until one answers (``resolver``: a
    ``dns.resolver.Resolver``, the system's by default; needs dnspython).
    ``referrals`` says whether searches follow referrals (by default they
    are returned as data; see :class:`~ldapber.proto.operations.ReferralPolicy`)."""
    where = ops.endpoint(url)
    if where.domain is not None:
        targets = lookup(where.domain, tls=where.tls, resolver=resolver)
        failures = []
        for target in targets:
            try:
                return connect(ops.server_url(where.tls, target.host, target.port),
                               ssl_context=ssl_context, timeout=timeout, referrals=referrals)
            except OSError as exc:  # refused, unreachable, timed out, TLS failed: the next target
                failures.append(f"{target.host}:{target.port}: {exc}")
        raise ops.unanswered(f"server of {where.domain}", failures)
    sock: socket.socket
    if where.path is not None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect(where.path)
        except BaseException:
            sock.close()
            raise
    else:
        sock = socket.create_connection((where.host, where.port), timeout=timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if where.tls:
                sock = (ssl_context or ssl.create_default_context()).wrap_socket(sock, server_hostname=where.host)
        except BaseException:
            sock.close()
            raise
    client = LDAPClient(sock, timeout=timeout, tls_active=where.tls, referrals=referrals, ssl_context=ssl_context)
    client.origin = ("ldaps" if where.tls else "ldap", where.host.lower(), where.port) if where.path is None else None
    return client


class LDAPClient:
    """One connection; see the module docstring.  Made by :func:`connect`."""

    def __init__(self, sock: socket.socket, *, timeout: float = 30.0, tls_active: bool = False,
                 referrals: ReferralPolicy = NO_REFERRALS, ssl_context: ssl.SSLContext | None = None) -> None:
        self.timeout = timeout
        self.referrals = referrals
        self._ssl_context = ssl_context  # for referred servers
        self._credentials: tuple[str, bytes | str] | None = None  # the last simple bind, if referrals send it
        #: (scheme, host, port) this connection went to, for referral loop detection.
        self.origin: tuple[str, str, int] | None = None
        self.proto = ClientConnection(tls_active=tls_active)
        self.socket = sock
        self._responses: dict[int, list[Response]] = {}  # outstanding ID -> responses not taken yet
        self._notices: list[LDAPMessage] = []
        self._error: BaseException | None = None
        self._buffer = bytearray(READ_SIZE)
        self._view = memoryview(self._buffer)
        self._filters = ops.FilterCache()

    def __enter__(self) -> LDAPClient:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.unbind()

    @property
    def notices(self) -> list[LDAPMessage]:
        """Unsolicited notifications received so far."""
        return list(self._notices)

    # -- the wire --------------------------------------------------------------
    def _check_open(self) -> None:
        if self._error is not None:
            raise ConnectionClosedError(str(self._error)) from self._error

    def _fail(self, exc: BaseException) -> None:
        if self._error is None:
            self._error = exc
        self.proto.close()
        with contextlib.suppress(OSError):
            self.socket.close()

    def _send(self, data: bytes) -> None:
        try:
            if _WRITE_FD and not isinstance(self.socket, ssl.SSLSocket) and (fd := self.socket.fileno()) >= 0:
                # One write(2): sendall on a socket with a timeout polls for
                # room before every send, a system call a request rarely needs.
                try:
                    sent = os.write(fd, data)
                except (BlockingIOError, InterruptedError):
                    sent = 0
                if sent == len(data):
                    return
                data = memoryview(data)[sent:]  # type: ignore[assignment]
            if self.socket.gettimeout() != self.timeout:  # a read may have left a shorter one
                self.socket.settimeout(self.timeout)
            self.socket.sendall(data)
        except OSError as exc:  # a timeout included: part of a PDU may be out, the stream is lost
            self._fail(ConnectionClosedError(f"the connection was lost while sending: {exc!r}"))
            self._check_open()

    def _start(self, op: object, controls: list[Control] | None) -> int:
        self._check_open()
        mid, data = self.proto.send_request(op, controls)
        self._responses[mid] = []
        self._send(data)
        return mid

    def _read(self, deadline: float) -> None:
        """One read from the socket, decoded and handed to the operations;
        TimeoutError when ``deadline`` (time.monotonic) passes first."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the LDAP operation timed out")
        try:
            current = self.socket.gettimeout()
            # settimeout costs a system call (it sets the descriptor's mode
            # each time): a socket timeout within _TIMEOUT_SLACK of the
            # deadline is kept (an early expiry reads again, below).
            if current is None or abs(current - remaining) > _TIMEOUT_SLACK:
                self.socket.settimeout(remaining)
            n = self.socket.recv_into(self._buffer)
        except (TimeoutError, ssl.SSLWantReadError):
            if time.monotonic() < deadline:
                return  # the socket's timeout ended a little before the deadline: the caller reads again
            raise TimeoutError("the LDAP operation timed out") from None
        except OSError as exc:
            self._fail(ConnectionClosedError(f"the connection was lost: {exc!r}"))
            return
        if not n:
            self._fail(ConnectionClosedError("the server closed the connection"))
            return
        try:
            events = self.proto.receive(self._view[:n])
        except RemoteProtocolError as exc:
            self._fail(exc)
            return
        for event in events:
            if type(event) is Response:
                waiting = self._responses.get(event.message.message_id)
                if waiting is not None:
                    waiting.append(event)
            elif isinstance(event, Notice):
                self._notices.append(event.message)
                if event.disconnect:
                    reason = getattr(event.message.protocol_op, "diagnostic_message", "")
                    self._fail(ConnectionClosedError("notice of disconnection: " + reason))
                    return

    def _take(self, mid: int, timeout: float | None) -> list[Response]:
        """The responses for ``mid`` that came since the last call, reading
        until there is one; on timeout the operation is abandoned."""
        waiting = self._responses.get(mid)
        if waiting is None:  # abandon(mid) was called while its results were being read
            raise AbandonedError(mid)
        if not waiting:
            deadline = time.monotonic() + (timeout if timeout is not None else self.timeout)
            while not waiting:
                self._check_open()
                try:
                    self._read(deadline)
                except TimeoutError:
                    self._abandon_quietly(mid)
                    raise
        self._responses[mid] = []
        return waiting

    def _abandon_quietly(self, mid: int) -> None:
        self._responses.pop(mid, None)
        if mid in self.proto.outstanding and self.proto.state is ClientState.OPEN:
            with contextlib.suppress(Exception):
                self.abandon(mid)

    def request(self, op: object, *, controls: list[Control] | None = None,
                timeout: float | None = None) -> LDAPMessage:
        """Send one request and return the message with its final response
        (no result-code check)."""
        mid = self._start(op, controls)
        try:
            while True:
                final = ops.final_message(self._take(mid, timeout))
                if final is not None:
                    return final
        finally:
            self._responses.pop(mid, None)

    def _result(self, op: object, controls: list[Control] | None = None,
                ok: tuple[int, ...] = ops.SUCCESS_ONLY, timeout: float | None = None,
                visited: ops.Visited | None = None) -> LDAPMessage:
        msg = self.request(op, controls=controls, timeout=timeout)
        targets, visited = ops.referred_operation(msg, op, self.referrals.hops > 0, self.origin, visited)
        if not targets:
            return ops.check_result(msg, ok)
        failures = []
        for server, moved in targets:  # the first referred server that answers does it
            try:
                other = connect(server, ssl_context=self._ssl_context, timeout=self.timeout,
                                referrals=self.referrals.deeper())
            except (OSError, ValueError) as exc:
                failures.append(f"{server}: {exc}")
                continue
            with other:
                if self._credentials is not None:
                    other.bind(*self._credentials)
                return other._result(moved, controls, ok, timeout, visited)
        raise ops.unanswered("referred server", failures)

    # -- operations ------------------------------------------------------------
    def bind(self, name: str = "", password: bytes | str = b"", *,
             controls: list[Control] | None = None, timeout: float | None = None) -> LDAPMessage:
        """Simple bind; anonymous with no arguments."""
        self._credentials = None  # a failed bind leaves the connection anonymous: nothing to repeat
        done = self._result(ops.bind_request(name, password), controls, timeout=timeout)
        self._credentials = (name, password) if self.referrals.send_credentials else None
        return done

    def bind_sasl(self, mechanism: ClientMechanism, *, controls: list[Control] | None = None,
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
            request = exchange.next(self.request(request, controls=controls, timeout=timeout))
        assert exchange.result is not None
        return exchange.result

    def search_batches(self, base: str, filter: str | Filter = "(objectClass=*)", *,
                       scope: Scope = Scope.WHOLE_SUBTREE, attributes: Iterable[str] = (),
                       size_limit: int = 0, time_limit: int = 0, types_only: bool = False,
                       deref: DerefAliases = DerefAliases.NEVER_DEREF_ALIASES,
                       controls: list[Control] | None = None, timeout: float | None = None,
                       done: list[LDAPMessage] | None = None) -> Generator[list[SearchItem], None, None]:
        """Entries (and references) in lists, one list per read of the
        socket.  ``done``, if given, receives the final SearchResultDone
        message (with its controls); a result code other than success
        raises after the entries before it were yielded."""
        yield from self._search_batches(base, filter, scope, attributes, size_limit, time_limit, types_only, deref,
                                        controls, timeout, done, ops.search_visited(self.origin, base, scope))

    def _search_batches(self, base: str, filter: str | Filter, scope: Scope, attributes: Iterable[str],
                        size_limit: int, time_limit: int, types_only: bool, deref: DerefAliases,
                        controls: list[Control] | None, timeout: float | None, done: list[LDAPMessage] | None,
                        visited: ops.Visited) -> Generator[list[SearchItem], None, None]:
        op = self._filters.search_request(base, filter, scope, attributes, size_limit, time_limit, types_only, deref)
        mid = self._start(op, controls)
        final: LDAPMessage | None = None
        chase = self.referrals.hops > 0
        references: list[list[str]] = []
        try:
            while final is None:
                items, final = ops.split_search(self._take(mid, timeout))
                if chase:
                    references += [list(i.uris) for i in items if isinstance(i, SearchResultReference)]
                    items = [i for i in items if not isinstance(i, SearchResultReference)]
                if items:
                    yield items
        finally:
            if final is None:
                self._abandon_quietly(mid)
        self._responses.pop(mid, None)
        referred = ops.chased_referral(final, chase, base, scope, done, visited)
        referred += ops.referred_searches(references, base, scope, continuation=True, visited=visited)
        for part in referred:
            yield from self._chase(part, filter, attributes, size_limit, time_limit, types_only, deref, timeout,
                                   visited)

    def _chase(self, part: ops.ReferredSearch, filter: str | Filter, attributes: Iterable[str], size_limit: int,
               time_limit: int, types_only: bool, deref: DerefAliases, timeout: float | None,
               visited: ops.Visited) -> Generator[list[SearchItem], None, None]:
        """The referred part of a search, from the first of its servers that answers."""
        failures = []
        for server, base, scope, referred_filter in part.targets:
            try:
                other = connect(server, ssl_context=self._ssl_context, timeout=self.timeout,
                                referrals=self.referrals.deeper())
            except (OSError, ValueError) as exc:  # no answer there, or a URL that names no usable server
                failures.append(f"{server}: {exc}")
                continue
            with other:
                if self._credentials is not None:
                    other.bind(*self._credentials)
                yield from other._search_batches(base, filter if referred_filter is None else referred_filter,
                                                 scope, attributes, size_limit, time_limit, types_only, deref, None,
                                                 timeout, None, visited)
            return
        raise ops.unanswered("referred server", failures)

    def search(self, base: str, filter: str | Filter = "(objectClass=*)", *,
               scope: Scope = Scope.WHOLE_SUBTREE, attributes: Iterable[str] = (),
               size_limit: int = 0, time_limit: int = 0, types_only: bool = False,
               deref: DerefAliases = DerefAliases.NEVER_DEREF_ALIASES,
               controls: list[Control] | None = None, timeout: float | None = None,
               done: list[LDAPMessage] | None = None) -> Iterator[SearchItem]:
        """Entries (and references) as they arrive.  ``done``, if given,
        receives the final SearchResultDone message (with its controls)."""
        batches = self.search_batches(base, filter, scope=scope, attributes=attributes, size_limit=size_limit,
                                      time_limit=time_limit, types_only=types_only, deref=deref, controls=controls,
                                      timeout=timeout, done=done)
        try:
            for batch in batches:
                yield from batch
        finally:
            batches.close()  # the caller stopped early: abandon now, not when collected

    def search_all(self, base: str, filter: str | Filter = "(objectClass=*)", *,
                   scope: Scope = Scope.WHOLE_SUBTREE, attributes: Iterable[str] = (),
                   size_limit: int = 0, time_limit: int = 0, types_only: bool = False,
                   deref: DerefAliases = DerefAliases.NEVER_DEREF_ALIASES,
                   controls: list[Control] | None = None, timeout: float | None = None,
                   done: list[LDAPMessage] | None = None) -> list[SearchResultEntry]:
        """All entries of a search, as a list (references are skipped, or followed by the referral policy)."""
        if self.referrals.hops > 0:
            return [item for batch in self.search_batches(
                        base, filter, scope=scope, attributes=attributes, size_limit=size_limit, time_limit=time_limit,
                        types_only=types_only, deref=deref, controls=controls, timeout=timeout, done=done)
                    for item in batch if isinstance(item, SearchResultEntry)]
        op = self._filters.search_request(base, filter, scope, attributes, size_limit, time_limit, types_only, deref)
        mid = self._start(op, controls)
        entries: list[SearchResultEntry] = []
        final: LDAPMessage | None = None
        try:
            while final is None:
                final = ops.collect_search(self._take(mid, timeout), entries, SearchResultEntry)
        finally:
            if final is None:
                self._abandon_quietly(mid)
        self._responses.pop(mid, None)
        ops.finish_search(final, done)
        return entries

    def paged_search(self, base: str, filter: str | Filter = "(objectClass=*)", *, page_size: int = 500,
                     scope: Scope = Scope.WHOLE_SUBTREE, attributes: Iterable[str] = (),
                     size_limit: int = 0, time_limit: int = 0, types_only: bool = False,
                     deref: DerefAliases = DerefAliases.NEVER_DEREF_ALIASES,
                     timeout: float | None = None) -> Iterator[SearchResultEntry]:
        """A search in pages of ``page_size`` entries (RFC 2696), yielding
        entries as each page arrives; the other options are :meth:`search`'s."""
        cookie = b""
        while True:
            done: list[LDAPMessage] = []
            for entry in self.search(base, filter, scope=scope, attributes=attributes, size_limit=size_limit,
                                     time_limit=time_limit, types_only=types_only, deref=deref,
                                     controls=[ops.paged_control(page_size, cookie)], timeout=timeout, done=done):
                if isinstance(entry, SearchResultEntry):
                    yield entry
            cookie = ops.next_page_cookie(done[0])
            if not cookie:
                return

    def compare(self, dn: str, attribute: str, value: bytes | str, *,
                controls: list[Control] | None = None, timeout: float | None = None) -> bool:
        """True for compareTrue, False for compareFalse; other codes raise."""
        return ops.compared(self._result(ops.compare_request(dn, attribute, value), controls, ops.COMPARED, timeout))

    def add(self, dn: str, attributes: Mapping[str, Values], *,
            controls: list[Control] | None = None, timeout: float | None = None) -> LDAPMessage:
        """Add an entry; ``attributes``: name -> values (str or bytes; one value alone is a list of one)."""
        return self._result(ops.add_request(dn, attributes), controls, timeout=timeout)

    def modify(self, dn: str, changes: Iterable[tuple[ModifyOperation | Operation | str, str, Values]], *,
               controls: list[Control] | None = None, timeout: float | None = None) -> LDAPMessage:
        """``changes``: (kind, attribute, values), kind a :class:`~ldapber.proto.operations.ModifyOperation`
        or its name: "add", "delete", "replace" or "increment" (an unknown name raises ValueError)."""
        return self._result(ops.modify_request(dn, changes), controls, timeout=timeout)

    def delete(self, dn: str, *, controls: list[Control] | None = None, timeout: float | None = None) -> LDAPMessage:
        return self._result(DelRequest(dn), controls, timeout=timeout)

    def modify_dn(self, dn: str, new_rdn: str, *, delete_old_rdn: bool = True, new_superior: str | None = None,
                  controls: list[Control] | None = None, timeout: float | None = None) -> LDAPMessage:
        return self._result(ops.modify_dn_request(dn, new_rdn, delete_old_rdn, new_superior), controls,
                            timeout=timeout)

    def extended(self, name: str, value: bytes | None = None, *,
                 controls: list[Control] | None = None, timeout: float | None = None) -> ExtendedResponse:
        return ops.extended_response(self._result(ExtendedRequest(name, request_value=value), controls,
                                                  timeout=timeout))

    def who_am_i(self) -> str:
        """The authorization identity (RFC 4532): "" when anonymous, else "dn:..."."""
        return ops.authz_id(self.extended(WHOAMI_OID))

    def password_modify(self, user: bytes | str | None = None, old: bytes | str | None = None,
                        new: bytes | str | None = None) -> bytes | None:
        """Password Modify (RFC 3062); returns the password the server
        generated when ``new`` is None."""
        return ops.generated_password(self._result(ops.password_modify_request(user, old, new)))

    def abandon(self, message_id: int) -> None:
        """Abandon the operation ``message_id`` (RFC 4511 4.11: no response
        to it comes); reading its results afterwards raises :class:`AbandonedError`."""
        self._check_open()
        _, data = self.proto.send_request(AbandonRequest(message_id))
        self._responses.pop(message_id, None)
        self._send(data)

    def start_tls(self, ssl_context: ssl.SSLContext | None = None, *, server_hostname: str | None = None) -> None:
        """StartTLS (RFC 4511 4.14): upgrade this connection to TLS.  The
        context defaults to the one given to ``connect`` (else the system's),
        and the name checked in the server's certificate to the host connected to."""
        if server_hostname is None and self.origin is not None:
            server_hostname = self.origin[1]
        self._result(ExtendedRequest(STARTTLS_OID))
        # The machine stopped reading at the success response: whatever the
        # same read brought after it was plaintext, and it is dropped.
        context = ssl_context or self._ssl_context or ssl.create_default_context()
        try:
            self.socket.settimeout(self.timeout)
            self.socket = context.wrap_socket(self.socket, server_hostname=server_hostname)
        except (OSError, ssl.SSLError) as exc:
            self._fail(ConnectionClosedError(f"the TLS handshake failed: {exc!r}"))
            raise
        self.proto.start_tls_done()

    def unbind(self) -> None:
        """Unbind (RFC 4511 4.3) and close."""
        if self.proto.state is ClientState.OPEN and self._error is None:
            with contextlib.suppress(Exception):
                _, data = self.proto.send_request(UnbindRequest())
                self.socket.sendall(data)
        self.close()

    def close(self) -> None:
        """Close the connection."""
        self._fail(ConnectionClosedError("the connection was closed"))
