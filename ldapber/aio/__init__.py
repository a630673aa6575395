"""asyncio shims over the sans-I/O machines of :mod:`ldapber.proto`.

- :mod:`.server`: :class:`LDAPServer` serves a :class:`Handler` over TCP,
  StartTLS, LDAPS and CLDAP, with connection, size and time limits.
"""

from .server import Handler, LDAPServer, ServerLimits, Session

__all__ = ["Handler", "LDAPServer", "ServerLimits", "Session"]
