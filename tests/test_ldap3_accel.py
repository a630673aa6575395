"""ldapber.integrations.ldap3: ldap3 gives the same results with and without it.

A differential suite against a real OpenLDAP slapd (started here, with the
sample directory, TLS, the sssvlv overlay for server-side sort, a referral
object and 3,000 more entries): every scenario runs once with ldap3 plain and
once accelerated, on fresh connections, and what ldap3 returns, leaves on the
connection (``result``, ``response``, ``entries``) or raises is compared
exactly: types, key order and the insides of ldap3's CaseInsensitiveDict
included.  Then PDU-level differentials for what slapd does not send
(intermediate responses, DirSync, referrals in bind responses, latin-1
DNs...), the routing (ldap3's fast decoder and pyasn1's encoder are not
called while installed), uninstall() and the fallbacks.
"""

from __future__ import annotations

import gc
import logging
import ssl
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from slapd import ADMIN, ADMIN_PW, BASE, needs_slapd, slapd_with_sample

ldap3 = pytest.importorskip("ldap3")

import ldapber  # noqa: E402
from ldapber import (  # noqa: E402
    BindResponse,
    Control,
    ExtendedResponse,
    IntermediateResponse,
    LDAPMessage,
    PartialAttribute,
    SearchResultDone,
    SearchResultEntry,
    SearchResultReference,
    SortKey,
)
from ldapber.controls import SortRequest  # noqa: E402
from ldapber.integrations import ldap3 as accel  # noqa: E402
from ldapber.integrations._framing import FallbackFramer  # noqa: E402
from ldapber.integrations._ldap3_dicts import Converter  # noqa: E402
from ldapber.integrations._ldap3_requests import encode_request  # noqa: E402

pytestmark = needs_slapd

from ldap3.core.exceptions import LDAPCommunicationError, LDAPException, LDAPSocketOpenError  # noqa: E402
from ldap3.utils.ciDict import CaseInsensitiveDict  # noqa: E402

PEOPLE = f"ou=people,{BASE}"
BULK = f"ou=bulk,{BASE}"
ALICE = f"uid=alice,{PEOPLE}"
BULK_ENTRIES = 3000
STRATEGIES = ("SYNC", "SAFE_SYNC", "RESTARTABLE", "ASYNC")
TIMEOUT = 30


# -- the server -------------------------------------------------------------------------
def _bulk_ldif(n: int) -> str:
    lines = [f"dn: {BULK}", "objectClass: organizationalUnit", "ou: bulk", ""]
    for i in range(n):
        lines += [f"dn: uid=b{i:05d},{BULK}", "objectClass: inetOrgPerson", f"uid: b{i:05d}", f"cn: Bulk {i}",
                  f"sn: S{i % 97}", f"mail: b{i:05d}@example.com", f"description: bulk entry {i} " + "x" * (i % 50),
                  ""]
    lines += [f"dn: cn=elsewhere,{BASE}", "objectClass: referral", "objectClass: extensibleObject", "cn: elsewhere",
              "ref: ldap://ldap.invalid/ou=far,dc=example,dc=com", ""]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def slapd(tmp_path_factory: pytest.TempPathFactory, certificate: tuple[Path, Path]) -> Iterator[Any]:
    folder = tmp_path_factory.mktemp("slapd-ldap3")
    with slapd_with_sample(folder, certificate, overlays=("sssvlv",)) as server:
        ldif = folder / "bulk.ldif"
        ldif.write_text(_bulk_ldif(BULK_ENTRIES), encoding="utf-8")
        added = subprocess.run(["ldapadd", "-x", "-H", server.url, "-D", ADMIN, "-w", ADMIN_PW, "-f", str(ldif)],
                               capture_output=True, text=True, timeout=120)
        assert added.returncode == 0, added.stderr
        yield server


@pytest.fixture
def plain() -> Iterator[None]:
    """ldap3 as it ships: the accelerator uninstalled around the test."""
    was = accel.installed()
    accel.uninstall()
    yield
    if was:
        accel.install()


# -- running a scenario twice -----------------------------------------------------------------
def canon(x: Any) -> Any:
    """A comparable form that keeps types, key order and CaseInsensitiveDict's insides."""
    if isinstance(x, CaseInsensitiveDict):
        return ("CID", [(canon(k), canon(v)) for k, v in x._store.items()], sorted(x._case_insensitive_keymap.items()))
    if isinstance(x, dict):
        return ("dict", [(canon(k), canon(v)) for k, v in x.items()])
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [canon(v) for v in x])
    return (type(x).__name__, repr(x))


def described(exc: BaseException) -> tuple[Any, ...]:
    return (type(exc).__name__, [c.__name__ for c in type(exc).__mro__[:4]], str(exc),
            *(canon(getattr(exc, a, None)) for a in ("result", "description", "message", "dn", "type")))


