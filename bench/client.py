"""LDAP clients against slapd: ``python -m bench.client [--quick | --smoke]``.

Starts its own slapd (mdb backend, a temporary directory, a free loopback
port) loaded offline with ``slapadd`` with N inetOrgPerson entries under
``ou=people,dc=example,dc=com`` (N = 10,000; 200 in smoke mode), each with
nine attribute types and twelve values (objectClass x4, uid, cn, sn,
givenName, mail, telephoneNumber, description, employeeNumber), and times
the same work with each client, bound as the rootdn:

``search10k``   one subtree search of ou=people returning all N entries,
                every user attribute, into the client's Python objects
``pipelined``   base-scope reads of distinct entries, ``window`` of them
                outstanding on one connection (a sliding window)
``sequential``  base-scope reads of distinct entries one after the other on
                one connection
``memory``      resident memory added by the N-entry search, the result held
                (RSS from /proc/self/statm after minus before), each client
                in a fresh interpreter; ``memory-peak`` is the peak RSS over
                the same search (VmHWM, reset through /proc/self/clear_refs
                just before it) minus the RSS before; ``memory-read`` the RSS
                added once every value has been read through the client's
                documented attributes (ldapber's decoders keep a lone value
                bare until its list is first read)

Clients: ldapber's asyncio client (``ldapber.aio.client``; on uvloop's event
loop as ``ldapber-uvloop``, where uvloop is installed) and its blocking
one (``ldapber.sync``, ``ldapber-sync``: no pipelining), python-ldap
(libldap), ldap3 (pure Python, SYNC strategy; ASYNC for pipelining), the
same ldap3 calls with ldapber's accelerator installed (``ldap3-ldapber``) and
bonsai (libldap; its asyncio connection for pipelining); and, for the
sequential path only, ``asyncio-floor`` (:mod:`bench.floor`): not a client
but the least any asyncio client on the stock loop does per read
(pre-encoded requests, no decoding in the timed span), the headroom there
is for a client's LDAP work.  A client that is
not installed or fails is skipped, with the reason.  Connecting and binding
are outside the timing, and so is checking the result: every client must
return exactly the expected DNs, each with every attribute and value slapd
holds.  Rounds interleave the clients (their order rotating each round) and
each path is repeated: the report gives the median and the spread.  The
garbage collector is left at its defaults.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import gc
import json
import os
import random
import reprlib
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .figures import Section, Series, Skipped
from .floor import AsyncioFloorSession
from .server import ADMIN, ADMIN_PW, BASE, ROOT, free_port, slapadd_available, start_slapd, stop

PEOPLE = f"ou=people,{BASE}"
FILTER = "(objectClass=inetOrgPerson)"
#: Seconds any one LDAP operation (or a whole search) may take before the client gives up.
TIMEOUT = 120.0
#: The contenders, in report order; python-ldap is the one ratios are taken against.
CLIENTS = ("ldapber", "ldapber-uvloop", "ldapber-sync", "python-ldap", "ldap3", "ldap3-ldapber", "bonsai",
           "asyncio-floor")
REFERENCE = "python-ldap"
#: Seconds bonsai's asyncio connection gets to answer two outstanding reads before it counts as unable to pipeline.
BONSAI_PROBE = 2.0
PATHS = ("search10k", "pipelined", "sequential")
#: Which Python distribution each client is (for its version).
DISTRIBUTIONS = {"ldapber": "ldapber", "ldapber-uvloop": "uvloop", "ldapber-sync": "ldapber", "python-ldap": "python-ldap", "ldap3": "ldap3",
                 "ldap3-ldapber": "ldap3", "bonsai": "bonsai", "asyncio-floor": "ldapber"}


@dataclass(frozen=True)
class Mode:
    entries: int
    rounds: int
    warmup: int  # untimed rounds first
    pipelined: int  # operations
    window: int  # outstanding at once
    sequential: int
    memory_rounds: int


MODES = {
    "full": Mode(10_000, 7, 1, 2_000, 500, 2_000, 3),
    "quick": Mode(10_000, 3, 1, 2_000, 500, 2_000, 1),
    "smoke": Mode(200, 1, 0, 100, 20, 50, 1),
}

# -- the directory ------------------------------------------------------------------
_GIVEN = ("Ada", "Bruno", "Chen", "Dana", "Emil", "Farah", "Goran", "Hana", "Ivo", "June", "Kofi", "Lena")
_FAMILY = ("Anders", "Baker", "Castro", "Dubois", "Evans", "Fischer", "Garcia", "Haddad", "Ito", "Jensen",
           "Kowalski", "Larsen", "Moreau")


def person(i: int) -> tuple[str, list[tuple[str, list[str]]]]:
    """Entry ``i`` of the benchmark directory: its DN and attributes (types
    and values in the order slapd stores and returns them)."""
    uid = f"user{i:05d}"
    given, family = _GIVEN[i % len(_GIVEN)], _FAMILY[i % len(_FAMILY)]
    return f"uid={uid},{PEOPLE}", [
        ("objectClass", ["top", "person", "organizationalPerson", "inetOrgPerson"]),
        ("uid", [uid]),
        ("cn", [f"{given} {family}"]),
        ("sn", [family]),
        ("givenName", [given]),
        ("mail", [f"{uid}@example.com"]),
        ("telephoneNumber", [f"+1 555 {i // 10_000:03d} {i % 10_000:04d}"]),
        ("description", [f"Benchmark user {i} of the LDAP client comparison"]),
        ("employeeNumber", [str(100_000 + i)]),
    ]


def write_ldif(path: Path, n: int) -> None:
    """The suffix, ou=people and ``n`` people, for slapadd."""
    lines = [f"dn: {BASE}", "objectClass: top", "objectClass: dcObject", "objectClass: organization",
             "dc: example", "o: Example Corp", "", f"dn: {PEOPLE}", "objectClass: top",
             "objectClass: organizationalUnit", "ou: people", ""]
    for i in range(n):
        dn, attrs = person(i)
        lines.append(f"dn: {dn}")
        lines += [f"{t}: {v}" for t, vals in attrs for v in vals]
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


Normal = dict[str, list[bytes]]


def _as_bytes(v: object) -> bytes:
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v)
    return str(v).encode()  # str; bonsai hands back numeric strings as int


def normal(attrs: Sequence[tuple[str, Sequence[object]]]) -> Normal:
    """Attributes in one comparable form: lower-case type -> sorted values as bytes."""
    return {t.lower(): sorted(_as_bytes(v) for v in vals) for t, vals in attrs}


def expected(i: int) -> tuple[str, Normal]:
    dn, attrs = person(i)
    return dn.lower(), normal(attrs)


def check_entries(got: list[tuple[str, Normal]], want: list[int], *, ordered: bool) -> None:
    """``got`` holds entries ``want`` exactly (in that order if ``ordered``),
    every attribute and value included; AssertionError says what differs."""
    assert len(got) == len(want), f"{len(got)} entries, expected {len(want)}"
    pairs = [expected(i) for i in want]
    if not ordered:
        got, pairs = sorted(got, key=lambda e: e[0]), sorted(pairs, key=lambda e: e[0])
    for (dn, attrs), (want_dn, want_attrs) in zip(got, pairs, strict=True):
        assert dn.lower() == want_dn, f"DN {dn!r}, expected {want_dn!r}"
        assert attrs == want_attrs, f"{dn}: attributes {reprlib.repr(attrs)}, expected {reprlib.repr(want_attrs)}"


# -- the clients ----------------------------------------------------------------------
@dataclass(frozen=True)
class Timed:
    """Seconds a timed span took: ``wall`` (perf_counter) and ``cpu``, this
    process's CPU time (every thread: libldap's work and ldap3's receiver
    included) over the same span: the client's own cost, which a busy
    machine or a slow server lengthens less than the wall time."""

    wall: float
    cpu: float


def clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def since(started: tuple[float, float]) -> Timed:
    wall, cpu = time.perf_counter(), time.process_time()
    return Timed(wall - started[0], cpu - started[1])


# Each session connects and binds when made (untimed); search / pipelined /
# sequential time only the operations and return (seconds, raw result);
# entries() turns a raw result into [(dn, Normal)], outside the timing.
def sliding_window(dns: Sequence[str], window: int, start: Callable[[str], Any],
                   finish: Callable[[Any], Any]) -> list[Any]:
    """Pipelining for clients with a message-ID API: at most ``window``
    requests (``start(dn)`` -> an ID) outstanding, each result taken with
    ``finish(id)`` oldest first; the results in the order of ``dns``."""
    out: list[Any] = [None] * len(dns)
    pending: collections.deque[tuple[int, Any]] = collections.deque()
    for i, dn in enumerate(dns):
        if len(pending) >= window:
            j, msgid = pending.popleft()
            out[j] = finish(msgid)
        pending.append((i, start(dn)))
    while pending:
        j, msgid = pending.popleft()
        out[j] = finish(msgid)
    return out


class Unsupported(Exception):
    """This client cannot do this path (the reason is the message)."""


class LdapberSession:
    """ldapber's asyncio client, on an event loop of its own."""

    name = "ldapber"

    def __init__(self, url: str) -> None:
        try:
            from ldapber.aio import connect  # type: ignore[attr-defined]
        except ImportError:  # ldapber.aio does not re-export it (yet)
            from ldapber.aio.client import connect
        from ldapber import Scope

        self.scope = Scope.BASE_OBJECT
        self.loop = self.new_loop()
        try:
            self.ldap = self.loop.run_until_complete(self._open(connect, url))
        except BaseException:
            self.loop.close()
            raise

    @staticmethod
    def new_loop() -> asyncio.AbstractEventLoop:
        return asyncio.new_event_loop()

    @staticmethod
    async def _open(connect: Callable[..., Any], url: str) -> Any:
        ldap = await connect(url, timeout=TIMEOUT)
        try:
            await ldap.bind(ADMIN, ADMIN_PW)
        except BaseException:
            await ldap.close()
            raise
        return ldap

    def search(self, base: str, flt: str) -> tuple[Timed, Any]:
        async def run() -> tuple[Timed, Any]:
            started = clock()
            entries = await self.ldap.search_all(base, flt)
            return since(started), entries

        return self.loop.run_until_complete(run())

    def pipelined(self, dns: Sequence[str], window: int) -> tuple[Timed, list[Any]]:
        async def run() -> tuple[Timed, list[Any]]:
            out: list[Any] = [None] * len(dns)
            todo = iter(range(len(dns)))  # shared: each worker takes the next index when its read is done

            async def worker() -> None:
                for i in todo:
                    out[i] = await self.ldap.search_all(dns[i], scope=self.scope)

            started = clock()
            await asyncio.gather(*(worker() for _ in range(min(window, len(dns)))))
            return since(started), out

        return self.loop.run_until_complete(run())

    def sequential(self, dns: Sequence[str]) -> tuple[Timed, list[Any]]:
        async def run() -> tuple[Timed, list[Any]]:
            out = []
            started = clock()
            for dn in dns:
                out.append(await self.ldap.search_all(dn, scope=self.scope))
            return since(started), out

        return self.loop.run_until_complete(run())

    @staticmethod
    def entries(raw: Any) -> list[tuple[str, Normal]]:
        return [(e.object_name, normal([(a.type, a.vals) for a in e.attributes])) for e in raw]

    @staticmethod
    def read_all(raw: Any) -> int:
        """Read every value once through the documented attributes (what a
        caller that uses the whole result does); the number of values."""
        return sum(1 for e in raw for a in e.attributes for v in a.vals)

    def close(self) -> None:
        try:
            self.loop.run_until_complete(asyncio.wait_for(self.ldap.unbind(), 10))
        finally:
            self.loop.close()


