"""An asyncio LDAP client over :class:`ldapber.proto.ClientConnection`.

::

    async with await connect("ldap://localhost:389") as ldap:
        await ldap.bind("cn=admin,dc=example,dc=com", b"secret")
        async for entry in ldap.search("dc=example,dc=com", "(uid=j*)", attributes=["cn", "mail"]):
            print(entry.object_name, entry.attributes)

Several operations may run at once on one connection (responses are
routed by message ID).  A result code other than success (and the compare
results) raises the matching :class:`~ldapber.LDAPResultError` subclass.
Each call has a timeout; when it expires the operation is abandoned and
``asyncio.TimeoutError`` is raised.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator, Iterable, Mapping
from types import TracebackType

from ..controls import PagedResults, decode_response_control
from ..extended import STARTTLS_OID, WHOAMI_OID, PasswordModifyRequest, PasswordModifyResponse
from ..model import (
    AbandonRequest,
    AddRequest,
    Attribute,
    AttributeValueAssertion,
    BindRequest,
    Change,
    CompareRequest,
    Control,
    DelRequest,
    DerefAliases,
    ExtendedRequest,
    ExtendedResponse,
    LDAPMessage,
    LDAPResult,
    ModifyDNRequest,
    ModifyRequest,
    Operation,
    PartialAttribute,
    ResultCode,
    Scope,
    SearchRequest,
    SearchResultDone,
    SearchResultEntry,
    SearchResultReference,
    Simple,
    UnbindRequest,
)
from ..model.filters import parse_filter
from ..model.results import raise_for_result
from ..model.url import parse_url
from ..proto import ClientConnection, ClientState, Notice, RemoteProtocolError, Response

__all__ = ["LDAPClient", "connect", "ConnectionClosedError"]

Values = Iterable[bytes | str]


class ConnectionClosedError(ConnectionError):
    """The connection closed (or the server said goodbye) while an operation waited."""


def _opt_bytes(value: bytes | str | None) -> bytes | None:
    return value.encode("utf-8") if isinstance(value, str) else value


def _as_bytes(values: Values) -> list[bytes]:
    return [v.encode("utf-8") if isinstance(v, str) else bytes(v) for v in values]


async def connect(url: str = "ldap://localhost", *, ssl_context: ssl.SSLContext | None = None,
                  timeout: float = 30.0) -> LDAPClient:
    """Open a connection from an LDAP URL: ``ldap://host:port`` (plain; call
    :meth:`LDAPClient.start_tls` to upgrade) or ``ldaps://host:port`` (TLS
    from the first byte; ``ssl_context`` defaults to the system's)."""
    parsed = parse_url(url)
    tls = parsed.scheme == "ldaps"
    port = parsed.port or (636 if tls else 389)
    context = ssl_context or (ssl.create_default_context() if tls else None)
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(parsed.host or "localhost", port, ssl=context if tls else None), timeout)
    return LDAPClient(reader, writer, timeout=timeout, tls_active=tls)


