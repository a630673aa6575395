"""Benchmarks of ldapber against pyasn1 and ldap3 (see bench/README.md).

A package so that ``python -m bench.report`` works from the repository root
and so pytest puts the repository root on ``sys.path`` (ldapber is used in
place, from the working tree).
"""
