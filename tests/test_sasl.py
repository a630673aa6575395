"""SASL binds (issue 20): the mechanisms on their own (RFC test vectors,
hostile messages), the client's exchange and sans-I/O rule, ldapber's
server against both ldapber clients and OpenLDAP's ldapwhoami, and
ldapber's client against slapd (EXTERNAL over ldapi:// and over a TLS
client certificate; SCRAM-SHA-256 where Cyrus SASL's plugin is installed)."""

from __future__ import annotations

import base64
import glob
import os
import shutil
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pythons import server_starttls
from slapd import ADMIN, ADMIN_PW, BASE, needs_slapd, slapd_with_sample
from test_sync_client import AioAsSync, make_service, server_thread

from ldapber import BindRequest, LDAPMessage, SearchRequest
from ldapber.directory.saslbind import peercred_dn
from ldapber.model.results import (
    AuthMethodNotSupportedError,
    ConfidentialityRequiredError,
    InsufficientAccessRightsError,
    InvalidCredentialsError,
)
from ldapber.proto import ClientConnection
from ldapber.proto.rules import LocalProtocolError
from ldapber.sasl import (
    External,
    Plain,
    SASLError,
    SASLFailure,
    ScramSHA256,
    ServerScramSHA256,
    check_password,
    saslprep,
    scram_password,
)
from ldapber.sync import connect

PEOPLE = "ou=people," + BASE
ALICE, BOB = f"uid=alice,{PEOPLE}", f"uid=bob,{PEOPLE}"
ME = peercred_dn(os.getuid(), os.getgid())