class LdapberUvloopSession(LdapberSession):
    """The same asyncio client on uvloop's event loop (the ``uvloop`` extra):
    what the stock loop's own cost per read and write is, next to it."""

    name = "ldapber-uvloop"

    @staticmethod
    def new_loop() -> asyncio.AbstractEventLoop:
        import uvloop

        return uvloop.new_event_loop()


class LdapberSyncSession:
    """ldapber's blocking client (``ldapber.sync``): one operation at a time."""

    name = "ldapber-sync"

    def __init__(self, url: str) -> None:
        from ldapber import Scope
        from ldapber.sync import connect

        self.scope = Scope.BASE_OBJECT
        self.ldap = connect(url, timeout=TIMEOUT)
        try:
            self.ldap.bind(ADMIN, ADMIN_PW)
        except BaseException:
            self.ldap.close()
            raise

    def search(self, base: str, flt: str) -> tuple[Timed, Any]:
        started = clock()
        entries = self.ldap.search_all(base, flt)
        return since(started), entries

    def pipelined(self, dns: Sequence[str], window: int) -> tuple[Timed, list[Any]]:
        raise Unsupported("the blocking client runs one operation at a time (the asyncio client pipelines)")

    def sequential(self, dns: Sequence[str]) -> tuple[Timed, list[Any]]:
        search_all, scope = self.ldap.search_all, self.scope
        started = clock()
        out = [search_all(dn, scope=scope) for dn in dns]
        return since(started), out

    entries = staticmethod(LdapberSession.entries)
    read_all = staticmethod(LdapberSession.read_all)

    def close(self) -> None:
        self.ldap.unbind()


