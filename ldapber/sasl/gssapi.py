"""GSSAPI (Kerberos V5, RFC 4752) on the client, through the ``gssapi``
package (the ``gssapi`` extra).  Tested only where a KDC is available:
this module needs a credential cache (``kinit``) and a server principal
``ldap/<host>``.  No security layer is negotiated: the client chooses
"none" and refuses a server that does not offer it (use TLS instead).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

from .mechanism import SASLError

__all__ = ["GSSAPI"]

_NO_SECURITY_LAYER = 0x01


@dataclass
class GSSAPI:
    """The client side; ``host`` is the server's host name as Kerberos knows it."""

    host: str
    service: str = "ldap"
    authzid: str = ""
    name = "GSSAPI"
    _context: Any = field(default=None, repr=False)
    _layer_sent: bool = field(default=False, repr=False)

    def _security_context(self) -> Any:
        try:
            import gssapi  # type: ignore[import-not-found]
        except ImportError:
            raise SASLError("GSSAPI needs the 'gssapi' package: pip install 'ldapber[gssapi]'") from None
        target = gssapi.Name(f"{self.service}@{self.host}", gssapi.NameType.hostbased_service)
        flags = gssapi.RequirementFlag.mutual_authentication
        return gssapi.SecurityContext(name=target, usage="initiate", flags=flags)

    def initial_response(self) -> bytes | None:
        self._context = self._security_context()
        token = self._context.step()
        return bytes(token) if token else b""

    def respond(self, challenge: bytes) -> bytes:
        if self._context is None:
            raise SASLError("GSSAPI: a challenge before the exchange started")
        if not self._context.complete:
            token = self._context.step(challenge)
            return bytes(token) if token else b""
        if self._layer_sent:
            raise SASLError("GSSAPI: a challenge after the security layer was chosen")
        offer = self._context.unwrap(challenge).message
        if len(offer) != 4:
            raise SASLError("GSSAPI: the server's security layer offer is not 4 octets")
        if not offer[0] & _NO_SECURITY_LAYER:
            raise SASLError("GSSAPI: the server requires a security layer; ldapber negotiates none (use TLS)")
        self._layer_sent = True
        choice = struct.pack("!B3s", _NO_SECURITY_LAYER, b"\0\0\0") + self.authzid.encode("utf-8")
        return bytes(self._context.wrap(choice, False).message)

    def verify(self, server_final: bytes | None) -> None:
        if self._context is None or not self._context.complete or not self._layer_sent:
            raise SASLError("GSSAPI: the server ended the exchange before it was complete")
