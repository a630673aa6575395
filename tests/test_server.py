"""The directory server end to end: ldapber's client against ldapber's
server over loopback TCP, on the bundled sample directory.

Every operation, the access rules, the result codes and matchedDN of RFC
4511, controls by criticality, paged results, the rootDSE, CLDAP, StartTLS
and LDAPS with a throw-away certificate, and persistence across a restart.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from pythons import server_starttls

import ldapber
from ldapber import Control, LDAPMessage, ResultCode, Scope, SearchRequest
from ldapber.aio import LDAPServer
from ldapber.aio.client import LDAPClient, connect
from ldapber.directory.dit import Directory
from ldapber.directory.service import DirectoryService, check_password, hash_password
from ldapber.ldif import load_ldif
from ldapber.model.filters import parse_filter
from ldapber.model.results import LDAPResultError
from ldapber.tools.serve import _sample_ldif

BASE = "dc=example,dc=com"
ADMIN, ADMIN_PW = "cn=admin,dc=example,dc=com", b"secret"
ALICE = "uid=alice,ou=people,dc=example,dc=com"
BOB = "uid=bob,ou=people,dc=example,dc=com"


def make_service(data_file: Path | None = None, **kw: object) -> DirectoryService:
    from ldapber.ldif import parse_ldif
    directory = Directory(data_file=data_file)
    if data_file is not None and data_file.exists():
        directory.load_file(data_file)
    else:
        directory.load(parse_ldif(_sample_ldif()))
    return DirectoryService(directory, root_dn=ADMIN, root_password=ADMIN_PW, **kw)  # type: ignore[arg-type]


@asynccontextmanager
async def serving(service: DirectoryService, **kw: object) -> AsyncIterator[tuple[LDAPServer, int]]:
    server = LDAPServer(service, cldap_handler=service.cldap, **kw)  # type: ignore[arg-type]
    port = await server.listen_tcp("127.0.0.1", 0)
    try:
        yield server, port
    finally:
        await server.close()


def run(test: Callable[[LDAPClient], Awaitable[None]], **service_kw: object) -> None:
    async def main() -> None:
        async with serving(make_service(**service_kw)) as (_, port):
            ldap = await connect(f"ldap://127.0.0.1:{port}")
            try:
                await test(ldap)
            finally:
                await ldap.unbind()
    asyncio.run(asyncio.wait_for(main(), 60))


async def code_of(call: Awaitable[object]) -> int:
    with pytest.raises(LDAPResultError) as err:
        await call
    return err.value.result_code


def test_anonymous_reads_and_filters() -> None:
    async def t(ldap: LDAPClient) -> None:
        people = await ldap.search_all(BASE, "(objectClass=inetOrgPerson)", attributes=["uid"])
        assert len(people) == 6
        hits = await ldap.search_all(BASE, "(&(objectClass=person)(|(uid=a*)(uid=b*)))", attributes=["1.1"])
        assert {e.object_name for e in hits} == {ALICE, BOB}
        assert all(e.attributes == [] for e in hits)
        # case-insensitive attribute values and names, and the DN normalised
        (alice,) = await ldap.search_all(BASE, "(CN=ALICE ANDERSON)", attributes=["cn"])
        assert alice.object_name == ALICE
        # userPassword is not shown to anonymous readers
        (entry,) = await ldap.search_all(ALICE, scope=Scope.BASE_OBJECT)
        names = {a.type.lower() for a in entry.attributes}
        assert "userpassword" not in names and "uid" in names
    run(t)


def test_scopes_types_only_and_operational_attributes() -> None:
    async def t(ldap: LDAPClient) -> None:
        one = await ldap.search_all(BASE, scope=Scope.SINGLE_LEVEL)
        assert {e.object_name for e in one} == {"ou=people," + BASE, "ou=groups," + BASE}
        base = await ldap.search_all(BASE, scope=Scope.BASE_OBJECT)
        assert [e.object_name for e in base] == [BASE]
        (typed,) = await ldap.search_all(ALICE, scope=Scope.BASE_OBJECT, types_only=True)
        assert typed.attributes and all(a.vals == [] for a in typed.attributes)
        (ops,) = await ldap.search_all("ou=people," + BASE, scope=Scope.BASE_OBJECT, attributes=["+"])
        got = {a.type: a.vals for a in ops.attributes}
        assert got["hasSubordinates"] == [b"TRUE"] and got["entryDN"] == [b"ou=people," + BASE.encode()]
        assert "createTimestamp" in got or "entryUUID" in got or "structuralObjectClass" in got
    run(t)


def test_search_errors_carry_matched_dn() -> None:
    async def t(ldap: LDAPClient) -> None:
        with pytest.raises(LDAPResultError) as err:
            await ldap.search_all("uid=nobody,ou=people," + BASE)
        assert err.value.result_code == ResultCode.NO_SUCH_OBJECT
        assert err.value.matched_dn == "ou=people," + BASE
        done: list[LDAPMessage] = []
        entries = []
        with pytest.raises(LDAPResultError) as err:
            async for e in ldap.search(BASE, "(objectClass=person)", size_limit=2, done=done):
                entries.append(e)
        assert err.value.result_code == ResultCode.SIZE_LIMIT_EXCEEDED and len(entries) == 2
    run(t)


def test_server_limits_bind_everyone_but_the_root_dn() -> None:
    async def t(ldap: LDAPClient) -> None:
        for client_limit, server_says in ((0, "more than 3"), (2, "more than 2"), (50, "more than 3")):
            with pytest.raises(LDAPResultError) as err:  # the smaller of the two limits holds
                await ldap.search_all(BASE, size_limit=client_limit)
            assert err.value.result_code == ResultCode.SIZE_LIMIT_EXCEEDED and server_says in str(err.value)
        paged = [e async for e in ldap.paged_search(BASE, page_size=2)]
        assert len(paged) == 3  # a paged search walks at most the limit too
        await ldap.bind(ADMIN, ADMIN_PW)
        everything = await ldap.search_all(BASE)
        assert len(everything) > 3  # the root DN has no server limit, as slapd's rootdn
        assert len([e async for e in ldap.paged_search(BASE, page_size=2)]) == len(everything)
        with pytest.raises(LDAPResultError) as err:  # but its own limit holds
            await ldap.search_all(BASE, size_limit=4)
        assert "more than 4" in str(err.value)
    run(t, max_size_limit=3)


def test_root_dse_and_cldap() -> None:
    async def main() -> None:
        service = make_service()
        async with serving(service) as (server, port):
            udp = await server.listen_udp("127.0.0.1", 0)
            ldap = await connect(f"ldap://127.0.0.1:{port}")
            (dse,) = await ldap.search_all("", scope=Scope.BASE_OBJECT, attributes=["+"])
            got = {a.type: a.vals for a in dse.attributes}
            assert got["namingContexts"] == [BASE.encode()] and got["supportedLDAPVersion"] == [b"3"]
            assert b"1.2.840.113556.1.4.319" in got["supportedControl"]
            assert b"1.3.6.1.4.1.4203.1.11.3" in got["supportedExtension"]
            await ldap.unbind()
            request = LDAPMessage(1, SearchRequest("", Scope.BASE_OBJECT, 0, 0, 0, False,
                                                   parse_filter("(objectClass=*)"), ["namingContexts"]))
            reply = await asyncio.to_thread(_udp_exchange, udp, ldapber.encode(request))
            messages = ldapber.decode_all(reply)
            assert messages[0].protocol_op.attributes[0].vals == [BASE.encode()]
            assert messages[-1].protocol_op.result_code == ResultCode.SUCCESS
    asyncio.run(asyncio.wait_for(main(), 60))


def _udp_exchange(port: int, data: bytes) -> bytes:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(5)
        sock.sendto(data, ("127.0.0.1", port))
        return sock.recv(65536)


def test_binds() -> None:
    async def t(ldap: LDAPClient) -> None:
        await ldap.bind(ALICE, "password")
        assert await ldap.who_am_i() == "dn:" + ALICE
        assert await code_of(ldap.bind(ALICE, "wrong")) == ResultCode.INVALID_CREDENTIALS
        assert await ldap.who_am_i() == ""  # a failed bind leaves the connection anonymous
        assert await code_of(ldap.bind("uid=ghost," + BASE, "x")) == ResultCode.INVALID_CREDENTIALS
        assert await code_of(ldap.bind(ALICE, "")) == ResultCode.UNWILLING_TO_PERFORM  # unauthenticated bind
        msg = await ldap.request(ldapber.BindRequest(2, ALICE, ldapber.Simple(b"password")))
        assert msg.protocol_op.result_code == ResultCode.PROTOCOL_ERROR
        msg = await ldap.request(ldapber.BindRequest(3, "", ldapber.SaslCredentials("DIGEST-MD5")))
        assert msg.protocol_op.result_code == ResultCode.AUTH_METHOD_NOT_SUPPORTED
        msg = await ldap.request(ldapber.BindRequest(3, "", ldapber.SaslCredentials("EXTERNAL")))
        assert msg.protocol_op.result_code == ResultCode.INVALID_CREDENTIALS  # TCP, no client certificate
        await ldap.bind(ADMIN, ADMIN_PW)
        assert await ldap.who_am_i() == "dn:" + ADMIN
    run(t)


def test_binds_can_require_tls() -> None:
    async def t(ldap: LDAPClient) -> None:
        assert await code_of(ldap.bind(ALICE, "password")) == ResultCode.CONFIDENTIALITY_REQUIRED
        await ldap.bind()  # anonymous is still fine
    run(t, require_tls=True)


def test_writes_need_authentication_and_rights() -> None:
    async def t(ldap: LDAPClient) -> None:
        new = "uid=zed,ou=people," + BASE
        attrs = {"objectClass": ["inetOrgPerson"], "uid": ["zed"], "cn": ["Zed"], "sn": ["Zed"]}
        assert await code_of(ldap.add(new, attrs)) == ResultCode.STRONGER_AUTH_REQUIRED
        assert await code_of(ldap.delete(BOB)) == ResultCode.STRONGER_AUTH_REQUIRED
        await ldap.bind(ALICE, "password")
        assert await code_of(ldap.delete(BOB)) == ResultCode.INSUFFICIENT_ACCESS_RIGHTS
        assert await code_of(ldap.modify(BOB, [("replace", "mail", ["x@y"])])) == \
            ResultCode.INSUFFICIENT_ACCESS_RIGHTS
        assert await code_of(ldap.modify(ALICE, [("replace", "mail", ["x@y"])])) == \
            ResultCode.INSUFFICIENT_ACCESS_RIGHTS  # only the password is hers to change
        await ldap.modify(ALICE, [("replace", "userPassword", ["changed"])])
        await ldap.bind(ALICE, "changed")
    run(t)


def test_administrator_updates_and_their_result_codes() -> None:
    async def t(ldap: LDAPClient) -> None:
        await ldap.bind(ADMIN, ADMIN_PW)
        new = "uid=zed,ou=people," + BASE
        attrs = {"objectClass": ["inetOrgPerson"], "uid": ["zed"], "cn": ["Zed"], "sn": ["Zed"]}
        await ldap.add(new, attrs)
        assert await code_of(ldap.add(new, attrs)) == ResultCode.ENTRY_ALREADY_EXISTS
        with pytest.raises(LDAPResultError) as err:
            await ldap.add("uid=x,ou=nowhere," + BASE, attrs)
        assert err.value.result_code == ResultCode.NO_SUCH_OBJECT and err.value.matched_dn == BASE
        missing_sn = {"objectClass": ["person"], "cn": ["Q"]}
        assert await code_of(ldap.add("cn=Q,ou=people," + BASE, missing_sn)) == ResultCode.OBJECT_CLASS_VIOLATION
        assert await code_of(ldap.add("cn=R,ou=people," + BASE, {**attrs, "uid": ["r"], "createTimestamp": [
            "20200101000000Z"]})) == ResultCode.CONSTRAINT_VIOLATION
        # modify: add, delete, replace, and their errors
        await ldap.modify(new, [("add", "mail", ["z@example.com"]), ("replace", "telephoneNumber", ["+1 555 0100"])])
        assert await code_of(ldap.modify(new, [("add", "mail", ["Z@EXAMPLE.COM"])])) == \
            ResultCode.ATTRIBUTE_OR_VALUE_EXISTS  # caseIgnoreIA5Match
        assert await code_of(ldap.modify(new, [("delete", "description", [])])) == ResultCode.NO_SUCH_ATTRIBUTE
        assert await code_of(ldap.modify(new, [("delete", "sn", [])])) == ResultCode.OBJECT_CLASS_VIOLATION
        assert await code_of(ldap.modify(new, [("delete", "uid", [])])) == ResultCode.NOT_ALLOWED_ON_RDN
        assert await code_of(ldap.modify("uid=ghost," + BASE, [("delete", "sn", [])])) == ResultCode.NO_SUCH_OBJECT
        assert await ldap.compare(new, "telephoneNumber", "+15550100")  # telephoneNumberMatch
        assert not await ldap.compare(new, "mail", "other@example.com")
        assert await code_of(ldap.compare(new, "description", "x")) == ResultCode.NO_SUCH_ATTRIBUTE
        # modify DN, with a new superior
        await ldap.modify_dn(new, "uid=zz", new_superior="ou=groups," + BASE)
        (moved,) = await ldap.search_all("ou=groups," + BASE, "(uid=zz)", attributes=["uid"])
        assert moved.object_name == "uid=zz,ou=groups," + BASE and moved.attributes[0].vals == [b"zz"]
        assert await code_of(ldap.modify_dn(ALICE, "uid=bob")) == ResultCode.ENTRY_ALREADY_EXISTS
        assert await code_of(ldap.delete("ou=people," + BASE)) == ResultCode.NOT_ALLOWED_ON_NON_LEAF
        await ldap.delete("uid=zz,ou=groups," + BASE)
        assert await code_of(ldap.delete("uid=zz,ou=groups," + BASE)) == ResultCode.NO_SUCH_OBJECT
    run(t)


def test_controls_by_criticality_and_unknown_extended_operations() -> None:
    async def t(ldap: LDAPClient) -> None:
        unknown = Control("1.2.3.4.5", criticality=True)
        assert await code_of(ldap.search_all(BASE, controls=[unknown])) == ResultCode.UNAVAILABLE_CRITICAL_EXTENSION
        ignored = Control("1.2.3.4.5", criticality=False)
        assert len(await ldap.search_all(BASE, "(uid=alice)", controls=[ignored])) == 1
        assert await code_of(ldap.extended("1.2.3.4.6")) == ResultCode.PROTOCOL_ERROR
    run(t)


def test_paged_search_returns_every_entry_once() -> None:
    async def t(ldap: LDAPClient) -> None:
        names = [e.object_name async for e in ldap.paged_search(BASE, "(objectClass=*)", page_size=3)]
        assert len(names) == 10 == len(set(names))
    run(t)


def test_password_modify() -> None:
    async def t(ldap: LDAPClient) -> None:
        assert await code_of(ldap.password_modify(None, "password", "new")) == ResultCode.UNWILLING_TO_PERFORM
        await ldap.bind(BOB, "password")
        assert await code_of(ldap.password_modify(None, "wrong", "new")) == ResultCode.UNWILLING_TO_PERFORM
        assert await code_of(ldap.password_modify(ALICE, "password", "x")) == ResultCode.INSUFFICIENT_ACCESS_RIGHTS
        assert await ldap.password_modify(None, "password", "new") is None
        await ldap.bind(BOB, "new")
        assert await ldap.password_modify(None, None, "newer") is None  # as itself: no old password needed
        await ldap.bind(BOB, "newer")
        await ldap.bind(ADMIN, ADMIN_PW)
        generated = await ldap.password_modify(ALICE)
        assert generated
        await ldap.bind(ALICE, generated)
    run(t)


def test_passwords_hash_and_check() -> None:
    hashed = hash_password(b"pw", b"salt1234")
    assert hashed.startswith(b"{SSHA}") and check_password(hashed, b"pw") and not check_password(hashed, b"px")
    assert check_password(b"plain", b"plain") and not check_password(b"{SSHA}!!!", b"x")


def test_writes_are_on_disk_before_the_response_and_survive_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data.ldif"

    async def main() -> None:
        async with serving(make_service(data)) as (_, port):
            ldap = await connect(f"ldap://127.0.0.1:{port}")
            await ldap.bind(ADMIN, ADMIN_PW)
            await ldap.modify(ALICE, [("replace", "description", ["written"])])
            # acknowledged means on disk already
            on_disk = {r.dn: dict(r.attributes) for r in load_ldif(data)}  # type: ignore[union-attr]
            assert on_disk[ALICE]["description"] == [b"written"]
            await ldap.delete("uid=erin,ou=people," + BASE)
            await ldap.unbind()
        async with serving(make_service(data)) as (_, port):  # a restart
            ldap = await connect(f"ldap://127.0.0.1:{port}")
            (alice,) = await ldap.search_all(ALICE, scope=Scope.BASE_OBJECT, attributes=["description"])
            assert alice.attributes[0].vals == [b"written"]
            assert await ldap.search_all(BASE, "(uid=erin)") == []
            await ldap.unbind()
        assert not [p for p in tmp_path.iterdir() if p.name != "data.ldif"]  # no temporary files left
    asyncio.run(asyncio.wait_for(main(), 60))


@server_starttls
def test_starttls_and_ldaps(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    client_ctx = ssl.create_default_context(cafile=str(cert))

    async def main() -> None:
        service = make_service(starttls_available=True, require_tls=True)
        async with serving(service, starttls_context=server_ctx) as (server, port):
            ldap = await connect(f"ldap://127.0.0.1:{port}")
            await ldap.start_tls(client_ctx, server_hostname="127.0.0.1")
            assert ldap.transport is not None and ldap.transport.get_extra_info("ssl_object") is not None
            await ldap.bind(ALICE, "password")  # allowed now that TLS is on
            assert len(await ldap.search_all(BASE, "(uid=bob)")) == 1
            await ldap.unbind()
            tls_port = await server.listen_tcp("127.0.0.1", 0, ssl_context=server_ctx)
            ldaps = await connect(f"ldaps://127.0.0.1:{tls_port}", ssl_context=client_ctx)
            await ldaps.bind(ALICE, "password")
            assert await ldaps.who_am_i() == "dn:" + ALICE
            await ldaps.unbind()
    asyncio.run(asyncio.wait_for(main(), 60))




def test_ldap3_as_a_third_party_client() -> None:
    import ldap3

    async def main() -> None:
        async with serving(make_service()) as (_, port):
            def use_ldap3() -> None:
                server = ldap3.Server("127.0.0.1", port=port, get_info=ldap3.ALL)
                conn = ldap3.Connection(server, ADMIN, ADMIN_PW.decode(), auto_bind=True)
                assert conn.search(BASE, "(&(objectClass=inetOrgPerson)(cn=*smith*))", attributes=["cn", "mail"])
                assert [str(e.entry_dn) for e in conn.entries] == ["uid=jsmith,ou=people," + BASE]
                assert BASE in server.info.naming_contexts
                new = "uid=l3,ou=people," + BASE
                assert conn.add(new, ["inetOrgPerson"], {"uid": "l3", "cn": "L Three", "sn": "Three"})
                assert conn.modify(new, {"mail": [(ldap3.MODIFY_ADD, ["l3@example.com"])]})
                assert conn.compare(new, "mail", "l3@example.com")
                assert conn.modify_dn(new, "uid=l4")
                assert conn.delete("uid=l4,ou=people," + BASE)
                assert not conn.delete("ou=people," + BASE) and conn.result["result"] == 66
                assert conn.extend.standard.who_am_i() == "dn:" + ADMIN
                entries = conn.extend.standard.paged_search(BASE, "(objectClass=*)", paged_size=3, generator=False)
                assert len(entries) == 10
                conn.unbind()
            await asyncio.to_thread(use_ldap3)
    asyncio.run(asyncio.wait_for(main(), 60))


def test_two_hundred_concurrent_clients_get_correct_answers() -> None:
    async def client(port: int, i: int) -> None:
        ldap = await connect(f"ldap://127.0.0.1:{port}")
        try:
            uid = ["alice", "bob", "carol", "dave", "erin", "jsmith"][i % 6]
            if i % 3 == 0:
                await ldap.bind(f"uid={uid},ou=people," + BASE, "password")
                assert await ldap.who_am_i() == f"dn:uid={uid},ou=people," + BASE
            (entry,) = await ldap.search_all(BASE, f"(uid={uid})", attributes=["uid"])
            assert entry.attributes[0].vals == [uid.encode()]
            assert await ldap.compare(f"uid={uid},ou=people," + BASE, "uid", uid)
            if i % 5 == 0:
                await ldap.bind(ADMIN, ADMIN_PW)
                dn = f"cn=client{i},ou=groups," + BASE
                await ldap.add(dn, {"objectClass": ["groupOfNames"], "cn": [f"client{i}"], "member": [ALICE]})
                await ldap.delete(dn)
            assert len(await ldap.search_all("ou=people," + BASE, scope=Scope.SINGLE_LEVEL)) == 6
        finally:
            await ldap.unbind()

    async def main() -> None:
        async with serving(make_service()) as (server, port):
            await asyncio.gather(*(client(port, i) for i in range(200)))
            for _ in range(100):  # every connection ends
                if server.connection_count == 0:
                    break
                await asyncio.sleep(0.02)
            assert server.connection_count == 0
    asyncio.run(asyncio.wait_for(main(), 120))


def test_serve_explains_a_port_it_cannot_bind() -> None:
    import sys

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = subprocess.run([sys.executable, "-m", "ldapber", "serve", "--host", "127.0.0.1", "--port", str(port)],
                             capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in out.stderr and "try another --port" in out.stderr


def test_time_limit_of_a_search(monkeypatch: pytest.MonkeyPatch) -> None:
    from ldapber.aio import Session
    from ldapber.directory import service as service_module

    service = make_service()
    request = LDAPMessage(3, SearchRequest(BASE, Scope.WHOLE_SUBTREE, 0, 0, 1, False,
                                           parse_filter("(objectClass=*)"), ["1.1"]))
    within = list(service.handle(request, Session(peer="test")))
    assert len(within) == 11 and within[-1].protocol_op.result_code == ResultCode.SUCCESS
    clock = iter(range(0, 1000, 2))  # every look at the clock is two seconds later
    monkeypatch.setattr(service_module.time, "monotonic", lambda: next(clock))
    late = list(service.handle(request, Session(peer="test")))
    assert late[-1].protocol_op.result_code == ResultCode.TIME_LIMIT_EXCEEDED


def test_entries_go_out_as_stored_encodings_that_follow_every_change() -> None:
    from ldapber.aio import Session
    from ldapber.proto import EncodedResponse
    from ldapber.proto.server import envelope

    service = make_service()
    admin = Session(peer="test", bound_dn=ADMIN)

    def answers(attributes: list[str], session: Session = admin, base: str = ALICE) -> list[object]:
        request = LDAPMessage(7, SearchRequest(base, Scope.BASE_OBJECT, 0, 0, 0, False,
                                               parse_filter("(objectClass=*)"), attributes))
        out: list[object] = []
        for reply in service.handle(request, session):
            if isinstance(reply, EncodedResponse):
                out += [("EncodedResponse", ldapber.decode(envelope(reply.message_id, op))) for op in reply.ops]
            else:
                out.append(("LDAPMessage", reply))
        return out

    user_types = sorted({a.type for a in answers(["*"])[0][1].protocol_op.attributes})  # type: ignore[index,union-attr]
    stored, built = answers([]), answers(user_types)
    assert [kind for kind, _ in stored] == ["EncodedResponse", "LDAPMessage"]  # the entry from its stored bytes
    assert [kind for kind, _ in built] == ["LDAPMessage", "LDAPMessage"]  # a selection is built per request
    assert stored[0][1] == built[0][1] and "userPassword" in user_types  # type: ignore[index]
    anonymous = answers([], Session(peer="test"))  # userPassword hidden: built, not stored
    assert anonymous[0][0] == "LDAPMessage" and "userPassword" not in {
        a.type for a in anonymous[0][1].protocol_op.attributes}  # type: ignore[index,union-attr]
    list(service.handle(LDAPMessage(8, ldapber.ModifyRequest(ALICE, [ldapber.Change(
        ldapber.Operation.REPLACE, ldapber.PartialAttribute("mail", [b"alice@example.org"]))])), admin))
    mail = [a.vals for a in answers([])[0][1].protocol_op.attributes if a.type == "mail"]  # type: ignore[index,union-attr]
    assert mail == [[b"alice@example.org"]]  # the stored bytes were rebuilt after the change
    list(service.handle(LDAPMessage(9, ldapber.ModifyDNRequest(ALICE, "uid=alice2", True)), admin))
    moved = answers([], base="uid=alice2,ou=people,dc=example,dc=com")
    assert moved[0][1].protocol_op.object_name == "uid=alice2,ou=people,dc=example,dc=com"  # type: ignore[index,union-attr]


def test_serve_reads_its_options_from_a_config_file_and_the_command_line_wins(tmp_path: Path) -> None:
    import sys

    from ldapber.sync import connect as connect_sync

    def serve(*extra: str) -> tuple[subprocess.Popen[str], int]:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        proc = subprocess.Popen([sys.executable, "-m", "ldapber", "serve", "--config", str(config), "--port",
                                 str(port), *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stdout is not None and "ldapber serving" in proc.stdout.readline()
        return proc, port

    config = tmp_path / "serve.ini"
    config.write_text("[serve]\nhost = 127.0.0.1\nsize-limit = 2\nno-cldap = true\nroot-dn = cn=admin,dc=example,dc=com\n")
    for extra, expected in (((), 2), (("--size-limit", "0"), 6)):
        proc, port = serve(*extra)
        try:
            with connect_sync(f"ldap://127.0.0.1:{port}", timeout=10) as ldap:
                got, code = [], ResultCode.SUCCESS
                try:
                    for entry in ldap.search(BASE, "(objectClass=inetOrgPerson)"):
                        got.append(entry)
                except LDAPResultError as err:
                    code = err.result_code
                assert len(got) == expected
                assert code == (ResultCode.SIZE_LIMIT_EXCEEDED if expected == 2 else ResultCode.SUCCESS)
        finally:
            proc.terminate()
            proc.wait(10)
    config.write_text("[serve]\nsize-limt = 2\n")
    bad = subprocess.run([sys.executable, "-m", "ldapber", "serve", "--config", str(config)], capture_output=True,
                         text=True, timeout=60)
    assert bad.returncode != 0 and "unknown option 'size-limt'" in bad.stderr


def test_serve_defaults_are_safe(tmp_path: Path) -> None:
    """Loopback unless --host says otherwise; the root password from a file or the environment; a
    warning when simple binds would cross the network in clear text."""
    import argparse

    from ldapber.tools import serve as serve_tool

    ap = argparse.ArgumentParser()
    serve_tool.add_arguments(ap)
    assert ap.parse_args([]).host == "127.0.0.1"
    secret = tmp_path / "pw"
    secret.write_text("from-file\n")
    assert serve_tool.root_password(ap.parse_args(["--root-password-file", str(secret)])) == b"from-file"
    import os
    os.environ["LDAPBER_ROOT_PASSWORD"] = "from-env"
    try:
        assert serve_tool.root_password(ap.parse_args(["--root-password", "cli"])) == b"from-env"
    finally:
        del os.environ["LDAPBER_ROOT_PASSWORD"]
    assert serve_tool.root_password(ap.parse_args(["--root-password", "cli"])) == b"cli"
    assert serve_tool.cleartext_warning(ap.parse_args([])) is None
    assert serve_tool.cleartext_warning(ap.parse_args(["--host", "::1"])) is None
    warning = serve_tool.cleartext_warning(ap.parse_args(["--host", "0.0.0.0"]))
    assert warning and "--require-tls" in warning
    assert serve_tool.cleartext_warning(ap.parse_args(["--host", "0.0.0.0", "--require-tls"])) is None


def test_a_full_server_keeps_a_reserve_for_the_operator_and_caps_each_address(tmp_path: Path) -> None:
    from ldapber.aio import ServerLimits

    async def main() -> None:
        limits = ServerLimits(max_connections=2, reserve=2, max_per_address=5)
        async with serving(make_service(), limits=limits) as (server, port):
            url = f"ldap://127.0.0.1:{port}"
            users = [await connect(url) for _ in range(2)]  # the server is full
            for user in users:
                assert len(await user.search_all(BASE, "(uid=bob)")) == 1
            stranger = await connect(url)  # admitted into the reserve: must bind as the root DN
            with pytest.raises((LDAPResultError, ConnectionError)):
                await stranger.bind(ALICE, "password")
                await stranger.search_all(BASE, "(uid=bob)")
            assert any(n.protocol_op.result_code == ResultCode.BUSY for n in stranger.notices)  # type: ignore[union-attr]
            await stranger.close()
            for _ in range(100):  # the server closes its side of the refused connection
                if server.connection_count == 2:
                    break
                await asyncio.sleep(0.01)
            operator = await connect(url)
            await operator.bind(ADMIN, ADMIN_PW)
            assert len(await operator.search_all(BASE, "(objectClass=inetOrgPerson)")) == 6  # in, and working
            path = str(tmp_path / "ldapi")
            await server.listen_unix(path)
            local = await connect("ldapi://" + path.replace("/", "%2F"))  # ldapi:// is let in when full
            assert len(await local.search_all(BASE, "(uid=bob)")) == 1
            await local.unbind()
            await operator.unbind()
            for user in users:
                await user.unbind()
        limits = ServerLimits(max_connections=100, max_per_address=3)
        async with serving(make_service(), limits=limits) as (server, port):
            url = f"ldap://127.0.0.1:{port}"
            mine = [await connect(url) for _ in range(3)]
            extra = await connect(url)
            with pytest.raises(ConnectionError):
                await extra.search_all(BASE, "(uid=bob)")
            assert "from this address" in extra.notices[0].protocol_op.diagnostic_message  # type: ignore[union-attr]
            await extra.close()
            for ldap in mine:
                await ldap.unbind()
    asyncio.run(asyncio.wait_for(main(), 60))


_CLOSE_WHILE_CLOSING = """
import asyncio, socket, sys
sys.path.insert(0, {root!r})
from ldapber.aio import LDAPServer
from ldapber.directory.dit import Directory
from ldapber.directory.service import DirectoryService