class PythonLdapSession:
    """python-ldap (libldap underneath): ``search_ext_s``; ``search_ext`` +
    ``result3`` for the sliding window."""

    name = "python-ldap"

    def __init__(self, url: str) -> None:
        import ldap

        self.mod = ldap
        self.conn = ldap.initialize(url)
        self.conn.protocol_version = 3
        self.conn.set_option(ldap.OPT_REFERRALS, 0)
        self.conn.set_option(ldap.OPT_NETWORK_TIMEOUT, 10)
        self.conn.simple_bind_s(ADMIN, ADMIN_PW)

    def search(self, base: str, flt: str) -> tuple[Timed, Any]:
        started = clock()
        got = self.conn.search_ext_s(base, self.mod.SCOPE_SUBTREE, flt, timeout=TIMEOUT)
        return since(started), got

    def pipelined(self, dns: Sequence[str], window: int) -> tuple[Timed, list[Any]]:
        conn, scope = self.conn, self.mod.SCOPE_BASE
        started = clock()
        out = sliding_window(dns, window, lambda dn: conn.search_ext(dn, scope, "(objectClass=*)"),
                             lambda msgid: conn.result3(msgid, 1, TIMEOUT)[1])
        return since(started), out

    def sequential(self, dns: Sequence[str]) -> tuple[Timed, list[Any]]:
        conn, scope = self.conn, self.mod.SCOPE_BASE
        started = clock()
        out = [conn.search_ext_s(dn, scope, "(objectClass=*)", timeout=TIMEOUT) for dn in dns]
        return since(started), out

    @staticmethod
    def entries(raw: Any) -> list[tuple[str, Normal]]:
        return [(dn, normal(list(attrs.items()))) for dn, attrs in raw]

    @staticmethod
    def read_all(raw: Any) -> int:
        return sum(1 for _, attrs in raw for vals in attrs.values() for v in vals)

    def close(self) -> None:
        self.conn.unbind_s()