# -- the mechanisms alone --------------------------------------------------------------------
def test_scram_client_matches_rfc_7677_test_vector() -> None:
    client = ScramSHA256("user", "pencil")
    client._nonce = "rOprNGfwEbeRWgbNEkqO"
    assert client.initial_response() == b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
    final = client.respond(b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
    assert final == (b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                     b"p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")
    client.verify(b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
    forged = ScramSHA256("user", "pencil")
    forged._nonce = "rOprNGfwEbeRWgbNEkqO"
    forged.initial_response()
    forged.respond(b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
    with pytest.raises(SASLError, match="does not verify"):
        forged.verify(b"v=" + base64.b64encode(b"\0" * 32))


@pytest.mark.parametrize(("challenge", "why"), [
    (b"r=other,s=QUJD,i=4096", "does not extend"),
    (b"r=NONCEx,s=QUJD,i=1000", "iteration count"),
    (b"r=NONCEx,s=QUJD,i=99999999999", "iteration count"),
    (b"r=NONCEx,s=!!!,i=4096", "not base64"),
    (b"m=ext,r=NONCEx,s=QUJD,i=4096", "extension"),
    (b"garbage", "malformed"),
    (b"x" * 5000, "too long"),
])
def test_scram_client_refuses_a_hostile_server_first_message(challenge: bytes, why: str) -> None:
    client = ScramSHA256("user", "pencil")
    client._nonce = "NONCE"
    client.initial_response()
    with pytest.raises(SASLError, match=why):
        client.respond(challenge)


class _Accounts:
    def __init__(self, stored: bytes) -> None:
        self.stored = stored

    def find(self, authcid: str) -> tuple[str, list[bytes]] | None:
        return (ALICE, [self.stored]) if authcid in ("alice", "u:alice") else None


@pytest.mark.parametrize("stored", [b"pencil", scram_password("pencil")], ids=["cleartext", "scram-stored"])
def test_scram_server_and_client_agree_and_a_wrong_password_fails(stored: bytes) -> None:
    server, client = ServerScramSHA256(_Accounts(stored)), ScramSHA256("alice", "pencil")
    step = server.step(client.initial_response())
    assert not step.done and step.challenge
    done = server.step(client.respond(step.challenge))
    assert done.done and done.identity == ALICE
    client.verify(done.challenge)
    server, wrong = ServerScramSHA256(_Accounts(stored)), ScramSHA256("alice", "pencil!")
    step = server.step(wrong.initial_response())
    with pytest.raises(SASLFailure, match="invalid credentials") as err:
        server.step(wrong.respond(step.challenge or b""))
    assert err.value.result_code == 49


def test_scram_server_does_not_tell_which_names_exist() -> None:
    server = ServerScramSHA256(_Accounts(b"pencil"))
    first = server.step(ScramSHA256("nobody", "x").initial_response()).challenge or b""
    again = ServerScramSHA256(_Accounts(b"pencil"), secret=server.secret).step(
        ScramSHA256("nobody", "x").initial_response()).challenge or b""
    salt = [p for p in first.split(b",") if p.startswith(b"s=")]
    assert salt and salt == [p for p in again.split(b",") if p.startswith(b"s=")]  # a stable made-up salt
    client = ScramSHA256("nobody", "x")
    fresh = ServerScramSHA256(_Accounts(b"pencil"))
    step = fresh.step(client.initial_response())
    with pytest.raises(SASLFailure, match="^invalid credentials$"):
        fresh.step(client.respond(step.challenge or b""))


@pytest.mark.parametrize("message", [b"", b"n,,", b"p=tls-unique,,n=a,r=b", b"n,,n=a", b"\xff\xfe", b"n,,n=a=b,r=x"])
def test_scram_server_refuses_malformed_client_messages(message: bytes) -> None:
    with pytest.raises(SASLFailure) as err:
        ServerScramSHA256(_Accounts(b"pencil")).step(message)
    assert err.value.result_code == 49


def test_saslprep_rfc_4013_examples() -> None:
    assert saslprep("I\u00adX") == "IX" and saslprep("user") == "user" and saslprep("USER") == "USER"
    assert saslprep("\u00aa") == "a" and saslprep("\u2168") == "IX"
    for bad in ("\u0007", "\u0627\u0031"):
        with pytest.raises(SASLError):
            saslprep(bad)


def test_plain_message_and_scram_stored_passwords() -> None:
    assert Plain("bob", "pw", authzid="u:alice").initial_response() == b"u:alice\0bob\0pw"
    with pytest.raises(SASLError, match="NUL"):
        Plain("bo\0b", "pw").initial_response()
    with pytest.raises(SASLError, match="challenge"):
        External().respond(b"x")
    stored = scram_password("pencil")
    assert stored.startswith(b"{SCRAM-SHA-256}4096:") and check_password(stored, b"pencil")
    assert not check_password(stored, b"pencil2") and not check_password(b"{SCRAM-SHA-256}4096:bad", b"x")


def test_the_machine_allows_only_binds_while_a_sasl_bind_is_in_progress() -> None:
    import ldapber
    from ldapber import BindResponse, ResultCode, SaslCredentials, Scope

    proto = ClientConnection()
    mid, _ = proto.send_request(BindRequest(3, "", SaslCredentials("SCRAM-SHA-256", credentials=b"n,,n=a,r=b")))
    proto.receive(ldapber.encode(LDAPMessage(mid, BindResponse(ResultCode.SASL_BIND_IN_PROGRESS, "", "",
                                                               server_sasl_creds=b"r=bc,s=QUJD,i=4096"))))
    assert proto.sasl_in_progress
    search = SearchRequest("", Scope.BASE_OBJECT, 0, 0, 0, False, ldapber.Present("objectClass"), [])
    with pytest.raises(LocalProtocolError, match="SASL bind is in progress"):
        proto.send_request(search)
    mid, _ = proto.send_request(BindRequest(3, "", SaslCredentials("SCRAM-SHA-256", credentials=b"c=biws")))
    proto.receive(ldapber.encode(LDAPMessage(mid, BindResponse(ResultCode.INVALID_CREDENTIALS, "", ""))))
    assert not proto.sasl_in_progress
    proto.send_request(search)


# -- ldapber's server, both clients ---------------------------------------------------------
@pytest.fixture()
def sasl_server(tmp_path: Path) -> Iterator[dict[str, Any]]:
    service = make_service(external_identities={ME: ADMIN})  # this process, over ldapi://, is the administrator
    with server_thread(service, unix_path=str(tmp_path / "ldapi")) as info:
        with connect(info["url"]) as admin:
            admin.bind(ADMIN, ADMIN_PW)
            admin.modify(ALICE, [("replace", "userPassword", [scram_password("pencil")])])
            admin.add(f"uid=zoe,{PEOPLE}", {"objectClass": ["inetOrgPerson"], "uid": ["zoe"], "cn": ["Zoe"],
                                              "sn": ["C"], "userPassword": ["zoe pw"]})
        yield info


@pytest.mark.parametrize("client_kind", ["sync", "asyncio"])
def test_every_mechanism_against_the_ldapber_server(sasl_server: dict[str, Any], client_kind: str) -> None:
    def client(url: str) -> Any:
        return connect(url) if client_kind == "sync" else AioAsSync(url)

    c = client(sasl_server["ldapi"])
    try:
        c.bind_sasl(External())
        assert c.who_am_i() == "dn:" + ADMIN
    finally:
        c.close()
    for mechanism, identity in [(ScramSHA256("alice", "pencil"), ALICE), (ScramSHA256("zoe", "zoe pw"), None),
                                (Plain("u:bob", "password"), BOB), (Plain(f"dn:{ADMIN}", ADMIN_PW), ADMIN)]:
        c = client(sasl_server["url"])
        try:
            done = c.bind_sasl(mechanism)
            assert done.protocol_op.result_code == 0
            assert c.who_am_i() == "dn:" + (identity or f"uid=zoe,{PEOPLE}")
        finally:
            c.close()
    c = client(sasl_server["url"])
    try:
        with pytest.raises(InvalidCredentialsError):
            c.bind_sasl(ScramSHA256("alice", "wrong"))
        assert c.who_am_i() == ""
        with pytest.raises(InvalidCredentialsError, match="no external identity"):
            c.bind_sasl(External())  # TCP without a client certificate
        with pytest.raises(AuthMethodNotSupportedError, match="DIGEST-MD5"):
            c.bind_sasl(type("Digest", (Plain,), {"name": "DIGEST-MD5"})("a", "b"))
    finally:
        c.close()


def test_authorization_identities(sasl_server: dict[str, Any]) -> None:
    with connect(sasl_server["url"]) as c:
        with pytest.raises(InsufficientAccessRightsError, match="may not act as"):
            c.bind_sasl(Plain("bob", "password", authzid="u:alice"))
        c.bind_sasl(Plain("bob", "password", authzid=f"dn:{BOB}"))  # itself: granted
        assert c.who_am_i() == "dn:" + BOB
        c.bind_sasl(Plain(f"dn:{ADMIN}", ADMIN_PW, authzid="u:alice"))  # the administrator may
        assert c.who_am_i() == "dn:" + ALICE
        c.search_all(BASE, scope=ldapber_scope_base())  # the connection goes on after the binds


def ldapber_scope_base() -> Any:
    from ldapber import Scope

    return Scope.BASE_OBJECT


def test_root_dse_lists_mechanisms_and_plain_needs_tls_when_required(tmp_path: Path) -> None:
    with server_thread(make_service(require_tls=True, sasl_mechanisms=("PLAIN", "SCRAM-SHA-256"))) as info:
        with connect(info["url"]) as c:
            dse = c.search_all("", scope=ldapber_scope_base(), attributes=["supportedSASLMechanisms"])[0]
            assert dse["supportedSASLMechanisms"] == [b"PLAIN", b"SCRAM-SHA-256"]
            with pytest.raises(ConfidentialityRequiredError):
                c.bind_sasl(Plain("bob", "password"))
            with pytest.raises(AuthMethodNotSupportedError):
                c.bind_sasl(External())
            c.bind_sasl(ScramSHA256(f"dn:{ADMIN}", ADMIN_PW))  # SCRAM never sends the password
            assert c.who_am_i() == "dn:" + ADMIN


def test_another_mechanism_aborts_an_exchange_in_progress(sasl_server: dict[str, Any]) -> None:
    from ldapber import ResultCode, SaslCredentials

    with connect(sasl_server["url"]) as c:
        half = ScramSHA256("alice", "pencil")
        first = c.request(BindRequest(3, "", SaslCredentials("SCRAM-SHA-256", credentials=half.initial_response())))
        assert first.protocol_op.result_code == ResultCode.SASL_BIND_IN_PROGRESS
        c.bind_sasl(Plain("bob", "password"))  # aborts the SCRAM exchange and binds
        assert c.who_am_i() == "dn:" + BOB
        stale = c.request(BindRequest(3, "", SaslCredentials("SCRAM-SHA-256", credentials=half.respond(
            first.protocol_op.server_sasl_creds))))  # a client-final now starts a new exchange: refused
        assert stale.protocol_op.result_code == ResultCode.INVALID_CREDENTIALS


needs_ldapwhoami = pytest.mark.skipif(shutil.which("ldapwhoami") is None, reason="ldap-utils is not installed")
_SCRAM_PLUGIN = bool(glob.glob("/usr/lib/*/sasl2/libscram.so*") or glob.glob("/usr/lib/sasl2/libscram.so*"))
_PLAIN_PLUGIN = bool(glob.glob("/usr/lib/*/sasl2/libplain.so*") or glob.glob("/usr/lib/sasl2/libplain.so*"))


@needs_ldapwhoami
def test_openldap_ldapwhoami_binds_to_the_ldapber_server(sasl_server: dict[str, Any]) -> None:
    runs = [(["-Y", "EXTERNAL", "-H", sasl_server["ldapi"]], "dn:" + ADMIN)]
    if _SCRAM_PLUGIN:
        runs.append((["-Y", "SCRAM-SHA-256", "-U", "alice", "-w", "pencil", "-H", sasl_server["url"]], "dn:" + ALICE))
    if _PLAIN_PLUGIN:  # Cyrus refuses PLAIN without TLS unless its security properties allow it (-O none)
        runs.append((["-Y", "PLAIN", "-O", "none", "-U", "bob", "-w", "password", "-H", sasl_server["url"]],
                     "dn:" + BOB))
    for args, expected in runs:
        done = subprocess.run(["ldapwhoami", "-Q", *args], capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, (args, done.stderr)
        assert done.stdout.strip() == expected
    wrong = subprocess.run(["ldapwhoami", "-Q", "-Y", "SCRAM-SHA-256", "-U", "alice", "-w", "nope", "-H",
                            sasl_server["url"]], capture_output=True, text=True, timeout=30)
    assert wrong.returncode == 49 or not _SCRAM_PLUGIN


# -- TLS client certificates -----------------------------------------------------------------
@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, signed by it."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    d = tmp_path_factory.mktemp("pki")

    def run(*args: str) -> None:
        done = subprocess.run(["openssl", *args], capture_output=True, timeout=60, cwd=d)
        assert done.returncode == 0, done.stderr

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=ldapber test CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        "-keyout", "ca.key", "-out", "ca.pem")  # key usage: Python 3.13 verifies X.509 strictly
    (d / "server.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for name, subject, ext in [("server", "/CN=127.0.0.1", ["-extfile", "server.ext"]),
                               ("client", "/O=Example/OU=people/CN=Client One", [])]:
        run("req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", f"{name}.key", "-out", f"{name}.csr")
        run("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-days", "2", "-out", f"{name}.pem", *ext)
    for p in d.iterdir():
        p.chmod(0o644)  # slapd may run as another user
    return {n: d / f"{n}" for n in ("ca.pem", "server.pem", "server.key", "client.pem", "client.key")}


CLIENT_DN = "cn=Client One,ou=people,o=Example"


def _client_context(pki: dict[str, Path]) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(pki["ca.pem"]))
    ctx.load_cert_chain(str(pki["client.pem"]), str(pki["client.key"]))
    return ctx


@server_starttls
def test_external_over_a_tls_client_certificate_against_the_ldapber_server(pki: dict[str, Path]) -> None:
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(str(pki["server.pem"]), str(pki["server.key"]))
    server_ctx.load_verify_locations(str(pki["ca.pem"]))
    server_ctx.verify_mode = ssl.CERT_OPTIONAL
    service = make_service(starttls_available=True, external_identities={CLIENT_DN.upper(): BOB})
    with server_thread(service, ldaps_context=server_ctx, starttls_context=server_ctx) as info:
        with connect(info["ldaps"], ssl_context=_client_context(pki)) as c:
            c.bind_sasl(External())
            assert c.who_am_i() == "dn:" + BOB  # mapped (DNs compare case-insensitively)
        with connect(info["url"], ssl_context=_client_context(pki)) as c:
            c.start_tls()
            c.bind_sasl(External())
            assert c.who_am_i() == "dn:" + BOB
        plain_ctx = ssl.create_default_context(cafile=str(pki["ca.pem"]))  # no client certificate
        with connect(info["ldaps"], ssl_context=plain_ctx) as c, pytest.raises(InvalidCredentialsError):
            c.bind_sasl(External())


# -- ldapber's client against slapd ----------------------------------------------------------
@needs_slapd
def test_external_against_slapd_over_ldapi_and_a_client_certificate(tmp_path: Path, pki: dict[str, Path]) -> None:
    with slapd_with_sample(tmp_path, (pki["server.pem"], pki["server.key"]), client_ca=pki["ca.pem"]) as slapd:
        for client in (connect(slapd.ldapi_url), AioAsSync(slapd.ldapi_url)):
            try:
                client.bind_sasl(External())
                assert client.who_am_i() == "dn:" + ME
            finally:
                client.close()
        assert slapd.tls_url is not None
        with connect(slapd.tls_url, ssl_context=_client_context(pki)) as c:
            c.bind_sasl(External())
            assert c.who_am_i().lower() == "dn:" + CLIENT_DN.lower()


@needs_slapd
@pytest.mark.skipif(not _SCRAM_PLUGIN, reason="Cyrus SASL's SCRAM plugin (libsasl2-modules) is not installed")
def test_scram_against_slapd(tmp_path: Path) -> None:
    mapping = ('authz-regexp "^uid=([^,]+),cn=[^,]+,cn=auth$" "uid=$1,ou=people,dc=example,dc=com"',)
    with slapd_with_sample(tmp_path, global_lines=mapping) as slapd:
        with connect(slapd.url) as admin:
            admin.bind(ADMIN, ADMIN_PW)
            admin.modify(ALICE, [("replace", "userPassword", ["cleartext pencil"])])  # SCRAM needs the cleartext
        with connect(slapd.url) as c:
            c.bind_sasl(ScramSHA256("alice", "cleartext pencil"))
            assert c.who_am_i() == "dn:" + ALICE
        with connect(slapd.url) as c, pytest.raises(InvalidCredentialsError):
            c.bind_sasl(ScramSHA256("alice", "wrong"))


@needs_slapd
@pytest.mark.skipif(not _PLAIN_PLUGIN, reason="Cyrus SASL's PLAIN plugin (libsasl2-modules) is not installed")
def test_plain_against_slapd_over_ldapi(tmp_path: Path) -> None:
    # Cyrus refuses PLAIN on a connection without a security layer unless the
    # server's sasl-secprops allow it; over ldapi:// slapd counts the socket as local.
    lines = ('authz-regexp "^uid=([^,]+),(cn=[^,]+,)*cn=auth$" "uid=$1,ou=people,dc=example,dc=com"',
             "sasl-secprops none")
    with slapd_with_sample(tmp_path, global_lines=lines) as slapd:
        with connect(slapd.url) as admin:
            admin.bind(ADMIN, ADMIN_PW)
            admin.modify(BOB, [("replace", "userPassword", ["password"])])  # Cyrus checks PLAIN against cleartext
        with connect(slapd.ldapi_url) as c:
            c.bind_sasl(Plain("bob", "password"))
            assert c.who_am_i() == "dn:" + BOB
        with connect(slapd.ldapi_url) as c, pytest.raises(InvalidCredentialsError):
            c.bind_sasl(Plain("bob", "wrong"))


# -- the serve command -----------------------------------------------------------------------
@needs_ldapwhoami
def test_serve_maps_an_ldapi_peer_to_the_administrator(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    path = str(tmp_path / "ldapi")
    server = subprocess.Popen([sys.executable, "-m", "ldapber", "serve", "--port", str(port), "--no-cldap",
                               "--ldapi", path, "--root-dn", ADMIN, "--root-password", ADMIN_PW,
                               "--map-external", f"{ME}=>{ADMIN}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert server.stdout is not None and b"ldapber serving" in server.stdout.readline()
        url = "ldapi://" + path.replace("/", "%2F")
        done = subprocess.run(["ldapwhoami", "-Q", "-Y", "EXTERNAL", "-H", url], capture_output=True, text=True,
                              timeout=30)
        assert (done.returncode, done.stdout.strip()) == (0, "dn:" + ADMIN), done.stderr
        dse = subprocess.run(["ldapsearch", "-x", "-LLL", "-H", url, "-s", "base", "-b", "",
                              "supportedSASLMechanisms"], capture_output=True, text=True, timeout=30)
        assert "supportedSASLMechanisms: SCRAM-SHA-256" in dse.stdout
    finally:
        server.terminate()
        server.wait(10)
    bad = subprocess.run([sys.executable, "-m", "ldapber", "serve", "--port", str(port), "--sasl-mechanisms",
                          "CRAM-MD5"], capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "unknown SASL mechanisms ['CRAM-MD5']" in bad.stderr
    bad = subprocess.run([sys.executable, "-m", "ldapber", "serve", "--port", str(port), "--map-external", "x"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "expected IDENTITY=>DN" in bad.stderr
