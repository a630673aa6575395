"""The blocking client (ldapber.sync) against real servers over loopback.

The same scenario (every operation, errors included) runs through the
blocking client and through the asyncio one, each against a fresh ldapber
server, and the two records must be identical; then what only a blocking
client can get wrong: timeouts, a search stopped early, a server that goes
away, StartTLS and LDAPS, ldapi:// with the peer's credentials, and slapd.
"""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from pythons import server_starttls
from slapd import needs_slapd, slapd_with_sample

import ldapber
from ldapber import LDAPMessage, PartialAttribute, ResultCode, Scope, SearchRequest, SearchResultDone, SearchResultEntry
from ldapber.aio import LDAPServer, Session
from ldapber.aio import client as aio_client
from ldapber.directory.dit import Directory
from ldapber.directory.service import DirectoryService
from ldapber.ldif import parse_ldif
from ldapber.model.results import LDAPResultError, NoSuchObjectError
from ldapber.proto.operations import ModifyOperation
from ldapber.sync import AbandonedError, ConnectionClosedError, LDAPClient, connect
from ldapber.tools.serve import _sample_ldif

BASE = "dc=example,dc=com"
ADMIN, ADMIN_PW = "cn=admin,dc=example,dc=com", b"secret"
ALICE = "uid=alice,ou=people,dc=example,dc=com"
PEOPLE = "ou=people," + BASE


def make_service(**kw: Any) -> DirectoryService:
    directory = Directory()
    directory.load(parse_ldif(_sample_ldif()))
    return DirectoryService(directory, root_dn=ADMIN, root_password=ADMIN_PW, **kw)