class Ldap3Session:
    """ldap3, pure Python: SYNC strategy (its default), no schema read
    (``get_info=NONE``: values are not formatted per syntax, its cheapest
    path); its ASYNC strategy on a second connection for the sliding window."""

    name = "ldap3"

    def __init__(self, url: str) -> None:
        import ldap3

        self.mod = ldap3
        host, port = url.rsplit("//", 1)[1].rsplit(":", 1)
        self.server = ldap3.Server(host, port=int(port), get_info=ldap3.NONE)
        self.conn = ldap3.Connection(self.server, ADMIN, ADMIN_PW, auto_bind=True, receive_timeout=int(TIMEOUT))

    def search(self, base: str, flt: str) -> tuple[Timed, Any]:
        m = self.mod
        started = clock()
        self.conn.search(base, flt, m.SUBTREE, attributes=m.ALL_ATTRIBUTES)
        got = self.conn.response
        return since(started), got

    def pipelined(self, dns: Sequence[str], window: int) -> tuple[Timed, list[Any]]:
        m = self.mod
        # No receive_timeout here: with one, ldap3 2.9's ASYNC receiver thread
        # spins on the closed socket after unbind (its except branch
        # `continue`s), taking the GIL from every later measurement; the
        # timeout is get_response's.
        conn = m.Connection(self.server, ADMIN, ADMIN_PW, auto_bind=True, client_strategy=m.ASYNC)
        try:
            started = clock()
            out = sliding_window(dns, window,
                                 lambda dn: conn.search(dn, "(objectClass=*)", m.BASE, attributes=m.ALL_ATTRIBUTES),
                                 lambda msgid: conn.get_response(msgid, timeout=TIMEOUT)[0])
            return since(started), out
        finally:
            conn.unbind()

    def sequential(self, dns: Sequence[str]) -> tuple[Timed, list[Any]]:
        m, conn = self.mod, self.conn
        out = []
        started = clock()
        for dn in dns:
            conn.search(dn, "(objectClass=*)", m.BASE, attributes=m.ALL_ATTRIBUTES)
            out.append(conn.response)
        return since(started), out

    @staticmethod
    def entries(raw: Any) -> list[tuple[str, Normal]]:
        return [(r["dn"], normal(list(r["raw_attributes"].items()))) for r in raw if r["type"] == "searchResEntry"]

    @staticmethod
    def read_all(raw: Any) -> int:
        return sum(1 for r in raw if r["type"] == "searchResEntry" for vals in r["raw_attributes"].values()
                   for v in vals)

    def close(self) -> None:
        self.conn.unbind()