class LDAPClient:
    """One connection; see the module docstring."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, timeout: float = 30.0,
                 tls_active: bool = False) -> None:
        self.reader, self.writer = reader, writer
        self.timeout = timeout
        self.proto = ClientConnection(tls_active=tls_active)
        self._queues: dict[int, asyncio.Queue[Response | BaseException]] = {}
        self._notices: list[LDAPMessage] = []
        self._reading = asyncio.create_task(self._read_loop())
        self._paused = asyncio.Event()  # set while StartTLS swaps the transport
        self._error: BaseException | None = None

    async def __aenter__(self) -> LDAPClient:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.unbind()

    @property
    def notices(self) -> list[LDAPMessage]:
        """Unsolicited notifications received so far."""
        return list(self._notices)

    # -- plumbing --------------------------------------------------------------
    async def _read_loop(self) -> None:
        try:
            while True:
                data = await self.reader.read(65536)
                if not data:
                    raise ConnectionClosedError("the server closed the connection")
                self.proto.receive_data(data)
                for event in self.proto.events():
                    if isinstance(event, Response):
                        queue = self._queues.get(event.message.message_id)
                        if queue is not None:
                            queue.put_nowait(event)
                    elif isinstance(event, Notice):
                        self._notices.append(event.message)
                        if event.disconnect:
                            raise ConnectionClosedError(
                                "notice of disconnection: " + getattr(event.message.protocol_op, "diagnostic_message", ""))
                if self.proto.state is ClientState.TLS_HANDSHAKE:
                    await self._paused.wait()  # start_tls() takes over the transport
                    self._paused.clear()
        except (ConnectionClosedError, RemoteProtocolError, OSError) as exc:
            self._fail(exc)
        except asyncio.CancelledError:
            self._fail(ConnectionClosedError("the connection was closed"))
            raise

    def _fail(self, exc: BaseException) -> None:
        self._error = exc
        self.proto.close()
        for queue in self._queues.values():
            queue.put_nowait(exc)

    async def _start(self, op: object, controls: list[Control] | None) -> tuple[int, asyncio.Queue]:  # type: ignore[type-arg]
        if self._error is not None:
            raise ConnectionClosedError(str(self._error)) from self._error
        mid, data = self.proto.send_request(op, controls)
        queue: asyncio.Queue[Response | BaseException] = asyncio.Queue()
        self._queues[mid] = queue
        self.writer.write(data)
        await asyncio.wait_for(self.writer.drain(), self.timeout)
        return mid, queue

    async def _next(self, mid: int, queue: asyncio.Queue, timeout: float | None) -> Response:  # type: ignore[type-arg]
        try:
            item = await asyncio.wait_for(queue.get(), timeout if timeout is not None else self.timeout)
        except asyncio.TimeoutError:
            self._queues.pop(mid, None)
            with contextlib.suppress(Exception):
                await self.abandon(mid)
            raise
        if isinstance(item, BaseException):
            self._queues.pop(mid, None)
            raise ConnectionClosedError(str(item)) from item
        return item

    async def request(self, op: object, *, controls: list[Control] | None = None,
                      timeout: float | None = None) -> LDAPMessage:
        """Send one request and return the message with its final response
        (no result-code check)."""
        mid, queue = await self._start(op, controls)
        try:
            while True:
                response = await self._next(mid, queue, timeout)
                if response.final:
                    return response.message
        finally:
            self._queues.pop(mid, None)

    async def _result(self, op: object, controls: list[Control] | None = None,
                      ok: tuple[int, ...] = (ResultCode.SUCCESS,)) -> LDAPMessage:
        msg = await self.request(op, controls=controls)
        result = msg.protocol_op
        assert isinstance(result, LDAPResult)
        if result.result_code not in ok:
            raise_for_result(result, msg.controls)
        return msg

    # -- operations ------------------------------------------------------------
    async def bind(self, name: str = "", password: bytes | str = b"", *,
                   controls: list[Control] | None = None) -> LDAPMessage:
        """Simple bind; anonymous with no arguments."""
        pw = password.encode("utf-8") if isinstance(password, str) else password
        return await self._result(BindRequest(3, name, Simple(pw)), controls)

    async def search(self, base: str, filter: str | object = "(objectClass=*)", *,
                     scope: Scope = Scope.WHOLE_SUBTREE, attributes: Iterable[str] = (),
                     size_limit: int = 0, time_limit: int = 0, types_only: bool = False,
                     deref: DerefAliases = DerefAliases.NEVER_DEREF_ALIASES,
                     controls: list[Control] | None = None, timeout: float | None = None,
                     done: list[LDAPMessage] | None = None) -> AsyncIterator[SearchResultEntry | SearchResultReference]:
        """Entries (and references) as they arrive.  ``done``, if given,
        receives the final SearchResultDone message (with its controls)."""
        flt = parse_filter(filter) if isinstance(filter, str) else filter
        op = SearchRequest(base, scope, deref, size_limit, time_limit, types_only, flt, list(attributes))  # type: ignore[arg-type]
        mid, queue = await self._start(op, controls)
        finished = False
        try:
            while True:
                msg = (await self._next(mid, queue, timeout)).message
                result = msg.protocol_op
                if isinstance(result, SearchResultDone):
                    finished = True
                    if done is not None:
                        done.append(msg)
                    if result.result_code != ResultCode.SUCCESS:
                        raise_for_result(result, msg.controls)
                    return
                if isinstance(result, (SearchResultEntry, SearchResultReference)):
                    yield result
        finally:
            self._queues.pop(mid, None)
            if not finished and mid in self.proto.outstanding and self.proto.state is ClientState.OPEN:
                with contextlib.suppress(Exception):  # the caller stopped early: stop the server too
                    await self.abandon(mid)

    async def search_all(self, base: str, filter: str | object = "(objectClass=*)",
                         **kw: object) -> list[SearchResultEntry]:
        """All entries of a search, as a list (references are skipped)."""
        return [e async for e in self.search(base, filter, **kw) if isinstance(e, SearchResultEntry)]  # type: ignore[arg-type]

    async def paged_search(self, base: str, filter: str | object = "(objectClass=*)", *, page_size: int = 500,
                           **kw: object) -> AsyncIterator[SearchResultEntry]:
        """A search in pages of ``page_size`` entries (RFC 2696), yielding
        entries as each page arrives."""
        cookie = b""
        while True:
            done: list[LDAPMessage] = []
            control = PagedResults(page_size, cookie, criticality=True).to_control()
            async for entry in self.search(base, filter, controls=[control], done=done, **kw):  # type: ignore[arg-type]
                if isinstance(entry, SearchResultEntry):
                    yield entry
            cookie = b""
            for c in done[0].controls or []:
                typed = decode_response_control(c)
                if isinstance(typed, PagedResults):
                    cookie = typed.cookie
            if not cookie:
                return

    async def compare(self, dn: str, attribute: str, value: bytes | str) -> bool:
        """True for compareTrue, False for compareFalse; other codes raise."""
        v = value.encode("utf-8") if isinstance(value, str) else value
        msg = await self._result(CompareRequest(dn, AttributeValueAssertion(attribute, v)),
                                 ok=(ResultCode.COMPARE_TRUE, ResultCode.COMPARE_FALSE))
        return msg.protocol_op.result_code == ResultCode.COMPARE_TRUE  # type: ignore[union-attr]

    async def add(self, dn: str, attributes: Mapping[str, Values], *,
                  controls: list[Control] | None = None) -> LDAPMessage:
        attrs = [Attribute(name, _as_bytes(vals)) for name, vals in attributes.items()]
        return await self._result(AddRequest(dn, attrs), controls)

    async def modify(self, dn: str, changes: Iterable[tuple[str, str, Values]], *,
                     controls: list[Control] | None = None) -> LDAPMessage:
        """``changes``: (operation "add" | "delete" | "replace", attribute, values)."""
        ops = {"add": Operation.ADD, "delete": Operation.DELETE, "replace": Operation.REPLACE}
        items = [Change(ops[op], PartialAttribute(attr, _as_bytes(vals))) for op, attr, vals in changes]
        return await self._result(ModifyRequest(dn, items), controls)

    async def delete(self, dn: str, *, controls: list[Control] | None = None) -> LDAPMessage:
        return await self._result(DelRequest(dn), controls)

    async def modify_dn(self, dn: str, new_rdn: str, *, delete_old_rdn: bool = True,
                        new_superior: str | None = None, controls: list[Control] | None = None) -> LDAPMessage:
        return await self._result(ModifyDNRequest(dn, new_rdn, delete_old_rdn, new_superior=new_superior), controls)

    async def extended(self, name: str, value: bytes | None = None, *,
                       controls: list[Control] | None = None) -> ExtendedResponse:
        msg = await self._result(ExtendedRequest(name, request_value=value), controls)
        assert isinstance(msg.protocol_op, ExtendedResponse)
        return msg.protocol_op

    async def who_am_i(self) -> str:
        """The authorization identity (RFC 4532): "" when anonymous, else "dn:..."."""
        resp = await self.extended(WHOAMI_OID)
        return (resp.response_value or b"").decode("utf-8")

    async def password_modify(self, user: str | None = None, old: bytes | str | None = None,
                              new: bytes | str | None = None) -> bytes | None:
        """Password Modify (RFC 3062); returns the password the server
        generated when ``new`` is None."""
        req = PasswordModifyRequest(_opt_bytes(user), _opt_bytes(old), _opt_bytes(new)).to_request()
        msg = await self._result(req)
        assert isinstance(msg.protocol_op, ExtendedResponse)
        return PasswordModifyResponse.from_response(msg.protocol_op).generated_password

    async def abandon(self, message_id: int) -> None:
        _, data = self.proto.send_request(AbandonRequest(message_id))
        self._queues.pop(message_id, None)
        self.writer.write(data)
        await asyncio.wait_for(self.writer.drain(), self.timeout)

    async def start_tls(self, ssl_context: ssl.SSLContext | None = None, *, server_hostname: str | None = None) -> None:
        """StartTLS (RFC 4511 4.14): upgrade this connection to TLS."""
        if not hasattr(self.writer, "start_tls"):
            raise RuntimeError("StartTLS needs Python 3.11 (asyncio.StreamWriter.start_tls)")
        await self._result(ExtendedRequest(STARTTLS_OID))
        # The read loop is parked (it saw the machine enter TLS_HANDSHAKE).
        await self.writer.start_tls(  # type: ignore[attr-defined]
            ssl_context or ssl.create_default_context(), server_hostname=server_hostname)
        self.proto.start_tls_done()
        self._paused.set()

    async def unbind(self) -> None:
        """Unbind (RFC 4511 4.3) and close."""
        if self.proto.state is ClientState.OPEN and self._error is None:
            with contextlib.suppress(Exception):
                _, data = self.proto.send_request(UnbindRequest())
                self.writer.write(data)
                await asyncio.wait_for(self.writer.drain(), self.timeout)
        await self.close()

    async def close(self) -> None:
        self.proto.close()
        self._reading.cancel()
        with contextlib.suppress(BaseException):
            await self._reading
        self.writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.writer.wait_closed(), 1.0)
