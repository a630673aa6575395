"""LDAP operations over a :class:`~.dit.Directory`: the server's brain.

:class:`DirectoryService` turns each request (an :class:`~ldapber.LDAPMessage`)
into the responses RFC 4511 prescribes, for the connection's identity
(:class:`ldapber.aio.Session`).  It is what ``python -m ldapber serve`` runs
behind :class:`ldapber.aio.LDAPServer`, and it is plain synchronous code:
the asyncio shim calls :meth:`DirectoryService.handle` and sends what it
yields.

Access, as slapd's defaults and RFC 4513 suggest:

- anyone may read, except ``userPassword`` (only its owner and the
  administrator see or compare it);
- writes need authentication: anonymous ones get strongerAuthRequired;
- an authenticated user may change its own ``userPassword`` (Modify or
  Password Modify) and nothing else: insufficientAccessRights;
- the administrator (``root_dn``) may do everything.

Binds: anonymous, or simple with a DN and a password (cleartext,
``{SHA}``, ``{SSHA}`` or ``{SCRAM-SHA-256}`` userPassword values); a DN
with an empty password is an unauthenticated bind, refused with
unwillingToPerform (RFC 4513 5.1.2); a version other than 3 is
protocolError; with ``require_tls`` a simple bind before TLS is
confidentialityRequired.  SASL: EXTERNAL, PLAIN and SCRAM-SHA-256 (see
:mod:`.saslbind`).
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from .._version import __version__
from ..controls import PagedResults, decode_control
from ..errors import LDAPBERError
from ..extended import (
    PASSWORD_MODIFY_OID,
    STARTTLS_OID,
    WHOAMI_OID,
    PasswordModifyRequest,
    PasswordModifyResponse,
)
from ..model import (
    DN,
    AddRequest,
    AddResponse,
    BindRequest,
    BindResponse,
    CompareRequest,
    CompareResponse,
    Control,
    DelRequest,
    DelResponse,
    ExtendedRequest,
    ExtendedResponse,
    LDAPMessage,
    ModifyDNRequest,
    ModifyDNResponse,
    ModifyRequest,
    ModifyResponse,
    Operation,
    ResultCode,
    SaslCredentials,
    Scope,
    SearchRequest,
    SearchResultDone,
    SearchResultEntry,
    Simple,
)
from ..model.dn import DNSyntaxError, parse_dn, parse_rdn
from ..proto.rules import FINAL_RESPONSE as _RESPONSES
from ..proto.server import EncodedResponse, Pause
from ..sasl.passwords import check_password
from .dit import Directory
from .entry import Entry
from .errors import DirectoryError
from .matching import compare, evaluate
from .saslbind import SASL_MECHANISMS, SaslBinds
from .throttle import BindThrottle

__all__ = ["DirectoryService", "hash_password", "check_password"]

PAGED_OID = PagedResults.OID
MANAGE_DSA_IT_OID = "2.16.840.1.113730.3.4.2"
#: Controls the service understands, and the operations they apply to.
SUPPORTED_CONTROLS: dict[str, tuple[type, ...]] = {
    PAGED_OID: (SearchRequest,),
    MANAGE_DSA_IT_OID: (SearchRequest, ModifyRequest, AddRequest, DelRequest, ModifyDNRequest, CompareRequest),
}
#: Operational attributes computed when asked for, not stored.
COMPUTED = ("entryDN", "hasSubordinates", "subschemaSubentry")
_COMPUTED_LOWER = frozenset(c.lower() for c in COMPUTED)
_OPS = {Operation.ADD: "add", Operation.DELETE: "delete", Operation.REPLACE: "replace"}


def hash_password(password: bytes, salt: bytes | None = None) -> bytes:
    """``{SSHA}`` of ``password``: base64(SHA-1(password + salt) + salt)."""
    salt = os.urandom(8) if salt is None else salt
    return b"{SSHA}" + base64.b64encode(hashlib.sha1(password + salt).digest() + salt)


class SessionView(Protocol):
    """What the service reads and keeps of a connection (the asyncio server's
    :class:`~ldapber.aio.Session` is one): the peer (``host:port``), who is
    bound, whether TLS is on, and a dict for per-connection state
    (paged-search cookies).  The bind sets ``bound_dn``."""

    peer: str
    bound_dn: str
    tls_active: bool
    state: dict[str, object]


#: What the service yields: messages, entries sent as their stored encodings, and pauses.
Reply = LDAPMessage | EncodedResponse | Pause
#: Stored encodings handed to the server at once (one protocol check, one write per batch).
ENCODED_BATCH = 64
#: Entries a search looks at between two points where the server may run other connections:
#: a scan that matches nothing must not stall the others.
SCAN_SLICE = 64


@dataclass
class _Paged:
    entries: list[Entry]
    request: SearchRequest
    pos: int = 0


@dataclass
class DirectoryService:
    """See the module docstring.  ``session`` objects need ``bound_dn``,
    ``tls_active`` and ``state`` attributes (see :class:`ldapber.aio.Session`)."""

    directory: Directory
    root_dn: str = ""
    root_password: bytes = b""
    starttls_available: bool = False
    require_tls: bool = False
    #: Server-side limits on searches, as slapd's sizelimit and timelimit
    #: (0: none).  A client's smaller limit wins; the root DN has none.
    max_size_limit: int = 10_000
    max_time_limit: float = 0
    vendor_name: str = "ldapber"
    #: Failed simple binds slow the next ones, per DN and per address (see :mod:`.throttle`).
    bind_throttle: BindThrottle = field(default_factory=BindThrottle)
    #: SASL mechanisms offered (see :mod:`.saslbind`); () turns SASL off.
    sasl_mechanisms: tuple[str, ...] = SASL_MECHANISMS
    #: EXTERNAL identity DN -> directory DN, e.g. the peercred DN of uid 0 -> the root DN.
    external_identities: Mapping[str, str] = field(default_factory=dict)
    _root_key: Any = field(default=None, init=False, repr=False)
    _sasl: SaslBinds = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.root_dn:
            self._root_key = self.directory.key(parse_dn(self.root_dn))
        self._sasl = SaslBinds(self.directory, self.root_dn, self.root_password, self.sasl_mechanisms,
                               self.external_identities)

    # -- dispatch ----------------------------------------------------------------------------------
    def handle(self, request: LDAPMessage, session: SessionView) -> Iterator[Reply]:
        mid, op = request.message_id, request.protocol_op
        handler = _HANDLERS.get(type(op))
        if handler is None:  # the connection machine only lets requests through
            raise TypeError(f"not a request: {type(op).__name__}")
        response_type = _RESPONSES[type(op)]
        try:
            self._check_controls(op, request.controls)
            yield from handler(self, mid, op, request.controls or [], session)
        except DirectoryError as err:  # SchemaViolation included
            yield LDAPMessage(mid, response_type(err.result_code, err.matched_dn, err.message))
        except DNSyntaxError as err:  # a DN in the request
            yield LDAPMessage(mid, response_type(err.result_code, "", str(err)))

    def _check_controls(self, op: object, controls: list[Control] | None) -> None:
        for control in controls or ():
            applies = SUPPORTED_CONTROLS.get(control.control_type, ())
            if control.criticality and not isinstance(op, applies):
                raise DirectoryError(ResultCode.UNAVAILABLE_CRITICAL_EXTENSION,
                                     f"critical control {control.control_type} is not supported here")

    # -- identity ----------------------------------------------------------------------------------
    def is_privileged(self, session: SessionView) -> bool:
        """Bound as the root DN: may use a full server's connection reserve."""
        return self._is_root(session.bound_dn)

    def _limits(self, op: SearchRequest, session: SessionView) -> tuple[int, float]:
        """(size limit, time limit in seconds) of a search; 0 is none."""
        if self._is_root(session.bound_dn):
            return op.size_limit, op.time_limit
        return int(_limit(op.size_limit, self.max_size_limit)), _limit(op.time_limit, self.max_time_limit)

    def _is_root(self, dn: str) -> bool:
        return bool(dn) and self._root_key is not None and self.directory.lookup(dn)[1] == self._root_key

    def _is_self(self, session: SessionView, dn: DN) -> bool:
        # Called for every entry a search returns: the bound DN's key comes
        # from the directory's cache rather than a parse per entry.
        return bool(session.bound_dn) and self.directory.lookup(session.bound_dn)[1] == self.directory.key(dn)

    def _may_write(self, session: SessionView, what: str) -> None:
        if not session.bound_dn:
            raise DirectoryError(ResultCode.STRONGER_AUTH_REQUIRED, "modifications require authentication")
        if not self._is_root(session.bound_dn):
            raise DirectoryError(ResultCode.INSUFFICIENT_ACCESS_RIGHTS, f"no write access to {what}")

    # -- bind --------------------------------------------------------------------------------------
    def _bind(self, mid: int, op: BindRequest, controls: list[Control], session: SessionView) -> Iterator[Reply]:
        session.bound_dn = ""  # a bind, even a failed one, resets the identity (RFC 4511 4.2.1)
        if op.version != 3:
            raise DirectoryError(ResultCode.PROTOCOL_ERROR, f"LDAP version {op.version} is not supported")
        auth = op.authentication
        if isinstance(auth, SaslCredentials):
            yield from self._sasl_bind(mid, auth, session)
            return
        session.state.pop("sasl-bind", None)  # a simple bind aborts a SASL exchange in progress
        if not isinstance(auth, Simple):
            raise DirectoryError(ResultCode.AUTH_METHOD_NOT_SUPPORTED, "unknown authentication choice")
        password, name = auth.value, op.name
        if not name and not password:
            yield LDAPMessage(mid, BindResponse(ResultCode.SUCCESS, "", ""))
            return
        if self.require_tls and not session.tls_active:
            raise DirectoryError(ResultCode.CONFIDENTIALITY_REQUIRED, "simple binds need TLS (use StartTLS)")
        if name and not password:
            raise DirectoryError(ResultCode.UNWILLING_TO_PERFORM, "unauthenticated bind (DN with no password) "
                                 "is not allowed (RFC 4513 5.1.2)")
        dn, key = self.directory.lookup(name) if name else (None, ())  # parsed once per distinct DN text
        keys = [("dn", key), ("address", _address(session.peer))]
        yield from self._admit(keys, "for this DN or from this address")
        if dn is not None and self._is_root(name):
            stored = [self.root_password] if self.root_password else []
        else:
            entry = self.directory.get(dn, key) if dn is not None else None
            stored = entry.get("userPassword") if entry is not None else []
        if not any(check_password(v, password) for v in stored):
            self.bind_throttle.failed(keys)
            raise DirectoryError(ResultCode.INVALID_CREDENTIALS, "invalid credentials")
        self.bind_throttle.succeeded(keys)
        session.bound_dn = self.directory.dn_text(name)
        yield LDAPMessage(mid, BindResponse(ResultCode.SUCCESS, "", ""))

    def _admit(self, keys: list[tuple[str, Any]], where: str) -> Iterator[Reply]:
        """The bind throttle's wait before a bind is checked: this connection
        pauses, the others go on; past the limit the bind is refused unchecked,
        after the longest delay (a guessing loop does not spin)."""
        wait = self.bind_throttle.admit(keys)
        if wait is None:
            yield Pause(self.bind_throttle.max_delay)  # type: ignore[misc]
            raise DirectoryError(ResultCode.UNWILLING_TO_PERFORM, f"too many failed binds {where}: "
                                 f"try again in {self.bind_throttle.max_delay:g} s")
        if wait:
            yield Pause(wait)  # type: ignore[misc]

    def _sasl_bind(self, mid: int, auth: SaslCredentials, session: SessionView) -> Iterator[Reply]:
        keys = [("address", _address(session.peer))]
        yield from self._admit(keys, "from this address")
        local = getattr(session, "peer_credentials", None) is not None
        yield from self._sasl.bind(mid, auth, session, plain_allowed=session.tls_active or local or not self.require_tls,
                                   failed=lambda: self.bind_throttle.failed(keys))
        if session.bound_dn:
            self.bind_throttle.succeeded(keys)

    # -- search ------------------------------------------------------------------------------------
    def _search(self, mid: int, op: SearchRequest, controls: list[Control], session: SessionView) -> Iterator[Reply]:
        paged = next((decode_control(c) for c in controls if c.control_type == PAGED_OID), None)
        if op.base_object == "" and op.scope == Scope.BASE_OBJECT:
            yield from self._entries(mid, op, [self.root_dse()], session, base_entry=True)
            yield LDAPMessage(mid, SearchResultDone(ResultCode.SUCCESS, "", ""))
            return
        if not isinstance(op.scope, Scope):
            raise DirectoryError(ResultCode.PROTOCOL_ERROR, f"unknown search scope {op.scope}")
        base = self.directory.require_text(op.base_object).dn
        if isinstance(paged, PagedResults):
            yield from self._paged(mid, op, base, paged, session)
            return
        limit, seconds = self._limits(op, session)
        deadline = time.monotonic() + seconds if seconds else None
        sent = 0
        probes = _mentions_password(op.filter)
        flt = op.filter
        replies = self._replies(mid, op, session)
        batch: list[bytes] = []  # stored encodings, sent ENCODED_BATCH at a time
        scanned = 0
        for entry in self.directory.search(base, op.scope, flt):
            if deadline is not None and time.monotonic() > deadline:
                raise DirectoryError(ResultCode.TIME_LIMIT_EXCEEDED, "time limit exceeded")
            scanned += 1
            if scanned % SCAN_SLICE == 0:  # a long scan lets other connections run, matches or not
                yield EncodedResponse(mid, SearchResultEntry, batch)  # an empty batch: a scheduling point
                batch = []
            if not (self._matches(flt, entry, session, probes) if probes else evaluate(flt, entry) is True):
                continue
            if sent == limit and limit:
                if batch:
                    yield EncodedResponse(mid, SearchResultEntry, batch)
                raise DirectoryError(ResultCode.SIZE_LIMIT_EXCEEDED, f"more than {limit} entries match")
            reply = replies(entry)
            if type(reply) is bytes:
                batch.append(reply)
                if len(batch) == ENCODED_BATCH:
                    yield EncodedResponse(mid, SearchResultEntry, batch)
                    batch = []
            else:
                if batch:
                    yield EncodedResponse(mid, SearchResultEntry, batch)
                    batch = []
                yield reply  # type: ignore[misc]
            sent += 1
        if batch:
            yield EncodedResponse(mid, SearchResultEntry, batch)
        yield LDAPMessage(mid, SearchResultDone(ResultCode.SUCCESS, "", ""))

    def _paged(self, mid: int, op: SearchRequest, base: DN, control: PagedResults,
               session: SessionView) -> Iterator[Reply]:
        assert isinstance(op.scope, Scope)
        pages: dict[bytes, _Paged] = session.state.setdefault("paged", {})  # type: ignore[assignment]
        if control.cookie:
            state = pages.pop(control.cookie, None)
            if state is None or state.request.base_object != op.base_object or state.request.scope != op.scope:
                raise DirectoryError(ResultCode.UNWILLING_TO_PERFORM, "unknown or stale paged-results cookie")
        else:
            probes = _mentions_password(op.filter)
            matches = [e for e in self.directory.search(base, op.scope, op.filter) if self._matches(op.filter, e, session, probes)]
            limit = self._limits(op, session)[0]
            state = _Paged(matches[:limit] if limit else matches, op)
        if control.size == 0:  # RFC 2696: a size of 0 abandons the paged search
            done = PagedResults(0, b"").to_control()
            yield LDAPMessage(mid, SearchResultDone(ResultCode.SUCCESS, "", ""), controls=[done])
            return
        page = state.entries[state.pos:state.pos + control.size]
        state.pos += len(page)
        yield from self._entries(mid, op, page, session)
        cookie = b""
        if state.pos < len(state.entries):
            cookie = secrets.token_bytes(8)
            if len(pages) >= 16:  # bounded per connection: the oldest paged search is dropped
                del pages[next(iter(pages))]
            pages[cookie] = state
        done = PagedResults(len(state.entries), cookie).to_control()
        yield LDAPMessage(mid, SearchResultDone(ResultCode.SUCCESS, "", ""), controls=[done])

    def _hidden(self, entry: Entry, session: SessionView) -> bool:
        """Whether this identity may not see the entry's userPassword."""
        return entry.has("userPassword") and not (self._is_root(session.bound_dn) or self._is_self(session, entry.dn))

    def _visible(self, entry: Entry, session: SessionView) -> Entry:
        """The entry as this identity may see it (no userPassword for others)."""
        if self._hidden(entry, session):
            entry = entry.copy()
            entry.delete_values("userPassword")
        return entry

    def _matches(self, flt: object, entry: Entry, session: SessionView, probes_password: bool) -> bool:
        # Evaluating on a copy without userPassword is only needed when the
        # filter could probe it; most filters cannot.
        target = self._visible(entry, session) if probes_password else entry
        return evaluate(flt, target) is True

    def _entries(self, mid: int, op: SearchRequest, entries: list[Entry], session: SessionView,
                 base_entry: bool = False) -> Iterator[Reply]:
        if base_entry:
            for entry in entries:
                if evaluate(op.filter, entry) is True:
                    yield self._built(mid, op, entry, session, base_entry=True, wants_computed=False)
            return
        replies = self._replies(mid, op, session)
        for entry in entries:
            reply = replies(entry)
            yield EncodedResponse(mid, SearchResultEntry, [reply]) if type(reply) is bytes else reply  # type: ignore[misc]

    def _replies(self, mid: int, op: SearchRequest, session: SessionView) -> Callable[[Entry], LDAPMessage | bytes]:
        """How this search answers with an entry, decided once per request: every user attribute is
        the entry's stored encoding (bytes: unless this identity may not see its userPassword); any
        other selection is built (a message)."""
        wants_computed = _wants_computed(op)
        if op.types_only or wants_computed or not all(a == "*" for a in op.attributes):
            return lambda entry: self._built(mid, op, entry, session, wants_computed=wants_computed)
        hidden, built = self._hidden, self._built

        def reply(entry: Entry) -> LDAPMessage | bytes:
            if hidden(entry, session):
                return built(mid, op, entry, session, wants_computed=False)
            return entry.encoded_search_entry()
        return reply

    def _built(self, mid: int, op: SearchRequest, entry: Entry, session: SessionView, base_entry: bool = False,
               *, wants_computed: bool) -> LDAPMessage:
        """The SearchResultEntry for ``op``'s selection, built for this request (``wants_computed``:
        :func:`_wants_computed` of ``op``, decided once per request)."""
        hide = not base_entry and self._hidden(entry, session)
        shown = entry
        if wants_computed and not base_entry:
            shown = entry.copy()
            shown.update([("entryDN", [str(entry.dn).encode("utf-8")]),
                          ("hasSubordinates", [b"TRUE" if self.directory.has_children(entry.dn) else b"FALSE"]),
                          ("subschemaSubentry", [b"cn=Subschema"])])
        attributes = shown.to_partial_attributes(op.attributes, op.types_only)
        if hide:
            schema = self.directory.schema
            attributes = [a for a in attributes if schema.canonical(a.type).split(";")[0] != "userpassword"]
        return LDAPMessage(mid, SearchResultEntry(str(entry.dn), attributes))

    def root_dse(self) -> Entry:
        """The root DSE (RFC 4512 5.1)."""
        dse = Entry(DN(()), self.directory.schema)
        dse.set("objectClass", [b"top"])
        dse.set("namingContexts", [str(dn).encode("utf-8") for dn in self.directory.naming_contexts()])
        dse.set("supportedLDAPVersion", [b"3"])
        extensions = [WHOAMI_OID, PASSWORD_MODIFY_OID] + ([STARTTLS_OID] if self.starttls_available else [])
        dse.set("supportedExtension", [e.encode("ascii") for e in extensions])
        dse.set("supportedControl", [c.encode("ascii") for c in SUPPORTED_CONTROLS])
        dse.set("supportedSASLMechanisms", [m.encode("ascii") for m in self.sasl_mechanisms])
        dse.set("vendorName", [self.vendor_name.encode("utf-8")])
        dse.set("vendorVersion", [__version__.encode("ascii")])
        return dse

    def cldap(self, request: LDAPMessage) -> list[LDAPMessage]:
        """Connectionless LDAP: only rootDSE searches are answered."""
        op = request.protocol_op
        if not (isinstance(op, SearchRequest) and op.base_object == "" and op.scope == Scope.BASE_OBJECT):
            return []
        session = _AnonymousSession()
        return [r for r in self.handle(request, session) if isinstance(r, LDAPMessage)]  # the rootDSE: messages

    # -- compare -----------------------------------------------------------------------------------
    def _compare(self, mid: int, op: CompareRequest, controls: list[Control], session: SessionView) -> Iterator[LDAPMessage]:
        dn = parse_dn(op.entry)
        entry = self._visible(self.directory.require(dn), session)
        attribute = op.ava.attribute_desc
        if self.directory.schema.canonical(attribute) == "userpassword" and not entry.has("userPassword"):
            raise DirectoryError(ResultCode.INSUFFICIENT_ACCESS_RIGHTS, "no compare access to userPassword")
        code = compare(entry, attribute, op.ava.assertion_value, self.directory.schema)
        yield LDAPMessage(mid, CompareResponse(code, "", ""))

    # -- updates -----------------------------------------------------------------------------------
    def _add(self, mid: int, op: AddRequest, controls: list[Control], session: SessionView) -> Iterator[LDAPMessage]:
        dn = parse_dn(op.entry)
        self._may_write(session, str(dn))
        for attribute in op.attributes:
            if self.directory.schema.attribute(attribute.type).operational:
                raise DirectoryError(ResultCode.CONSTRAINT_VIOLATION, f"{attribute.type}: no user modification")
        entry = Entry.from_record(dn, [(a.type, a.vals) for a in op.attributes], self.directory.schema)
        self.directory.add(entry, by=session.bound_dn)
        yield LDAPMessage(mid, _ok(AddResponse))

    def _delete(self, mid: int, op: DelRequest, controls: list[Control], session: SessionView) -> Iterator[LDAPMessage]:
        dn = parse_dn(op.value)
        self._may_write(session, str(dn))
        self.directory.delete(dn)
        yield LDAPMessage(mid, _ok(DelResponse))

    def _modify(self, mid: int, op: ModifyRequest, controls: list[Control], session: SessionView) -> Iterator[LDAPMessage]:
        dn = parse_dn(op.object)
        changes = []
        for change in op.changes:
            name = _OPS.get(change.operation)  # type: ignore[arg-type]
            if name is None:
                raise DirectoryError(ResultCode.UNWILLING_TO_PERFORM, f"modify operation {change.operation} "
                                     "is not supported")
            attr = change.modification
            if self.directory.schema.attribute(attr.type).operational:
                raise DirectoryError(ResultCode.CONSTRAINT_VIOLATION, f"{attr.type}: no user modification")
            changes.append((name, attr.type, list(attr.vals)))
        own_password = all(self.directory.schema.canonical(a) == "userpassword" for _, a, _ in changes)
        if not (own_password and self._is_self(session, dn)):
            self._may_write(session, str(dn))
        self.directory.modify(dn, changes, by=session.bound_dn)
        yield LDAPMessage(mid, _ok(ModifyResponse))

    def _modify_dn(self, mid: int, op: ModifyDNRequest, controls: list[Control],
                   session: SessionView) -> Iterator[LDAPMessage]:
        dn = parse_dn(op.entry)
        self._may_write(session, str(dn))
        rdn = parse_rdn(op.newrdn)
        superior = parse_dn(op.new_superior) if op.new_superior is not None else None
        self.directory.rename(dn, rdn, op.deleteoldrdn, superior, by=session.bound_dn)
        yield LDAPMessage(mid, _ok(ModifyDNResponse))

    # -- extended ----------------------------------------------------------------------------------
    def _extended(self, mid: int, op: ExtendedRequest, controls: list[Control],
                  session: SessionView) -> Iterator[LDAPMessage]:
        name = op.request_name
        if name == WHOAMI_OID:
            identity = f"dn:{session.bound_dn}" if session.bound_dn else ""
            yield LDAPMessage(mid, ExtendedResponse(ResultCode.SUCCESS, "", "", response_value=identity.encode()))
        elif name == PASSWORD_MODIFY_OID:
            yield LDAPMessage(mid, self._password_modify(op, session))
        else:
            # StartTLS is answered by the transport; anything else is unknown.
            raise DirectoryError(ResultCode.PROTOCOL_ERROR, f"unsupported extended operation {name}")

    def _password_modify(self, op: ExtendedRequest, session: SessionView) -> ExtendedResponse:
        try:
            req = PasswordModifyRequest.from_request(op)
        except LDAPBERError as err:
            raise DirectoryError(ResultCode.PROTOCOL_ERROR, str(err)) from None
        if not session.bound_dn:
            raise DirectoryError(ResultCode.UNWILLING_TO_PERFORM, "only authenticated users may change passwords")
        target = parse_dn(req.user_identity.decode("utf-8", "replace")) if req.user_identity else \
            parse_dn(session.bound_dn)
        is_root, is_self = self._is_root(session.bound_dn), self._is_self(session, target)
        if self._is_root(str(target)):
            raise DirectoryError(ResultCode.UNWILLING_TO_PERFORM, "the administrator's password is configured")
        if not (is_root or is_self):
            raise DirectoryError(ResultCode.INSUFFICIENT_ACCESS_RIGHTS, f"no right to change {target}'s password")
        entry = self.directory.require(target)
        # A user changing its own password, bound as itself, needs no old password (RFC 3062 2.1
        # leaves it optional; slapd asks none); one that is given must be right.
        if is_self and not is_root and req.old_password is not None and not any(
                check_password(v, req.old_password) for v in entry.get("userPassword")):
            raise DirectoryError(ResultCode.UNWILLING_TO_PERFORM, "the old password is wrong")
        generated = None
        new = req.new_password
        if new is None:
            generated = secrets.token_urlsafe(12).encode("ascii")
            new = generated
        self.directory.modify(target, [("replace", "userPassword", [hash_password(new)])], by=session.bound_dn)
        return PasswordModifyResponse(generated).to_response()


