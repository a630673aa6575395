"""SCRAM-SHA-256 (RFC 5802, RFC 7677), client and server sides, without
channel binding (the gs2 header says "n": the client does not support it).

The exchange: client-first (the user name and a nonce) in the first
BindRequest; the server's salt, iteration count and combined nonce with
saslBindInProgress; client-final (the proof) in the second BindRequest;
the server's signature with the successful BindResponse, which the
client checks: a server that does not know the password cannot forge it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from .mechanism import SASLError, SASLFailure, ServerStep, saslprep
from .passwords import ScramSecret, parse_scram_password, scram_keys, scram_secret
from .simple import Accounts

__all__ = ["ScramSHA256", "ServerScramSHA256", "MIN_ITERATIONS", "MAX_ITERATIONS"]

#: The client refuses fewer PBKDF2 rounds (RFC 7677 5) and, against a
#: hostile server making it spin, more than MAX_ITERATIONS.
MIN_ITERATIONS = 4096
MAX_ITERATIONS = 1_000_000
_INVALID_CREDENTIALS = 49
_MAX_MESSAGE = 2048


def _saslname(text: str) -> str:
    return text.replace("=", "=3D").replace(",", "=2C")


def _unsaslname(text: str) -> str:
    if "=" in text.replace("=3D", "").replace("=2C", ""):
        raise SASLError("SCRAM: a name has a '=' not followed by 3D or 2C")
    return text.replace("=2C", ",").replace("=3D", "=")


def _attributes(message: str, what: str) -> list[tuple[str, str]]:
    out = []
    for part in message.split(","):
        if len(part) < 2 or part[1] != "=":
            raise SASLError(f"SCRAM: malformed {what} ({part[:20]!r} is not attr=value)")
        out.append((part[0], part[2:]))
    return out


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise SASLError(f"SCRAM: {what} is not base64") from None


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


@dataclass
class ScramSHA256:
    """The client side: ``username`` and ``password`` are SASLprepped."""

    username: str
    password: str
    authzid: str = ""
    name = "SCRAM-SHA-256"
    _nonce: str = field(default_factory=lambda: secrets.token_urlsafe(18), repr=False)
    _state: str = field(default="start", repr=False)
    _server_signature: bytes = field(default=b"", repr=False)
    _first_bare: str = field(default="", repr=False)

    def _gs2_header(self) -> str:
        return "n," + (f"a={_saslname(self.authzid)}" if self.authzid else "") + ","

    def initial_response(self) -> bytes | None:
        if self._state != "start":
            raise SASLError("SCRAM: this exchange has already started (use a new mechanism object per bind)")
        self._first_bare = f"n={_saslname(saslprep(self.username))},r={self._nonce}"
        self._state = "first-sent"
        return (self._gs2_header() + self._first_bare).encode("utf-8")

    def respond(self, challenge: bytes) -> bytes:
        if self._state != "first-sent":
            raise SASLError("SCRAM: a challenge out of turn")
        if len(challenge) > _MAX_MESSAGE:
            raise SASLError("SCRAM: the server's first message is too long")
        server_first = challenge.decode("utf-8", "replace")
        attrs = _attributes(server_first, "server-first-message")
        if attrs and attrs[0][0] == "m":
            raise SASLError("SCRAM: the server asks for an extension this client does not know")
        if [a for a, _ in attrs[:3]] != ["r", "s", "i"]:
            raise SASLError("SCRAM: the server-first-message is not r=...,s=...,i=...")
        nonce, salt, count = attrs[0][1], _b64(attrs[1][1], "the salt"), attrs[2][1]
        if not nonce.startswith(self._nonce) or len(nonce) == len(self._nonce):
            raise SASLError("SCRAM: the server's nonce does not extend the client's")
        if not count.isdigit() or not MIN_ITERATIONS <= int(count) <= MAX_ITERATIONS:
            raise SASLError(f"SCRAM: iteration count {count[:12]!r} outside {MIN_ITERATIONS}..{MAX_ITERATIONS}")
        without_proof = f"c={base64.b64encode(self._gs2_header().encode('utf-8')).decode('ascii')},r={nonce}"
        auth_message = f"{self._first_bare},{server_first},{without_proof}".encode()
        client_key, stored_key, server_key = scram_keys(saslprep(self.password).encode("utf-8"), salt, int(count))
        proof = _xor(client_key, hmac.digest(stored_key, auth_message, "sha256"))
        self._server_signature = hmac.digest(server_key, auth_message, "sha256")
        self._state = "final-sent"
        return f"{without_proof},p={base64.b64encode(proof).decode('ascii')}".encode("ascii")

    def verify(self, server_final: bytes | None) -> None:
        if self._state != "final-sent":
            raise SASLError("SCRAM: the server ended the exchange before it was complete")
        text = (server_final or b"").decode("utf-8", "replace")
        if text.startswith("e="):
            raise SASLError(f"SCRAM: the server reports {text[2:80]!r}")
        if not text.startswith("v=") or not hmac.compare_digest(_b64(text[2:], "the server signature"),
                                                                 self._server_signature):
            raise SASLError("SCRAM: the server's signature does not verify: it does not know the password")
        self._state = "done"


@dataclass
class ServerScramSHA256:
    """The server side.  Secrets come from ``{SCRAM-SHA-256}`` userPassword
    values or, for a cleartext value, are derived per bind (``iterations``
    rounds).  An unknown user gets a made-up salt and fails at the proof,
    as a wrong password does: the exchange does not tell which names exist."""

    accounts: Accounts
    iterations: int = MIN_ITERATIONS
    #: Keys the made-up salts of unknown users (one per server).
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    name = "SCRAM-SHA-256"
    _state: str = field(default="start", repr=False)
    _expect: tuple[str, str, str, str] = field(default=("", "", "", ""), repr=False)  # gs2, nonce, first-bare, server-first
    _user: tuple[str, list[ScramSecret]] | None = field(default=None, repr=False)
    _authzid: str = field(default="", repr=False)

    def step(self, response: bytes | None) -> ServerStep:
        try:
            return self._step(response or b"")
        except SASLFailure:
            raise
        except (SASLError, UnicodeDecodeError) as err:
            raise SASLFailure(_INVALID_CREDENTIALS, str(err) if isinstance(err, SASLError)
                              else "SCRAM: the message is not UTF-8") from None

    def _step(self, response: bytes) -> ServerStep:
        if len(response) > _MAX_MESSAGE:
            raise SASLError("SCRAM: the message is too long")
        if self._state == "start":
            return self._first(response.decode("utf-8"))
        if self._state == "challenged":
            return self._final(response.decode("utf-8"))
        raise SASLError("SCRAM: the exchange is over")

    def _first(self, message: str) -> ServerStep:
        cbind, _, rest = message.partition(",")
        authz, _, bare = rest.partition(",")
        if cbind not in ("n", "y") or (authz and not authz.startswith("a=")):
            raise SASLError("SCRAM: channel binding is not supported (the gs2 header must be 'n' or 'y')")
        attrs = _attributes(bare, "client-first-message")
        if [a for a, _ in attrs[:2]] != ["n", "r"] or not attrs[1][1]:
            raise SASLError("SCRAM: the client-first-message is not n=...,r=...")
        username = _unsaslname(attrs[0][1])
        self._authzid = _unsaslname(authz[2:]) if authz else ""
        found = self.accounts.find(username)
        scram = self._secrets(found[1]) if found is not None else []
        if found is not None and scram:
            self._user = (found[0], scram)
            salt, iterations = scram[0].salt, scram[0].iterations
        else:  # a made-up salt, the same for the same name every time
            salt, iterations = hmac.digest(self.secret, username.encode("utf-8"), "sha256")[:16], self.iterations
        nonce = attrs[1][1] + secrets.token_urlsafe(18)
        server_first = f"r={nonce},s={base64.b64encode(salt).decode('ascii')},i={iterations}"
        self._expect = (f"{cbind},{authz},", nonce, bare, server_first)
        self._state = "challenged"
        return ServerStep(challenge=server_first.encode("utf-8"))

    def _secrets(self, values: list[bytes]) -> list[ScramSecret]:
        """What the proof is checked against, all with one salt: the first
        ``{SCRAM-SHA-256}`` value, else every cleartext value under a fresh
        salt ({SSHA} and the like cannot serve SCRAM)."""
        for stored in values:
            parsed = parse_scram_password(stored)
            if parsed is not None:
                return [parsed]
        salt, out = secrets.token_bytes(16), []
        for stored in values:
            if stored.startswith(b"{"):
                continue
            try:
                prepared = saslprep(stored.decode("utf-8")).encode("utf-8")
            except (UnicodeDecodeError, SASLError):
                continue
            out.append(scram_secret(prepared, salt=salt, iterations=self.iterations))
        return out

    def _final(self, message: str) -> ServerStep:
        self._state = "done"
        gs2, nonce, first_bare, server_first = self._expect
        without_proof, _, proof_attr = message.rpartition(",")
        attrs = _attributes(without_proof, "client-final-message")
        if [a for a, _ in attrs[:2]] != ["c", "r"] or not proof_attr.startswith("p="):
            raise SASLError("SCRAM: the client-final-message is not c=...,r=...,p=...")
        if _b64(attrs[0][1], "the channel binding") != gs2.encode("utf-8"):
            raise SASLError("SCRAM: the channel binding does not repeat the gs2 header")
        if attrs[1][1] != nonce:
            raise SASLError("SCRAM: the nonce is not the one this exchange agreed")
        proof = _b64(proof_attr[2:], "the proof")
        auth_message = f"{first_bare},{server_first},{without_proof}".encode()
        if self._user is not None and len(proof) == 32:
            for secret in self._user[1]:
                client_key = _xor(proof, hmac.digest(secret.stored_key, auth_message, "sha256"))
                if hmac.compare_digest(hashlib.sha256(client_key).digest(), secret.stored_key):
                    signature = hmac.digest(secret.server_key, auth_message, "sha256")
                    return ServerStep(challenge=b"v=" + base64.b64encode(signature), done=True,
                                      identity=self._user[0], authzid=self._authzid)
        raise SASLFailure(_INVALID_CREDENTIALS, "invalid credentials")
