"""The server's SASL binds (RFC 4513 5.2.1): which mechanisms a
:class:`~.service.DirectoryService` offers, who each identity is, and the
state of a multi-step bind between its BindRequests.

Identities, as slapd forms them:

- EXTERNAL over ldapi://: ``gidNumber=<gid>+uidNumber=<uid>,cn=peercred,cn=external,cn=auth``
  (the kernel's SO_PEERCRED); over TLS: the client certificate's subject DN.
  ``external_identities`` maps such a DN to a directory DN (the root DN
  included), as slapd's ``authz-regexp`` does;
- PLAIN and SCRAM-SHA-256: ``dn:<DN>`` names an entry (or the root DN),
  ``u:<name>`` or a bare name the one entry whose ``uid`` is that name.

An authorization identity (authzid) other than the authenticated one is
granted to the root DN only (insufficientAccessRights otherwise).  PLAIN
needs TLS or ldapi:// when the service requires TLS.  No security layer
is offered.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..model import DN, BindResponse, EqualityMatch, LDAPMessage, ResultCode, SaslCredentials, Scope
from ..model.dn import DNSyntaxError, parse_dn
from ..sasl import (
    MAX_SASL_STEPS,
    SASLFailure,
    ServerExternal,
    ServerMechanism,
    ServerPlain,
    ServerScramSHA256,
    check_password,
)
from ..sasl.scram import MIN_ITERATIONS
from .dit import Directory
from .errors import DirectoryError

__all__ = ["SaslBinds", "SASL_MECHANISMS", "peercred_dn"]

#: What a DirectoryService offers by default, in supportedSASLMechanisms order.
SASL_MECHANISMS = ("EXTERNAL", "PLAIN", "SCRAM-SHA-256")
_STATE_KEY = "sasl-bind"  # in the session's state dict: (mechanism name, object, steps so far)


def peercred_dn(uid: int, gid: int) -> str:
    """The identity EXTERNAL gives a local process over ldapi:// (slapd's form)."""
    return f"gidNumber={gid}+uidNumber={uid},cn=peercred,cn=external,cn=auth"