class Session:
    """Fresh ldap3 objects for one run of a scenario, and what they gave."""

    def __init__(self, server: Any, strategy: str) -> None:
        self.server = server
        self.strategy = strategy
        self.seen: list[Any] = []
        self.connections: list[Any] = []

    def connect(self, user: str | None = ADMIN, password: str | None = ADMIN_PW, *, url: str | None = None,
                bind: bool = True, get_info: Any = None, **options: Any) -> Any:
        host, port = (url or self.server.url).rsplit(":", 1)
        secure = host.startswith("ldaps")
        strategy = options.pop("strategy", self.strategy)
        if strategy != "ASYNC":  # ldap3's ASYNC receiver spins on a closed socket when it has a receive timeout
            options.setdefault("receive_timeout", TIMEOUT)
        for attempt in range(3):
            # A new Server each time: ldap3 marks an address it failed to open as unavailable.
            server = ldap3.Server(host.split("//")[1], port=int(port), use_ssl=secure,
                                  tls=ldap3.Tls(validate=ssl.CERT_NONE),
                                  get_info=ldap3.NONE if get_info is None else get_info)
            conn = ldap3.Connection(server, user, password, client_strategy=getattr(ldap3, strategy), **options)
            self.connections.append(conn)
            try:
                conn.open()
                break
            except LDAPSocketOpenError:
                # slapd now and then drops a TLS handshake that arrives while it still tears down the
                # previous session ("UNEXPECTED_EOF_WHILE_READING"), plain ldap3 or accelerated alike:
                # opening is the setup, not a step compared, so it is tried again (bounded).
                if not secure or attempt == 2:
                    raise
                time.sleep(0.2)
        if bind:
            self.record("bind", conn, conn.bind)
        return conn

    def run(self, what: str, conn: Any, method: str, *args: Any, **kw: Any) -> Any:
        """``conn.method(*args)``, recorded; for ASYNC, with its get_response."""
        return self.record(what, conn, lambda: getattr(conn, method)(*args, **kw))

    def record(self, what: str, conn: Any, call: Callable[[], Any]) -> Any:
        try:
            returned = call()
            if not conn.strategy.sync and isinstance(returned, int) and not isinstance(returned, bool):
                response, result = conn.get_response(returned, timeout=TIMEOUT)
                self.seen.append((what, "async", canon(response), canon(result), canon(conn.request)))
                return response
        except LDAPException as exc:
            self.seen.append((what, "raised", described(exc), canon(conn.result), conn.last_error, canon(conn.request)))
            return None
        if conn.strategy.thread_safe and isinstance(returned, tuple):
            status, result, response, request = returned
            self.seen.append((what, "safe", canon(status), canon(result), canon(response), canon(request)))
            return response
        entries = [(e.entry_dn, canon(e.entry_raw_attributes), canon(e.entry_attributes_as_dict))
                   for e in conn.entries] if conn.response and what.startswith("search") and len(conn.response) < 50 else []
        self.seen.append((what, canon(returned), canon(conn.result), canon(conn.response), entries, canon(conn.request)))
        return conn.response

    def close(self) -> None:
        for conn in self.connections:
            try:
                conn.unbind()
            except LDAPException:
                pass


def _lost_connection(seen: list[Any]) -> bool:
    """Whether a recorded step raised one of ldap3's lost-connection errors
    (``described``: the class names of its first four bases)."""
    return any(len(step) > 2 and step[1] == "raised" and LDAPCommunicationError.__name__ in step[2][1]
               for step in seen)


def _scenario_run(slapd: Any, scenario: Callable[[Session], None], strategy: str, *,
                  accelerated: bool) -> tuple[list[Any], AssertionError | None]:
    """What one run of ``scenario`` recorded, and the assertion it failed, if any."""
    if accelerated:
        assert accel.install()
    else:
        accel.uninstall()
    session = Session(slapd, strategy)
    try:
        scenario(session)
    except AssertionError as exc:
        return session.seen, exc
    finally:
        session.close()
        accel.uninstall()
    return session.seen, None


def differential(slapd: Any, scenario: Callable[[Session], None], strategy: str = "SYNC") -> list[Any]:
    """What ``scenario`` saw with ldap3 plain and accelerated: asserted equal; returned."""
    plain_run, failed = _scenario_run(slapd, scenario, strategy, accelerated=False)
    if failed is not None and _lost_connection(plain_run):
        # Plain ldap3 (the reference) now and then loses its socket in the
        # middle of a large search (LDAPSocketOpenError, session terminated:
        # seen at 1 run in 15 of this file, before and after ldapber changes):
        # that run is made again once; the accelerated one never is.
        plain_run, failed = _scenario_run(slapd, scenario, strategy, accelerated=False)
    if failed is None:
        fast_run, failed = _scenario_run(slapd, scenario, strategy, accelerated=True)
    if failed is not None:
        raise failed
    assert len(plain_run) == len(fast_run)
    for step, (a, b) in enumerate(zip(plain_run, fast_run, strict=True)):
        assert a == b, f"step {step} ({a[0]}) differs"
    assert plain_run, "the scenario recorded nothing"
    return plain_run


