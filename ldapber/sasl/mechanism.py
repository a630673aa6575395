"""The SASL mechanism interfaces (RFC 4422), without I/O.

A bind carries a SASL exchange (RFC 4511 4.2, RFC 4513 5.2.1): the client
sends its mechanism's initial response in a BindRequest; while the server
answers saslBindInProgress with a challenge, the client sends the response
to it in a new BindRequest; the final BindResponse may carry the server's
last message (SCRAM's server signature), which the client checks.

ldapber negotiates no security layer (no SASL integrity or confidentiality
wrapping of later messages): use TLS for that.  A mechanism that would
need one refuses, with :class:`SASLError`.
"""

from __future__ import annotations

import stringprep
import unicodedata
from dataclasses import dataclass
from typing import Protocol

from ..errors import LDAPBERError

__all__ = ["ClientMechanism", "SASLError", "SASLFailure", "ServerMechanism", "ServerStep", "saslprep",
           "MAX_SASL_STEPS"]

#: Round trips one SASL bind may take before the client or server gives up
#: (every mechanism here needs at most two; GSSAPI a few).
MAX_SASL_STEPS = 16


class SASLError(LDAPBERError):
    """A SASL exchange cannot go on: a malformed or unverifiable message
    from the other side, a mechanism used out of turn, or a security layer
    that would be needed."""


class SASLFailure(SASLError):
    """A server mechanism's refusal, with the LDAP result code to answer
    (invalidCredentials, insufficientAccessRights, ...)."""

    def __init__(self, result_code: int, message: str) -> None:
        super().__init__(message)
        self.result_code = result_code


class ClientMechanism(Protocol):
    """The client side of one SASL exchange (a fresh object per bind)."""

    #: The registered mechanism name (RFC 4422), e.g. "SCRAM-SHA-256".
    name: str

    def initial_response(self) -> bytes | None:
        """What the first BindRequest carries (None: no initial response)."""
        ...

    def respond(self, challenge: bytes) -> bytes:
        """The answer to a server challenge (saslBindInProgress)."""
        ...

    def verify(self, server_final: bytes | None) -> None:
        """Check the server's last message, sent with the successful
        BindResponse; raise :class:`SASLError` when it does not verify."""
        ...


@dataclass(frozen=True)
class ServerStep:
    """What a server mechanism answers to one client message: a challenge
    to send with saslBindInProgress, or the end of the exchange (``done``)
    with the authenticated identity (a DN), the authorization identity the
    client asked for (``authzid``, "" for none: the server decides whether
    to grant it) and the optional last message (``challenge``) for the
    successful BindResponse."""

    challenge: bytes | None = None
    done: bool = False
    identity: str = ""
    authzid: str = ""


class ServerMechanism(Protocol):
    """The server side of one SASL exchange (a fresh object per bind).
    ``step`` raises :class:`SASLFailure` to end it with an error."""

    name: str

    def step(self, response: bytes | None) -> ServerStep:
        ...


def saslprep(text: str) -> str:
    """RFC 4013 SASLprep of a user name or password (the stored-string
    profile: unassigned code points are refused).  Raises SASLError for a
    prohibited character or a bidirectional string RFC 3454 6 forbids."""
    mapped = "".join(" " if stringprep.in_table_c12(c) else c for c in text if not stringprep.in_table_b1(c))
    normal = unicodedata.normalize("NFKC", mapped)
    for c in normal:
        if (stringprep.in_table_c12(c) or stringprep.in_table_c21_c22(c) or stringprep.in_table_c3(c)
                or stringprep.in_table_c4(c) or stringprep.in_table_c5(c) or stringprep.in_table_c6(c)
                or stringprep.in_table_c7(c) or stringprep.in_table_c8(c) or stringprep.in_table_c9(c)
                or stringprep.in_table_a1(c)):
            raise SASLError(f"SASLprep: character U+{ord(c):04X} is not allowed")
    if any(stringprep.in_table_d1(c) for c in normal):
        if any(stringprep.in_table_d2(c) for c in normal) or not (
                stringprep.in_table_d1(normal[0]) and stringprep.in_table_d1(normal[-1])):
            raise SASLError("SASLprep: a right-to-left string must start and end with right-to-left characters")
    return normal
