"""The exception hierarchy and the named BER rules the decoder enforces.

Every decode error names the rule it enforces (``err.rule``), the byte offset
of the element at fault (``err.offset``) and the ASN.1 path to it
(``err.path``, for example ``LDAPMessage.protocolOp.searchRequest.filter.and[2]``).
The path is assembled while the exception propagates, so decoding that
succeeds pays nothing for it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

__all__ = [
    "LDAPBERError", "DecodeError", "IncompleteError", "PDUTooLargeError", "EncodeError", "Rule",
    "LENIENT_RULES", "RELAXABLE_RULES", "relax_mask",
]


class Rule(str, enum.Enum):
    """A rule of RFC 4511 section 5.1, X.690 or the module's constraints.

    Rules with a relax bit may be switched off per call with
    ``decode(..., relax={Rule.X})``; ``strict=False`` switches off the ones
    real servers are known to break (:data:`LENIENT_RULES`).  The others are
    framing rules: breaking them leaves no sound way to read the rest.
    """

    # Relaxable.
    BOOLEAN_VALUE = "boolean-value"  # BOOLEAN content other than 0x00 / 0xFF
    DEFAULT_VALUE = "default-value"  # a DEFAULT value encoded explicitly
    MINIMAL_INTEGER = "minimal-integer"  # INTEGER/ENUMERATED with redundant leading octets
    VALUE_RANGE = "value-range"  # INTEGER outside the module's range
    SIZE_CONSTRAINT = "size-constraint"  # SIZE (1..MAX) and the like
    SUBSTRING_ORDER = "substring-order"  # initial not first, final not last, or twice
    UTF8 = "utf8"  # invalid UTF-8 in an LDAPString (relaxed: surrogateescape)
    OID_SYNTAX = "oid-syntax"  # an LDAPOID that is not a numericoid (RFC 4512 1.4)
    # Never relaxable.
    INDEFINITE_LENGTH = "indefinite-length"
    CONSTRUCTED_STRING = "constructed-string"
    UNEXPECTED_TAG = "unexpected-tag"
    MISSING_COMPONENT = "missing-component"
    LENGTH_OVERFLOW = "length-overflow"  # an element runs past its enclosing element
    LENGTH_TOO_LARGE = "length-too-large"  # a length no buffer could hold
    LENGTH_RESERVED = "length-reserved"  # the initial length octet 0xFF (X.690 8.1.3.5)
    TAG_TOO_LONG = "tag-too-long"  # a multi-octet tag number beyond 2**28
    TAG_ENCODING = "tag-encoding"  # a tag number below 31 in the high form, a leading 0x80, universal tag 0
    COMPONENT_ORDER = "component-order"  # a root component of a SEQUENCE after an unknown (extension) element
    PRIMITIVE_LENGTH = "primitive-length"  # BOOLEAN not 1 octet, INTEGER empty, NULL not empty
    INTEGER_SIZE = "integer-size"  # INTEGER wider than 64 bits
    TRAILING_DATA = "trailing-data"  # bytes after the PDU, or not forming an element
    MAX_DEPTH = "max-depth"  # nesting deeper than max_depth
    TRUNCATED = "truncated"  # the data ends before the PDU does

    @property
    def bit(self) -> int:
        return _BITS.get(self, 0)


_BITS = {
    Rule.BOOLEAN_VALUE: 1,
    Rule.DEFAULT_VALUE: 2,
    Rule.MINIMAL_INTEGER: 4,
    Rule.VALUE_RANGE: 8,
    Rule.SIZE_CONSTRAINT: 16,
    Rule.SUBSTRING_ORDER: 32,
    Rule.UTF8: 64,
    Rule.OID_SYNTAX: 128,
}
RELAXABLE_RULES = frozenset(_BITS)
#: What ``strict=False`` relaxes: what Active Directory and older servers send.
LENIENT_RULES = frozenset({Rule.BOOLEAN_VALUE, Rule.DEFAULT_VALUE, Rule.MINIMAL_INTEGER, Rule.OID_SYNTAX})


_LENIENT_MASK = sum(r.bit for r in LENIENT_RULES)
#: (strict, relax) -> mask, for relax given as a tuple or frozenset (what callers that decode message
#: after message pass each time); bounded, since the keys are whatever callers pass
_MASKS: dict[tuple[bool, tuple[Rule | str, ...] | frozenset[Rule | str]], int] = {}


def relax_mask(strict: bool, relax: Iterable[Rule | str]) -> int:
    """The bit mask the codecs test, from ``strict`` and ``relax``."""
    if type(relax) is tuple or type(relax) is frozenset:
        token = (bool(strict), relax)
        mask = _MASKS.get(token)
        if mask is None:
            mask = _relax_mask(strict, relax)
            if len(_MASKS) < 256:
                _MASKS[token] = mask
        return mask
    return _relax_mask(strict, relax)


def _relax_mask(strict: bool, relax: Iterable[Rule | str]) -> int:
    mask = 0 if strict else _LENIENT_MASK
    for r in relax:
        try:
            rule = Rule(r)
        except ValueError:
            raise ValueError(f"unknown rule {r!r}") from None
        if not rule.bit:
            raise ValueError(f"rule {rule.value!r} cannot be relaxed")
        mask |= rule.bit
    return mask


class LDAPBERError(Exception):
    """Base class of every error ldapber raises."""


class _PathError(LDAPBERError):
    """An error located by an ASN.1 path built on the way out."""

    def __init__(self, message: str, *, offset: int = -1, rule: Rule | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.rule = rule
        self.root = ""
        self._segs: list[str | int] = []  # innermost first

    @property
    def path(self) -> str:
        parts = [self.root]
        for seg in reversed(self._segs):
            parts.append(f"[{seg}]" if isinstance(seg, int) else "." + seg)
        return "".join(parts)

    def __str__(self) -> str:
        where = self.path or "<input>"
        at = f" at byte {self.offset}" if self.offset >= 0 else ""
        rule = f" [{self.rule.value}]" if self.rule is not None else ""
        return f"{where}: {self.message}{at}{rule}"

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (_rebuild, (type(self), self.message, self.offset, self.rule, self.root, list(self._segs)))


def _rebuild(cls, message, offset, rule, root, segs):  # type: ignore[no-untyped-def]
    err = cls(message, offset=offset, rule=rule)
    err.root = root
    err._segs = segs
    return err


class DecodeError(_PathError, ValueError):
    """The input is not a valid BER encoding of the expected type."""


class IncompleteError(DecodeError):
    """The input ends before the PDU does: more data may complete it.

    ``needed`` is how many more bytes the PDU needs, when the header told.
    """

    def __init__(self, message: str, *, offset: int = -1, rule: Rule | None = Rule.TRUNCATED, needed: int | None = None) -> None:
        super().__init__(message, offset=offset, rule=rule)
        self.needed = needed


class PDUTooLargeError(DecodeError):
    """A PDU's header announces more bytes than the reader accepts
    (``max_pdu_size``): refused from the header alone, before the body is
    buffered.  ``size`` is the announced total size, ``limit`` the maximum."""

    def __init__(self, size: int, limit: int, offset: int) -> None:
        super().__init__(f"PDU of {size} bytes exceeds the limit of {limit}", offset=offset, rule=Rule.LENGTH_TOO_LARGE)
        self.size = size
        self.limit = limit

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (_rebuild_too_large, (self.size, self.limit, self.offset, self.root, list(self._segs)))


def _rebuild_too_large(size, limit, offset, root, segs):  # type: ignore[no-untyped-def]
    err = PDUTooLargeError(size, limit, offset)
    err.root = root
    err._segs = segs
    return err


class EncodeError(_PathError, ValueError):
    """The object cannot be encoded: a wrong type, or a value the module forbids."""
