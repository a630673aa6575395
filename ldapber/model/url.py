"""LDAP URLs (RFC 4516), as used in referrals and SearchResultReference.

``parse_url("ldap://ldap.example.com:389/dc=example,dc=com?cn,mail?sub?(uid=jj)")``
gives an :class:`LDAPURL`; ``str()`` builds the URL back, percent-encoding
what must be (``?`` everywhere, ``,`` in extension values, non-ASCII and
unsafe octets).  ``ldaps`` and ``ldapi`` schemes are accepted too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote, unquote_to_bytes

from .._generated.rfc4511_model import Scope
from ..errors import LDAPBERError

__all__ = ["URLSyntaxError", "LDAPURL", "URLExtension", "parse_url"]

_SCOPES = {"base": Scope.BASE_OBJECT, "one": Scope.SINGLE_LEVEL, "sub": Scope.WHOLE_SUBTREE}
_SCOPE_NAMES = {v: k for k, v in _SCOPES.items()}
_SCHEMES = ("ldap", "ldaps", "ldapi")


class URLSyntaxError(LDAPBERError, ValueError):
    """An LDAP URL that RFC 4516 does not allow; ``position`` is where."""

    def __init__(self, message: str, text: str, position: int) -> None:
        super().__init__(f"{message} at position {position}: {text!r}")
        self.message = message
        self.text = text
        self.position = position


@dataclass(frozen=True)
class URLExtension:
    """One extension: ``[!]type[=value]``; ``!`` marks it critical."""

    type: str
    value: str | None = None
    critical: bool = False

    def __str__(self) -> str:
        text = ("!" if self.critical else "") + _enc(self.type, ",=!")
        return text if self.value is None else f"{text}={_enc(self.value, ',')}"


@dataclass(frozen=True)
class LDAPURL:
    """The parts of an LDAP URL; absent parts are None or empty."""

    scheme: str = "ldap"
    host: str | None = None
    port: int | None = None
    dn: str = ""
    attributes: tuple[str, ...] = ()
    scope: Scope | None = None
    filter: str | None = None
    extensions: tuple[URLExtension, ...] = field(default_factory=tuple)

    def __str__(self) -> str:
        host = self.host or ""
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"  # an IPv6 literal
        text = f"{self.scheme}://{host}" + (f":{self.port}" if self.port is not None else "")
        parts = [_enc(self.dn, ""), ",".join(_enc(a, ",") for a in self.attributes),
                 _SCOPE_NAMES.get(self.scope, "") if self.scope is not None else "",
                 _enc(self.filter, "") if self.filter is not None else "",
                 ",".join(str(e) for e in self.extensions)]
        while parts and not parts[-1]:
            parts.pop()
        if parts:
            text += "/" + parts[0] + "".join("?" + p for p in parts[1:])
        return text


def _enc(text: str, also: str) -> str:
    """Percent-encode for an LDAP URL part: keep what RFC 3986 allows in a
    query except ``?`` (the part separator) and ``also``."""
    safe = "".join(c for c in "!$&'()*+,;=:@/-._~" if c not in also)
    return quote(text, safe=safe)


def _dec(text: str, url: str, at: int) -> str:
    for i, ch in enumerate(text):
        if ch == "%" and not (len(text) >= i + 3 and all(c in "0123456789abcdefABCDEF" for c in text[i + 1:i + 3])):
            raise URLSyntaxError("'%' must be followed by two hex digits", url, at + i)
    try:
        return unquote_to_bytes(text).decode("utf-8")
    except UnicodeDecodeError:
        raise URLSyntaxError("percent-encoded octets are not valid UTF-8", url, at + max(text.find("%"), 0)) from None


def parse_url(url: str) -> LDAPURL:
    """Parse an LDAP URL.  Raises :class:`URLSyntaxError` (a ValueError)."""
    if not isinstance(url, str):
        raise TypeError(f"expected str, got {type(url).__name__}")
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in _SCHEMES:
        raise URLSyntaxError("expected ldap://, ldaps:// or ldapi://", url, 0)
    at = len(scheme) + 3
    hostport, slash, path = rest.partition("/")
    host: str | None = None
    port = None
    if hostport:
        if hostport.startswith("["):
            close = hostport.find("]")
            if close < 0:
                raise URLSyntaxError("unterminated IPv6 literal", url, at)
            host, after = hostport[1:close], hostport[close + 1:]
        else:
            host, _, after = hostport.partition(":")
            after = ":" + after if _ else ""
        if after:
            if not after.startswith(":") or not after[1:].isdigit() or not 0 < int(after[1:]) < 65536:
                raise URLSyntaxError("invalid port", url, at + len(hostport) - len(after))
            port = int(after[1:])
        host = _dec(host, url, at) if host else None
    if not slash:
        return LDAPURL(scheme.lower(), host, port)
    at += len(hostport) + 1
    pieces = path.split("?")
    if len(pieces) > 5:
        raise URLSyntaxError("too many '?' separators", url, at + len("?".join(pieces[:5])))
    pieces += [""] * (5 - len(pieces))
    offsets = [at]
    for p in pieces[:-1]:
        offsets.append(offsets[-1] + len(p) + 1)
    dn = _dec(pieces[0], url, offsets[0])
    attrs = tuple(_dec(a, url, offsets[1]) for a in pieces[1].split(",")) if pieces[1] else ()
    scope = None
    if pieces[2]:
        scope = _SCOPES.get(pieces[2].lower())
        if scope is None:
            raise URLSyntaxError("scope must be base, one or sub", url, offsets[2])
    filt = _dec(pieces[3], url, offsets[3]) if pieces[3] else None
    exts = []
    if pieces[4]:
        for item in pieces[4].split(","):
            critical = item.startswith("!")
            etype, eq, evalue = item[critical:].partition("=")
            if not etype:
                raise URLSyntaxError("an extension needs a type", url, offsets[4])
            exts.append(URLExtension(_dec(etype, url, offsets[4]), _dec(evalue, url, offsets[4]) if eq else None,
                                     critical))
    return LDAPURL(scheme.lower(), host, port, dn, attrs, scope, filt, tuple(exts))
