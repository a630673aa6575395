"""The blocking LDAP client: ``from ldapber.sync import connect`` (see
:mod:`ldapber.sync.client`)."""

from .client import ConnectionClosedError, LDAPClient, ReferralPolicy, connect

__all__ = ["connect", "LDAPClient", "ConnectionClosedError", "ReferralPolicy"]
