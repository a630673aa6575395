"""What a client does for each LDAP operation, without I/O.

The asyncio client (:mod:`ldapber.aio.client`) and the blocking one
(:mod:`ldapber.sync.client`) differ only in how they wait for bytes; the
requests they build from their arguments, how they read the responses and
which result codes raise are here, once.  Each operation is a request
builder (arguments -> protocol op) and, where the answer needs reading, an
outcome function (final message -> what the method returns).
"""

from __future__ import annotations

import copy
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..controls import PagedResults, decode_response_control
from ..discovery import domain_of
from ..extended import PasswordModifyRequest, PasswordModifyResponse
from ..model import (
    AddRequest,
    Attribute,
    AttributeValueAssertion,
    BindRequest,
    Change,
    CompareRequest,
    Control,
    DelRequest,
    DerefAliases,
    ExtendedRequest,
    ExtendedResponse,
    LDAPMessage,
    LDAPResult,
    ModifyDNRequest,
    ModifyRequest,
    Operation,
    PartialAttribute,
    ResultCode,
    SaslCredentials,
    Scope,
    SearchRequest,
    SearchResultDone,
    SearchResultEntry,
    SearchResultReference,
    Simple,
)
from ..model.filters import Filter, parse_filter
from ..model.results import raise_for_result
from ..model.url import LDAPURL, parse_url
from ..sasl.mechanism import MAX_SASL_STEPS, ClientMechanism, SASLError
from .client import Response

__all__ = [
    "AbandonedError",
    "ConnectionClosedError",
    "Endpoint",
    "FilterCache",
    "ModifyOperation",
    "SearchItem",
    "SaslBind",
    "Values",
    "endpoint",
]

Values = Iterable[bytes | str]
SearchItem = SearchResultEntry | SearchResultReference
SUCCESS_ONLY = (ResultCode.SUCCESS,)
_SUCCESS = ResultCode.SUCCESS  # looked up once (EnumMeta.__getattr__ is slow on 3.10-3.11)
COMPARED = (ResultCode.COMPARE_TRUE, ResultCode.COMPARE_FALSE)


class ConnectionClosedError(ConnectionError):
    """The connection closed (or the server said goodbye) while an operation waited."""


class AbandonedError(Exception):
    """The operation was abandoned (``abandon(message_id)`` on its connection,
    perhaps from another task) while its caller waited for its result: the
    server sends nothing more for it (RFC 4511 4.11)."""

    def __init__(self, message_id: int) -> None:
        super().__init__(f"operation {message_id} was abandoned before its result came")
        self.message_id = message_id


# -- where to connect --------------------------------------------------------------
@dataclass(frozen=True)
class Endpoint:
    """Where an LDAP URL points: a TCP host and port (``tls``: LDAPS, TLS
    from the first byte) or, for ``ldapi://``, a Unix socket path."""

    host: str
    port: int
    tls: bool = False
    path: str | None = None  # ldapi: the socket's file
    domain: str | None = None  # no host, a dc= DN: the servers DNS SRV names for this domain


#: Where OpenLDAP's tools look when an ldapi:// URL names no socket.
DEFAULT_LDAPI_PATH = "/var/run/slapd/ldapi"


def endpoint(url: str) -> Endpoint:
    """``ldap://host:port`` (389), ``ldaps://host:port`` (636), or
    ``ldapi://%2Fpath%2Fto%2Fsocket`` (the path percent-encoded, as
    OpenLDAP writes it); with no host but a DN of ``dc=`` components
    (``ldap:///dc=example,dc=com``), the domain whose SRV records name the
    servers (:mod:`ldapber.discovery`); with neither, localhost."""
    parsed = parse_url(url)
    if parsed.scheme == "ldapi":
        return Endpoint("", 0, path=parsed.host or DEFAULT_LDAPI_PATH)
    tls = parsed.scheme == "ldaps"
    port = parsed.port or (636 if tls else 389)
    if not parsed.host:
        domain = domain_of(parsed.dn)
        if domain is not None:
            return Endpoint("", port, tls, domain=domain)
    return Endpoint(parsed.host or "localhost", port, tls)


# -- requests ------------------------------------------------------------------------
def as_bytes(values: Values) -> list[bytes]:
    """Attribute values as bytes (str is UTF-8, as LDAP strings are); one
    str or bytes is one value."""
    if isinstance(values, (str, bytes)):
        values = (values,)
    return [v.encode("utf-8") if isinstance(v, str) else bytes(v) for v in values]


def opt_bytes(value: bytes | str | None) -> bytes | None:
    return value.encode("utf-8") if isinstance(value, str) else value