class Ldap3LdapberSession(Ldap3Session):
    """ldap3 as above with ldapber's accelerator (``ldapber.integrations.ldap3``)
    installed for the session's life: the same calls, ldapber's framing,
    decoding and encoding underneath."""

    name = "ldap3-ldapber"

    def __init__(self, url: str) -> None:
        from ldapber.integrations import ldap3 as accel

        self.accel = accel
        if not accel.install():
            raise Unsupported("the accelerator does not support this ldap3 version")
        try:
            super().__init__(url)
        except BaseException:
            accel.uninstall()
            raise

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.accel.uninstall()


class BonsaiSession:
    """bonsai (libldap underneath): its synchronous connection; its asyncio
    connection (``connect(is_async=True)``) for the sliding window."""

    name = "bonsai"

    def __init__(self, url: str) -> None:
        import bonsai

        self.mod = bonsai
        self.client = bonsai.LDAPClient(url)
        self.client.set_credentials("SIMPLE", user=ADMIN, password=ADMIN_PW)
        self.conn = self.client.connect(timeout=10)

    def search(self, base: str, flt: str) -> tuple[Timed, Any]:
        started = clock()
        got = self.conn.search(base, self.mod.LDAPSearchScope.SUBTREE, flt, timeout=TIMEOUT)
        return since(started), got

    def pipelined(self, dns: Sequence[str], window: int) -> tuple[Timed, list[Any]]:
        scope = self.mod.LDAPSearchScope.BASE

        async def run(dns: Sequence[str], window: int, timeout: float) -> tuple[Timed, list[Any]]:
            conn = await self.client.connect(is_async=True, timeout=10)
            try:
                out: list[Any] = [None] * len(dns)
                todo = iter(range(len(dns)))

                async def worker() -> None:
                    for i in todo:
                        out[i] = await conn.search(dns[i], scope, "(objectClass=*)", timeout=timeout)

                started = clock()
                await asyncio.gather(*(worker() for _ in range(min(window, len(dns)))))
                return since(started), out
            finally:
                conn.close()

        loop = asyncio.new_event_loop()
        try:
            try:  # bonsai 1.5's asyncio connection never completes with two searches outstanding: probe first
                loop.run_until_complete(run(dns[:2], 2, BONSAI_PROBE))
            except asyncio.TimeoutError:
                raise Unsupported(f"bonsai's asyncio connection does not complete two base searches outstanding "
                                  f"at once (timed out after {BONSAI_PROBE:g} s)") from None
            return loop.run_until_complete(run(dns, window, TIMEOUT))
        finally:
            loop.close()

    def sequential(self, dns: Sequence[str]) -> tuple[Timed, list[Any]]:
        conn, scope = self.conn, self.mod.LDAPSearchScope.BASE
        started = clock()
        out = [conn.search(dn, scope, "(objectClass=*)", timeout=TIMEOUT) for dn in dns]
        return since(started), out

    @staticmethod
    def entries(raw: Any) -> list[tuple[str, Normal]]:
        return [(str(e.dn), normal([(k, list(v)) for k, v in e.items() if k.lower() != "dn"])) for e in raw]

    @staticmethod
    def read_all(raw: Any) -> int:
        return sum(1 for e in raw for k, vals in e.items() if k.lower() != "dn" for v in vals)

    def close(self) -> None:
        self.conn.close()