def _wants_computed(op: SearchRequest) -> bool:
    """Whether a search asks for the attributes computed per request (entryDN, hasSubordinates, ...)."""
    return "+" in op.attributes or any(a.lower() in _COMPUTED_LOWER for a in op.attributes)


def _address(peer: str) -> str:
    """The host part of a ``host:port`` peer (the whole of anything else, a Unix socket's path)."""
    host, colon, port = peer.rpartition(":")
    return host if colon and port.isdigit() else peer


class _AnonymousSession:
    """A session for a connectionless (CLDAP) request: anonymous, no TLS."""

    def __init__(self) -> None:
        self.peer = ""
        self.bound_dn = ""
        self.tls_active = False
        self.state: dict[str, object] = {}


def _mentions_password(flt: object) -> bool:
    """Whether a filter names userPassword anywhere (by name or OID)."""
    text = str(flt).lower()
    return "userpassword" in text or "2.5.4.35" in text


def _limit(requested: float, server: float) -> float:
    """The limit in force: the smaller of the two, where 0 is none."""
    if not requested or not server:
        return requested or server
    return min(requested, server)


def _ok(kind: type) -> Any:
    return kind(ResultCode.SUCCESS, "", "")


_HANDLERS: dict[type, Callable[..., Iterator[Reply]]] = {
    BindRequest: DirectoryService._bind,
    SearchRequest: DirectoryService._search,
    CompareRequest: DirectoryService._compare,
    AddRequest: DirectoryService._add,
    DelRequest: DirectoryService._delete,
    ModifyRequest: DirectoryService._modify,
    ModifyDNRequest: DirectoryService._modify_dn,
    ExtendedRequest: DirectoryService._extended,
}