@contextmanager
def server_thread(handler: object, *, starttls_context: ssl.SSLContext | None = None,
                  unix_path: str | None = None, ldaps_context: ssl.SSLContext | None = None) -> Iterator[dict[str, Any]]:
    """An LDAPServer on its own event loop in a thread; yields its URLs."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    info: dict[str, Any] = {}

    async def start() -> None:
        server = info["server"] = LDAPServer(handler, starttls_context=starttls_context)  # type: ignore[arg-type]
        info["url"] = f"ldap://127.0.0.1:{await server.listen_tcp('127.0.0.1', 0)}"
        if ldaps_context is not None:
            info["ldaps"] = f"ldaps://127.0.0.1:{await server.listen_tcp('127.0.0.1', 0, ssl_context=ldaps_context)}"
        if unix_path is not None:
            await server.listen_unix(unix_path)
            info["ldapi"] = "ldapi://" + unix_path.replace("/", "%2F")

    def main() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        ready.set()
        loop.run_forever()
        loop.run_until_complete(info["server"].close())
        loop.close()

    thread = threading.Thread(target=main, daemon=True)
    thread.start()
    assert ready.wait(10), "the server thread did not start"
    try:
        yield info
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        assert not thread.is_alive()


# -- one scenario, two clients ----------------------------------------------------------
class AioAsSync:
    """The asyncio client driven from synchronous code (its own loop in
    this thread); async generators come back as lists."""

    def __init__(self, url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.client = self.loop.run_until_complete(aio_client.connect(url))

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.client, name)

        def call(*args: Any, **kw: Any) -> Any:
            result = method(*args, **kw)
            if isinstance(result, AsyncIterator):
                async def collect() -> list[Any]:
                    return [item async for item in result]
                return self.loop.run_until_complete(collect())
            return self.loop.run_until_complete(result)
        return call

    def close(self) -> None:
        self.loop.run_until_complete(self.client.unbind())
        self.loop.close()


def scenario(ldap: Any) -> list[object]:
    """Every operation, with what it returned or raised, as plain data."""
    record: list[object] = []

    def note(what: str, call: Callable[[], object]) -> None:
        try:
            value = call()
        except LDAPResultError as err:
            record.append((what, "raised", type(err).__name__, err.result_code))
        else:
            record.append((what, value))

    def names(entries: object) -> list[str]:
        return sorted(e.object_name for e in entries if isinstance(e, SearchResultEntry))  # type: ignore[attr-defined]

    note("anonymous who", ldap.who_am_i)
    note("people", lambda: names(ldap.search_all(BASE, "(objectClass=inetOrgPerson)", attributes=["uid"])))
    note("iterated", lambda: names(ldap.search(PEOPLE, "(uid=*)", scope=Scope.SINGLE_LEVEL)))
    note("batches", lambda: sorted(n for batch in ldap.search_batches(BASE, "(uid=a*)") for n in names(batch)))
    note("alice", lambda: [(a.type, a.vals) for a in ldap.search_all(ALICE, scope=Scope.BASE_OBJECT,
                                                                     attributes="cn")[0].attributes])
    note("bad bind", lambda: ldap.bind(ALICE, "wrong"))
    note("bind", lambda: ldap.bind(ADMIN, ADMIN_PW).protocol_op.result_code)
    note("who", ldap.who_am_i)
    new = "uid=zed," + PEOPLE
    note("add", lambda: ldap.add(new, {"objectClass": ["inetOrgPerson"], "uid": "zed", "cn": ["Zed"],
                                       "sn": [b"Z"]}).protocol_op.result_code)
    note("add again", lambda: ldap.add(new, {"objectClass": ["inetOrgPerson"], "uid": "zed", "cn": "Z", "sn": "Z"}))
    note("modify", lambda: ldap.modify(new, [("add", "mail", ["zed@example.com"]),
                                             (ModifyOperation.REPLACE, "cn", ["Zed Z"])]).protocol_op.result_code)
    note("compare true", lambda: ldap.compare(new, "mail", "ZED@example.com"))
    note("compare false", lambda: ldap.compare(new, "cn", "nobody"))
    note("compare missing", lambda: ldap.compare("uid=nobody," + PEOPLE, "cn", "x"))
    note("modrdn", lambda: ldap.modify_dn(new, "uid=zed2", delete_old_rdn=False).protocol_op.result_code)
    note("moved", lambda: names(ldap.search_all(PEOPLE, "(uid=zed*)")))
    note("paged", lambda: names(ldap.paged_search(BASE, "(objectClass=*)", page_size=3)))
    done: list[LDAPMessage] = []
    note("limited", lambda: names(ldap.search_all(PEOPLE, "(uid=*)", size_limit=2, done=done)))
    record.append(("limited done", [m.protocol_op.result_code for m in done]))  # type: ignore[union-attr]
    note("no such base", lambda: ldap.search_all("ou=nowhere," + BASE))
    note("delete", lambda: ldap.delete("uid=zed2," + PEOPLE).protocol_op.result_code)
    note("delete again", lambda: ldap.delete("uid=zed2," + PEOPLE))
    note("non-leaf", lambda: ldap.delete(PEOPLE))
    note("extended unknown", lambda: ldap.extended("1.2.3.4.5"))
    note("generated password", lambda: len(ldap.password_modify(ALICE) or b"") > 0)
    try:
        ldap.modify(ALICE, [("replce", "cn", ["x"])])
    except ValueError as err:
        record.append(("typo", str(err)))
    return record


def test_both_clients_give_the_same_results_for_every_operation() -> None:
    records = []
    for make in (lambda url: connect(url), AioAsSync):
        with server_thread(make_service()) as info:
            ldap = make(info["url"])
            try:
                records.append(scenario(ldap))
            finally:
                ldap.close() if isinstance(ldap, AioAsSync) else ldap.unbind()
    sync_record, aio_record = records
    assert sync_record == aio_record
    got = dict((item[0], item[1:]) for item in sync_record)  # type: ignore[index]
    assert got["anonymous who"] == ("",) and got["who"] == ("dn:" + ADMIN,)
    assert len(got["people"][0]) == 6 and "uid=alice," + PEOPLE in got["people"][0]  # type: ignore[operator,arg-type]
    assert got["alice"] == ([("cn", [b"Alice Anderson"])],)
    assert got["bad bind"] == ("raised", "InvalidCredentialsError", 49)
    assert got["add again"] == ("raised", "EntryAlreadyExistsError", 68)
    assert got["compare true"] == (True,) and got["compare false"] == (False,)
    assert got["compare missing"][1:] == ("NoSuchObjectError", 32)
    assert got["moved"] == (["uid=zed2," + PEOPLE],)
    assert got["limited"][0] == "raised" and got["limited done"] == ([4],)
    assert got["non-leaf"] == ("raised", "NotAllowedOnNonLeafError", 66)
    assert got["generated password"] == (True,)
    assert "unknown modify operation 'replce'" in got["typo"][0]  # type: ignore[operator]


# -- what a blocking client can get wrong ------------------------------------------------
class Stalling:
    """Answers searches for (cn=slow) only when released; others at once, ``base`` entries."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.cancelled = 0

    async def handle(self, request: LDAPMessage, session: Session) -> AsyncIterator[LDAPMessage]:
        mid, op = request.message_id, request.protocol_op
        assert isinstance(op, SearchRequest)
        if str(op.filter) == "(cn=slow)":
            try:
                await self.release.wait()
            except asyncio.CancelledError:
                self.cancelled += 1
                raise
        for i in range(int(op.base_object or "3")):
            yield LDAPMessage(mid, SearchResultEntry(f"cn={i}", [PartialAttribute("cn", [str(i).encode()])]))
        yield LDAPMessage(mid, SearchResultDone(ResultCode.SUCCESS, "", ""))