class ModifyOperation(str, enum.Enum):
    """The kinds of change in a modify (RFC 4511 4.6); ``increment`` is RFC 4525's."""

    ADD = "add"
    DELETE = "delete"
    REPLACE = "replace"
    INCREMENT = "increment"

    @classmethod
    def of(cls, name: ModifyOperation | Operation | str) -> int:
        """The protocol's number for a change kind given by name, member or number."""
        if isinstance(name, cls):
            return _MODIFY_CODES[name]
        if isinstance(name, int):  # Operation, or a raw number the caller chose
            return int(name)
        try:
            return _MODIFY_CODES[cls(name.lower())]
        except (ValueError, AttributeError):
            known = ", ".join(repr(m.value) for m in cls)
            raise ValueError(f"unknown modify operation {name!r}: expected one of {known}") from None


_MODIFY_CODES = {ModifyOperation.ADD: 0, ModifyOperation.DELETE: 1, ModifyOperation.REPLACE: 2,
                 ModifyOperation.INCREMENT: 3}


def bind_request(name: str, password: bytes | str) -> BindRequest:
    return BindRequest(3, name, Simple(password.encode("utf-8") if isinstance(password, str) else password))


class SaslBind:
    """One SASL bind's round trips (RFC 4511 4.2, 4.2.2): the requests to
    send and the check of each BindResponse, for both clients::

        exchange = SaslBind(mechanism)
        request = exchange.first()
        while request is not None:
            request = exchange.next(<the final message answering request>)

    ``exchange.result`` is then the successful BindResponse message.  A
    result other than success or saslBindInProgress raises its
    LDAPResultError; a server message the mechanism cannot verify raises
    SASLError; more than MAX_SASL_STEPS round trips raise SASLError."""

    def __init__(self, mechanism: ClientMechanism) -> None:
        self.mechanism = mechanism
        self.steps = 0
        self.result: LDAPMessage | None = None

    def first(self) -> BindRequest:
        return self._request(self.mechanism.initial_response())

    def _request(self, credentials: bytes | None) -> BindRequest:
        self.steps += 1
        if self.steps > MAX_SASL_STEPS:
            raise SASLError(f"{self.mechanism.name}: more than {MAX_SASL_STEPS} round trips; giving up")
        return BindRequest(3, "", SaslCredentials(self.mechanism.name, credentials=credentials))

    def next(self, msg: LDAPMessage) -> BindRequest | None:
        """The next request, or None when the bind is complete and verified."""
        check_result(msg, (ResultCode.SUCCESS, ResultCode.SASL_BIND_IN_PROGRESS))
        op = msg.protocol_op
        creds = getattr(op, "server_sasl_creds", None)
        if op.result_code == ResultCode.SASL_BIND_IN_PROGRESS:  # type: ignore[union-attr]
            return self._request(self.mechanism.respond(creds or b""))
        self.mechanism.verify(creds)
        self.result = msg
        return None


def compare_request(dn: str, attribute: str, value: bytes | str) -> CompareRequest:
    return CompareRequest(dn, AttributeValueAssertion(attribute, value.encode("utf-8") if isinstance(value, str)
                                                      else value))


def add_request(dn: str, attributes: Mapping[str, Values]) -> AddRequest:
    return AddRequest(dn, [Attribute(name, as_bytes(vals)) for name, vals in attributes.items()])


def modify_request(dn: str, changes: Iterable[tuple[ModifyOperation | Operation | str, str, Values]]) -> ModifyRequest:
    """``changes``: (kind, attribute, values); kind is a :class:`ModifyOperation`
    or its name ("add", "delete", "replace", "increment")."""
    items = [Change(ModifyOperation.of(kind), PartialAttribute(attr, as_bytes(vals)))  # type: ignore[arg-type]
             for kind, attr, vals in changes]
    return ModifyRequest(dn, items)


def modify_dn_request(dn: str, new_rdn: str, delete_old_rdn: bool, new_superior: str | None) -> ModifyDNRequest:
    return ModifyDNRequest(dn, new_rdn, delete_old_rdn, new_superior=new_superior)


def password_modify_request(user: bytes | str | None, old: bytes | str | None,
                            new: bytes | str | None) -> ExtendedRequest:
    return PasswordModifyRequest(opt_bytes(user), opt_bytes(old), opt_bytes(new)).to_request()


class FilterCache:
    """Filter text -> parsed filter, for a connection that repeats searches
    (bounded: cleared when full).  A parsed filter is never mutated: it is
    only encoded."""

    __slots__ = ("_parsed", "limit")

    def __init__(self, limit: int = 256) -> None:
        self._parsed: dict[str, Filter] = {}
        self.limit = limit

    def search_request(self, base: str, filter: str | Filter, scope: Scope, attributes: Iterable[str],
                       size_limit: int, time_limit: int, types_only: bool, deref: DerefAliases) -> SearchRequest:
        if isinstance(filter, str):
            flt = self._parsed.get(filter)
            if flt is None:
                if len(self._parsed) >= self.limit:
                    self._parsed.clear()
                flt = self._parsed[filter] = parse_filter(filter)
        else:
            flt = filter
        if isinstance(attributes, str):
            attributes = (attributes,)  # one name, not its letters
        return SearchRequest(base, scope, deref, size_limit, time_limit, types_only, flt, list(attributes))


