"""The blocking LDAP client: ``from ldapber.sync import connect`` (see
:mod:`ldapber.sync.client`)."""

from .client import ConnectionClosedError, LDAPClient, ReferralPolicy, connect
from .pool import Pool, PoolStats, Reconnect

__all__ = ["connect", "LDAPClient", "ConnectionClosedError", "ReferralPolicy", "Pool", "PoolStats", "Reconnect"]