def wait_until(check: Callable[[], bool], seconds: float = 5.0) -> bool:
    for _ in range(int(seconds / 0.01)):
        if check():
            return True
        threading.Event().wait(0.01)
    return check()


def test_a_timeout_abandons_and_the_connection_goes_on() -> None:
    handler = Stalling()
    with server_thread(handler) as info, connect(info["url"]) as ldap:
        with pytest.raises(TimeoutError):
            ldap.search_all("3", "(cn=slow)", timeout=0.2)
        assert wait_until(lambda: handler.cancelled == 1), "the server's work was not abandoned"
        assert [e.object_name for e in ldap.search_all("2", "(cn=x)")] == ["cn=0", "cn=1"]


def test_a_search_stopped_early_is_abandoned() -> None:
    handler = Stalling()
    with server_thread(handler) as info, connect(info["url"]) as ldap:
        results = ldap.search("5000", "(cn=x)")
        first = next(results)
        assert isinstance(first, SearchResultEntry) and first.object_name == "cn=0"
        results.close()  # type: ignore[attr-defined]
        assert not ldap.proto.outstanding
        assert len(ldap.search_all("4", "(cn=x)")) == 4  # the rest of the 5000 is dropped, not mixed in
        batches = list(ldap.search_batches("3000", "(cn=x)"))
        assert sum(map(len, batches)) == 3000 and len(batches) >= 1


def test_reading_a_search_after_abandoning_it_raises_abandoned() -> None:
    handler = Stalling()
    with server_thread(handler) as info, connect(info["url"]) as ldap:
        results = ldap.search("5000", "(cn=x)")
        next(results)
        (mid,) = ldap.proto.outstanding
        ldap.abandon(mid)
        with pytest.raises(AbandonedError, match=f"operation {mid} was abandoned"):
            for _ in results:  # what the first read brought is handed out, then the error (not a KeyError)
                pass
        assert len(ldap.search_all("4", "(cn=x)")) == 4


def test_a_request_larger_than_the_socket_buffer_is_sent_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    from ldapber.sync import client as sync_client

    partial: list[int] = []
    write = os.write

    def recording_write(fd: int, data: bytes) -> int:
        sent = write(fd, data)
        if sent < len(data):
            partial.append(sent)
        return sent

    monkeypatch.setattr(sync_client.os, "write", recording_write)
    with server_thread(Stalling()) as info, connect(info["url"]) as ldap:
        big = "x" * (12 * 1024 * 1024)  # more than loopback takes in one write: the rest goes by sendall
        assert len(ldap.search_all("2", f"(cn={big})")) == 2
        assert partial, "the request went out in one write: the fallback was not exercised"
        assert len(ldap.search_all("3", "(cn=x)")) == 3