# -- scenarios over slapd ------------------------------------------------------------------------
def binds(s: Session) -> None:
    s.connect()
    s.connect(None, None)  # anonymous
    s.connect(ALICE, "wrong")  # invalid credentials
    s.connect(ALICE, "wrong", raise_exceptions=True)
    s.connect(f"uid=nobody,{PEOPLE}", "x", raise_exceptions=True)
    conn = s.connect(ALICE, "password")
    s.run("rebind", conn, "rebind", ADMIN, ADMIN_PW)


def searches(s: Session) -> None:
    conn = s.connect()
    for scope in (ldap3.BASE, ldap3.LEVEL, ldap3.SUBTREE):
        s.run("search scope", conn, "search", PEOPLE, "(objectClass=*)", scope, attributes=ldap3.ALL_ATTRIBUTES)
    s.run("search ops", conn, "search", ALICE, "(objectClass=*)", ldap3.BASE, attributes=["*", "+"])
    s.run("search filters", conn, "search", BASE, "(&(|(uid=a*)(cn=*o*))(!(uid=bob))(mail=*))", ldap3.SUBTREE,
          attributes=["uid", "cn", "mail", "nonexistent"])
    s.run("search types only", conn, "search", PEOPLE, "(uid=*)", ldap3.LEVEL, attributes=["cn", "mail"],
          types_only=True)
    s.run("search no attrs", conn, "search", PEOPLE, "(uid=*)", ldap3.LEVEL, attributes=ldap3.NO_ATTRIBUTES)
    s.run("search none", conn, "search", PEOPLE, "(uid=zzz*)", ldap3.SUBTREE)
    s.run("search no such object", conn, "search", f"ou=missing,{BASE}", "(objectClass=*)")
    s.run("search size limit", conn, "search", BULK, "(uid=*)", ldap3.LEVEL, size_limit=3)
    s.run("search extensible", conn, "search", BASE, "(ou:dn:=people)", ldap3.SUBTREE, attributes=["ou"])
    strict = s.connect(raise_exceptions=True)
    s.run("search no such object, raising", strict, "search", f"ou=missing,{BASE}", "(objectClass=*)")
    s.run("search size limit, raising", strict, "search", BULK, "(uid=*)", ldap3.LEVEL, size_limit=3)
    schema = s.connect(get_info=ldap3.ALL)  # values formatted per the server's schema
    s.run("search schema", schema, "search", PEOPLE, "(objectClass=*)", ldap3.SUBTREE, attributes=["*", "+"])
    s.seen.append(("schema info", canon(schema.server.info.naming_contexts if schema.server.info else None)))
    unchecked = s.connect(check_names=False)
    s.run("search unchecked", unchecked, "search", PEOPLE, "(objectClass=*)", ldap3.SUBTREE, attributes=["*"])


def writes(s: Session) -> None:
    conn = s.connect()
    dn, moved = f"cn=Tmp Person,{PEOPLE}", f"cn=Tmp Moved,ou=groups,{BASE}"
    s.run("add", conn, "add", dn, ["inetOrgPerson"], {"sn": "Tmp", "mail": ["t1@example.com", "t2@example.com"],
                                                       "description": "caf\u00e9 \u00fcber", "employeeNumber": "7"})
    s.run("add again", conn, "add", dn, ["inetOrgPerson"], {"sn": "Tmp"})
    s.run("modify", conn, "modify", dn, {"mail": [(ldap3.MODIFY_ADD, ["t3@example.com"])],
                                         "description": [(ldap3.MODIFY_REPLACE, ["replaced"])],
                                         "employeeNumber": [(ldap3.MODIFY_DELETE, [])]})
    s.run("modify read controls", conn, "modify", dn, {"sn": [(ldap3.MODIFY_REPLACE, ["Tmp2"])]},
          controls=[("1.3.6.1.1.13.1", True, _read_control(["sn", "mail"])),
                    ("1.3.6.1.1.13.2", True, _read_control(["sn"]))])
    s.run("modify missing attribute", conn, "modify", dn, {"telephoneNumber": [(ldap3.MODIFY_DELETE, ["1"])]})
    s.run("compare true", conn, "compare", dn, "sn", "Tmp2")
    s.run("compare false", conn, "compare", dn, "sn", "nope")
    s.run("compare missing", conn, "compare", f"cn=none,{PEOPLE}", "sn", "x")
    s.run("modify_dn rename", conn, "modify_dn", dn, "cn=Tmp Renamed")
    s.run("modify_dn move", conn, "modify_dn", f"cn=Tmp Renamed,{PEOPLE}", "cn=Tmp Moved", new_superior=f"ou=groups,{BASE}")
    s.run("read moved", conn, "search", moved, "(objectClass=*)", ldap3.BASE, attributes=["cn", "sn", "mail"])
    s.run("delete non-leaf", conn, "delete", PEOPLE)
    s.run("delete", conn, "delete", moved)
    s.run("delete again", conn, "delete", moved)
    anonymous = s.connect(None, None)
    s.run("add anonymous", anonymous, "add", f"cn=x,{PEOPLE}", ["person"], {"sn": "x"})
    strict = s.connect(raise_exceptions=True)
    s.run("delete missing, raising", strict, "delete", moved)


