"""``asn1tools``: a generic ASN.1 compiler's BER codec, compiled (once, at
import) from the very module ldapber is compiled from,
``ldapber/asn1/rfc4511.asn``.

Decode (timed) = ``db.decode("LDAPMessage", data)``, whose result is already
plain Python (dicts by component name, ``(name, value)`` CHOICEs, lists,
bytes, int, bool; ENUMERATED as the item's name) and is its full decode.  It
does not know which OCTET STRINGs are text, so LDAPString values stay bytes
(ldapber's UTF-8 decoding is not charged to it).  Encode (timed) =
``db.encode("LDAPMessage", value)`` of its own decode of the reference
bytes, built outside the timing.
"""

from __future__ import annotations

from typing import Any

import asn1tools

from ..workload import Sample
from .base import Peer
from .canonical import ASN1_PATH, from_plain

__all__ = ["ASN1TOOLS"]

_DB = asn1tools.compile_files(str(ASN1_PATH), "ber")


def decode(data: bytes) -> Any:
    return _DB.decode("LDAPMessage", data)


def encode(value: Any) -> bytes:
    return _DB.encode("LDAPMessage", value)


def prepare(sample: Sample) -> Any:
    return _DB.decode("LDAPMessage", sample.encoded)


ASN1TOOLS = Peer("asn1tools", decode, from_plain, prepare, encode)
