"""Connection pools and reconnection (issue 20), both clients, against a
real ldapber server behind a loopback relay that can cut connections."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from test_sync_client import make_service, server_thread

from ldapber.aio.pool import Pool as AioPool
from ldapber.proto.operations import ConnectionClosedError
from ldapber.proto.pool import PoolBook, Reconnect
from ldapber.sasl import Plain
from ldapber.sync.pool import Pool

BASE = "dc=example,dc=com"
ADMIN, ADMIN_PW = "cn=admin,dc=example,dc=com", "secret"
BOB = "uid=bob,ou=people,dc=example,dc=com"


class Relay:
    """TCP on loopback to ``target``; ``cut_next()`` makes it drop the next
    connection that sends a request, instead of forwarding the request."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._cut = threading.Event()
        self.cuts = 0
        self._sockets: list[socket.socket] = []
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def cut_next(self) -> None:
        self._cut.set()

    def _accept(self) -> None:
        while not self._stop:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            self._sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, upstream: bool) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if upstream and self._cut.is_set():
                    self._cut.clear()
                    self.cuts += 1
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def close(self) -> None:
        self._stop = True
        self.listener.close()
        for s in self._sockets:
            s.close()


@pytest.fixture()
def relay() -> Iterator[Relay]:
    with server_thread(make_service()) as info:
        host, port = info["url"].removeprefix("ldap://").split(":")
        r = Relay((host, int(port)))
        try:
            yield r
        finally:
            r.close()


def url_of(relay: Relay) -> str:
    return f"ldap://127.0.0.1:{relay.port}"


def test_the_policy_and_the_book() -> None:
    delays = list(Reconnect(attempts=5, initial=0.1, maximum=0.3).delays())
    assert len(delays) == 5 and all(0 <= d <= 0.3 for d in delays)
    for bad in ({"attempts": -1}, {"initial": 2.0, "maximum": 1.0}):
        with pytest.raises(ValueError):
            Reconnect(**bad)  # type: ignore[arg-type]
    book: PoolBook[list[int]] = PoolBook(2, lambda c: bool(c))
    assert book.take() is not None and book.take() is not None and book.take() is None  # two slots reserved
    book.opened(True)
    book.opened(False)
    assert book.stats().open == 1 and book.stats().created == 1
    assert book.give_back([1], broken=False) is None and book.take() == [1]
    assert book.give_back([], broken=False) == []  # dead: to close
    with pytest.raises(ValueError):
        PoolBook(0, bool)


def test_sync_pool_is_bounded_shares_connections_and_retries_reads(relay: Relay) -> None:
    with Pool(url_of(relay), size=3, bind_dn=ADMIN, password=ADMIN_PW,
              reconnect=Reconnect(attempts=2, initial=0.01)) as pool:
        results: list[int] = []

        def worker() -> None:
            for _ in range(5):
                results.append(len(pool.search_all(BASE, "(uid=*)")))

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert results == [6] * 40
        stats = pool.stats
        assert stats.created <= 3 and stats.in_use == 0 and stats.idle == stats.open <= 3 and stats.waiting == 0
        relay.cut_next()  # the next request's connection dies under it: the read is retried on a new one
        assert pool.who_am_i() == "dn:" + ADMIN
        assert relay.cuts == 1 and pool.stats.retries == 1 and pool.stats.discarded >= 1
        relay.cut_next()  # a write is never retried
        with pytest.raises(ConnectionClosedError), pool.connection() as ldap:
            ldap.modify(BOB, [("replace", "description", ["x"])])
        assert pool.stats.retries == 1


def test_sync_pool_waits_bounded_and_binds_with_sasl(relay: Relay) -> None:
    with Pool(url_of(relay), size=1, sasl=lambda: Plain("bob", "password"), acquire_timeout=0.2) as pool:
        with pool.connection() as ldap:
            assert ldap.who_am_i() == "dn:" + BOB
            with pytest.raises(TimeoutError, match="no pooled connection"):
                pool.who_am_i()
            assert pool.stats.waiting == 0
        assert pool.who_am_i() == "dn:" + BOB
    with pytest.raises(RuntimeError, match="closed"):
        pool.who_am_i()


def test_a_pool_that_cannot_connect_gives_up_after_its_retries() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once closed
    with Pool(f"ldap://127.0.0.1:{port}", reconnect=Reconnect(attempts=2, initial=0.01)) as pool:
        with pytest.raises(OSError):
            pool.who_am_i()
        assert pool.stats.retries == 2 and pool.stats.open == 0


def test_asyncio_pool(relay: Relay) -> None:
    async def main() -> dict[str, Any]:
        async with AioPool(url_of(relay), size=3, bind_dn=ADMIN, password=ADMIN_PW,
                           reconnect=Reconnect(attempts=2, initial=0.01)) as pool:
            counts = await asyncio.gather(*(pool.search_all(BASE, "(uid=*)") for _ in range(30)))
            assert [len(c) for c in counts] == [6] * 30
            busy = pool.stats
            relay.cut_next()
            me = await pool.who_am_i()
            async with pool.connection() as ldap:
                held = ldap
                narrow = AioPool(url_of(relay), size=1, acquire_timeout=0.2)
                async with narrow.connection():
                    with pytest.raises(asyncio.TimeoutError):
                        await narrow.who_am_i()
                await narrow.close()
            return {"busy": busy, "me": me, "after": pool.stats, "held": held}

    out = asyncio.run(main())
    assert out["busy"].created <= 3 and out["busy"].in_use == 0
    assert out["me"] == "dn:" + ADMIN and relay.cuts == 1
    assert out["after"].discarded >= 1  # the cut connection was thrown away (found dead, or retried)
