"""The one-message mechanisms: EXTERNAL (RFC 4422 appendix A) and PLAIN
(RFC 4616), client and server sides."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from .mechanism import SASLError, SASLFailure, ServerStep

__all__ = ["Accounts", "External", "Plain", "ServerExternal", "ServerPlain"]

_INVALID_CREDENTIALS = 49


class Accounts(Protocol):
    """How a server mechanism finds a user: the DN and stored userPassword
    values of the entry a SASL authentication identity ("dn:<DN>",
    "u:<name>" or a bare name) names, or None."""

    def find(self, authcid: str) -> tuple[str, list[bytes]] | None:
        ...


class _OneShot:
    """A client mechanism whose whole exchange is its initial response."""

    name = ""

    def initial_response(self) -> bytes | None:
        raise NotImplementedError

    def respond(self, challenge: bytes) -> bytes:
        raise SASLError(f"{self.name}: the server sent a challenge, which this mechanism never answers")

    def verify(self, server_final: bytes | None) -> None:
        if server_final:
            raise SASLError(f"{self.name}: unexpected data in the server's final message")


@dataclass
class External(_OneShot):
    """EXTERNAL: the identity the connection already has (a TLS client
    certificate, or the process's uid/gid over ldapi://); ``authzid``
    asks to act as another identity ("dn:..." or "u:...")."""

    authzid: str = ""
    name = "EXTERNAL"

    def initial_response(self) -> bytes | None:
        return self.authzid.encode("utf-8")


@dataclass
class Plain(_OneShot):
    """PLAIN: a user name and password in one message, so only over TLS or
    ldapi:// (the password travels as it is)."""

    username: str
    password: str
    authzid: str = ""
    name = "PLAIN"

    def initial_response(self) -> bytes | None:
        if "\0" in self.username + self.password + self.authzid:
            raise SASLError("PLAIN: a user name, password or authzid cannot contain NUL")
        return f"{self.authzid}\0{self.username}\0{self.password}".encode()


@dataclass
class ServerExternal:
    """The server side of EXTERNAL: ``identity`` is what the transport
    established (None: nothing, and the bind fails)."""

    identity: str | None
    name = "EXTERNAL"

    def step(self, response: bytes | None) -> ServerStep:
        if self.identity is None:
            raise SASLFailure(_INVALID_CREDENTIALS, "EXTERNAL: this connection has no external identity "
                              "(no TLS client certificate, not ldapi://)")
        return ServerStep(done=True, identity=self.identity, authzid=_text(response or b"", "EXTERNAL"))


@dataclass
class ServerPlain:
    """The server side of PLAIN; ``check(stored, password)`` compares a stored userPassword value."""

    accounts: Accounts
    check: Callable[[bytes, bytes], bool]
    name = "PLAIN"

    def step(self, response: bytes | None) -> ServerStep:
        parts = (response or b"").split(b"\0")
        if len(parts) != 3 or not parts[1] or len(response or b"") > 1024:
            raise SASLFailure(_INVALID_CREDENTIALS, "PLAIN: the message is not authzid NUL authcid NUL password")
        authzid, authcid = _text(parts[0], "PLAIN"), _text(parts[1], "PLAIN")
        found = self.accounts.find(authcid)
        if found is None or not any(self.check(v, parts[2]) for v in found[1]):
            raise SASLFailure(_INVALID_CREDENTIALS, "invalid credentials")
        return ServerStep(done=True, identity=found[0], authzid=authzid)


def _text(raw: bytes, mechanism: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SASLFailure(_INVALID_CREDENTIALS, f"{mechanism}: the message is not UTF-8") from None
