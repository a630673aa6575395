"""The server under attack: the real directory server over loopback TCP,
fed the PROTOS-style malformed corpus (fuzz/protos.py), a slow sender, idle
and half-sent connections, a client that never reads its results, and a
PDU header announcing 1 GiB, while a control client on its own connection
keeps searching and must be answered correctly and promptly throughout.

Memory is measured in-process: the corpus and never-reading tests sample
the resident set size (/proc/self/statm) every 20 ms (tracemalloc would
slow the server down several times and distort the control client's
timings); the 1 GiB header test, where nothing is busy, takes
tracemalloc's peak.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import os
import socket
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import ldapber
from ldapber import (
    DecodeError,
    DelRequest,
    DelResponse,
    LDAPMessage,
    ResultCode,
    Scope,
    SearchRequest,
    SearchResultDone,
    SearchResultEntry,
    UnbindRequest,
)
from ldapber.aio import LDAPServer, ServerLimits
from ldapber.client import LDAPClient, connect
from ldapber.codec import pdu_length
from ldapber.directory.dit import Directory
from ldapber.directory.service import DirectoryService
from ldapber.extended import is_notice_of_disconnection
from ldapber.ldif import parse_ldif
from ldapber.model.filters import parse_filter
from ldapber.proto.framer import Framer
from ldapber.proto.rules import FINAL_RESPONSE, MAX_MESSAGE_ID, REQUEST_TYPES
from ldapber.tools.serve import _sample_ldif

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ber import tlv  # noqa: E402

from fuzz.protos import GROUPS, Case, generate  # noqa: E402

BASE = "dc=example,dc=com"
ALICE = "uid=alice,ou=people,dc=example,dc=com"
LOCALHOST = "127.0.0.1"
#: Every answer of the control client must come within this (seconds).
CONTROL_LATENCY = 1.0
#: Message ID of the probe sent after a case the server must accept.
PROBE_ID = 4242
MIB = 1024 * 1024


def alice_search(mid: int) -> bytes:
    return ldapber.encode(LDAPMessage(mid, SearchRequest(BASE, Scope.WHOLE_SUBTREE, 0, 0, 0, False,
                                                         parse_filter("(uid=alice)"), [])))


def whole_directory_search(mid: int) -> bytes:
    return ldapber.encode(LDAPMessage(mid, SearchRequest(BASE, Scope.WHOLE_SUBTREE, 0, 0, 0, False,
                                                         parse_filter("(objectClass=*)"), [])))


def rss() -> int:
    """Resident set size of this process, in bytes."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class RSSSampler:
    """The resident set size before, at its highest (sampled every 20 ms) and after."""

    def __init__(self) -> None:
        # a tight baseline: earlier tests' garbage collected and handed back to the system
        gc.collect()
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        self.before = self.peak = self.after = rss()
        self._task = asyncio.create_task(self._sample())

    async def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, rss())
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self.after = rss()
        self.peak = max(self.peak, self.after)

    def __str__(self) -> str:
        return (f"RSS before {self.before / MIB:.1f} MiB, peak {self.peak / MIB:.1f} MiB "
                f"(+{(self.peak - self.before) / MIB:.1f}), after {self.after / MIB:.1f} MiB")


# -- the server and the control client -------------------------------------------------
@asynccontextmanager
async def serving(directory: Directory | None = None, **limits: float) -> AsyncIterator[tuple[LDAPServer, int]]:
    if directory is None:
        directory = Directory()
        directory.load(parse_ldif(_sample_ldif()))
    service = DirectoryService(directory, root_dn="cn=admin,dc=example,dc=com", root_password=b"secret",
                               max_size_limit=0)
    server = LDAPServer(service, limits=ServerLimits(**limits))  # type: ignore[arg-type]
    port = await server.listen_tcp(LOCALHOST, 0)
    try:
        yield server, port
    finally:
        await server.close()


