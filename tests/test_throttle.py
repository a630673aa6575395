"""Failed binds slow the next ones (ldapber/directory/throttle.py): the
policy on a fake clock, then against the real server over loopback, where
an attacker's guessing rate is bounded while other clients are not held up."""

from __future__ import annotations

import asyncio
import time

from ldapber.aio import LDAPServer
from ldapber.aio.client import connect
from ldapber.directory.dit import Directory
from ldapber.directory.service import DirectoryService
from ldapber.directory.throttle import BindThrottle
from ldapber.ldif import parse_ldif
from ldapber.model import ResultCode
from ldapber.model.results import LDAPResultError
from ldapber.tools.serve import _sample_ldif

BASE = "dc=example,dc=com"
ALICE, BOB = f"uid=alice,ou=people,{BASE}", f"uid=bob,ou=people,{BASE}"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_delay_doubles_per_failure_up_to_the_maximum_and_a_success_clears_it() -> None:
    clock = Clock()
    throttle = BindThrottle(base=0.1, max_delay=1.0, clock=clock)
    keys = [("dn", "alice"), ("address", "10.0.0.1")]
    waits = []
    for _ in range(7):
        wait = throttle.admit(keys)
        assert wait is not None
        waits.append(round(wait, 3))
        clock.now += wait
        throttle.failed(keys)
    assert waits == [0.0, 0.1, 0.2, 0.4, 0.8, 1.0, 1.0]
    assert throttle.admit([("dn", "bob"), ("address", "10.0.0.2")]) == 0.0  # others are not touched
    assert throttle.admit([("dn", "bob"), ("address", "10.0.0.1")]) == 1.0  # the guessing address is
    throttle.succeeded(keys)
    assert throttle.admit(keys) == 0.0


def test_queued_attempts_beyond_the_maximum_are_refused_and_keys_are_forgotten() -> None:
    clock = Clock()
    throttle = BindThrottle(base=0.5, max_delay=1.0, forget_after=60.0, max_keys=100, clock=clock)
    key = [("dn", "alice")]
    for _ in range(3):
        wait = throttle.admit(key)
        assert wait is not None
        clock.now += wait
        throttle.failed(key)
    # many connections at once: each takes the next turn, until a turn is further away than max_delay
    turns = [throttle.admit(key) for _ in range(4)]
    assert turns[0] == 1.0 and all(t is None for t in turns[1:])
    clock.now += 61  # the attack stopped: forgotten
    assert throttle.admit(key) == 0.0
    for i in range(500):  # memory stays bounded whatever is guessed
        throttle.failed([("dn", f"user{i}")])
    assert len(throttle) <= 100


def test_an_attackers_rate_is_bounded_and_other_clients_go_on() -> None:
    max_delay, seconds = 0.2, 2.0
    directory = Directory()
    directory.load(parse_ldif(_sample_ldif()))
    service = DirectoryService(directory, bind_throttle=BindThrottle(base=0.02, max_delay=max_delay))
    attempts = refused = 0
    latencies: list[float] = []

    async def attacker(port: int, stop: float) -> None:
        nonlocal attempts, refused
        ldap = await connect(f"ldap://127.0.0.1:{port}", timeout=10)
        try:
            while time.monotonic() < stop:
                try:
                    await ldap.bind(ALICE, "guess")
                except LDAPResultError as err:
                    attempts += err.result_code == ResultCode.INVALID_CREDENTIALS
                    refused += err.result_code == ResultCode.UNWILLING_TO_PERFORM
        finally:
            await ldap.unbind()

    async def reader(port: int, stop: float) -> None:
        async with await connect(f"ldap://127.0.0.1:{port}", timeout=10) as ldap:
            while time.monotonic() < stop:
                t0 = time.monotonic()
                assert len(await ldap.search_all(BASE, "(uid=bob)")) == 1
                latencies.append(time.monotonic() - t0)
                await asyncio.sleep(0.005)

    async def main() -> float:
        server = LDAPServer(service)
        port = await server.listen_tcp("127.0.0.1", 0)
        try:
            stop = time.monotonic() + seconds
            await asyncio.gather(*(attacker(port, stop) for _ in range(4)), reader(port, stop))
            await asyncio.sleep(max_delay)  # the attack is over: alice gets in at once
            async with await connect(f"ldap://127.0.0.1:{port}") as ldap:
                t0 = time.monotonic()
                await ldap.bind(ALICE, "password")
                return time.monotonic() - t0
        finally:
            await server.close()

    alice_waited = asyncio.run(asyncio.wait_for(main(), 60))
    rate = attempts / seconds
    print(f"\nattacker, 4 connections, {seconds} s: {attempts} guesses checked ({rate:.1f}/s, bound "
          f"{1 / max_delay:.0f}/s once the delay is at its {max_delay} s maximum), {refused} refused unchecked; "
          f"reader: max {max(latencies) * 1000:.1f} ms; alice afterwards waited {alice_waited * 1000:.0f} ms")
    assert attempts <= seconds / max_delay + 8  # the ramp (0.02 ... 0.16 s) lets a few more through
    assert refused > 0  # four connections at once: the turns beyond max_delay are refused, not queued
    assert max(latencies) < 0.1  # the pauses are per connection: other clients are not held up
    assert alice_waited < max_delay + 0.1