SESSIONS: dict[str, type[Any]] = {"ldapber": LdapberSession, "ldapber-uvloop": LdapberUvloopSession,
                                  "ldapber-sync": LdapberSyncSession,
                                  "python-ldap": PythonLdapSession,
                                  "ldap3": Ldap3Session, "ldap3-ldapber": Ldap3LdapberSession, "bonsai": BonsaiSession,
                                  "asyncio-floor": AsyncioFloorSession}
_MODULES = {"ldapber": "ldapber.aio.client", "ldapber-uvloop": "uvloop", "ldapber-sync": "ldapber.sync", "python-ldap": "ldap", "ldap3": "ldap3",
            "ldap3-ldapber": "ldapber.integrations.ldap3", "bonsai": "bonsai", "asyncio-floor": "ldapber.aio._waiter"}


def paths_of(name: str) -> Sequence[str]:
    """The paths session ``name`` runs (a session class may list fewer in ``paths``)."""
    return getattr(SESSIONS[name], "paths", PATHS)  # type: ignore[no-any-return]


def unavailable(name: str) -> str | None:
    """Why ``name`` cannot be measured here (not installed), or None."""
    import importlib

    try:
        importlib.import_module(_MODULES[name])
    except ImportError as exc:
        return f"not installed ({exc})"
    return None


def client_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTIONS[name])
    except PackageNotFoundError:
        return "not installed"


# -- one measurement ------------------------------------------------------------------
def run_path(name: str, path: str, url: str, mode: Mode, dns: Sequence[int]) -> Timed:
    """How long one round of ``path`` takes with ``name`` (connect and bind
    before, the check after, neither timed)."""
    session = SESSIONS[name](url)
    try:
        if path == "search10k":
            seconds, raw = session.search(PEOPLE, FILTER)
            check_entries(session.entries(raw), list(range(mode.entries)), ordered=False)
        else:
            targets = [person(i)[0] for i in dns]
            if path == "pipelined":
                seconds, raws = session.pipelined(targets, mode.window)
            else:
                seconds, raws = session.sequential(targets)
            got = []
            for raw in raws:
                one = session.entries(raw)
                assert len(one) == 1, f"a base read returned {len(one)} entries"
                got += one
            check_entries(got, list(dns), ordered=True)
    finally:
        session.close()
    return seconds


def rotated(names: Sequence[str], r: int) -> list[str]:
    k = r % len(names) if names else 0
    return list(names[k:]) + list(names[:k])


def _failure(exc: BaseException) -> str:
    if isinstance(exc, Unsupported):
        return f"cannot: {exc}"
    text = str(exc).strip().splitlines()
    return f"failed: {type(exc).__name__}" + (f": {text[0][:300]}" if text else "")


# -- memory: one client in a fresh interpreter ------------------------------------------
def _rss() -> int:
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _reset_peak() -> bool:
    """Reset this process's peak RSS (VmHWM) to its current RSS (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
    except OSError:
        return False
    return True


def _peak() -> int:
    """Peak RSS of this process image (VmHWM).  Not getrusage's maxrss: that
    one survives exec and starts at the size of the forking parent."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def memory_child(name: str, url: str, n: int) -> dict[str, Any]:
    """In this (fresh) interpreter: RSS before and after the N-entry search,
    the result held; the check comes after both readings."""
    session = SESSIONS[name](url)
    try:
        session.sequential([person(0)[0]])  # imports, caches and one round trip, before the first reading
        gc.collect()
        reset = _reset_peak()
        before = _rss()
        _, raw = session.search(PEOPLE, FILTER)
        after, peak = _rss(), _peak()
        if session.read_all(raw) <= 0:
            raise RuntimeError("the search returned no values")
        after_read = _rss()
        check_entries(session.entries(raw), list(range(n)), ordered=False)
        del raw
    finally:
        session.close()
    return {"contender": name, "entries": n, "rss_before": before, "rss_added": after - before,
            "peak_added": max(0, peak - before), "peak_reset": reset, "read_added": after_read - before}