def _read_control(attributes: list[str]) -> bytes:
    # AttributeSelection (RFC 4527 request value): a SEQUENCE OF LDAPString
    return ldapber.encode_value(attributes, "AttributeSelection")


def extended(s: Session) -> None:
    conn = s.connect()
    s.record("who am i", conn, conn.extend.standard.who_am_i)
    s.record("who am i anonymous", s.connect(None, None), s.connections[-1].extend.standard.who_am_i)
    s.record("password modify", conn, lambda: conn.extend.standard.modify_password(ALICE, None, "password"))
    s.record("password modify missing", conn,
             lambda: conn.extend.standard.modify_password(f"uid=nobody,{PEOPLE}", None, "x"))
    alice = s.connect(ALICE, "password")
    s.record("password modify self", alice, lambda: alice.extend.standard.modify_password(None, "password", "password"))
    s.run("unknown extended", conn, "extended", "1.3.6.1.4.1.99999.1", b"\x04\x00")


def paged(s: Session) -> None:
    conn = s.connect()
    cookie: Any = None
    for _ in range(20):  # bounded: 7 entries under people in pages of 3
        got = s.run("paged page", conn, "search", PEOPLE, "(objectClass=*)", ldap3.SUBTREE, attributes=["uid"],
                    paged_size=3, paged_cookie=cookie)
        result = conn.result if conn.strategy.sync else None
        if result is None:
            break
        cookie = result["controls"]["1.2.840.113556.1.4.319"]["value"]["cookie"]
        if not cookie:
            break
    else:
        raise AssertionError("paging did not end")
    assert got is not None
    if conn.strategy.sync and not conn.strategy.thread_safe:
        pages = list(conn.extend.standard.paged_search(BULK, "(uid=*)", ldap3.LEVEL, attributes=["uid", "cn"],
                                                       paged_size=700, generator=True))
        s.seen.append(("paged_search generator", len(pages), canon(pages[:3]), canon(pages[-3:])))


def sorted_search(s: Session) -> None:
    conn = s.connect()
    order = "2.5.13.3"  # caseIgnoreOrderingMatch: sn and uid have no ORDERING rule of their own
    value = SortRequest([SortKey("sn", ordering_rule=order, reverse_order=True),
                         SortKey("uid", ordering_rule=order)]).to_control().control_value
    s.run("sorted", conn, "search", PEOPLE, "(uid=*)", ldap3.LEVEL, attributes=["uid", "sn"],
          controls=[("1.2.840.113556.1.4.473", True, value)])
    bad = SortRequest([SortKey("sn", ordering_rule="2.5.13.9999")]).to_control().control_value
    s.run("sorted bad rule", conn, "search", PEOPLE, "(uid=*)", ldap3.LEVEL, attributes=["uid"],
          controls=[("1.2.840.113556.1.4.473", True, bad)])


def referrals(s: Session) -> None:
    conn = s.connect(auto_referrals=False)
    s.run("search with reference", conn, "search", BASE, "(cn=*)", ldap3.SUBTREE, attributes=["cn"])
    s.run("referral result", conn, "search", f"cn=elsewhere,{BASE}", "(objectClass=*)", ldap3.BASE)
    s.run("referral manageDsaIT", conn, "search", f"cn=elsewhere,{BASE}", "(objectClass=*)", ldap3.BASE,
          attributes=["ref", "cn"], controls=[("2.16.840.1.113730.3.4.2", False, None)])
    s.run("modify referral", conn, "modify", f"cn=x,cn=elsewhere,{BASE}", {"sn": [(ldap3.MODIFY_REPLACE, ["x"])]})


def tls(s: Session) -> None:
    # StartTLS on SYNC only: ldap3's ASYNC StartTLS races with its own receiver
    # thread (plain ldap3 fails it now and then: a decode of TLS bytes, or no response).
    if s.strategy != "ASYNC":
        conn = s.connect(bind=False)
        s.record("start_tls", conn, conn.start_tls)
        s.record("bind after start_tls", conn, conn.bind)
        s.run("search over start_tls", conn, "search", PEOPLE, "(uid=*)", ldap3.LEVEL, attributes=["uid", "mail"])
    secure = s.connect(url=s.server.tls_url)
    s.run("search over ldaps", secure, "search", PEOPLE, "(uid=*)", ldap3.LEVEL, attributes=["*"])


def abandon(s: Session) -> None:
    conn = s.connect()
    s.record("abandon unknown id", conn, lambda: conn.abandon(4242))
    s.run("search after abandon", conn, "search", ALICE, "(objectClass=*)", ldap3.BASE, attributes=["uid"])


