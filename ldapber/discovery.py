"""Finding a domain's LDAP servers through DNS SRV records (RFC 2782).

``connect("ldap:///dc=example,dc=com")`` (no host, a DN of ``dc=``
components, as OpenLDAP reads it) asks DNS for ``_ldap._tcp.example.com``
(``_ldaps._tcp`` for ``ldaps://``) and tries the targets in RFC 2782 order:
lowest priority first, and within a priority a weighted random order, so
that clients spread over the servers as the domain's administrator asked.
The lookup uses dnspython, an optional dependency (``pip install
ldapber[srv]``); ordering and naming are here without it.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any, NamedTuple

from .errors import LDAPBERError
from .model.dn import DNSyntaxError, parse_dn

__all__ = ["DiscoveryError", "SRVTarget", "domain_of", "lookup", "lookup_async", "order_targets"]


class DiscoveryError(LDAPBERError, LookupError):
    """DNS names no LDAP server for the domain (no SRV records, or the "."
    target that says the service is not offered), or the lookup failed."""


class SRVTarget(NamedTuple):
    """One SRV record's answer: where to connect, and how to rank it."""

    host: str
    port: int
    priority: int = 0
    weight: int = 0


def domain_of(dn: str) -> str | None:
    """The DNS domain a DN names by its ``dc=`` components (RFC 2247):
    ``dc=example,dc=com`` -> ``example.com``; None if the DN has no such
    components (then there is nothing to look up)."""
    try:
        parsed = parse_dn(dn)
    except DNSyntaxError:
        return None
    labels = [str(ava.value) for rdn in parsed for ava in rdn if ava.type.lower() in ("dc", "domaincomponent")]
    return ".".join(labels) if labels and all(labels) else None


def order_targets(targets: Iterable[SRVTarget], rng: random.Random | None = None) -> list[SRVTarget]:
    """The targets in the order RFC 2782 says to try them: by priority, and
    within one priority by repeated weighted choice (weight 0 keeps a small
    chance, as the RFC's running-sum selection gives it)."""
    pick = rng or random.Random()
    targets = list(targets)
    out: list[SRVTarget] = []
    for priority in sorted({t.priority for t in targets}):
        group = sorted((t for t in targets if t.priority == priority), key=lambda t: t.weight)  # zero weights first
        while group:
            chosen = pick.randint(0, sum(t.weight for t in group))
            running = 0
            for i, target in enumerate(group):
                running += target.weight
                if running >= chosen:
                    out.append(group.pop(i))
                    break
    return out


def _service_name(domain: str, tls: bool) -> str:
    return f"_{'ldaps' if tls else 'ldap'}._tcp.{domain.strip('.')}"


def _targets(answer: Iterable[Any], domain: str, name: str) -> list[SRVTarget]:
    targets = [SRVTarget(str(r.target).rstrip("."), int(r.port), int(r.priority), int(r.weight)) for r in answer]
    targets = [t for t in targets if t.host]  # RFC 2782: the target "." means no such service there
    if not targets:
        raise DiscoveryError(f"{name}: DNS names no LDAP server for {domain}")
    return order_targets(targets)


def _dns(module: str) -> Any:
    try:
        return __import__(f"dns.{module}", fromlist=["Resolver"])
    except ImportError as exc:
        raise ImportError("DNS SRV discovery needs dnspython: pip install 'ldapber[srv]'") from exc


def lookup(domain: str, *, tls: bool = False, resolver: Any = None) -> list[SRVTarget]:
    """The LDAP servers of ``domain``, in the order to try them (blocking).
    ``resolver`` is a ``dns.resolver.Resolver`` (the system's by default)."""
    dns = _dns("resolver")
    name = _service_name(domain, tls)
    try:
        answer = (resolver or dns.Resolver()).resolve(name, "SRV")
    except _dns("exception").DNSException as exc:  # NXDOMAIN, no answer, timeout, no nameservers
        raise DiscoveryError(f"{name}: {exc}") from exc
    return _targets(answer, domain, name)


async def lookup_async(domain: str, *, tls: bool = False, resolver: Any = None) -> list[SRVTarget]:
    """:func:`lookup` for asyncio; ``resolver`` is a ``dns.asyncresolver.Resolver``."""
    dns = _dns("asyncresolver")
    name = _service_name(domain, tls)
    try:
        answer = await (resolver or dns.Resolver()).resolve(name, "SRV")
    except _dns("exception").DNSException as exc:
        raise DiscoveryError(f"{name}: {exc}") from exc
    return _targets(answer, domain, name)