def memory_rounds(names: Sequence[str], url: str, mode: Mode, section: Section, log: Callable[[str], None]) -> None:
    added: dict[str, list[float]] = {n: [] for n in names}
    peak: dict[str, list[float]] = {n: [] for n in names}
    read: dict[str, list[float]] = {n: [] for n in names}
    alive = list(names)
    for r in range(mode.memory_rounds):
        for name in rotated(alive, r):
            done = subprocess.run([sys.executable, "-m", "bench.client", "--memory-child", name, url,
                                   str(mode.entries)], cwd=ROOT, capture_output=True, text=True, timeout=600)
            if done.returncode != 0:
                tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
                section.skipped.append(Skipped("memory", name, f"failed: {tail[:300]}"))
                alive.remove(name)
                continue
            row = json.loads(done.stdout.strip().splitlines()[-1])
            added[name].append(row["rss_added"])
            peak[name].append(row["peak_added"])
            read[name].append(row["read_added"])
    for name in names:
        if added[name]:
            section.series.append(Series("memory", name, tuple(added[name]), mode.entries, "B"))
            section.series.append(Series("memory-peak", name, tuple(peak[name]), mode.entries, "B"))
            section.series.append(Series("memory-read", name, tuple(read[name]), mode.entries, "B"))
            log(f"  memory {name}: {statistics.median(added[name]) / 2**20:.1f} MiB added")


# -- the whole measure ----------------------------------------------------------------
def response_bytes(n: int) -> int:
    """About what slapd sends for the N-entry search: ldapber's encoding of
    the same entries and the SearchResultDone."""
    import ldapber
    from ldapber import LDAPMessage, PartialAttribute, SearchResultDone, SearchResultEntry

    total = len(ldapber.encode(LDAPMessage(2, SearchResultDone(0, "", ""))))
    for i in range(n):
        dn, attrs = person(i)
        entry = SearchResultEntry(dn, [PartialAttribute(t, [v.encode() for v in vals]) for t, vals in attrs])
        total += len(ldapber.encode(LDAPMessage(2, entry)))
    return total


