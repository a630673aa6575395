"""Attribute value syntaxes (RFC 4517 section 3.3): which octets are a value of which syntax.

A syntax is named here by a short string (``"directoryString"``, ``"integer"``,
...); :data:`SYNTAX_OIDS` maps each name to its RFC OID.  The parsers turn the
LDAP-specific encoding of a value into something a matching rule can compare
(an ``int``, a :class:`~ldapber.model.dn.DN`, a count of seconds, ...) and raise
:class:`InvalidValue` for octets that are not a value of the syntax; the
schema uses them to reject bad attribute values (invalidAttributeSyntax) and
the filter evaluator to recognise an invalid assertion value (Undefined).

Syntaxes the RFCs define but this module does not model (Delivery Method,
Telex Number, Certificate, JPEG, ...) are approximated by the default schema
with ``directoryString`` (textual ones) or ``octetString`` (binary ones).
"""

from __future__ import annotations

import calendar
import datetime
import functools
import re
from collections.abc import Callable
from fractions import Fraction

from ..model.dn import DN, DNSyntaxError, parse_dn

__all__ = [
    "SYNTAX_OIDS", "SYNTAXES", "STRING_SYNTAXES", "InvalidValue", "is_valid", "decode_utf8", "parse_integer",
    "parse_boolean", "parse_generalized_time", "parse_oid", "parse_dn_value", "parse_uuid", "parse_bit_string",
    "parse_postal_address", "parse_name_and_optional_uid",
]

#: Syntax name -> LDAP syntax OID (RFC 4517 section 3.3; uuid: RFC 4530).
SYNTAX_OIDS: dict[str, str] = {
    "bitString": "1.3.6.1.4.1.1466.115.121.1.6",
    "boolean": "1.3.6.1.4.1.1466.115.121.1.7",
    "countryString": "1.3.6.1.4.1.1466.115.121.1.11",
    "dn": "1.3.6.1.4.1.1466.115.121.1.12",
    "directoryString": "1.3.6.1.4.1.1466.115.121.1.15",
    "generalizedTime": "1.3.6.1.4.1.1466.115.121.1.24",
    "ia5String": "1.3.6.1.4.1.1466.115.121.1.26",
    "integer": "1.3.6.1.4.1.1466.115.121.1.27",
    "nameAndOptionalUID": "1.3.6.1.4.1.1466.115.121.1.34",
    "numericString": "1.3.6.1.4.1.1466.115.121.1.36",
    "oid": "1.3.6.1.4.1.1466.115.121.1.38",
    "octetString": "1.3.6.1.4.1.1466.115.121.1.40",
    "postalAddress": "1.3.6.1.4.1.1466.115.121.1.41",
    "printableString": "1.3.6.1.4.1.1466.115.121.1.44",
    "telephoneNumber": "1.3.6.1.4.1.1466.115.121.1.50",
    "uuid": "1.3.6.1.1.16.1",
}
SYNTAXES = frozenset(SYNTAX_OIDS)
#: Syntaxes whose values are character strings (the string matching rules apply to them).
STRING_SYNTAXES = frozenset({
    "directoryString", "ia5String", "printableString", "countryString", "telephoneNumber", "numericString",
})


class InvalidValue(ValueError):
    """Octets that are not a value of the syntax (or assertion syntax) at hand."""


_INTEGER = re.compile(r"-?[1-9][0-9]*|0")
_NUMERICOID = re.compile(r"(?:0|[1-9][0-9]*)(?:\.(?:0|[1-9][0-9]*))+")
_DESCR = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_PRINTABLE = re.compile(r"[A-Za-z0-9'()+,\-./:=? ]+")
_NUMERIC_STRING = re.compile(r"[0-9 ]+")
_BIT_STRING = re.compile(r"'([01]*)'B")
_UUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
_GENERALIZED_TIME = re.compile(
    r"([0-9]{4})([0-9]{2})([0-9]{2})([0-9]{2})(?:([0-9]{2})([0-9]{2})?)?(?:[.,]([0-9]+))?(Z|[+-][0-9]{2}(?:[0-9]{2})?)"
)
_EPOCH_ORDINAL = datetime.date(1970, 1, 1).toordinal()
_UID_SUFFIX = re.compile(r"(.*)#('[01]*'B)", re.DOTALL)


