"""The asyncio server and client shims over real loopback sockets.

A small handler stands in for the directory here (the directory has its
own tests); what is tested is the shim: concurrency on one connection,
Abandon cancelling work, a client that breaks the protocol, limits and
timeouts, and the client's multiplexing, all through real TCP.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest

import ldapber
from ldapber import (
    BindResponse,
    DelRequest,
    DelResponse,
    LDAPMessage,
    PartialAttribute,
    ResultCode,
    SearchRequest,
    SearchResultDone,
    SearchResultEntry,
)
from ldapber.aio import LDAPServer, ServerLimits, Session
from ldapber.aio.client import AbandonedError, ConnectionClosedError, LDAPClient, connect
from ldapber.extended import is_notice_of_disconnection
from ldapber.model.results import LDAPResultError


class SlowDirectory:
    """Searches for ``(cn=slow)`` wait on an event; others answer at once
    with ``count`` entries; deletes of ``cn=boom`` raise."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.cancelled = 0

    async def handle(self, request: LDAPMessage, session: Session) -> AsyncIterator[LDAPMessage]:
        mid, op = request.message_id, request.protocol_op
        if isinstance(op, SearchRequest):
            if str(op.filter) == "(cn=slow)":
                try:
                    await self.release.wait()
                except asyncio.CancelledError:
                    self.cancelled += 1
                    raise
            count = int(op.base_object) if op.base_object.isdigit() else 3
            for i in range(count):
                yield LDAPMessage(mid, SearchResultEntry(f"cn={i}", [PartialAttribute("cn", [str(i).encode()])]))
            yield LDAPMessage(mid, SearchResultDone(ResultCode.SUCCESS, "", ""))
        elif isinstance(op, DelRequest):
            if op.value == "cn=boom":
                raise RuntimeError("handler bug")
            yield LDAPMessage(mid, DelResponse(ResultCode.NO_SUCH_OBJECT, "", "nothing here"))
        else:
            kind = {ldapber.BindRequest: BindResponse}.get(type(op), DelResponse)
            yield LDAPMessage(mid, kind(ResultCode.SUCCESS, "", ""))


async def start(handler: object, **limits: float) -> tuple[LDAPServer, int]:
    server = LDAPServer(handler, limits=ServerLimits(**limits))  # type: ignore[arg-type]
    port = await server.listen_tcp("127.0.0.1", 0)
    return server, port


def run(coro: object) -> object:
    return asyncio.run(asyncio.wait_for(coro, 30))  # type: ignore[arg-type]


def test_search_bind_and_errors_through_real_sockets() -> None:
    async def main() -> None:
        server, port = await start(SlowDirectory())
        try:
            async with await connect(f"ldap://127.0.0.1:{port}") as ldap:
                await ldap.bind("cn=admin", b"x")
                entries = await ldap.search_all("5")
                assert [e.object_name for e in entries] == [f"cn={i}" for i in range(5)]
                with pytest.raises(LDAPResultError) as err:
                    await ldap.delete("cn=x")
                assert err.value.result_code == ResultCode.NO_SUCH_OBJECT
                # a handler exception is one failed operation, not a dead connection
                with pytest.raises(LDAPResultError) as err:
                    await ldap.delete("cn=boom")
                assert err.value.result_code == ResultCode.OTHER
                assert len(await ldap.search_all("2")) == 2
        finally:
            await server.close()
    run(main())


class _PythonFutureLoop(asyncio.SelectorEventLoop):
    """A loop whose create_future makes asyncio's pure-Python futures (whose
    callback list is the future's own, unlike the C future's copy)."""

    def create_future(self) -> asyncio.Future[object]:
        return asyncio.futures._PyFuture(loop=self)  # type: ignore[attr-defined,no-any-return]