def big(s: Session) -> None:
    conn = s.connect()
    response = s.run("search bulk", conn, "search", BULK, "(objectClass=inetOrgPerson)", ldap3.LEVEL,
                     attributes=ldap3.ALL_ATTRIBUTES)
    assert response is not None and len(response) == BULK_ENTRIES


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("scenario", [binds, searches, writes, extended, paged, abandon], ids=lambda f: f.__name__)
def test_differential(slapd: Any, strategy: str, scenario: Callable[[Session], None]) -> None:
    seen = differential(slapd, scenario, strategy)
    assert any(step[1] != "raised" for step in seen)


@pytest.mark.parametrize("strategy", ["SYNC", "ASYNC"])
@pytest.mark.parametrize("scenario", [sorted_search, referrals, tls, big], ids=lambda f: f.__name__)
def test_differential_more(slapd: Any, strategy: str, scenario: Callable[[Session], None]) -> None:
    differential(slapd, scenario, strategy)


def test_sort_and_read_controls_come_back(slapd: Any) -> None:
    """The controls of the differential are real: slapd sorts (sssvlv) and
    answers pre-/post-read, and the accelerated ldap3 reads them."""
    s = Session(slapd, "SYNC")
    with accel.accelerated():
        try:
            conn = s.connect()
            order = "2.5.13.3"
            value = SortRequest([SortKey("sn", ordering_rule=order, reverse_order=True)]).to_control().control_value
            assert conn.search(PEOPLE, "(uid=*)", ldap3.LEVEL, attributes=["sn"],
                               controls=[("1.2.840.113556.1.4.473", True, value)])
            assert conn.result["controls"]["1.2.840.113556.1.4.474"]["value"] == b"0\x03\n\x01\x00"  # success
            sns = [e["attributes"]["sn"][0] for e in conn.response]
            assert len(sns) > 3 and sns == sorted(sns, key=str.lower, reverse=True)
            writes(s)
        finally:
            s.close()
    read = [step for step in s.seen if step[0] == "modify read controls"][0]
    assert "1.3.6.1.1.13.1" in repr(read[2]) and "'Tmp2'" in repr(read[2]) and "'Tmp'" in repr(read[2])


def test_fast_decoder_off_is_identical_too(slapd: Any) -> None:
    def scenario(s: Session) -> None:
        conn = s.connect(fast_decoder=False)
        s.run("search pyasn1", conn, "search", PEOPLE, "(objectClass=*)", ldap3.SUBTREE, attributes=["*"])
        s.run("compare pyasn1", conn, "compare", ALICE, "uid", "alice")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        differential(slapd, scenario)
    assert any("fast_decoder=False" in str(w.message) for w in caught) or "fast_decoder=False" in repr(accel._warned)


def test_sasl_external_over_ldapi(slapd: Any) -> None:
    def scenario(s: Session) -> None:
        server = ldap3.Server(slapd.ldapi_url, get_info=ldap3.NONE)
        conn = ldap3.Connection(server, authentication=ldap3.SASL, sasl_mechanism=ldap3.EXTERNAL,
                                sasl_credentials=None)
        s.connections.append(conn)
        conn.open()
        s.record("sasl bind", conn, conn.bind)
        s.record("who am i", conn, conn.extend.standard.who_am_i)

    seen = differential(slapd, scenario)
    assert seen[0][0] == "sasl bind" and "'result'" in repr(seen[0][2])  # slapd answered (saslBindInProgress here)


# -- routing, uninstall, global state --------------------------------------------------------------
def _count_calls(codes: set[Any], work: Callable[[], None]) -> int:
    calls = 0

    def profiler(frame: Any, event: str, arg: Any) -> None:
        nonlocal calls
        if event == "call" and frame.f_code in codes:
            calls += 1

    sys.setprofile(profiler)
    threading.setprofile(profiler)
    try:
        work()
    finally:
        sys.setprofile(None)
        threading.setprofile(None)  # type: ignore[arg-type]
    return calls


@pytest.mark.parametrize("strategy", ["SYNC", "ASYNC"])
def test_install_routes_through_ldapber(slapd: Any, strategy: str) -> None:
    """While installed, ldap3's fast decoder, its dict builders and pyasn1's
    encoder are never called; without it they are (so the check can fail)."""
    from ldap3.strategy.base import BaseStrategy
    from ldap3.utils import asn1
    from pyasn1.codec.ber.encoder import Encoder

    codes = {asn1.decode_message_fast.__code__, BaseStrategy.decode_response_fast.__code__,
             Encoder.__call__.__code__}

    def work() -> None:
        s = Session(slapd, strategy)
        try:
            conn = s.connect()
            s.run("search", conn, "search", PEOPLE, "(uid=*)", ldap3.SUBTREE, attributes=["*"])
            s.run("compare", conn, "compare", ALICE, "uid", "alice")
        finally:
            s.close()

    accel.uninstall()
    assert _count_calls(codes, work) > 0
    with accel.accelerated():
        assert _count_calls(codes, work) == 0