def paged_control(page_size: int, cookie: bytes) -> Control:
    return PagedResults(page_size, cookie, criticality=True).to_control()


def next_page_cookie(done: LDAPMessage) -> bytes:
    """The cookie of the paged-results control in a SearchResultDone; b"" when the last page came."""
    for control in done.controls or []:
        typed = decode_response_control(control)
        if isinstance(typed, PagedResults):
            return typed.cookie
    return b""


# -- responses -----------------------------------------------------------------------
def final_message(responses: list[Response]) -> LDAPMessage | None:
    for response in responses:
        if response.final:
            return response.message
    return None


def check_result(msg: LDAPMessage, ok: tuple[int, ...] = SUCCESS_ONLY) -> LDAPMessage:
    """A result code other than those in ``ok`` raises its LDAPResultError."""
    result = msg.protocol_op
    assert isinstance(result, LDAPResult)
    if result.result_code not in ok:
        raise_for_result(result, msg.controls)
    return msg


def compared(msg: LDAPMessage) -> bool:
    return msg.protocol_op.result_code == ResultCode.COMPARE_TRUE  # type: ignore[union-attr]


def extended_response(msg: LDAPMessage) -> ExtendedResponse:
    assert isinstance(msg.protocol_op, ExtendedResponse)
    return msg.protocol_op


def authz_id(response: ExtendedResponse) -> str:
    """Who am I? (RFC 4532): "" when anonymous, else "dn:..." or "u:..."."""
    return (response.response_value or b"").decode("utf-8")


def generated_password(msg: LDAPMessage) -> bytes | None:
    return PasswordModifyResponse.from_response(extended_response(msg)).generated_password


def split_search(responses: list[Response]) -> tuple[list[SearchItem], LDAPMessage | None]:
    """The entries and references among a search's responses, and its final
    SearchResultDone message if it came."""
    items: list[SearchItem] = []
    return items, collect_search(responses, items, (SearchResultEntry, SearchResultReference))


def collect_search(responses: list[Response], into: list[Any], kinds: type | tuple[type, ...]) -> LDAPMessage | None:
    """Append the results of the ``kinds`` among a search's responses to
    ``into``; return its final message if it came."""
    final: LDAPMessage | None = None
    for response in responses:
        if response.final:
            final = response.message
        else:
            result = response.message.protocol_op
            if isinstance(result, kinds):
                into.append(result)
    return final


def finish_search(final: LDAPMessage, done: list[LDAPMessage] | None) -> None:
    """The search is complete: hand the final message to ``done``; a result other than success raises."""
    if done is not None:
        done.append(final)
    result = final.protocol_op
    assert isinstance(result, SearchResultDone)
    if result.result_code != _SUCCESS:
        raise_for_result(result, final.controls)


# -- referrals -----------------------------------------------------------------------
@dataclass(frozen=True)
class ReferralPolicy:
    """Whether a client follows referrals (RFC 4511 4.1.10) and continuation
    references (4.5.3) of searches, and referral results of adds, modifies,
    deletes, modify DNs and compares.  ``hops`` 0, the default, returns them as
    data: SearchResultReference items, and a referral result raises
    ReferralError with its URLs.  ``hops`` n > 0 follows them n servers deep
    (past that they are data again), never to the same server, base and scope
    twice in one search (a loop ends there).  Referred servers are searched
    anonymously unless ``send_credentials``: then this connection's simple
    bind is repeated there, as it might be to a server you did not choose."""

    hops: int = 0
    send_credentials: bool = False

    def deeper(self) -> ReferralPolicy:
        return ReferralPolicy(self.hops - 1, self.send_credentials)


#: The default: referrals and continuation references are returned as data.
NO_REFERRALS = ReferralPolicy()

#: Where a search has been: (scheme, host, port, base, scope), for loop detection.
Visited = set[tuple[str, str, int, str, int]]


def server_url(tls: bool, host: str, port: int) -> str:
    """``ldap(s)://host:port``, an IPv6 address in brackets as URLs write it."""
    return f"{'ldaps' if tls else 'ldap'}://{f'[{host}]' if ':' in host else host}:{port}"


def unanswered(what: str, failures: list[str]) -> ConnectionError:
    """The error when none of the servers tried answered."""
    return ConnectionError(f"no {what} answered: " + "; ".join(failures))


