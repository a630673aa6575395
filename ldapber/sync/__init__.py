"""The blocking LDAP client: ``from ldapber.sync import connect`` (see
:mod:`ldapber.sync.client`)."""

from .client import AbandonedError, ConnectionClosedError, LDAPClient, ReferralPolicy, connect
from .pool import Pool, PoolStats, Reconnect

__all__ = ["connect", "LDAPClient", "AbandonedError", "ConnectionClosedError", "ReferralPolicy",
           "Pool", "PoolStats", "Reconnect"]
