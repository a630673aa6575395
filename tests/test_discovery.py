"""DNS SRV discovery (RFC 2782; issue 20): ``ldap:///dc=example,dc=com``
finds the domain's servers and falls back across them, with both clients,
against a DNS server on loopback (dnslib) and the ldapber server; nothing
leaves the machine."""

from __future__ import annotations

import asyncio
import random
import socket
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import pytest

from ldapber.aio.client import connect as connect_async
from ldapber.discovery import DiscoveryError, SRVTarget, domain_of, order_targets
from ldapber.proto.operations import endpoint
from ldapber.sync import connect

dnslib = pytest.importorskip("dnslib")
dns_resolver = pytest.importorskip("dns.resolver")
dns_asyncresolver = pytest.importorskip("dns.asyncresolver")
from dnslib.server import BaseResolver, DNSServer  # noqa: E402
from test_sync_client import ADMIN, ADMIN_PW, make_service, server_thread  # noqa: E402


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Zone(BaseResolver):  # type: ignore[misc]
    """Answers SRV questions from a table; NXDOMAIN for anything else."""

    def __init__(self, records: dict[str, list[tuple[int, int, int, str]]]) -> None:
        self.records = records

    def resolve(self, request: Any, handler: Any) -> Any:
        reply = request.reply()
        name = str(request.q.qname).rstrip(".")
        found = self.records.get(name) if request.q.qtype == dnslib.QTYPE.SRV else None
        if not found:
            reply.header.rcode = dnslib.RCODE.NXDOMAIN
            return reply
        for priority, weight, port, target in found:
            reply.add_answer(dnslib.RR(request.q.qname, dnslib.QTYPE.SRV, ttl=60,
                                       rdata=dnslib.SRV(priority, weight, port, target)))
        return reply


@pytest.fixture
def dns_server() -> Iterator[tuple[Zone, int]]:
    zone = Zone({})
    server = DNSServer(zone, address="127.0.0.1", port=0, logger=dnslib.server.DNSLogger("-request,-reply,-truncated,-error,-recv,-send,-data"))
    server.start_thread()
    try:
        yield zone, server.server.server_address[1]
    finally:
        server.stop()


def resolver(port: int, kind: Any = None) -> Any:
    r = (kind or dns_resolver).Resolver(configure=False)
    r.nameservers, r.port, r.lifetime = ["127.0.0.1"], port, 3.0
    return r


def test_the_domain_comes_from_the_dc_components() -> None:
    assert domain_of("dc=example,dc=com") == "example.com"
    assert domain_of("ou=people,DC=Example,dc=com") == "Example.com"
    assert domain_of("o=example") is None and domain_of("") is None and domain_of("not a dn") is None
    assert endpoint("ldap:///dc=example,dc=com").domain == "example.com"
    assert endpoint("ldaps:///dc=example,dc=com").tls
    assert endpoint("ldap:///").host == "localhost" and endpoint("ldap:///").domain is None  # as before
    assert endpoint("ldap://h/dc=example,dc=com").domain is None  # a host given is the host used


def test_targets_are_ordered_by_priority_then_weight() -> None:
    targets = [SRVTarget("c", 1, 20, 0), SRVTarget("a", 1, 10, 90), SRVTarget("b", 1, 10, 10), SRVTarget("z", 1, 10, 0)]
    rng = random.Random(7)
    firsts: Counter[str] = Counter()
    for _ in range(4000):
        order = order_targets(targets, rng)
        assert {t.host for t in order[:3]} == {"a", "b", "z"} and order[3].host == "c"  # priority first
        firsts[order[0].host] += 1
    # weight 90 of 100 is chosen first about 9 times in 10, weight 10 about once, weight 0 rarely
    assert 0.85 < firsts["a"] / 4000 < 0.95 and 0.05 < firsts["b"] / 4000 < 0.15 and firsts["z"] < 80, firsts


def test_the_sync_client_finds_and_falls_back(dns_server: tuple[Zone, int]) -> None:
    zone, port = dns_server
    with server_thread(make_service()) as info:
        live = int(info["url"].rsplit(":", 1)[1])
        zone.records["_ldap._tcp.example.com"] = [(10, 0, closed_port(), "localhost."), (20, 0, live, "localhost.")]
        with connect("ldap:///dc=example,dc=com", resolver=resolver(port), timeout=5) as ldap:
            ldap.bind(ADMIN, ADMIN_PW)
            assert ldap.who_am_i() == "dn:" + ADMIN
        zone.records["_ldap._tcp.example.com"] = [(10, 0, closed_port(), "localhost.")]
        with pytest.raises(ConnectionError, match="no server of example.com answered"):
            connect("ldap:///dc=example,dc=com", resolver=resolver(port), timeout=5)
        with pytest.raises(DiscoveryError, match="_ldap._tcp.example.org"):
            connect("ldap:///dc=example,dc=org", resolver=resolver(port), timeout=5)
        zone.records["_ldap._tcp.example.info"] = [(0, 0, 0, "."), (10, 0, live, "localhost.")]  # "." skipped
        with connect("ldap:///dc=example,dc=info", resolver=resolver(port), timeout=5) as ldap:
            assert ldap.who_am_i() == ""
        zone.records["_ldap._tcp.example.net"] = [(0, 0, 0, ".")]  # RFC 2782: the service is not offered
        with pytest.raises(DiscoveryError, match="names no LDAP server"):
            connect("ldap:///dc=example,dc=net", resolver=resolver(port), timeout=5)


def test_the_asyncio_client_finds_ldaps_servers(dns_server: tuple[Zone, int]) -> None:
    zone, port = dns_server
    with server_thread(make_service()) as info:
        live = int(info["url"].rsplit(":", 1)[1])
        zone.records["_ldap._tcp.example.com"] = [(5, 0, closed_port(), "localhost."), (5, 0, live, "localhost.")]
        zone.records["_ldaps._tcp.example.com"] = [(1, 0, closed_port(), "localhost.")]

        async def main() -> None:
            async with await connect_async("ldap:///dc=example,dc=com", resolver=resolver(port, dns_asyncresolver),
                                           timeout=5) as ldap:
                await ldap.bind(ADMIN, ADMIN_PW)
                assert await ldap.who_am_i() == "dn:" + ADMIN
            with pytest.raises(ConnectionError, match="no server of example.com answered"):
                await connect_async("ldaps:///dc=example,dc=com", resolver=resolver(port, dns_asyncresolver),
                                    timeout=5)

        asyncio.run(main())