def test_the_client_works_on_a_loop_whose_futures_are_pure_python() -> None:
    async def exchange() -> list[str]:
        server, port = await start(SlowDirectory())
        try:
            async with await connect(f"ldap://127.0.0.1:{port}", timeout=5) as ldap:
                await ldap.bind("cn=admin", b"x")
                batches = await asyncio.gather(*(ldap.search_all(str(n)) for n in (1, 2, 3)))
                return [e.object_name for batch in batches for e in batch]
        finally:
            await server.close()

    async def main() -> list[str]:
        # Polled, not awaited: a task whose wake-up was lost never runs again,
        # so awaiting it (or cancelling it) would hang the test instead of failing it.
        task = asyncio.ensure_future(exchange())
        for _ in range(1000):
            if task.done():
                break
            await asyncio.sleep(0.01)
        assert task.done(), "a waiting task was never resumed"
        return task.result()

    loop = _PythonFutureLoop()
    try:
        names = loop.run_until_complete(main())
    finally:
        loop.close()
    assert names == ["cn=0", "cn=0", "cn=1", "cn=0", "cn=1", "cn=2"]


def test_operations_run_concurrently_and_abandon_cancels_the_handler() -> None:
    async def main() -> None:
        directory = SlowDirectory()
        server, port = await start(directory)
        try:
            ldap = await connect(f"ldap://127.0.0.1:{port}")
            slow = asyncio.create_task(ldap.search_all("1", "(cn=slow)"))
            await asyncio.sleep(0.05)
            # the slow search does not block others on the same connection
            assert len(await ldap.search_all("4")) == 4
            (mid,) = ldap.proto.outstanding
            await ldap.abandon(mid)
            for _ in range(100):
                if directory.cancelled:
                    break
                await asyncio.sleep(0.01)
            assert directory.cancelled == 1
            slow.cancel()
            assert len(await ldap.search_all("1")) == 1
            await ldap.unbind()
        finally:
            await server.close()
    run(main())


def test_abandon_from_another_task_ends_the_wait_at_once() -> None:
    async def main() -> None:
        directory = SlowDirectory()
        server, port = await start(directory)
        try:
            ldap = await connect(f"ldap://127.0.0.1:{port}", timeout=30)
            slow = asyncio.create_task(ldap.search_all("1", "(cn=slow)"))
            await asyncio.sleep(0.05)
            (mid,) = ldap.proto.outstanding
            await ldap.abandon(mid)
            # the waiting task learns at once, not when its 30 s timeout passes
            with pytest.raises(AbandonedError, match=f"operation {mid} was abandoned"):
                await asyncio.wait_for(slow, 5)
            for _ in range(100):
                if directory.cancelled:
                    break
                await asyncio.sleep(0.01)
            assert directory.cancelled == 1
            assert len(await ldap.search_all("2")) == 2  # the connection goes on
            await ldap.unbind()
        finally:
            await server.close()
    run(main())


def test_abandoning_an_operation_whose_result_came_in_the_same_read_keeps_the_result() -> None:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        stream, mids = ldapber.StreamDecoder(), []
        while len(mids) < 2:  # the two searches
            chunk = await reader.read(65536)
            if not chunk:
                return
            stream.feed(chunk)
            mids += [m.message_id for m in stream]
        writer.write(b"".join(ldapber.encode(LDAPMessage(mid, SearchResultDone(ResultCode.SUCCESS, "", "")))
                              for mid in mids))  # both results in one write: one read on the client
        await reader.read(65536)
        writer.close()

    async def main() -> None:
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            ldap = await connect(f"ldap://127.0.0.1:{port}", timeout=5)
            others: list[int] = []

            async def first() -> None:
                await ldap.search_all("a")
                await ldap.abandon(others[0])  # "the first answer wins", woken in the read that holds both

            a = asyncio.create_task(first())
            await asyncio.sleep(0)
            b = asyncio.create_task(ldap.search_all("b"))
            await asyncio.sleep(0)
            others.append(max(ldap.proto.outstanding))
            await asyncio.wait_for(a, 5)
            assert await asyncio.wait_for(b, 5) == []  # its SearchResultDone had come: a result, not AbandonedError
            await ldap.close()
        finally:
            server.close()
    run(main())


def test_a_client_timeout_abandons_the_operation() -> None:
    async def main() -> None:
        directory = SlowDirectory()
        server, port = await start(directory)
        try:
            ldap = await connect(f"ldap://127.0.0.1:{port}")
            with pytest.raises(asyncio.TimeoutError):
                await ldap.search_all("1", "(cn=slow)", timeout=0.1)
            for _ in range(100):
                if directory.cancelled:
                    break
                await asyncio.sleep(0.01)
            assert directory.cancelled == 1 and ldap.proto.outstanding == {}
            await ldap.unbind()
        finally:
            await server.close()
    run(main())


