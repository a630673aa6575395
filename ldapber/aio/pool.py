"""A pool of asyncio LDAP connections to one directory, with opt-in
reconnection (the bookkeeping and the policy: :mod:`ldapber.proto.pool`)::

    pool = Pool("ldap://ldap.example.com", size=8, bind_dn=DN, password=PW, reconnect=Reconnect())
    entries = await pool.search_all(BASE, "(uid=alice)")   # retried if the connection was lost
    async with pool.connection() as ldap:                   # anything, on one connection
        await ldap.modify(...)
    await pool.close()
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from ..proto.client import ClientState
from ..proto.operations import NO_REFERRALS, ConnectionClosedError, ReferralPolicy
from ..proto.pool import CREATE, NO_RECONNECT, PoolBook, PoolStats, Reconnect
from ..sasl.mechanism import ClientMechanism
from .client import LDAPClient, connect

__all__ = ["Pool", "PoolStats", "Reconnect", "NO_RECONNECT"]

T = TypeVar("T")
#: What counts as a lost connection (retried by ``reconnect``); errors the server answered never are.
LOST = (ConnectionClosedError, ConnectionError, OSError)


def _alive(client: LDAPClient) -> bool:
    return client.proto.state is ClientState.OPEN


class Pool:
    """At most ``size`` connections to ``url``, each opened on demand,
    upgraded with StartTLS if ``start_tls``, and bound as ``bind_dn`` /
    ``password`` or with a fresh ``sasl()`` mechanism.  ``acquire_timeout``
    bounds the wait for a free connection (TimeoutError).  :attr:`stats`
    says what it is doing."""

    def __init__(self, url: str, *, size: int = 4, bind_dn: str = "", password: bytes | str = b"",
                 sasl: Callable[[], ClientMechanism] | None = None, start_tls: bool = False,
                 ssl_context: ssl.SSLContext | None = None, timeout: float = 30.0,
                 acquire_timeout: float | None = 30.0, reconnect: Reconnect = NO_RECONNECT,
                 referrals: ReferralPolicy = NO_REFERRALS) -> None:
        self.url, self.reconnect, self.acquire_timeout = url, reconnect, acquire_timeout
        self._bind_dn, self._password, self._sasl, self._start_tls = bind_dn, password, sasl, start_tls
        self._connect: dict[str, Any] = {"ssl_context": ssl_context, "timeout": timeout, "referrals": referrals}
        self._book: PoolBook[LDAPClient] = PoolBook(size, _alive)
        self._released = asyncio.Condition()

    @property
    def stats(self) -> PoolStats:
        return self._book.stats()

    async def _open(self) -> LDAPClient:
        client = await connect(self.url, **self._connect)
        try:
            if self._start_tls:
                await client.start_tls()
            if self._sasl is not None:
                await client.bind_sasl(self._sasl())
            elif self._bind_dn:
                await client.bind(self._bind_dn, self._password)
        except BaseException:
            await client.close()
            raise
        return client

    async def _acquire(self) -> LDAPClient:
        book = self._book
        async with self._released:
            book.waiting += 1
            try:
                got: object = book.take()
                if got is None:  # wait for a release (a task only then)
                    got = await asyncio.wait_for(self._take(), self.acquire_timeout)
            finally:
                book.waiting -= 1
        if got is not CREATE:
            return got  # type: ignore[return-value]
        try:
            client = await self._open()
        except BaseException:
            book.opened(False)
            async with self._released:
                self._released.notify()
            raise
        book.opened(True)
        return client

    async def _take(self) -> LDAPClient | object:
        while True:
            got = self._book.take()
            if got is not None:
                return got
            await self._released.wait()

    async def _release(self, client: LDAPClient, broken: bool) -> None:
        doomed = self._book.give_back(client, broken)
        if doomed is not None:
            await _quietly_close(doomed)
        async with self._released:
            self._released.notify()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[LDAPClient]:
        """One connection for the block's length (not retried: anything may run on it)."""
        client = await self._acquire()
        broken = True
        try:
            yield client
            broken = False
        except LOST:
            raise
        except BaseException:
            broken = not _alive(client)
            raise
        finally:
            await self._release(client, broken)

    async def _idempotent(self, call: Callable[[LDAPClient], Awaitable[T]]) -> T:
        delays = self.reconnect.delays()
        while True:
            try:
                async with self.connection() as client:
                    return await call(client)
            except LOST:
                delay = next(delays, None)
                if delay is None:
                    raise
            self._book.retries += 1
            await asyncio.sleep(delay)

    async def search_all(self, base: str, filter: Any = "(objectClass=*)", **options: Any) -> list[Any]:
        """:meth:`LDAPClient.search_all` on a pooled connection, retried per ``reconnect``."""
        return await self._idempotent(lambda c: c.search_all(base, filter, **options))

    async def compare(self, dn: str, attribute: str, value: bytes | str) -> bool:
        return await self._idempotent(lambda c: c.compare(dn, attribute, value))

    async def who_am_i(self) -> str:
        return await self._idempotent(lambda c: c.who_am_i())

    async def close(self) -> None:
        """Unbind the idle connections; those in use close when their block ends."""
        for client in self._book.close():
            await _quietly_close(client)
        async with self._released:
            self._released.notify_all()

    async def __aenter__(self) -> Pool:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


async def _quietly_close(client: LDAPClient) -> None:
    try:
        await client.unbind()
    except Exception:  # noqa: BLE001 - a dead connection: nothing left to tell it
        await client.close()