async def main() -> None:
    for _ in range(20):
        server = LDAPServer(DirectoryService(Directory()))
        port = await server.listen_tcp("127.0.0.1", 0)
        socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(6)]
        await asyncio.sleep(0.02)
        for s in socks[1:]:
            s.close()  # the connections start closing ...
        for _ in range(3):
            await asyncio.sleep(0)
        await server.close()  # ... while the server closes (and cancels the one still open)
        socks[0].close()
    print("done")

# As an embedding application may: run, then close the loop, with no sweep of
# leftover tasks (asyncio.run would cancel them and hide the defect).
loop = asyncio.new_event_loop()
loop.run_until_complete(main())
loop.close()
"""


def test_closing_the_server_waits_for_connections_that_are_closing() -> None:
    """close() waits for every connection task, those in their last steps
    included (a connection that had left the count, still closing its
    socket): the loop then closes with no 'Task was destroyed but it is pending',
    and one cancelled while open ends without asyncio logging an error."""
    code = _CLOSE_WHILE_CLOSING.format(root=str(Path(__file__).resolve().parent.parent))
    out = subprocess.run([sys.executable, "-X", "dev", "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "done", out.stderr[-2000:]
    for noise in ("Task was destroyed", "never awaited", "Exception in callback"):
        assert noise not in out.stderr, out.stderr[-2000:]