def test_a_socket_timeout_shorter_than_the_deadline_does_not_end_the_operation_early(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from ldapber.sync import client as sync_client

    monkeypatch.setattr(sync_client, "_TIMEOUT_SLACK", 0.2)
    with server_thread(Stalling()) as info, connect(info["url"]) as ldap:
        ldap.socket.settimeout(0.15)  # kept (within the slack of 0.3 s): it expires halfway
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            ldap.search_all("1", "(cn=slow)", timeout=0.3)
        assert time.monotonic() - started >= 0.29  # read again until the deadline, not TimeoutError at 0.15 s


def test_a_server_that_goes_away_raises_connection_closed() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def accept_and_drop() -> None:
        conn, _ = listener.accept()
        conn.recv(100)
        conn.close()
    dropper = threading.Thread(target=accept_and_drop, daemon=True)
    dropper.start()
    ldap = connect(f"ldap://127.0.0.1:{port}", timeout=5)
    with pytest.raises(ConnectionClosedError, match="closed the connection"):
        ldap.search_all(BASE)
    with pytest.raises(ConnectionClosedError):
        ldap.who_am_i()
    ldap.unbind()  # harmless once closed
    dropper.join(5)
    listener.close()


def test_errors_are_the_result_error_classes() -> None:
    with server_thread(make_service()) as info, connect(info["url"]) as ldap:
        with pytest.raises(LDAPResultError) as anonymous:
            ldap.delete("uid=nobody," + PEOPLE)
        assert anonymous.value.result_code == ResultCode.STRONGER_AUTH_REQUIRED
        ldap.bind(ADMIN, ADMIN_PW)
        with pytest.raises(NoSuchObjectError) as err:
            ldap.delete("uid=nobody," + PEOPLE)
        assert err.value.result_code == ResultCode.NO_SUCH_OBJECT and err.value.matched_dn == PEOPLE


@server_starttls
def test_starttls_and_ldaps(certificate: tuple[Path, Path]) -> None:
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(*certificate)
    client_ctx = ssl.create_default_context(cafile=str(certificate[0]))
    service = make_service(starttls_available=True, require_tls=True)
    with server_thread(service, starttls_context=server_ctx, ldaps_context=server_ctx) as info:
        with connect(info["url"]) as ldap:
            with pytest.raises(LDAPResultError) as err:
                ldap.bind(ALICE, "password")
            assert err.value.result_code == ResultCode.CONFIDENTIALITY_REQUIRED
            ldap.start_tls(client_ctx, server_hostname="127.0.0.1")
            assert isinstance(ldap.socket, ssl.SSLSocket) and ldap.proto.tls_active
            ldap.bind(ALICE, "password")
            assert ldap.who_am_i() == "dn:" + ALICE
            assert len(ldap.search_all(BASE, "(objectClass=inetOrgPerson)")) == 6
        with connect(info["ldaps"], ssl_context=client_ctx) as ldaps:
            ldaps.bind(ALICE, "password")
            assert len(list(ldaps.search(BASE, "(uid=*)"))) == 6
        with pytest.raises(ssl.SSLCertVerificationError):
            connect(info["ldaps"])  # the system's CAs do not trust the throw-away certificate


def test_ldapi_carries_the_peer_credentials(tmp_path: Path) -> None:
    seen: list[tuple[int, int, int] | None] = []

    class Recorder(Stalling):
        async def handle(self, request: LDAPMessage, session: Session) -> AsyncIterator[LDAPMessage]:
            seen.append(session.peer_credentials)
            async for response in super().handle(request, session):
                yield response

    path = str(tmp_path / "ldapi")
    with server_thread(Recorder(), unix_path=path) as info:
        with connect(info["ldapi"]) as ldap:
            assert len(ldap.search_all("2", "(cn=x)")) == 2

        async def via_asyncio() -> int:
            async with await aio_client.connect(info["ldapi"]) as aldap:
                return len(await aldap.search_all("3", "(cn=x)"))
        assert asyncio.run(via_asyncio()) == 3
    assert seen == [(os.getpid(), os.getuid(), os.getgid())] * 2


@needs_slapd
def test_against_slapd_over_tcp_and_ldapi(tmp_path: Path) -> None:
    with slapd_with_sample(tmp_path) as slapd:
        with connect(slapd.url) as ldap:
            ldap.bind(ADMIN, ADMIN_PW)
            assert ldap.who_am_i() == "dn:" + ADMIN
            assert len(ldap.search_all(BASE, "(objectClass=inetOrgPerson)")) == 6
            assert sorted(e.object_name for e in ldap.paged_search(BASE, page_size=4)) == \
                sorted(e.object_name for e in ldap.search_all(BASE))
            ldap.add("uid=yan," + PEOPLE, {"objectClass": "inetOrgPerson", "uid": "yan", "cn": "Yan", "sn": "Y"})
            ldap.modify("uid=yan," + PEOPLE, [("replace", "cn", ["Yan Y"])])
            assert ldap.compare("uid=yan," + PEOPLE, "cn", "yan y")
            ldap.delete("uid=yan," + PEOPLE)
            with pytest.raises(LDAPResultError) as err:
                ldap.delete(PEOPLE)
            assert err.value.result_code == 66
        with connect(slapd.ldapi_url) as local:
            assert [e.object_name for e in local.search_all(BASE, "(uid=alice)")] == [ALICE]


def test_the_sync_client_is_the_documented_one() -> None:
    assert ldapber.sync.connect is connect and ldapber.sync.LDAPClient is LDAPClient