class ControlClient:
    """A well-behaved client on its own connection: searches for alice
    without pause while it runs; every answer must be exactly the expected
    entry and come within CONTROL_LATENCY."""

    def __init__(self, ldap: LDAPClient, expected: list[SearchResultEntry]) -> None:
        self.ldap, self.expected = ldap, expected
        self.latencies: list[float] = []
        self.gaps: list[float] = []  # between two answers (a search takes, plus a 5 ms pause)
        self.failures: list[str] = []
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self._loop())

    @classmethod
    async def start(cls, port: int) -> ControlClient:
        ldap = await connect(f"ldap://{LOCALHOST}:{port}", timeout=10)
        expected = await ldap.search_all(BASE, "(uid=alice)")
        assert [e.object_name for e in expected] == [ALICE]
        attributes = {a.type: a.vals for a in expected[0].attributes}
        assert attributes["uid"] == [b"alice"] and attributes["cn"] == [b"Alice Anderson"]
        assert "userPassword" not in attributes
        return cls(ldap, expected)

    async def _loop(self) -> None:
        last = time.perf_counter()
        while not self._stop.is_set():
            t0 = time.perf_counter()
            try:
                got = await self.ldap.search_all(BASE, "(uid=alice)", timeout=5)
            except Exception as exc:  # any failure of the control client fails the test
                self.failures.append(f"search {len(self.latencies)} failed: {exc!r}")
                return
            now = time.perf_counter()
            self.latencies.append(now - t0)
            self.gaps.append(now - last)
            last = now
            if got != self.expected:
                self.failures.append(f"search {len(self.latencies)} answered {got!r}")
                return
            await asyncio.sleep(0.005)

    async def stop(self, min_searches: int = 10, max_wait: float = CONTROL_LATENCY) -> None:
        """Stop searching and check everything it saw; the connection stays open.
        Both the time a search takes and the time between two answers count
        (the second also catches a server that stalls while the client sleeps).
        A fast attack can end before min_searches: it waits for them (bounded)."""
        deadline = time.monotonic() + 5.0
        while len(self.latencies) < min_searches and not self._task.done() and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        self._stop.set()
        await asyncio.wait_for(self._task, 10)
        assert not self.failures, self.failures
        assert len(self.latencies) >= min_searches, f"the control client made only {len(self.latencies)} searches"
        assert max(self.gaps) < max_wait, f"the control client waited up to {max(self.gaps):.3f} s; {self.summary()}"
        assert await self.ldap.search_all(BASE, "(uid=alice)") == self.expected  # still the same connection

    async def close(self) -> None:
        self._stop.set()
        if not self._task.done():
            self._task.cancel()
        with contextlib.suppress(BaseException):
            await self._task
        await self.ldap.unbind()

    def median(self) -> float:
        return sorted(self.latencies)[len(self.latencies) // 2]

    def summary(self) -> str:
        return (f"control: {len(self.latencies)} searches, median {self.median() * 1000:.1f} ms, "
                f"max {max(self.latencies) * 1000:.1f} ms, longest wait between answers {max(self.gaps) * 1000:.1f} ms")


@asynccontextmanager
async def serving_with_control(directory: Directory | None = None,
                               **limits: float) -> AsyncIterator[tuple[LDAPServer, int, ControlClient]]:
    """The server, and a control client already searching on it."""
    async with serving(directory, **limits) as (server, port):
        control = await ControlClient.start(port)
        try:
            yield server, port, control
        finally:
            await control.close()


async def wait_for_connections(server: LDAPServer, count: int, within: float) -> float:
    """Wait until the server holds ``count`` connections; return how long that took."""
    t0 = time.monotonic()
    while server.connection_count != count and time.monotonic() - t0 < within:
        await asyncio.sleep(0.01)
    return time.monotonic() - t0


async def fresh_client_works(port: int) -> None:
    async with await connect(f"ldap://{LOCALHOST}:{port}", timeout=5) as ldap:
        (entry,) = await ldap.search_all(BASE, "(uid=alice)", attributes=["uid"])
        assert entry.object_name == ALICE
        assert len(await ldap.search_all(BASE)) == 10  # the whole sample directory


# -- raw connections (blocking sockets, run in threads) --------------------------------------
@dataclass
class Exchange:
    """What a raw connection got back."""

    messages: list[LDAPMessage] = field(default_factory=list)
    closed: bool = False  # EOF, or reset by the server
    reset: bool = False
    send_failed: bool = False  # the server closed while we were still sending
    elapsed: float = 0.0  # from the last byte sent to the close (or to giving up)
    leftover: int = 0  # bytes from the server that do not make a whole PDU: must stay 0

    @property
    def last(self) -> LDAPMessage | None:
        return self.messages[-1] if self.messages else None

    def notice(self) -> int | None:
        """resultCode of the Notice of Disconnection, if that is what came last."""
        last = self.last
        if last is not None and is_notice_of_disconnection(last):
            return int(last.protocol_op.result_code)
        return None


class RawConnection:
    def __init__(self, port: int, *, rcvbuf: int | None = None) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(5)
        self.sock.connect((LOCALHOST, port))
        self.framer = Framer(64 * MIB)
        self.out = Exchange()
        self.t_sent = time.monotonic()

    def close(self) -> None:
        self.sock.close()

    def send(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError:  # the server refused and closed before taking all of it
            self.out.send_failed = True
        self.t_sent = time.monotonic()

    def read(self, within: float, until: int | None = None) -> Exchange:
        """Read until the server closes, or the message ``until`` has its final
        response, or ``within`` seconds pass."""
        deadline = time.monotonic() + within
        answered = False
        while not answered:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                break
            except ConnectionResetError:
                self.out.closed = self.out.reset = True
                break
            if not chunk:
                self.out.closed = True
                break
            self.framer.feed(chunk)
            for pdu in self.framer:
                msg = ldapber.decode(pdu)  # the server's output must always decode
                self.out.messages.append(msg)
                answered |= msg.message_id == until and type(msg.protocol_op) in FINAL_RESPONSE.values()
        self.out.elapsed = time.monotonic() - self.t_sent
        if self.out.closed:
            self.out.leftover = self.framer.buffered
        return self.out


def predict(data: bytes, max_pdu_size: int) -> str:
    """What the server must do with ``data`` sent alone on a connection,
    from the codec's own verdict: "notice" (protocolError Notice and close,
    at once), "idle" (wait for more bytes, then the idle timeout),
    "closed-silently" (an Unbind: close without a word), or "alive" (answer and keep the connection)."""
    while True:
        try:
            size = pdu_length(data)
        except DecodeError:
            return "notice"
        if size is not None and size > max_pdu_size:
            return "notice"
        if size is None or size > len(data):
            return "idle"
        try:
            msg = ldapber.decode(data[:size])
        except DecodeError:
            return "notice"
        op = msg.protocol_op
        if isinstance(op, UnbindRequest):
            return "closed-silently"
        if type(op) not in REQUEST_TYPES or not 0 < msg.message_id <= MAX_MESSAGE_ID:
            return "notice"  # a response sent by a client, an unknown operation, message ID 0
        data = data[size:]
        if not data:
            return "alive"


def select_cases(per_group: int = 24) -> list[Case]:
    """Every Nth case of every group (N chosen per group for about ``per_group`` cases)."""
    by_group: dict[str, list[Case]] = {}
    for case in generate(seed=0):
        by_group.setdefault(case.group, []).append(case)
    selected = []
    for group in GROUPS:
        cases = by_group[group]
        selected += cases[::max(1, len(cases) // per_group)]
    return selected


def attack_with_case(port: int, case: Case, expected: str, idle_timeout: float) -> tuple[str, Exchange]:
    """One case on a new connection; returns what the server did."""
    conn = RawConnection(port)
    try:
        if expected == "alive":
            # prove the connection is still served: a probe search after the
            # case must be answered, then an Unbind must close it.
            conn.send(case.data + alice_search(PROBE_ID))
            out = conn.read(2.0, until=PROBE_ID)
            if out.closed or not any(m.message_id == PROBE_ID and isinstance(m.protocol_op, SearchResultDone)
                                     for m in out.messages):
                return "probe-unanswered", out
            conn.send(ldapber.encode(LDAPMessage(PROBE_ID + 1, UnbindRequest())))
            out = conn.read(2.0)
            return ("alive" if out.closed and out.notice() is None else "unbind-ignored"), out
        conn.send(case.data)
        out = conn.read(idle_timeout + 2.0)
        if not out.closed:
            return "hang", out
        code = out.notice()
        if code == ResultCode.PROTOCOL_ERROR:
            return "notice", out
        if code == ResultCode.UNAVAILABLE:
            return "idle", out
        if code is None and not out.messages:
            return "closed-silently", out
        return f"closed-after-{type(out.last.protocol_op).__name__ if out.last else None}", out
    finally:
        conn.close()


def run(main: object, timeout: float) -> None:
    asyncio.run(asyncio.wait_for(main, timeout))  # type: ignore[arg-type]


# -- 1. the malformed corpus --------------------------------------------------------------
def test_malformed_corpus_against_the_server_while_a_control_client_works() -> None:
    idle_timeout, max_pdu_size = 0.5, 8 * MIB
    cases = select_cases()
    assert {c.group for c in cases} == set(GROUPS) and len(cases) >= 300
    expected = {c.name: predict(c.data, max_pdu_size) for c in cases}
    # the codec's verdict and the corpus agree: a must-reject case never leaves a live connection
    assert not [c.name for c in cases if c.expect == "reject" and expected[c.name] == "alive"]

    async def main() -> None:
        limits = {"idle_timeout": idle_timeout, "write_timeout": 2.0, "max_pdu_size": max_pdu_size}
        async with serving_with_control(**limits) as (server, port, control):
            loop = asyncio.get_running_loop()
            memory = RSSSampler()
            t0 = time.monotonic()
            with ThreadPoolExecutor(max_workers=8) as pool:
                results = await asyncio.gather(*(
                    loop.run_in_executor(pool, attack_with_case, port, case, expected[case.name], idle_timeout)
                    for case in cases))
            elapsed = time.monotonic() - t0
            await memory.stop()
            await control.stop()

            # every connection of the corpus is gone; only the control one is left
            await wait_for_connections(server, 1, 3.0)
            assert server.connection_count == 1
            await fresh_client_works(port)
            assert control.ldap.notices == []

            table: dict[str, Counter[str]] = {g: Counter() for g in GROUPS}
            wrong = []
            for case, (outcome, out) in zip(cases, results, strict=True):
                table[case.group][outcome] += 1
                if outcome != expected[case.name] and not (outcome == "closed-silently" and out.send_failed):
                    wrong.append((case.group, case.name, case.expect, expected[case.name], outcome, out))
                if outcome == "idle":  # the idle timeout, not sooner
                    assert idle_timeout * 0.9 <= out.elapsed <= idle_timeout + 1.5, (case.name, out.elapsed)
                assert not out.leftover, (case.name, out.leftover)
            print(f"\n{len(cases)} cases in {elapsed:.1f} s; {control.summary()}; {memory}")
            for group in GROUPS:
                print(f"  {group:20} {sum(table[group].values()):4}  {dict(table[group])}")
            # the 16 MiB case is refused from its header, the 5 MB one decoded and refused for its depth
            assert memory.peak - memory.before < 50 * MIB, str(memory)
            assert not wrong, "\n".join([f"{len(wrong)} cases not handled as they must be, e.g.", *(
                f"{group} {name} (corpus: {label}): expected {want}, got {got} after {out.elapsed:.1f} s; "
                f"received {[(m.message_id, type(m.protocol_op).__name__) for m in out.messages][:4]}"
                for group, name, label, want, got, out in wrong[:6])])

    run(main(), 90)


# -- 2. a slow sender ---------------------------------------------------------------------
def test_a_slow_sender_is_answered_and_does_not_slow_others() -> None:
    idle_timeout, gap = 0.5, 0.02

    def trickle(port: int, data: bytes) -> Exchange:
        conn = RawConnection(port)
        try:
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for i in range(len(data)):
                conn.send(data[i:i + 1])
                time.sleep(gap)
            return conn.read(3.0, until=7)
        finally:
            conn.close()

    async def main() -> None:
        async with serving_with_control(idle_timeout=idle_timeout) as (server, port, control):
            request = alice_search(7)
            t0 = time.monotonic()
            out = await asyncio.to_thread(trickle, port, request)
            took = time.monotonic() - t0
            await control.stop()
            # the request took longer than the idle timeout to arrive, yet is answered:
            # a connection that keeps sending is not idle
            assert took > idle_timeout + 0.2 and out.elapsed < 1.0
            assert not out.closed
            assert [m.message_id for m in out.messages] == [7, 7]
            entry, done = (m.protocol_op for m in out.messages)
            assert [entry] == control.expected
            assert isinstance(done, SearchResultDone) and done.result_code == ResultCode.SUCCESS
            print(f"\n{len(request)} bytes one at a time over {took:.2f} s, answered "
                  f"{out.elapsed * 1000:.1f} ms after the last; {control.summary()}")
            await wait_for_connections(server, 1, 3.0)
            assert server.connection_count == 1

    run(main(), 30)


# -- 3. idle connections and an incomplete PDU ---------------------------------------------
def test_idle_and_half_sent_connections_are_closed_by_the_idle_timeout() -> None:
    idle_timeout = 0.5

    def hold(port: int, data: bytes) -> Exchange:
        conn = RawConnection(port)
        try:
            if data:
                conn.send(data)
            return conn.read(idle_timeout + 3.0)
        finally:
            conn.close()

    async def main() -> None:
        async with serving_with_control(idle_timeout=idle_timeout) as (server, port, control):
            search = alice_search(3)
            kinds = {"idle": b"", "half a PDU": search[:len(search) // 2], "a header only": search[:2]}
            t0 = time.monotonic()
            outs = await asyncio.gather(*(asyncio.to_thread(hold, port, data) for data in kinds.values()))
            took = time.monotonic() - t0
            await control.stop()
            for kind, out in zip(kinds, outs, strict=True):
                assert out.closed, kind
                assert len(out.messages) == 1 and out.notice() == ResultCode.UNAVAILABLE, (kind, out.messages)
                assert idle_timeout * 0.9 <= out.elapsed <= idle_timeout + 1.0, (kind, out.elapsed)
                print(f"\n{kind}: notice '{out.last.protocol_op.diagnostic_message}' and close "  # type: ignore[union-attr]
                      f"after {out.elapsed:.2f} s", end="")
            print(f"\nall three closed within {took:.2f} s; {control.summary()}")
            await wait_for_connections(server, 1, 3.0)
            assert server.connection_count == 1

    run(main(), 30)


def test_a_connection_idle_after_its_answers_is_closed_by_the_idle_timeout() -> None:
    """The usual idle connection: it did some work, got its answers and went silent."""
    idle_timeout = 0.5

    def work_then_idle(port: int, trailer: bytes) -> Exchange:
        conn = RawConnection(port)
        try:
            conn.send(alice_search(3))
            conn.read(2.0, until=3)
            if trailer:
                conn.send(trailer)
            return conn.read(idle_timeout + 3.0)
        finally:
            conn.close()

    async def main() -> None:
        async with serving_with_control(idle_timeout=idle_timeout) as (server, port, control):
            kinds = {"silent after an answered search": b"",
                     "half a PDU after an answered search": alice_search(4)[:9]}
            outs = await asyncio.gather(*(asyncio.to_thread(work_then_idle, port, data) for data in kinds.values()))
            await control.stop()
            for kind, out in zip(kinds, outs, strict=True):
                print(f"\n{kind}: {[type(m.protocol_op).__name__ for m in out.messages]}, "
                      f"{'closed' if out.closed else 'still open'} {out.elapsed:.2f} s after its last byte", end="")
            for kind, out in zip(kinds, outs, strict=True):
                assert [m.message_id for m in out.messages[:2]] == [3, 3], (kind, out.messages)
                assert out.closed and out.notice() == ResultCode.UNAVAILABLE, (
                    f"{kind}: not closed {out.elapsed:.1f} s after its last byte (idle_timeout={idle_timeout} s)")
                assert out.elapsed <= idle_timeout + 1.0, (kind, out.elapsed)
            await wait_for_connections(server, 1, 3.0)
            assert server.connection_count == 1

    run(main(), 30)


# -- 4. a client that never reads ---------------------------------------------------------
def test_a_client_that_never_reads_is_dropped_with_bounded_memory() -> None:
    write_timeout, searches = 1.0, 2000
    #: The server runs the ~1,150 searches of one 64 KiB read back to back
    #: without yielding (each answer is under 64 entries and the transport
    #: buffer is not yet full), stalling every other client for 0.6-0.9 s
    #: here: the control client gets 2 s in this test, not CONTROL_LATENCY.
    control_max_wait = 2.0
    #: From the first write that cannot complete, the server must give up
    #: within this long (generous: several write timeouts).
    give_up_within = 8 * write_timeout

    async def main() -> None:
        requests = b"".join(whole_directory_search(i) for i in range(1, searches + 1))
        async with serving_with_control(write_timeout=write_timeout) as (server, port, control):
            # a small receive window, so that the kernel cannot absorb what the server sends
            reader = await asyncio.to_thread(RawConnection, port, rcvbuf=4096)
            try:
                await wait_for_connections(server, 2, 2.0)
                assert server.connection_count == 2
                memory = RSSSampler()
                t0 = time.monotonic()
                await asyncio.to_thread(reader.send, requests)
                await wait_for_connections(server, 1, 2 * write_timeout + give_up_within)
                closed_after = time.monotonic() - t0
                still_open = server.connection_count
                await memory.stop()
                await control.stop(max_wait=control_max_wait)
                print(f"\n{searches} searches ({len(requests)} bytes) never read: {still_open} connection(s) "
                      f"{closed_after:.1f} s later; {memory}; {control.summary()}")
                # memory stayed bounded while the server held the results nobody reads
                assert memory.peak - memory.before < 50 * MIB, str(memory)
                # the server gave up on the connection: only the control client is left
                assert still_open == 1, (
                    f"the connection of a client that never reads is still open {closed_after:.1f} s after "
                    f"it sent its requests (write_timeout={write_timeout} s)")
                # and what the client can still read ends with a close (EOF or reset), not a hang
                out = await asyncio.to_thread(reader.read, 5.0)
                assert out.closed
            finally:
                reader.close()
            await fresh_client_works(port)

    run(main(), 60)


# -- 5. a header announcing 1 GiB -----------------------------------------------------------
def test_a_header_announcing_one_gibibyte_is_refused_at_once() -> None:
    max_pdu_size = 1000

    def refuse(port: int, data: bytes) -> Exchange:
        conn = RawConnection(port)
        try:
            conn.send(data)
            return conn.read(3.0)
        finally:
            conn.close()

    async def main() -> None:
        # a long idle timeout: a close can only be the refusal
        async with serving_with_control(idle_timeout=30.0, max_pdu_size=max_pdu_size) as (server, port, control):
            headers = {
                "1 GiB": b"\x30\x84\x40\x00\x00\x00",
                "1 GiB, 8 length octets": b"\x30\x88\x00\x00\x00\x00\x40\x00\x00\x00",
                "limit + 1": b"\x30\x82" + (max_pdu_size - 3).to_bytes(2, "big"),
            }
            flood = headers["1 GiB"] + bytes(8 * MIB)
            tracemalloc.start()
            try:
                base = tracemalloc.get_traced_memory()[0]
                for what, header in headers.items():
                    out = await asyncio.to_thread(refuse, port, header)
                    assert out.closed and out.notice() == ResultCode.PROTOCOL_ERROR, (what, out.messages)
                    assert out.elapsed < 0.5, (what, out.elapsed)
                    assert "exceeds the limit" in out.last.protocol_op.diagnostic_message  # type: ignore[union-attr]
                    print(f"\n{what}: refused in {out.elapsed * 1000:.1f} ms: "
                          f"{out.last.protocol_op.diagnostic_message}", end="")  # type: ignore[union-attr]
                # the same header followed by 8 MiB: the server stops reading at the header
                t0 = time.monotonic()
                out = await asyncio.to_thread(refuse, port, flood)
                flood_took = time.monotonic() - t0
                assert out.closed and (out.notice() == ResultCode.PROTOCOL_ERROR or out.reset or out.send_failed)
                assert flood_took < 2.0, flood_took
                peak = tracemalloc.get_traced_memory()[1] - base
            finally:
                tracemalloc.stop()
            assert peak < 4 * MIB, peak
            # the largest PDU allowed is still served
            fill = max_pdu_size
            for _ in range(5):  # the length octets grow with the DN
                pdu = ldapber.encode(LDAPMessage(5, DelRequest("cn=" + "x" * fill)))
                fill += max_pdu_size - len(pdu)
            assert len(pdu) == max_pdu_size
            conn = await asyncio.to_thread(RawConnection, port)
            try:
                await asyncio.to_thread(conn.send, pdu)
                out = await asyncio.to_thread(conn.read, 3.0, 5)
            finally:
                conn.close()
            assert not out.closed and isinstance(out.last.protocol_op, DelResponse)  # type: ignore[union-attr]
            await control.stop(min_searches=2)
            print(f"\nheader + 8 MiB: closed after {flood_took * 1000:.0f} ms (send failed: {out.send_failed}, "
                  f"reset: {out.reset}); peak traced memory +{peak / 1024:.0f} KiB; {control.summary()}")
            await wait_for_connections(server, 1, 3.0)
            assert server.connection_count == 1

    run(main(), 30)


def test_a_deep_filter_is_served_and_an_over_deep_one_refused_naming_the_limit() -> None:
    """256 nested filters are searched; one level past max_depth is refused
    with a notice whose diagnostic names the limit (not a bare "malformed
    PDU" cut short by a path thousands of characters long), the control
    client unaffected; a server given max_depth=1003 searches 1,000 levels."""
    limit = ldapber.DEFAULT_MAX_DEPTH

    def nested(levels: int, mid: int) -> bytes:
        text = "(&" * levels + "(uid=alice)" + ")" * levels
        flt = parse_filter(text, max_depth=levels + 1)
        request = SearchRequest(BASE, Scope.WHOLE_SUBTREE, 0, 0, 0, False, flt, [])
        return ldapber.encode(LDAPMessage(mid, request)) if levels + 3 <= limit else _deep_bytes(mid, request)

    def exchange(port: int, data: bytes, mid: int) -> Exchange:
        conn = RawConnection(port)
        try:
            conn.send(data)
            return conn.read(5.0, mid)
        finally:
            conn.close()

    async def main() -> None:
        async with serving_with_control() as (server, port, control):
            out = await asyncio.to_thread(exchange, port, nested(256, 3), 3)
            assert not out.closed and [type(m.protocol_op) for m in out.messages] == [SearchResultEntry, SearchResultDone]
            out = await asyncio.to_thread(exchange, port, nested(limit - 2, 4), 4)  # a filter at level 3 and down
            assert out.closed and out.notice() == ResultCode.PROTOCOL_ERROR, out.messages
            diagnostic = out.last.protocol_op.diagnostic_message  # type: ignore[union-attr]
            assert f"limit of {limit} levels" in diagnostic and "max_depth" in diagnostic, diagnostic
            print(f"\n{limit - 2} nested filters: {diagnostic}", end="")
            await control.stop(min_searches=2)
        async with serving(max_depth=1003) as (server, port):
            out = await asyncio.to_thread(exchange, port, nested(1000, 5), 5)
            assert not out.closed and [type(m.protocol_op) for m in out.messages] == [SearchResultEntry, SearchResultDone]

    run(main(), 60)


def _deep_bytes(mid: int, request: SearchRequest) -> bytes:
    """A message deeper than the encoders write (they stop where the default
    decoder does): the nested filter written by hand into an encoded search
    whose filter was (x=*)."""
    flt, depth = request.filter, 0
    while isinstance(flt, ldapber.And):
        flt, depth = flt.filters[0], depth + 1
    inner = ldapber.encode_value(flt, "Filter")
    for _ in range(depth):
        inner = tlv(0xA0, inner)
    shallow = SearchRequest(request.base_object, request.scope, 0, 0, 0, False, ldapber.Present("x"), [])
    message = _strip(ldapber.encode(LDAPMessage(mid, shallow)))  # messageID, then the SearchRequest
    message_id, search = message[:3], _strip(message[3:])
    return tlv(0x30, message_id + tlv(0x63, search.replace(b"\x87\x01x", inner, 1)))


def _strip(element: bytes) -> bytes:
    """The contents of a BER element."""
    n = element[1]
    if n < 0x80:
        return element[2:2 + n]
    k = n & 0x7F
    size = int.from_bytes(element[2:2 + k], "big")
    return element[2 + k:2 + k + size]


# -- 6. at scale: 100,000 entries ---------------------------------------------------------------
PEOPLE = "ou=people," + BASE


@pytest.fixture(scope="module")
def large_directory() -> Iterator[Directory]:
    """The sample directory and 100,000 more people under ou=people (the client benchmark's),
    frozen out of the collector's view as ``serve`` does with what it loads (else a full
    collection in this process walks its millions of objects while the server waits)."""
    from bench.client import person
    from ldapber.ldif import LDIFRecord

    directory = Directory()
    directory.load(parse_ldif(_sample_ldif()))
    directory.load(LDIFRecord(dn, [(t, [v.encode() for v in vals]) for t, vals in attrs])
                   for dn, attrs in map(person, range(100_000)))
    assert len(directory) == 100_010
    gc.collect()
    gc.freeze()
    try:
        yield directory
    finally:
        gc.unfreeze()


def test_a_search_that_scans_100k_entries_for_nothing_does_not_stall_others(large_directory: Directory) -> None:
    """``(description=*nomatch*)``: no index applies, every entry is looked at and none sent."""
    async def main() -> None:
        async with serving_with_control(large_directory) as (_, port, control):
            async with await connect(f"ldap://{LOCALHOST}:{port}", timeout=60) as scanner:
                t0 = time.monotonic()
                for _ in range(2):
                    assert await scanner.search_all(BASE, "(description=*nomatch*)") == []
                scanned_for = time.monotonic() - t0
            await control.stop(min_searches=5)
            print(f"\ntwo scans of 100,010 entries in {scanned_for:.1f} s; {control.summary()}")
            # the server ran the control client between slices of the scans: a few milliseconds per search
            assert max(control.latencies) < 0.1 and max(control.gaps) < 0.25, control.summary()

    run(main(), 120)


def test_a_client_that_never_reads_a_100k_entry_result_is_dropped(large_directory: Directory) -> None:
    write_timeout = 1.0

    async def main() -> None:
        async with serving_with_control(large_directory, write_timeout=write_timeout) as (server, port, control):
            reader = await asyncio.to_thread(RawConnection, port, rcvbuf=4096)
            try:
                await wait_for_connections(server, 2, 2.0)
                memory = RSSSampler()
                t0 = time.monotonic()
                await asyncio.to_thread(reader.send, whole_directory_search(1))
                await wait_for_connections(server, 1, 30.0)
                closed_after = time.monotonic() - t0
                still_open = server.connection_count
                await memory.stop()
                await control.stop(max_wait=1.0)
                print(f"\na 100,010-entry result never read: dropped after {closed_after:.1f} s; {memory}; "
                      f"{control.summary()}")
                assert still_open == 1, "the connection that never reads is still open"
                # the server stopped producing at the full transport buffer: far less than the ~45 MB result
                assert memory.peak - memory.before < 30 * MIB, str(memory)
                assert (await asyncio.to_thread(reader.read, 5.0)).closed
            finally:
                reader.close()

    run(main(), 120)


def test_concurrent_writers_and_readers_see_whole_entries_and_keep_the_indexes(tmp_path: Path) -> None:
    """Writers replace mail and description of the same entries together (one modify), readers
    check that the two always agree; afterwards every index is what a fresh build gives."""
    from test_index import assert_consistent

    directory = Directory()
    directory.load(parse_ldif(_sample_ldif()))
    targets = [f"uid={u},{PEOPLE}" for u in ("alice", "bob", "carol")]
    torn: list[str] = []
    writes = reads = 0

    async def writer(port: int, n: int) -> None:
        nonlocal writes
        async with await connect(f"ldap://{LOCALHOST}:{port}", timeout=10) as ldap:
            await ldap.bind("cn=admin,dc=example,dc=com", "secret")
            for i in range(150):
                version = f"w{n}-{i}"
                await ldap.modify(targets[i % len(targets)], [("replace", "mail", [f"{version}@example.com"]),
                                                               ("replace", "description", [version])])
                writes += 1

    async def reader(port: int) -> None:
        nonlocal reads
        async with await connect(f"ldap://{LOCALHOST}:{port}", timeout=10) as ldap:
            for i in range(300):
                dn = targets[i % len(targets)]
                found = await ldap.search_all(dn, scope=Scope.BASE_OBJECT, attributes=["mail", "description"])
                values = {a.type: a.vals for a in found[0].attributes}
                if "description" in values and values["mail"][0] != values["description"][0] + b"@example.com":
                    torn.append(f"{dn}: {values}")
                hits = await ldap.search_all(PEOPLE, f"(mail={values['mail'][0].decode()})", attributes=["1.1"])
                if dn not in [e.object_name for e in hits]:  # the index answers for the value just read
                    still = await ldap.search_all(dn, scope=Scope.BASE_OBJECT, attributes=["mail"])
                    if still[0].attributes[0].vals == values["mail"]:
                        torn.append(f"{dn}: the mail index missed {values['mail']}")
                reads += 1

    async def main() -> None:
        async with serving(directory) as (_, port):
            await asyncio.gather(*(writer(port, n) for n in range(3)), *(reader(port) for _ in range(3)))

    run(main(), 120)
    assert writes == 450 and reads == 900
    assert not torn, torn[:5]
    assert_consistent(directory)
