"""Accelerators for other LDAP libraries: their API and results unchanged,
their wire work (framing, BER decoding and encoding) done by ldapber.

- :mod:`ldapber.integrations.ldap3`: ldap3 2.9.x (``install()``,
  ``uninstall()``, ``accelerated()``).
"""