def raw_exchange(port: int, data: bytes, *, read_until_close: bool = True) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        out = b""
        while read_until_close:
            chunk = sock.recv(65536)
            if not chunk:
                break
            out += chunk
        return out


def test_garbage_gets_a_notice_and_a_close_while_others_keep_working() -> None:
    async def main() -> None:
        server, port = await start(SlowDirectory())
        try:
            ldap = await connect(f"ldap://127.0.0.1:{port}")
            for garbage in (b"\x30\x80\x00\x00", b"\xff" * 10, b"\x30\x84\x7f\xff\xff\xff"):
                out = await asyncio.to_thread(raw_exchange, port, garbage)
                assert is_notice_of_disconnection(ldapber.decode(out))
                assert len(await ldap.search_all("2")) == 2
            await ldap.unbind()
        finally:
            await server.close()
    run(main())


def test_idle_and_half_sent_connections_time_out() -> None:
    async def main() -> None:
        server, port = await start(SlowDirectory(), idle_timeout=0.3)
        try:
            half = ldapber.encode(LDAPMessage(1, DelRequest("cn=a")))[:5]
            out = await asyncio.to_thread(raw_exchange, port, half)
            notice = ldapber.decode(out)
            assert is_notice_of_disconnection(notice)
            assert notice.protocol_op.result_code == ResultCode.UNAVAILABLE
        finally:
            await server.close()
    run(main())


def test_connections_beyond_the_limit_are_told_busy() -> None:
    async def main() -> None:
        server, port = await start(SlowDirectory(), max_connections=2, reserve=0)  # no operator reserve
        try:
            first = await connect(f"ldap://127.0.0.1:{port}")
            second = await connect(f"ldap://127.0.0.1:{port}")
            await first.search_all("1")
            await second.search_all("1")
            out = await asyncio.to_thread(raw_exchange, port, b"")
            notice = ldapber.decode(out)
            assert notice.protocol_op.result_code == ResultCode.BUSY
            await first.unbind()
            await second.unbind()
        finally:
            await server.close()
    run(main())


def test_the_pdu_size_limit_is_enforced_from_the_header() -> None:
    async def main() -> None:
        server, port = await start(SlowDirectory(), max_pdu_size=1000)
        try:
            big = ldapber.encode(LDAPMessage(1, DelRequest("cn=" + "a" * 2000)))
            out = await asyncio.to_thread(raw_exchange, port, big[:10])
            assert is_notice_of_disconnection(ldapber.decode(out))
        finally:
            await server.close()
    run(main())


def test_the_client_reports_a_closed_connection() -> None:
    async def main() -> None:
        directory = SlowDirectory()
        server, port = await start(directory)
        ldap: LDAPClient = await connect(f"ldap://127.0.0.1:{port}")
        pending = asyncio.create_task(ldap.search_all("1", "(cn=slow)"))
        await asyncio.sleep(0.05)
        await server.close()
        with pytest.raises(ConnectionClosedError):
            await pending
        await ldap.close()
    run(main())




def test_batches_searches_and_lists_agree() -> None:
    async def main() -> None:
        server, port = await start(SlowDirectory())
        try:
            async with await connect(f"ldap://127.0.0.1:{port}") as ldap:
                batches = [batch async for batch in ldap.search_batches("3000")]
                assert all(batches) and len(batches) >= 2  # 3,000 entries do not come in one read
                flat = [e.object_name for batch in batches for e in batch]
                assert flat == [f"cn={i}" for i in range(3000)]
                assert [e.object_name async for e in ldap.search("3000")] == flat
                assert [e.object_name for e in await ldap.search_all("3000")] == flat
                done: list[LDAPMessage] = []
                assert len(await ldap.search_all("7", done=done)) == 7
                assert isinstance(done[0].protocol_op, SearchResultDone)
        finally:
            await server.close()
    run(main())


def test_many_operations_in_flight_on_one_connection() -> None:
    """Requests issued in one turn go out together; each answer reaches
    its own caller."""
    async def main() -> None:
        server, port = await start(SlowDirectory())
        try:
            async with await connect(f"ldap://127.0.0.1:{port}") as ldap:
                counts = [i % 7 for i in range(400)]
                results = await asyncio.gather(*(ldap.search_all(str(n)) for n in counts))
                assert [len(r) for r in results] == counts
                assert all([e.object_name for e in r] == [f"cn={i}" for i in range(n)]
                           for r, n in zip(results, counts, strict=True))
                assert ldap.proto.outstanding == {}
        finally:
            await server.close()
    run(main())


