"""Stored passwords (userPassword values) and how a presented one is checked.

Cleartext, ``{SHA}`` and ``{SSHA}`` (as slapd writes them) and
``{SCRAM-SHA-256}`` with RFC 5803's fields (``iterations:salt$storedKey:serverKey``,
base64), which lets a server run SCRAM without knowing the password.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass

from .mechanism import SASLError, saslprep

__all__ = ["ScramSecret", "check_password", "scram_password", "scram_secret", "SCRAM_ITERATIONS"]

#: PBKDF2 rounds for new SCRAM secrets (RFC 7677 asks for at least 4,096).
SCRAM_ITERATIONS = 4096
_SCRAM_SCHEME = b"{SCRAM-SHA-256}"


@dataclass(frozen=True)
class ScramSecret:
    """What a SCRAM-SHA-256 server keeps of a password (RFC 5802 3)."""

    iterations: int
    salt: bytes
    stored_key: bytes
    server_key: bytes


def scram_keys(password: bytes, salt: bytes, iterations: int) -> tuple[bytes, bytes, bytes]:
    """(ClientKey, StoredKey, ServerKey) of a SASLprepped UTF-8 password."""
    salted = hashlib.pbkdf2_hmac("sha256", password, salt, iterations)
    client_key = hmac.digest(salted, b"Client Key", "sha256")
    return client_key, hashlib.sha256(client_key).digest(), hmac.digest(salted, b"Server Key", "sha256")


def scram_secret(password: bytes, *, salt: bytes | None = None, iterations: int = SCRAM_ITERATIONS) -> ScramSecret:
    salt = os.urandom(16) if salt is None else salt
    _, stored, server = scram_keys(password, salt, iterations)
    return ScramSecret(iterations, salt, stored, server)


def scram_password(password: str, *, iterations: int = SCRAM_ITERATIONS) -> bytes:
    """A ``{SCRAM-SHA-256}`` userPassword value for ``password`` (SASLprepped)."""
    s = scram_secret(saslprep(password).encode("utf-8"), iterations=iterations)
    b64 = base64.b64encode
    return _SCRAM_SCHEME + b"%d:%s$%s:%s" % (s.iterations, b64(s.salt), b64(s.stored_key), b64(s.server_key))


def parse_scram_password(stored: bytes) -> ScramSecret | None:
    """The secret in a ``{SCRAM-SHA-256}`` value; None for other values or a malformed one."""
    if not stored[:len(_SCRAM_SCHEME)].upper() == _SCRAM_SCHEME:
        return None
    try:
        head, _, keys = stored[len(_SCRAM_SCHEME):].partition(b"$")
        count, _, salt = head.partition(b":")
        stored_key, _, server_key = keys.partition(b":")
        secret = ScramSecret(int(count), base64.b64decode(salt, validate=True),
                             base64.b64decode(stored_key, validate=True), base64.b64decode(server_key, validate=True))
    except (ValueError, binascii.Error):
        return None
    if not 1 <= secret.iterations <= 10_000_000 or len(secret.stored_key) != 32 or len(secret.server_key) != 32:
        return None
    return secret


def _prepared(password: bytes) -> bytes:
    """A simple bind's password as SCRAM hashed it: SASLprepped when it is valid UTF-8."""
    try:
        return saslprep(password.decode("utf-8")).encode("utf-8")
    except (UnicodeDecodeError, SASLError):
        return password


def check_password(stored: bytes, password: bytes) -> bool:
    """Whether ``password`` matches a userPassword value (cleartext,
    ``{SHA}``, ``{SSHA}`` or ``{SCRAM-SHA-256}``), in constant time."""
    scram = parse_scram_password(stored)
    if scram is not None:
        _, stored_key, _ = scram_keys(_prepared(password), scram.salt, scram.iterations)
        return hmac.compare_digest(stored_key, scram.stored_key)
    scheme, _, rest = stored.partition(b"}")
    if stored.startswith(b"{") and rest:
        name = scheme[1:].upper()
        try:
            raw = base64.b64decode(rest, validate=True)
        except ValueError:
            return False
        if name == b"SSHA" and len(raw) > 20:
            return hmac.compare_digest(hashlib.sha1(password + raw[20:]).digest(), raw[:20])
        if name == b"SHA" and len(raw) == 20:
            return hmac.compare_digest(hashlib.sha1(password).digest(), raw)
        return False
    return hmac.compare_digest(stored, password)