def decode_utf8(value: bytes) -> str:
    """The UTF-8 text of ``value`` (every string syntax is UTF-8 in LDAP)."""
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidValue("not valid UTF-8") from None


def _ascii(value: bytes) -> str:
    try:
        return value.decode("ascii")
    except UnicodeDecodeError:
        raise InvalidValue("not ASCII") from None


def parse_integer(value: bytes) -> int:
    """RFC 4517 3.3.16: ``Integer = ( HYPHEN LDIGIT *DIGIT ) / number`` (no sign, no leading zeros)."""
    text = _ascii(value)
    if not _INTEGER.fullmatch(text):
        raise InvalidValue(f"not an INTEGER: {text!r}")
    try:
        return int(text)
    except ValueError:  # longer than the interpreter converts (sys.int_info.str_digits_check_threshold)
        raise InvalidValue("INTEGER too long") from None


def parse_boolean(value: bytes) -> bool:
    """RFC 4517 3.3.3: exactly ``TRUE`` or ``FALSE``."""
    if value == b"TRUE":
        return True
    if value == b"FALSE":
        return False
    raise InvalidValue("a Boolean is TRUE or FALSE")


def parse_generalized_time(value: bytes) -> Fraction:
    """RFC 4517 3.3.13: the UTC instant, as seconds since 1970-01-01T00:00:00Z (exact).

    Absent minutes or seconds count as zero; a fraction applies to the last
    field given (hour, minute or second); a differential is subtracted to get
    UTC.  Impossible dates (February 31) are rejected, as the RFC recommends.
    A leap second (``60``) is accepted and counts as one more second.  The
    year 0000, which the ABNF allows, is rejected (no calendar support).
    """
    m = _GENERALIZED_TIME.fullmatch(_ascii(value))
    if not m:
        raise InvalidValue("not a GeneralizedTime")
    year, month, day, hour = (int(m.group(i)) for i in range(1, 5))
    minute = int(m.group(5)) if m.group(5) else 0
    second = int(m.group(6)) if m.group(6) else 0
    if not (1 <= month <= 12 and year >= 1 and 1 <= day <= calendar.monthrange(year, month)[1]):
        raise InvalidValue("not a date")
    if hour > 23 or minute > 59 or second > 60:
        raise InvalidValue("not a time of day")
    days = datetime.date(year, month, day).toordinal() - _EPOCH_ORDINAL
    total = Fraction(days * 86400 + hour * 3600 + minute * 60 + second)
    if m.group(7):
        digits = m.group(7)
        if len(digits) > 64:
            raise InvalidValue("fraction too long")
        unit = 3600 if not m.group(5) else 60 if not m.group(6) else 1
        total += Fraction(int(digits), 10 ** len(digits)) * unit
    zone = m.group(8)
    if zone != "Z":
        zh, zm = int(zone[1:3]), int(zone[3:5] or 0)
        if zh > 23 or zm > 59:
            raise InvalidValue("not a time zone differential")
        offset = zh * 3600 + zm * 60
        total -= offset if zone[0] == "+" else -offset
    return total


def parse_oid(value: bytes) -> str:
    """RFC 4512 ``oid = descr / numericoid``; returned as text, unresolved."""
    text = _ascii(value)
    if not (_NUMERICOID.fullmatch(text) or _DESCR.fullmatch(text)):
        raise InvalidValue(f"not an OID or descriptor: {text!r}")
    return text


def parse_dn_value(value: bytes) -> DN:
    """RFC 4517 3.3.9: an RFC 4514 DN string."""
    try:
        return parse_dn(decode_utf8(value))
    except DNSyntaxError as exc:
        raise InvalidValue(str(exc)) from None


def parse_uuid(value: bytes) -> int:
    """RFC 4530: the RFC 4122 string form ``8-4-4-4-12`` hex digits, as a 128-bit number."""
    text = _ascii(value)
    if not _UUID.fullmatch(text):
        raise InvalidValue("not a UUID")
    return int(text.replace("-", ""), 16)