@dataclass(frozen=True)
class ReferredSearch:
    """Part of a search to run elsewhere: alternative places to try in
    order, each a server (``scheme://host:port``), the base, the scope and
    the filter there (None: the search's own)."""

    targets: tuple[tuple[str, str, Scope, str | None], ...]


def search_visited(origin: tuple[str, str, int] | None, base: str, scope: Scope) -> Visited:
    """The places a search has been, to start with: where it is sent first."""
    return {(*origin, base.lower(), int(scope))} if origin is not None else set()


def _server_of(url: str) -> tuple[LDAPURL, str, int] | None:
    """A referral URL that names a server to connect to, with its host and
    port; None for a malformed one, another scheme, or one without a host."""
    try:
        parsed = parse_url(url)
    except ValueError:
        return None
    if parsed.scheme not in ("ldap", "ldaps") or not parsed.host:
        return None
    return parsed, parsed.host, parsed.port or (636 if parsed.scheme == "ldaps" else 389)


def referred_searches(groups: Iterable[Iterable[str]], base: str, scope: Scope, *, continuation: bool,
                      visited: Visited) -> list[ReferredSearch]:
    """The searches that continue one, from its references (each a group of
    alternative URLs) or its referral result (one group), per RFC 4511
    4.1.10 and 4.5.3: a URL's DN, scope and filter, where present, replace
    the search's own; without a scope, a continuation of a one-level search
    is a base search.  URLs without a host (nothing to connect to), of other
    schemes, or already visited in this search are left out."""
    out: list[ReferredSearch] = []
    default_scope = Scope.BASE_OBJECT if continuation and scope == Scope.SINGLE_LEVEL else scope
    for group in groups:
        targets: list[tuple[str, str, Scope, str | None]] = []
        for url in group:
            usable = _server_of(url)
            if usable is None:
                continue
            parsed, host, port = usable
            target = parsed.dn or base
            new_scope = parsed.scope if parsed.scope is not None else default_scope
            key = (parsed.scheme, host.lower(), port, target.lower(), int(new_scope))
            if key in visited:
                continue
            visited.add(key)
            targets.append((server_url(parsed.scheme == "ldaps", host, port), target, new_scope, parsed.filter))
        if targets:
            out.append(ReferredSearch(tuple(targets)))
    return out


#: The requests whose referral result a ReferralPolicy follows besides searches
#: (RFC 4511 4.1.10), and the field that holds their target DN (which a
#: referral URL may replace; the server's stats log prints it).
TARGET_FIELD = {AddRequest: "entry", ModifyRequest: "object", DelRequest: "value", ModifyDNRequest: "entry",
                 CompareRequest: "entry"}


def referred_operation(msg: LDAPMessage, op: object, chase: bool, origin: tuple[str, str, int] | None,
                       visited: Visited | None) -> tuple[list[tuple[str, object]], Visited | None]:
    """Where an add, modify, delete, modify DN or compare answered with a
    referral goes next: (server URL, the request with the URL's DN, if any,
    as its target) in the referral's order, leaving out URLs without a host,
    of other schemes, or already tried by this operation (``visited``: its
    places so far, started here from ``origin``).  Empty when not chasing
    or not a referral: the caller checks the result as usual."""
    result, field_name = msg.protocol_op, TARGET_FIELD.get(type(op))
    if not chase or field_name is None or not isinstance(result, LDAPResult) \
            or result.result_code != ResultCode.REFERRAL:
        return [], visited
    if visited is None:
        visited = {(*origin, str(getattr(op, field_name)).lower(), -1)} if origin is not None else set()
    out: list[tuple[str, object]] = []
    for url in result.referral or []:
        usable = _server_of(url)
        if usable is None:
            continue
        parsed, host, port = usable
        target = parsed.dn or str(getattr(op, field_name))
        key = (parsed.scheme, host.lower(), port, target.lower(), -1)
        if key in visited:
            continue
        visited.add(key)
        moved = copy.copy(op)
        setattr(moved, field_name, target)
        out.append((server_url(parsed.scheme == "ldaps", host, port), moved))
    return out, visited


def chased_referral(final: LDAPMessage, chase: bool, base: str, scope: Scope, done: list[LDAPMessage] | None,
                    visited: Visited) -> list[ReferredSearch]:
    """A search's end: :func:`finish_search`, except that with ``chase`` a
    referral result with somewhere new to go becomes the search to run there
    (else it raises ReferralError, as data)."""
    result = final.protocol_op
    if chase and isinstance(result, SearchResultDone) and result.result_code == ResultCode.REFERRAL:
        referred = referred_searches([result.referral or []], base, scope, continuation=False, visited=visited)
        if referred:
            if done is not None:
                done.append(final)
            return referred
    finish_search(final, done)
    return []