@pytest.mark.parametrize("collecting", [True, False])
def test_searches_skip_pyasn1_and_leave_the_collector_as_found(slapd: Any, collecting: bool) -> None:
    """A search builds no pyasn1 filter, and the collector, paused while a
    read's responses are converted, is as the caller left it afterwards."""
    from ldap3.operation import search

    def work() -> None:
        s = Session(slapd, "SYNC")
        try:
            conn = s.connect()
            s.run("search", conn, "search", PEOPLE, "(&(uid=*)(!(cn=x*)))", ldap3.SUBTREE, attributes=["*"])
            assert conn.response and gc.isenabled() is collecting
        finally:
            s.close()

    was = gc.isenabled()
    (gc.enable if collecting else gc.disable)()
    try:
        accel.uninstall()
        assert _count_calls({search.compile_filter.__code__}, work) > 0
        with accel.accelerated():
            assert _count_calls({search.compile_filter.__code__}, work) == 0
    finally:
        (gc.enable if was else gc.disable)()


def _patched_attributes() -> dict[tuple[Any, str], Any]:
    from ldap3.core import connection
    from ldap3.strategy import asynchronous, base, sync

    owners = [base.BaseStrategy, sync.SyncStrategy, asynchronous.AsyncStrategy,
              asynchronous.AsyncStrategy.ReceiverSocketThread, connection.Connection, connection]
    return {(owner, name): value for owner in owners for name, value in vars(owner).items()}


def test_uninstall_restores_everything() -> None:
    accel.uninstall()
    before = _patched_attributes()
    state = (logging.getLogger().level, logging.getLogger("ldap3").level, list(logging.getLogger().handlers),
             gc.isenabled(), gc.get_threshold(), sys.getrecursionlimit(), threading.stack_size(),
             {p: ldap3.get_config_parameter(p) for p in ("SOCKET_SIZE", "CASE_INSENSITIVE_ATTRIBUTE_NAMES",
                                                          "DEFAULT_SERVER_ENCODING", "RESPONSE_WAITING_TIMEOUT")})
    assert accel.install() and accel.installed()
    during = _patched_attributes()
    changed = {key for key in before if during.get(key) is not before[key]}
    assert changed == {(key[0], key[1]) for key in accel._originals}, changed
    assert len(changed) == 6
    assert accel.install()  # twice is once
    assert accel.uninstall() and not accel.installed()
    assert not accel.uninstall()
    after = _patched_attributes()
    assert after.keys() == before.keys() and all(after[k] is before[k] for k in before)
    assert state == (logging.getLogger().level, logging.getLogger("ldap3").level, list(logging.getLogger().handlers),
                     gc.isenabled(), gc.get_threshold(), sys.getrecursionlimit(), threading.stack_size(),
                     {p: ldap3.get_config_parameter(p) for p in state[-1]})
    with accel.accelerated() as done:
        assert done and accel.installed()
    assert not accel.installed()


def test_an_unsupported_version_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    accel.uninstall()
    monkeypatch.setattr(ldap3, "__version__", "2.10.0")
    monkeypatch.setattr(accel, "_warned", set())
    with pytest.warns(accel.Ldap3AcceleratorWarning, match="outside the tested range"):
        assert accel.install() is False
    assert not accel.installed()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert accel.install() is False  # warned once only