def parse_bit_string(value: bytes) -> str:
    """RFC 4517 3.3.2: ``'0101'B``, returned as the string of binary digits."""
    m = _BIT_STRING.fullmatch(_ascii(value))
    if not m:
        raise InvalidValue("not a Bit String")
    return m.group(1)


def parse_postal_address(value: bytes) -> list[str]:
    """RFC 4517 3.3.28: lines separated by ``$``; ``\\24`` and ``\\5C`` escape ``$`` and ``\\``."""
    lines = []
    for raw in decode_utf8(value).split("$"):
        out, i = [], 0
        while i < len(raw):
            if raw[i] == "\\":
                code = raw[i + 1:i + 3].upper()
                if code not in ("24", "5C"):
                    raise InvalidValue("a backslash in a postal address must escape $ or \\")
                out.append("$" if code == "24" else "\\")
                i += 3
            else:
                out.append(raw[i])
                i += 1
        if not out:
            raise InvalidValue("an empty line in a postal address")
        lines.append("".join(out))
    return lines


def parse_name_and_optional_uid(value: bytes) -> tuple[DN, str | None]:
    """RFC 4517 3.3.21: ``distinguishedName [ SHARP BitString ]``."""
    m = _UID_SUFFIX.fullmatch(decode_utf8(value))
    if m:
        try:
            return parse_dn(m.group(1)), parse_bit_string(m.group(2).encode())
        except (DNSyntaxError, InvalidValue):
            pass  # the '#' belongs to the DN
    return parse_dn_value(value), None


def _directory_string(value: bytes) -> None:
    if not decode_utf8(value):
        raise InvalidValue("a Directory String is not empty")


def _ia5(value: bytes) -> None:
    _ascii(value)


def _printable(value: bytes) -> None:
    if not _PRINTABLE.fullmatch(_ascii(value)):
        raise InvalidValue("not a Printable String")


def _country(value: bytes) -> None:
    _printable(value)
    if len(value) != 2:
        raise InvalidValue("a Country String is two characters")


def _numeric_string(value: bytes) -> None:
    if not _NUMERIC_STRING.fullmatch(_ascii(value)):
        raise InvalidValue("not a Numeric String")


def _octets(value: bytes) -> None:
    return None


_CHECKS: dict[str, Callable[[bytes], object]] = {
    "bitString": parse_bit_string,
    "boolean": parse_boolean,
    "countryString": _country,
    "dn": parse_dn_value,
    "directoryString": _directory_string,
    "generalizedTime": parse_generalized_time,
    "ia5String": _ia5,
    "integer": parse_integer,
    "nameAndOptionalUID": parse_name_and_optional_uid,
    "numericString": _numeric_string,
    "oid": parse_oid,
    "octetString": _octets,
    "postalAddress": parse_postal_address,
    "printableString": _printable,
    "telephoneNumber": _printable,
    "uuid": parse_uuid,
}


#: Syntaxes whose values recur across entries (object classes, timestamps, creators' DNs) and cost a
#: parse to check: their verdicts are remembered (bounded).
_REMEMBERED = frozenset({"oid", "generalizedTime", "dn", "nameAndOptionalUID"})
_MAX_VERDICTS = 4096  # per remembered syntax


def is_valid(syntax: str, value: bytes) -> bool:
    """True if ``value`` is a value of ``syntax``.  Raises KeyError for an unknown syntax name."""
    valid = validator(syntax)
    return valid is None or valid(value)


@functools.cache  # one per syntax name: they come from the schema, never from values
def validator(syntax: str) -> Callable[[bytes], bool] | None:
    """The predicate :func:`is_valid` applies for ``syntax``, or None when
    every value is one (octetString): the schema check calls it per value and
    skips the attributes that need no call.  Raises KeyError for an unknown name."""
    check = _CHECKS[syntax]
    if check is _octets:
        return None

    def valid(value: bytes) -> bool:
        try:
            check(value)
        except InvalidValue:
            return False
        return True

    if syntax not in _REMEMBERED:
        return valid
    verdicts: dict[bytes, bool] = {}

    def remembered(value: bytes) -> bool:
        verdict = verdicts.get(value)
        if verdict is None:
            verdict = valid(value)
            if len(verdicts) >= _MAX_VERDICTS:
                verdicts.clear()
            verdicts[value] = verdict
        return verdict

    return remembered
