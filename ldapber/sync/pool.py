"""A thread-safe pool of blocking LDAP connections to one directory, with
opt-in reconnection: :class:`ldapber.aio.pool.Pool`'s methods without
``await`` (the bookkeeping and the policy: :mod:`ldapber.proto.pool`)."""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from ..proto.client import ClientState
from ..proto.operations import NO_REFERRALS, ConnectionClosedError, ReferralPolicy
from ..proto.pool import CREATE, NO_RECONNECT, PoolBook, PoolStats, Reconnect
from ..sasl.mechanism import ClientMechanism
from .client import LDAPClient, connect

__all__ = ["Pool", "PoolStats", "Reconnect", "NO_RECONNECT"]

T = TypeVar("T")
LOST = (ConnectionClosedError, ConnectionError, OSError)


def _alive(client: LDAPClient) -> bool:
    return client.proto.state is ClientState.OPEN


class Pool:
    """See :class:`ldapber.aio.pool.Pool`; safe to share between threads."""

    def __init__(self, url: str, *, size: int = 4, bind_dn: str = "", password: bytes | str = b"",
                 sasl: Callable[[], ClientMechanism] | None = None, start_tls: bool = False,
                 ssl_context: ssl.SSLContext | None = None, timeout: float = 30.0,
                 acquire_timeout: float | None = 30.0, reconnect: Reconnect = NO_RECONNECT,
                 referrals: ReferralPolicy = NO_REFERRALS) -> None:
        self.url, self.reconnect, self.acquire_timeout = url, reconnect, acquire_timeout
        self._bind_dn, self._password, self._sasl, self._start_tls = bind_dn, password, sasl, start_tls
        self._connect: dict[str, Any] = {"ssl_context": ssl_context, "timeout": timeout, "referrals": referrals}
        self._book: PoolBook[LDAPClient] = PoolBook(size, _alive)
        self._released = threading.Condition()

    @property
    def stats(self) -> PoolStats:
        with self._released:
            return self._book.stats()

    def _open(self) -> LDAPClient:
        client = connect(self.url, **self._connect)
        try:
            if self._start_tls:
                client.start_tls()
            if self._sasl is not None:
                client.bind_sasl(self._sasl())
            elif self._bind_dn:
                client.bind(self._bind_dn, self._password)
        except BaseException:
            client.close()
            raise
        return client

    def _acquire(self) -> LDAPClient:
        book = self._book
        deadline = None if self.acquire_timeout is None else time.monotonic() + self.acquire_timeout
        with self._released:
            book.waiting += 1
            try:
                got = book.take()
                while got is None:
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is not None and left <= 0:
                        raise TimeoutError(f"no pooled connection became free within {self.acquire_timeout} s")
                    self._released.wait(left)
                    got = book.take()
            finally:
                book.waiting -= 1
        if got is not CREATE:
            return got  # type: ignore[return-value]
        try:
            client = self._open()
        except BaseException:
            with self._released:
                book.opened(False)
                self._released.notify()
            raise
        with self._released:
            book.opened(True)
        return client

    def _release(self, client: LDAPClient, broken: bool) -> None:
        with self._released:
            doomed = self._book.give_back(client, broken)
            self._released.notify()
        if doomed is not None:
            _quietly_close(doomed)

    @contextmanager
    def connection(self) -> Iterator[LDAPClient]:
        """One connection for the block's length (not retried: anything may run on it)."""
        client = self._acquire()
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
            self._release(client, broken)

    def _idempotent(self, call: Callable[[LDAPClient], T]) -> T:
        delays = self.reconnect.delays()
        while True:
            try:
                with self.connection() as client:
                    return call(client)
            except LOST:
                delay = next(delays, None)
                if delay is None:
                    raise
            with self._released:
                self._book.retries += 1
            time.sleep(delay)

    def search_all(self, base: str, filter: Any = "(objectClass=*)", **options: Any) -> list[Any]:
        """:meth:`LDAPClient.search_all` on a pooled connection, retried per ``reconnect``."""
        return self._idempotent(lambda c: c.search_all(base, filter, **options))

    def compare(self, dn: str, attribute: str, value: bytes | str) -> bool:
        return self._idempotent(lambda c: c.compare(dn, attribute, value))

    def who_am_i(self) -> str:
        return self._idempotent(lambda c: c.who_am_i())

    def close(self) -> None:
        """Unbind the idle connections; those in use close when their block ends."""
        with self._released:
            idle = self._book.close()
            self._released.notify_all()
        for client in idle:
            _quietly_close(client)

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _quietly_close(client: LDAPClient) -> None:
    try:
        client.unbind()
    except Exception:  # noqa: BLE001 - a dead connection: nothing left to tell it
        client.close()