def slapd_version() -> str:
    from shutil import which

    try:
        done = subprocess.run([which("slapd") or "/usr/sbin/slapd", "-VV"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "?"
    text = (done.stderr or done.stdout).strip().splitlines()
    return text[0].split("slapd", 1)[-1].strip(" $").split(" ")[0] if text else "?"


def measure(mode_name: str = "full", clients: Sequence[str] = CLIENTS, *, memory: bool = True,
            log: Callable[[str], None] = print) -> Section:
    """Every path with every client that is installed, against one slapd
    started (and stopped) here."""
    import ldapber

    mode = MODES[mode_name]
    section = Section(info={
        "mode": mode_name, "entries": mode.entries, "rounds": mode.rounds, "warmup_rounds": mode.warmup,
        "pipelined_ops": mode.pipelined, "window": mode.window, "sequential_ops": mode.sequential,
        "memory_rounds": mode.memory_rounds, "ldapber_backend": ldapber.BACKEND, "gc_threshold": list(gc.get_threshold()),
        "versions": {name: client_version(name) for name in clients}, "reference": REFERENCE,
        "load_before": list(os.getloadavg()),
        "memory_method": "RSS added (/proc/self/statm resident pages after the search, result held, minus before); "
                         "memory-peak: VmHWM after the search (reset via /proc/self/clear_refs just before it) minus "
                         "the RSS before; memory-read: RSS added once every value has been read once through the client's "
                         "documented attributes; each client in a fresh interpreter",
    })
    if ldapber.BACKEND != "cython":
        log(f"  WARNING: ldapber's backend is {ldapber.BACKEND!r}, not the compiled one")
    if not slapadd_available():
        section.skipped += [Skipped("*", name, "slapd or slapadd is not installed") for name in clients]
        log("  slapd or slapadd not installed: no client measured")
        return section
    names = []
    for name in clients:
        reason = unavailable(name)
        if reason:
            section.skipped.append(Skipped("*", name, reason))
            section.info["versions"][name] += " (not importable)"
            log(f"  {name}: skipped, {reason}")
        else:
            names.append(name)
    rng = random.Random(4511)
    dns = {"pipelined": rng.sample(range(mode.entries), mode.pipelined),
           "sequential": rng.sample(range(mode.entries), mode.sequential)}
    work = {"search10k": mode.entries, "pipelined": mode.pipelined, "sequential": mode.sequential}
    section.info["slapd"] = slapd_version()
    section.info["response_bytes"] = response_bytes(mode.entries)
    with tempfile.TemporaryDirectory(prefix="ldapber-client-bench-") as tmp:
        folder = Path(tmp)
        ldif = folder / "people.ldif"
        write_ldif(ldif, mode.entries)
        (folder / "slapd").mkdir()
        port = free_port()
        started = time.perf_counter()
        try:
            proc = start_slapd(port, folder / "slapd", ldif, global_lines=("sizelimit unlimited",),
                               database_lines=("index objectClass eq",))
        except (RuntimeError, OSError, subprocess.SubprocessError) as exc:  # start_slapd stopped what it started
            section.skipped += [Skipped("*", name, f"slapd did not start: {_failure(exc)}") for name in names]
            log(f"  slapd did not start: {_failure(exc)}")
            return section
        try:
            log(f"  slapd with {mode.entries:,} entries ready in {time.perf_counter() - started:.1f} s")
            url = f"ldap://127.0.0.1:{port}"
            alive = {path: [n for n in names if path in paths_of(n)] for path in PATHS}
            samples: dict[tuple[str, str], list[Timed]] = collections.defaultdict(list)
            for r in range(-mode.warmup, mode.rounds):
                for path in PATHS:
                    for name in rotated(alive[path], r):
                        try:
                            timed = run_path(name, path, url, mode, dns.get(path, ()))
                        except Exception as exc:  # a client that fails is reported, not measured
                            section.skipped.append(Skipped(path, name, _failure(exc)))
                            alive[path].remove(name)
                            log(f"  {path} {name}: {_failure(exc)}")
                            continue
                        if r >= 0:
                            samples[path, name].append(timed)
                log(f"  round {r + 1} of {mode.rounds}" if r >= 0 else "  warm-up round done")
            for path in PATHS:
                for name in names:
                    if samples.get((path, name)):
                        rounds = samples[path, name]
                        section.series.append(Series(path, name, tuple(t.wall for t in rounds), work[path]))
                        section.series.append(Series(f"{path}:cpu", name, tuple(t.cpu for t in rounds), work[path]))
            if memory:
                memory_rounds([n for n in names if "search10k" in paths_of(n)], url, mode, section, log)
        finally:
            stop(proc)
    section.info["load_after"] = list(os.getloadavg())
    return section


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.client", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_const", const="quick", dest="mode", help="fewer rounds")
    mode.add_argument("--smoke", action="store_const", const="smoke", dest="mode", help="200 entries, one round")
    ap.add_argument("--clients", default=",".join(CLIENTS), help="comma-separated subset of " + ", ".join(CLIENTS))
    ap.add_argument("--no-memory", action="store_true", help="skip the memory rounds")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results", help="folder for client.{md,json,png}")
    ap.add_argument("--memory-child", nargs=3, metavar=("CLIENT", "URL", "N"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.memory_child:
        name, url, n = args.memory_child
        print(json.dumps(memory_child(name, url, int(n))))
        return 0
    from . import charts
    from .report import client_section

    chosen = [c for c in args.clients.split(",") if c]
    if any(c not in CLIENTS for c in chosen):
        ap.error(f"--clients: choose among {', '.join(CLIENTS)}")
    section = measure(args.mode or "full", chosen, memory=not args.no_memory)
    text = "\n".join(client_section(section)) + "\n"
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "client.md").write_text(text, encoding="utf-8")
    (args.out / "client.json").write_text(json.dumps(section_json(section), indent=1), encoding="utf-8")
    chart = charts.client_chart(section, args.out / "client.png")
    print("Written:", args.out / "client.md", args.out / "client.json", chart or "(no chart)")
    return 0


def section_json(section: Section) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(section)


if __name__ == "__main__":
    raise SystemExit(main())
