"""Matching rules (RFC 4517 section 4.2) and the string preparation they use (RFC 4518, simplified).

A :class:`MatchingRule` knows how to turn a value into a *key*: two values
match under an equality rule when their keys are equal, an ordering rule
says "less than" when one key is smaller, and a substrings rule compares
prepared text.  Keys are plain Python values (``str``, ``int``, tuples, an
exact ``Fraction`` of seconds for times), so callers can also hash them.

String preparation, simplified from RFC 4518 and applied by every string rule:

1. *Map*: TAB, LF, VT, FF, CR, NEL and every Unicode space separator become
   SPACE; other control and format characters (``Cc``, ``Cf``) and the
   variation selectors, SOFT HYPHEN and the like are removed; case is folded
   (``str.casefold``) for the case-ignoring rules.
2. *Normalize*: Unicode NFKC.  Steps 1 and 2 repeat until nothing changes,
   because folding can undo NFKC and NFKC can produce capitals.
3. *Insignificant space handling*: leading and trailing spaces removed, each
   inner run of spaces collapsed to one space (RFC 4518 keeps two; the
   comparison is the same).  telephoneNumber rules instead remove every
   space and hyphen, numericString rules every space.

The Prohibit and bidi steps are not applied: an unassigned or prohibited
code point is compared as itself instead of making the assertion Undefined.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..model.dn import DN
from .syntaxes import (
    STRING_SYNTAXES,
    InvalidValue,
    decode_utf8,
    parse_bit_string,
    parse_boolean,
    parse_dn_value,
    parse_generalized_time,
    parse_integer,
    parse_name_and_optional_uid,
    parse_oid,
    parse_postal_address,
    parse_uuid,
)

if TYPE_CHECKING:
    from .schema import Schema

__all__ = [
    "MatchingRule", "RULES", "get_rule", "prepare_string", "prepare_substring", "dn_key", "InvalidValue",
    "EQUALITY", "ORDERING", "SUBSTR",
]

EQUALITY, ORDERING, SUBSTR = "equality", "ordering", "substr"

_TO_SPACE = frozenset("\t\n\x0b\x0c\r\x85")
_TO_NOTHING = frozenset("\u00ad\u1806\u034f\u180b\u180c\u180d\ufffc") | frozenset(map(chr, range(0xFE00, 0xFE10)))
_HYPHENS_AND_SPACES = frozenset(" -\u058a\u2010\u2011\u2212\ufe63\uff0d")
_SPACE_RUN = re.compile(" {2,}")

Normalizer = Callable[[bytes, "Schema | None"], Any]


def _map_char(ch: str) -> str:
    if ch in _TO_SPACE:
        return " "
    category = unicodedata.category(ch)
    if category in ("Zs", "Zl", "Zp"):
        return " "
    if category in ("Cc", "Cf") or ch in _TO_NOTHING:
        return ""
    return ch


def _map_normalize(text: str, fold: bool) -> str:
    if text.isascii() and text.isprintable():
        # Printable ASCII maps to itself, NFKC leaves it alone and casefold is lower().
        return text.lower() if fold else text
    for _ in range(8):
        mapped = "".join(_map_char(ch) for ch in text)
        if fold:
            mapped = mapped.casefold()
        mapped = unicodedata.normalize("NFKC", mapped)
        if mapped == text:
            break
        text = mapped
    return text


def prepare_string(text: str, *, fold: bool, drop: frozenset[str] = frozenset()) -> str:
    """The RFC 4518 (simplified) prepared form of an attribute or assertion value.

    ``fold`` folds case (caseIgnore rules); ``drop`` lists characters removed
    outright (telephoneNumber: spaces and hyphens), which replaces the
    insignificant space handling.
    """
    text = _map_normalize(text, fold)
    if drop:
        return "".join(ch for ch in text if ch not in drop)
    if "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text  # no insignificant spaces to remove
    return " ".join(part for part in text.split(" ") if part)


def prepare_substring(text: str, where: str, *, fold: bool, drop: frozenset[str] = frozenset()) -> str:
    """The prepared form of one substring of a substrings assertion.

    ``where`` is ``"initial"``, ``"any"`` or ``"final"``: runs of spaces
    collapse to one, and only the outer edge of an initial (its start) or a
    final (its end) loses its spaces, so ``(cn=John *)`` still requires a
    space after "John".
    """
    text = _map_normalize(text, fold)
    if drop:
        return "".join(ch for ch in text if ch not in drop)
    text = _SPACE_RUN.sub(" ", text)
    if where == "initial":
        text = text.lstrip(" ")
    elif where == "final":
        text = text.rstrip(" ")
    return text


@dataclass(frozen=True)
class MatchingRule:
    """A matching rule: its RFC name and OID, its kind and how to make keys.

    ``normalize`` turns an assertion value into a key and ``value_normalize``
    an attribute value (they differ only for the *FirstComponent* rules).
    For substrings rules the key is the prepared text of the attribute value
    and ``piece`` prepares one substring of the assertion.  ``syntaxes`` are
    the attribute syntaxes the rule applies to (for extensibleMatch);
    ``textual`` marks the string rules (approxMatch loosens those).
    Both normalizers raise :class:`InvalidValue`.
    """

    oid: str
    name: str
    kind: str
    syntaxes: frozenset[str]
    normalize: Normalizer
    value_normalize: Normalizer | None = None
    piece: Callable[[bytes, str], str] | None = None
    textual: bool = False

    def assertion_key(self, value: bytes, schema: Schema | None = None) -> Any:
        """The key of an assertion value; raises InvalidValue if it does not fit the assertion syntax."""
        return self.normalize(value, schema)

    def value_key(self, value: bytes, schema: Schema | None = None) -> Any:
        """The key of an attribute value; raises InvalidValue for a value outside the syntax."""
        return (self.value_normalize or self.normalize)(value, schema)

    def applies_to(self, syntax: str) -> bool:
        """True if the rule may compare values of ``syntax`` (extensibleMatch suitability)."""
        return syntax in self.syntaxes


def _text_normalizer(fold: bool, *, ascii_only: bool = False, drop: frozenset[str] = frozenset()) -> Normalizer:
    def normalize(value: bytes, schema: Schema | None) -> str:
        if ascii_only and not value.isascii():
            raise InvalidValue("not an IA5 String")
        return prepare_string(decode_utf8(value), fold=fold, drop=drop)
    return normalize


def _piece_preparer(fold: bool, *, ascii_only: bool = False, drop: frozenset[str] = frozenset()) -> Callable[
        [bytes, str], str]:
    def piece(value: bytes, where: str) -> str:
        if ascii_only and not value.isascii():
            raise InvalidValue("not an IA5 String")
        return prepare_substring(decode_utf8(value), where, fold=fold, drop=drop)
    return piece


def _list_normalizer(value: bytes, schema: Schema | None) -> tuple[str, ...]:
    return tuple(prepare_string(line, fold=True) for line in parse_postal_address(value))


def _list_substring_value(value: bytes, schema: Schema | None) -> str:
    # Prepared lines hold no newline (it maps to a space), so a substring cannot span two lines.
    return "\n".join(_list_normalizer(value, schema))


def dn_key(dn: DN, schema: Schema | None = None) -> tuple[Hashable, ...]:
    """The distinguishedNameMatch key of a DN (RFC 4517 4.2.15): one key per
    RDN, leaf first (so a parent's key is ``key[1:]``).

    With a schema, each attribute type is replaced by its canonical name
    (``commonName`` and ``2.5.4.3`` become ``cn``) and each value by the key
    of the type's equality rule, so ``uidNumber=0100`` is not ``uidNumber=100``
    but ``CN=A  B`` is ``cn=a b``.  Without a schema, or for a value the rule
    rejects, types are lower-cased and values prepared as caseIgnoreMatch
    does.  ``#hex`` values (BER encodings) compare as octets.  An RDN's key
    is its one ``(type, value key)`` pair, or a frozenset of them for a
    multi-valued RDN (whose order does not count).
    """
    rdns = dn.rdns
    if not rdns:
        return ()
    # The leaf is keyed afresh; the ancestors (ou=people, dc=example, dc=com) recur in every DN: cached.
    return (_rdn_key(rdns[0].avas, schema), *(_ancestor_key(rdn.avas, schema) for rdn in rdns[1:]))


def _rdn_key(avas: tuple[Any, ...], schema: Schema | None) -> Hashable:
    if len(avas) == 1:
        return _ava_key(avas[0].type, avas[0].value, schema)
    return frozenset(_ava_key(ava.type, ava.value, schema) for ava in avas)


_ancestor_key = functools.lru_cache(maxsize=4096)(_rdn_key)


def _ava_key(type_: str, value: str | bytes, schema: Schema | None) -> tuple[str, Any]:
    key = type_.lower()
    rule = None
    if schema is not None:
        at = schema.attribute(type_)
        if at.known:
            key = at.key
            rule = get_rule(at.equality) if at.equality else None
    if isinstance(value, bytes):
        return key, ("#", value)
    if rule is not None:
        try:
            return key, rule.value_key(value.encode("utf-8"), schema)
        except (InvalidValue, RecursionError):
            pass
    return key, prepare_string(value, fold=True)


def _dn_normalizer(value: bytes, schema: Schema | None) -> tuple[Hashable, ...]:
    return dn_key(parse_dn_value(value), schema)


def _unique_member_normalizer(value: bytes, schema: Schema | None) -> tuple[Any, str | None]:
    dn, uid = parse_name_and_optional_uid(value)
    return dn_key(dn, schema), uid


def _oid_normalizer(value: bytes, schema: Schema | None) -> str:
    text = parse_oid(value)
    if text[0].isdigit():
        return text
    resolved = schema.resolve_oid(text) if schema is not None else None
    if resolved is None:  # RFC 4517 4.2.26: an unrecognised descriptor makes the rule Undefined
        raise InvalidValue(f"unknown descriptor {text!r}")
    return resolved


_FIRST_OID = re.compile(r"\(\s*([0-9A-Za-z.\-]+)")
_FIRST_INTEGER = re.compile(r"\(\s*(-?[0-9]+)")


def _oid_first_component(value: bytes, schema: Schema | None) -> str:
    m = _FIRST_OID.match(decode_utf8(value))
    if not m:
        raise InvalidValue("no first component")
    return _oid_normalizer(m.group(1).encode(), schema)


def _integer_first_component(value: bytes, schema: Schema | None) -> int:
    m = _FIRST_INTEGER.match(decode_utf8(value))
    if not m:
        raise InvalidValue("no first component")
    return parse_integer(m.group(1).encode())


def _octets(value: bytes, schema: Schema | None) -> bytes:
    return value


def _simple(parse: Callable[[bytes], Any]) -> Normalizer:
    def normalize(value: bytes, schema: Schema | None) -> Any:
        return parse(value)
    return normalize


_STRINGS = STRING_SYNTAXES
_TEL = _HYPHENS_AND_SPACES
_SPACE = frozenset(" ")


def _rules() -> list[MatchingRule]:
    ci, ce = _text_normalizer(True), _text_normalizer(False)
    return [
        # Equality rules.
        MatchingRule("2.5.13.0", "objectIdentifierMatch", EQUALITY, frozenset({"oid"}), _oid_normalizer),
        MatchingRule("2.5.13.1", "distinguishedNameMatch", EQUALITY, frozenset({"dn"}), _dn_normalizer),
        MatchingRule("2.5.13.2", "caseIgnoreMatch", EQUALITY, _STRINGS, ci, textual=True),
        MatchingRule("2.5.13.5", "caseExactMatch", EQUALITY, _STRINGS, ce, textual=True),
        MatchingRule("2.5.13.8", "numericStringMatch", EQUALITY, _STRINGS,
                     _text_normalizer(False, drop=_SPACE), textual=True),
        MatchingRule("2.5.13.11", "caseIgnoreListMatch", EQUALITY, frozenset({"postalAddress"}), _list_normalizer,
                     textual=True),
        MatchingRule("2.5.13.13", "booleanMatch", EQUALITY, frozenset({"boolean"}), _simple(parse_boolean)),
        MatchingRule("2.5.13.14", "integerMatch", EQUALITY, frozenset({"integer"}), _simple(parse_integer)),
        MatchingRule("2.5.13.16", "bitStringMatch", EQUALITY, frozenset({"bitString"}), _simple(parse_bit_string)),
        MatchingRule("2.5.13.17", "octetStringMatch", EQUALITY, frozenset({"octetString"}), _octets),
        MatchingRule("2.5.13.20", "telephoneNumberMatch", EQUALITY, _STRINGS, _text_normalizer(True, drop=_TEL),
                     textual=True),
        MatchingRule("2.5.13.23", "uniqueMemberMatch", EQUALITY, frozenset({"nameAndOptionalUID"}),
                     _unique_member_normalizer),
        MatchingRule("2.5.13.27", "generalizedTimeMatch", EQUALITY, frozenset({"generalizedTime"}),
                     _simple(parse_generalized_time)),
        MatchingRule("2.5.13.29", "integerFirstComponentMatch", EQUALITY, _STRINGS, _simple(parse_integer),
                     value_normalize=_integer_first_component),
        MatchingRule("2.5.13.30", "objectIdentifierFirstComponentMatch", EQUALITY, _STRINGS, _oid_normalizer,
                     value_normalize=_oid_first_component),
        MatchingRule("1.3.6.1.4.1.1466.109.114.1", "caseExactIA5Match", EQUALITY, _STRINGS,
                     _text_normalizer(False, ascii_only=True), textual=True),
        MatchingRule("1.3.6.1.4.1.1466.109.114.2", "caseIgnoreIA5Match", EQUALITY, _STRINGS,
                     _text_normalizer(True, ascii_only=True), textual=True),
        MatchingRule("1.3.6.1.1.16.2", "uuidMatch", EQUALITY, frozenset({"uuid"}), _simple(parse_uuid)),
        # Ordering rules: TRUE when the attribute value sorts before the assertion value.
        MatchingRule("2.5.13.3", "caseIgnoreOrderingMatch", ORDERING, _STRINGS, ci, textual=True),
        MatchingRule("2.5.13.6", "caseExactOrderingMatch", ORDERING, _STRINGS, ce, textual=True),
        MatchingRule("2.5.13.9", "numericStringOrderingMatch", ORDERING, _STRINGS,
                     _text_normalizer(False, drop=_SPACE), textual=True),
        MatchingRule("2.5.13.15", "integerOrderingMatch", ORDERING, frozenset({"integer"}), _simple(parse_integer)),
        MatchingRule("2.5.13.18", "octetStringOrderingMatch", ORDERING, frozenset({"octetString"}), _octets),
        MatchingRule("2.5.13.28", "generalizedTimeOrderingMatch", ORDERING, frozenset({"generalizedTime"}),
                     _simple(parse_generalized_time)),
        MatchingRule("1.3.6.1.1.16.3", "uuidOrderingMatch", ORDERING, frozenset({"uuid"}), _simple(parse_uuid)),
        # Substrings rules: the key is the prepared value text.
        MatchingRule("2.5.13.4", "caseIgnoreSubstringsMatch", SUBSTR, _STRINGS, ci, piece=_piece_preparer(True),
                     textual=True),
        MatchingRule("2.5.13.7", "caseExactSubstringsMatch", SUBSTR, _STRINGS, ce, piece=_piece_preparer(False),
                     textual=True),
        MatchingRule("2.5.13.10", "numericStringSubstringsMatch", SUBSTR, _STRINGS,
                     _text_normalizer(False, drop=_SPACE), piece=_piece_preparer(False, drop=_SPACE), textual=True),
        MatchingRule("2.5.13.12", "caseIgnoreListSubstringsMatch", SUBSTR, frozenset({"postalAddress"}),
                     _list_substring_value, piece=_piece_preparer(True), textual=True),
        MatchingRule("2.5.13.21", "telephoneNumberSubstringsMatch", SUBSTR, _STRINGS,
                     _text_normalizer(True, drop=_TEL), piece=_piece_preparer(True, drop=_TEL), textual=True),
        MatchingRule("1.3.6.1.4.1.1466.109.114.3", "caseIgnoreIA5SubstringsMatch", SUBSTR, _STRINGS,
                     _text_normalizer(True, ascii_only=True), piece=_piece_preparer(True, ascii_only=True),
                     textual=True),
        # Not in RFC 4517; RFC 2307 names it, the OID is OpenLDAP's.
        MatchingRule("1.3.6.1.4.1.4203.1.2.1", "caseExactIA5SubstringsMatch", SUBSTR, _STRINGS,
                     _text_normalizer(False, ascii_only=True), piece=_piece_preparer(False, ascii_only=True),
                     textual=True),
    ]


#: Every rule, by lower-cased name and by OID.
RULES: dict[str, MatchingRule] = {}
for _rule in _rules():
    RULES[_rule.name.lower()] = _rule
    RULES[_rule.oid] = _rule
del _rule


def get_rule(name_or_oid: str) -> MatchingRule | None:
    """The rule named ``name_or_oid`` (a name, case-insensitively, or an OID), or None."""
    return RULES.get(name_or_oid.lower())