@dataclass
class SaslBinds:
    """The SASL side of a directory service's binds (see the module docstring)."""

    directory: Directory
    root_dn: str = ""
    root_password: bytes = b""
    mechanisms: tuple[str, ...] = SASL_MECHANISMS
    external_identities: Mapping[str, str] = field(default_factory=dict)
    scram_iterations: int = MIN_ITERATIONS
    _external: dict[DN, str] = field(default_factory=dict, init=False, repr=False)
    _scram_key: bytes = field(default=b"", init=False, repr=False)

    def __post_init__(self) -> None:
        unknown = [m for m in self.mechanisms if m not in SASL_MECHANISMS]
        if unknown:
            raise ValueError(f"unknown SASL mechanisms {unknown}: choose among {', '.join(SASL_MECHANISMS)}")
        self._external = {parse_dn(k): v for k, v in self.external_identities.items()}
        self._scram_key = secrets.token_bytes(32)

    # -- identities ------------------------------------------------------------------------------
    def find(self, authcid: str) -> tuple[str, list[bytes]] | None:
        """:class:`ldapber.sasl.Accounts`: the DN and stored passwords an authentication identity names."""
        try:
            if authcid.startswith("dn:"):
                dn = parse_dn(authcid[3:])
                if self.root_dn and dn == parse_dn(self.root_dn):
                    return self.root_dn, [self.root_password] if self.root_password else []
                entry = self.directory.get(dn)
                return (str(entry.dn), entry.get("userPassword")) if entry is not None else None
        except DNSyntaxError:
            return None
        name = authcid[2:] if authcid.startswith("u:") else authcid
        flt = EqualityMatch("uid", name.encode("utf-8"))
        found = [e for base in self.directory.naming_contexts()
                 for _, e in zip(range(2), self.directory.search(base, Scope.WHOLE_SUBTREE, flt), strict=False)]
        if len(found) != 1:  # none, or ambiguous
            return None
        return str(found[0].dn), found[0].get("userPassword")

    def external_identity(self, session: Any) -> str | None:
        """Who the transport says the client is: ldapi:// peer credentials,
        else a TLS client certificate's subject; mapped through ``external_identities``."""
        creds = getattr(session, "peer_credentials", None)
        identity = peercred_dn(creds[1], creds[2]) if creds else getattr(session, "tls_peer_subject", None)
        if identity is None:
            return None
        return self._external.get(parse_dn(identity), identity)

    def _authorize(self, identity: str, authzid: str) -> str:
        if not authzid:
            return identity
        wanted = self.find(authzid) if authzid.startswith(("u:", "dn:")) else None
        if wanted is None and authzid.startswith("dn:"):
            try:
                wanted = (str(parse_dn(authzid[3:])), [])
            except DNSyntaxError:
                wanted = None
        if wanted is None:
            raise DirectoryError(ResultCode.INSUFFICIENT_ACCESS_RIGHTS, f"unknown authorization identity {authzid!r}")
        if parse_dn(wanted[0]) == parse_dn(identity) or (self.root_dn and parse_dn(identity) == parse_dn(self.root_dn)):
            return wanted[0]
        raise DirectoryError(ResultCode.INSUFFICIENT_ACCESS_RIGHTS,
                             f"{identity} may not act as {authzid!r} (only the administrator may)")

    # -- the exchange ----------------------------------------------------------------------------
    def _start(self, name: str, session: Any, plain_allowed: bool) -> ServerMechanism:
        if name == "EXTERNAL":
            return ServerExternal(self.external_identity(session))
        if name == "PLAIN":
            if not plain_allowed:
                raise DirectoryError(ResultCode.CONFIDENTIALITY_REQUIRED, "PLAIN needs TLS (use StartTLS) or ldapi://")
            return ServerPlain(self, check_password)
        return ServerScramSHA256(self, iterations=self.scram_iterations, secret=self._scram_key)

    def bind(self, mid: int, creds: SaslCredentials, session: Any, *, plain_allowed: bool,
             failed: Callable[[], None]) -> Iterator[LDAPMessage]:
        """Answer one BindRequest of a SASL exchange; ``failed()`` is called on wrong credentials."""
        name = creds.mechanism
        pending = session.state.pop(_STATE_KEY, None)  # any error below ends the exchange
        if name not in self.mechanisms:
            raise DirectoryError(ResultCode.AUTH_METHOD_NOT_SUPPORTED, f"SASL mechanism {name!r} is not supported "
                                 f"(supported: {', '.join(self.mechanisms) or 'none'})")
        if pending is not None and pending[0] == name:  # the next step; another mechanism aborts it
            mechanism, steps = pending[1], pending[2]
        else:
            mechanism, steps = self._start(name, session, plain_allowed), 0
        try:
            step = mechanism.step(creds.credentials)
        except SASLFailure as err:
            if err.result_code == ResultCode.INVALID_CREDENTIALS:
                failed()
            raise DirectoryError(ResultCode(err.result_code), str(err)) from None
        if not step.done:
            if steps + 1 >= MAX_SASL_STEPS:
                raise DirectoryError(ResultCode.PROTOCOL_ERROR, f"SASL bind took more than {MAX_SASL_STEPS} steps")
            session.state[_STATE_KEY] = (name, mechanism, steps + 1)
            yield LDAPMessage(mid, BindResponse(ResultCode.SASL_BIND_IN_PROGRESS, "", "",
                                                server_sasl_creds=step.challenge or b""))
            return
        session.bound_dn = self._authorize(step.identity, step.authzid)
        yield LDAPMessage(mid, BindResponse(ResultCode.SUCCESS, "", "", server_sasl_creds=step.challenge))
