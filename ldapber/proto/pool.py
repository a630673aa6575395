"""A connection pool's bookkeeping and the reconnect policy, without I/O.

The asyncio pool (:mod:`ldapber.aio.pool`) and the blocking one
(:mod:`ldapber.sync.pool`) wait, connect and close in their own way; which
connection a caller gets, when a new one may be opened, when one is thrown
away and how long to wait before reconnecting are decided here, once.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["CREATE", "NO_RECONNECT", "PoolBook", "PoolStats", "Reconnect"]

C = TypeVar("C")


@dataclass(frozen=True)
class Reconnect:
    """Opt-in retries of idempotent operations (searches, compares,
    Who am I?) after the connection was lost or could not be opened:
    up to ``attempts`` more tries, waiting an exponentially growing,
    randomly jittered delay (from ``initial`` up to ``maximum`` seconds)
    before each.  Writes are never retried: the first may have been done."""

    attempts: int = 3
    initial: float = 0.1
    maximum: float = 5.0

    def __post_init__(self) -> None:
        if not 0 <= self.attempts <= 100 or self.initial < 0 or self.maximum < self.initial:
            raise ValueError("Reconnect: attempts 0..100, 0 <= initial <= maximum")

    def delays(self) -> Iterator[float]:
        """The wait before each retry ("full jitter": uniform in [0, cap])."""
        for i in range(self.attempts):
            yield random.uniform(0, min(self.maximum, self.initial * 2 ** i))  # noqa: S311 - not for secrets


#: No retries: a lost connection raises at once.
NO_RECONNECT = Reconnect(attempts=0)


@dataclass(frozen=True)
class PoolStats:
    """What a pool is doing now and has done (for monitoring)."""

    size: int  # the most connections it opens
    open: int  # open now (idle + in use + being opened)
    idle: int
    in_use: int
    waiting: int  # callers waiting for a connection
    created: int  # connections opened since the start
    discarded: int  # connections thrown away (lost, broken or closed)
    retries: int  # idempotent operations tried again after a lost connection


class _Create:
    def __repr__(self) -> str:
        return "CREATE"


#: :meth:`PoolBook.take`'s answer when the caller should open a new connection (its slot is reserved).
CREATE = _Create()


class PoolBook(Generic[C]):
    """Who holds which connection.  ``alive(c)`` says whether an idle
    connection may still be handed out."""

    def __init__(self, size: int, alive: Callable[[C], bool]) -> None:
        if not 1 <= size <= 10_000:
            raise ValueError("a pool holds 1 to 10,000 connections")
        self.size, self.alive = size, alive
        self.idle: list[C] = []
        self.opening = self.in_use = self.waiting = 0
        self.created = self.discarded = self.retries = 0
        self.closed = False

    def take(self) -> C | _Create | None:
        """An idle live connection (now in use), CREATE, or None: wait for a release."""
        if self.closed:
            raise RuntimeError("the pool is closed")
        while self.idle:
            client = self.idle.pop()
            if self.alive(client):
                self.in_use += 1
                return client
            self.discarded += 1
        if self.opening + self.in_use < self.size:
            self.opening += 1
            return CREATE
        return None

    def opened(self, ok: bool) -> None:
        """The connection CREATE asked for is open (now in use), or failed to open."""
        self.opening -= 1
        if ok:
            self.created += 1
            self.in_use += 1

    def give_back(self, client: C, broken: bool) -> C | None:
        """A connection's user is done with it; returns it when the caller
        should close it (broken, dead, or the pool is closed), else keeps it idle."""
        self.in_use -= 1
        if broken or self.closed or not self.alive(client):
            self.discarded += 1
            return client
        self.idle.append(client)
        return None

    def close(self) -> list[C]:
        """Close the pool: the idle connections, for the caller to close;
        those in use are closed when given back."""
        self.closed = True
        out, self.idle = self.idle, []
        self.discarded += len(out)
        return out

    def stats(self) -> PoolStats:
        return PoolStats(self.size, self.opening + self.in_use + len(self.idle), len(self.idle), self.in_use,
                         self.waiting, self.created, self.discarded, self.retries)
