"""The asyncio LDAP client: ``from ldapber.client import connect``.

The implementation lives in :mod:`ldapber.aio.client` (the asyncio shim
over the sans-I/O :class:`ldapber.proto.ClientConnection`); this module is
its public name.
"""

from .aio.client import ConnectionClosedError, LDAPClient, ReferralPolicy, connect
from .aio.pool import Pool, PoolStats, Reconnect

__all__ = ["connect", "LDAPClient", "ConnectionClosedError", "ReferralPolicy", "Pool", "PoolStats", "Reconnect"]