def test_timeouts_share_one_timer_and_fire_in_order() -> None:
    async def main() -> None:
        directory = SlowDirectory()
        server, port = await start(directory)
        try:
            ldap = await connect(f"ldap://127.0.0.1:{port}", timeout=5.0)
            loop = asyncio.get_running_loop()
            started = loop.time()
            late = asyncio.create_task(ldap.search_all("1", "(cn=slow)", timeout=0.6))
            early = asyncio.create_task(ldap.search_all("1", "(cn=slow)", timeout=0.2))
            with pytest.raises(asyncio.TimeoutError):
                await early
            assert 0.15 <= loop.time() - started < 0.5 and not late.done()
            assert len(await ldap.search_all("3", timeout=1.0)) == 3  # others still work meanwhile
            with pytest.raises(asyncio.TimeoutError):
                await late
            assert loop.time() - started >= 0.55
            directory.release.set()
            assert len(await ldap.search_all("2")) == 2
            await ldap.unbind()
        finally:
            await server.close()
    run(main())


def test_a_task_the_timer_resumes_can_close_or_wait_again_without_a_stray_timer() -> None:
    """The timeout timer re-arms before the timed-out tasks run: one that
    closes the client leaves no timer behind, one that waits again gets its
    own deadline, and none fires after close()."""
    async def main() -> tuple[list[float], bool]:
        directory = SlowDirectory()
        server, port = await start(directory)
        ldap = await connect(f"ldap://127.0.0.1:{port}")
        loop = asyncio.get_running_loop()
        closed_at: list[float] = []
        fired_after_close: list[float] = []
        expire = ldap._expire

        def spy() -> None:
            if closed_at:
                fired_after_close.append(loop.time() - closed_at[0])
            expire()

        ldap._expire = spy  # type: ignore[method-assign]
        other = asyncio.create_task(ldap.search_all("x", "(cn=slow)", timeout=2.0))
        try:
            await ldap.search_all("x", "(cn=slow)", timeout=0.2)
        except asyncio.TimeoutError:  # resumed inside the timer's callback
            with pytest.raises(asyncio.TimeoutError):
                await ldap.search_all("x", "(cn=slow)", timeout=0.2)
            await ldap.close()
            closed_at.append(loop.time())
        results = await asyncio.gather(other, return_exceptions=True)
        await asyncio.sleep(2.2)
        directory.release.set()
        await server.close()
        return fired_after_close, isinstance(results[0], ConnectionClosedError)

    fired_after_close, other_closed = run(main())  # type: ignore[misc]
    assert fired_after_close == []
    assert other_closed


def test_keyboard_interrupt_in_one_resumed_task_still_wakes_the_others() -> None:
    loop = asyncio.new_event_loop()
    try:
        async def setup() -> tuple[LDAPServer, LDAPClient]:
            server, port = await start(SlowDirectory())
            return server, await connect(f"ldap://127.0.0.1:{port}")

        server, ldap = loop.run_until_complete(setup())

        async def interrupted() -> None:
            await ldap.search_all("x")
            raise KeyboardInterrupt

        async def go() -> tuple[asyncio.Future[None], list[asyncio.Task[list[ldapber.SearchResultEntry]]]]:
            return asyncio.ensure_future(interrupted()), [asyncio.ensure_future(ldap.search_all("x")) for _ in range(3)]

        first, others = loop.run_until_complete(go())
        with pytest.raises(KeyboardInterrupt):
            loop.run_until_complete(asyncio.sleep(1))
        assert isinstance(first.exception(), KeyboardInterrupt)  # retrieved: nothing logged later
        loop.run_until_complete(asyncio.wait(others, timeout=5))
        assert all(task.done() and task.exception() is None for task in others)
        loop.run_until_complete(ldap.close())
        loop.run_until_complete(server.close())
    finally:
        for task in asyncio.all_tasks(loop):
            task.cancel()
        loop.run_until_complete(asyncio.sleep(0))
        loop.close()
