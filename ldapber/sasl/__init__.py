"""SASL for LDAP binds (RFC 4422, RFC 4513 5.2): mechanisms as sans-I/O
objects that both clients drive (``bind_sasl``) and the server's directory
service answers.  EXTERNAL, PLAIN and SCRAM-SHA-256 on both sides; GSSAPI
on the client (the ``gssapi`` extra).  No security layers (see
:mod:`.mechanism`)."""

from .gssapi import GSSAPI
from .mechanism import (
    MAX_SASL_STEPS,
    ClientMechanism,
    SASLError,
    SASLFailure,
    ServerMechanism,
    ServerStep,
    saslprep,
)
from .passwords import SCRAM_ITERATIONS, check_password, scram_password
from .scram import ScramSHA256, ServerScramSHA256
from .simple import Accounts, External, Plain, ServerExternal, ServerPlain

__all__ = [
    "GSSAPI",
    "MAX_SASL_STEPS",
    "SCRAM_ITERATIONS",
    "Accounts",
    "ClientMechanism",
    "External",
    "Plain",
    "SASLError",
    "SASLFailure",
    "ScramSHA256",
    "ServerExternal",
    "ServerMechanism",
    "ServerPlain",
    "ServerScramSHA256",
    "ServerStep",
    "check_password",
    "saslprep",
    "scram_password",
]