def test_network_logging_falls_back(slapd: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """With ldap3's logging at NETWORK detail, ldap3's own receive loop runs (warned once)."""
    from ldap3.utils import log as ldap3_log

    def scenario(s: Session) -> None:
        conn = s.connect()
        s.run("search logged", conn, "search", ALICE, "(objectClass=*)", ldap3.BASE, attributes=["uid"])

    monkeypatch.setattr(accel, "_warned", set())
    level = ldap3_log._detail_level
    logger = logging.getLogger("ldap3")
    old = logger.level, logger.propagate
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    ldap3_log.set_library_log_detail_level(ldap3_log.NETWORK)
    try:
        with pytest.warns(accel.Ldap3AcceleratorWarning, match="NETWORK"):
            differential(slapd, scenario)
    finally:
        ldap3_log.set_library_log_detail_level(level)
        logger.setLevel(old[0])
        logger.propagate = old[1]


def test_mock_strategy_untouched() -> None:
    def run() -> Any:
        server = ldap3.Server("mock", get_info=ldap3.NONE)
        conn = ldap3.Connection(server, "cn=u,o=t", "p", client_strategy=ldap3.MOCK_SYNC)
        conn.strategy.add_entry("cn=u,o=t", {"userPassword": "p", "sn": "u"})
        conn.bind()
        conn.search("o=t", "(sn=u)", attributes=["sn"])
        return canon(conn.response), canon(conn.result)

    accel.uninstall()
    want = run()
    with accel.accelerated():
        assert run() == want
    assert want[0][1]  # it found the entry


# -- PDU-level differentials: what slapd does not send ------------------------------------------------
def _fast_decoder_dict(conn: Any, pdu: bytes) -> tuple[str, Any]:
    from ldap3.utils.asn1 import decode_message_fast

    try:
        message = decode_message_fast(pdu)
        return "ok", canon((message["messageID"], conn.strategy.decode_response_fast(message)))
    except Exception as exc:  # noqa: BLE001  # ldap3's own failure is part of what must match
        return "raised", (type(exc).__name__, str(exc))


def _accelerated_dict(conn: Any, pdus: list[bytes]) -> list[tuple[str, Any]]:
    from ldap3.strategy.base import BaseStrategy

    from ldapber.integrations.ldap3 import _decode

    framer = FallbackFramer(BaseStrategy.compute_ldap_message_size)
    out = []
    wire = b"".join(pdus)
    for i in range(0, len(wire), 7):  # in odd chunks: framing across boundaries
        framer.feed(wire[i:i + 7])
        for message, offset, length in framer.frames():
            try:
                out.append(("ok", canon(_decode(conn.strategy, Converter(conn), message, framer, offset, length))))
            except Exception as exc:  # noqa: BLE001
                out.append(("raised", (type(exc).__name__, str(exc))))
    assert framer.buffered == 0
    return out


def _pdus() -> list[bytes]:
    enc = ldapber.encode
    paged = ldapber.encode_value(ldapber.RealSearchControlValue(0, b"\x01\x02"))
    entry_value = enc(LDAPMessage(1, SearchResultEntry("cn=x", [PartialAttribute("sn", [b"v1"])])))[2 + 3:]
    pdus = [
        enc(LDAPMessage(3, IntermediateResponse(response_name="1.3.6.1.4.1.4203.1.9.1.4", response_value=b"\x01"))),
        enc(LDAPMessage(3, IntermediateResponse(response_value=b"only value"))),
        enc(LDAPMessage(3, IntermediateResponse())),
        enc(LDAPMessage(4, ExtendedResponse(0, "", "", response_name="1.3.6.1.4.1.4203.1.11.3",
                                            response_value=b"dn:cn=x"))),
        enc(LDAPMessage(4, ExtendedResponse(2, "", "bad", response_name="1.2.3"))),
        enc(LDAPMessage(4, ExtendedResponse(0, "", "", referral=["ldap://h/"]))),  # ldap3's fast decoder fails
        enc(LDAPMessage(0, ExtendedResponse(52, "", "bye", response_name="1.3.6.1.4.1.1466.20036"))),
        enc(LDAPMessage(5, BindResponse(14, "", "", server_sasl_creds=b"challenge"))),
        enc(LDAPMessage(5, BindResponse(10, "", "", referral=["ldap://h/"]))),
        enc(LDAPMessage(5, BindResponse(0, "NTLMSSP", "x"))),
        enc(LDAPMessage(6, SearchResultDone(10, "dc=x", "see", referral=["ldap://a/", "ldap://b/dc=x"]))),
        enc(LDAPMessage(6, SearchResultDone(4242, "", ""))),  # a result code ldap3 does not know
        enc(LDAPMessage(6, SearchResultReference(["ldap://a/dc=x??sub", "ldap://b/"]))),
        enc(LDAPMessage(7, SearchResultEntry("cn=Caf\u00e9,dc=x", [
            PartialAttribute("cn", [b"Caf\xc3\xa9", b"\xff\xfe"]), PartialAttribute("CN", [b"dup"]),
            PartialAttribute("jpegPhoto", [b"\x89PNG\x00"]), PartialAttribute("empty", []),
            PartialAttribute("objectClass", [b"top"])]))),
        enc(LDAPMessage(7, SearchResultDone(0, "", ""), controls=[
            Control("1.2.840.113556.1.4.319", control_value=paged),
            Control("1.3.6.1.1.13.2", criticality=True, control_value=entry_value),
            Control("1.2.840.113556.1.4.474", control_value=b"\x30\x03\x0a\x01\x00"),
            Control("1.2.3.4", criticality=True)])),
        enc(LDAPMessage(7, SearchResultDone(0, "", ""), controls=[Control("1.2.840.113556.1.4.841",
                                                                          control_value=b"\x30\x08\x02\x01\x01\x02\x01\x00\x04\x00")])),
    ]
    latin1 = bytearray(enc(LDAPMessage(8, SearchResultEntry("cn=Ren\u00e9", [PartialAttribute("cn", [b"x"])]))))
    at = latin1.index("Ren\u00e9".encode())
    latin1[at:at + 5] = b"Ren\xe9 "  # a latin-1 DN (AD), same length
    pdus.append(bytes(latin1))
    # a control with its criticality FALSE written out (a DEFAULT value: ldapber leaves the PDU to ldap3)
    pdus.append(bytes.fromhex("301c0201096507" "0a01000400" "0400" "a00e300c0407312e322e332e34010100"))
    pdus.append(bytes.fromhex("3084000000100201096584000000070a0100040004 00".replace(" ", "")))  # long-form lengths
    pdus.append(bytes.fromhex("300d0202000965070a010004000400"))  # a non-minimal message ID
    return pdus


def test_pdu_differential() -> None:
    """Each PDU through ldap3's fast decoder and through the accelerator's
    framer and conversion, in 7-byte chunks: the same dicts, or the same error."""
    conn = ldap3.Connection(ldap3.Server("127.0.0.1", get_info=ldap3.NONE))
    pdus = _pdus()
    want = [_fast_decoder_dict(conn, pdu) for pdu in pdus]
    got = _accelerated_dict(conn, pdus)
    assert len(got) == len(want) == len(pdus)
    for i, (a, b) in enumerate(zip(want, got, strict=True)):
        assert a == b, f"PDU {i}: {pdus[i].hex()}"
    assert sum(1 for w in want if w[0] == "raised") >= 2  # ldap3's own failures are reproduced too


def test_requests_encode_as_pyasn1_does() -> None:
    """The requests ldap3 builds, encoded by ldapber: pyasn1's bytes exactly."""
    from ldap3.operation import abandon, add, bind, compare, delete, extended, modify, modifyDn, search, unbind
    from ldap3.protocol.convert import build_controls_list
    from ldap3.protocol.rfc4511 import LDAPMessage as Pyasn1Message
    from ldap3.protocol.rfc4511 import MessageID, ProtocolOp
    from ldap3.utils.asn1 import encode

    ops = [
        ("bindRequest", bind.bind_operation(3, ldap3.SIMPLE, ADMIN, ADMIN_PW)),
        ("bindRequest", bind.bind_operation(3, ldap3.ANONYMOUS, None, None)),
        ("bindRequest", bind.bind_operation(3, ldap3.SASL, None, None, ldap3.EXTERNAL, None)),
        ("searchRequest", search.search_operation(BASE, "(&(|(cn=a*b*c)(sn>=x)(sn<=y)(cn~=z))(!(uid=*))(o:dn:2.5.13.2:=v)"
                                                        "(:caseExactMatch:=w))", ldap3.SUBTREE,
                                                  ldap3.DEREF_ALWAYS, ["cn", "+"], 10, 5, True, True, True, None, None,
                                                  False)),
        ("addRequest", add.add_operation(ALICE, {"objectClass": ["top", "person"], "sn": "x", "cn": [b"\xff"]}, True)),
        ("modifyRequest", modify.modify_operation(ALICE, {"sn": [(ldap3.MODIFY_REPLACE, ["a", "b"])],
                                                          "cn": [(ldap3.MODIFY_DELETE, [])],
                                                          "uidNumber": [(ldap3.MODIFY_INCREMENT, [1])]}, True)),
        ("delRequest", delete.delete_operation(ALICE)),
        ("modDNRequest", modifyDn.modify_dn_operation(ALICE, "uid=a", True, PEOPLE)),
        ("modDNRequest", modifyDn.modify_dn_operation(ALICE, "uid=a", False, None)),
        ("compareRequest", compare.compare_operation(ALICE, "uid", "alice", True)),
        ("abandonRequest", abandon.abandon_operation(7)),
        ("extendedReq", extended.extended_operation("1.3.6.1.4.1.4203.1.11.3", None)),
        ("extendedReq", extended.extended_operation("1.3.6.1.4.1.4203.1.11.1", b"\x30\x00", no_encode=True)),
        ("unbindRequest", unbind.unbind_operation()),
    ]
    controls = build_controls_list([("1.2.840.113556.1.4.319", True, b"\x30\x05\x02\x01\x03\x04\x00"),
                                    ("2.16.840.1.113730.3.4.2", False, None)])
    for i, (kind, request) in enumerate(ops):
        for with_controls in (False, True):
            message = Pyasn1Message()
            message["messageID"] = MessageID(i + 1)
            message["protocolOp"] = ProtocolOp().setComponentByName(kind, request)
            if with_controls:
                message["controls"] = controls
            assert encode_request(message) == encode(message), kind


def test_digest_md5_signing_is_left_to_ldap3() -> None:
    """Requests ldap3 signs (DIGEST-MD5 integrity, once its client key is set)
    go through ldap3's own code: the sending and search paths ask one check."""
    from types import SimpleNamespace

    from ldapber.integrations._ldap3_requests import signs_requests

    keyed = SimpleNamespace(sasl_mechanism=ldap3.DIGEST_MD5, _digest_md5_kic=b"key", _digest_md5_kis=b"key")
    assert signs_requests(keyed) and "DIGEST-MD5" in (accel.fallback_reason(keyed) or "")
    assert not signs_requests(SimpleNamespace(sasl_mechanism=ldap3.DIGEST_MD5, _digest_md5_kic=None))
    assert not signs_requests(SimpleNamespace(sasl_mechanism=ldap3.EXTERNAL, _digest_md5_kic=b"key"))
    assert not signs_requests(SimpleNamespace(sasl_mechanism=None))
