"""Search filter evaluation (RFC 4511 4.5.1.7) and the Compare operation (RFC 4511 4.10).

:func:`evaluate` gives the three-valued result of a filter against an entry:
``True``, ``False`` or ``None`` for Undefined (X.511 7.8.1).  An entry is
returned by a search only for ``True``.  Every filter item is Undefined when
its attribute type is unknown, when the type lacks the matching rule the
item needs (ORDERING for ``>=``/``<=``, SUBSTR for substrings, EQUALITY for
``=``, ``~=`` and Compare), or when the assertion value does not fit the
rule's syntax (``(uidNumber>=abc)``); an extensibleMatch also for an unknown
rule or one unsuited to the type.  Filter objects come from the decoder or
from :func:`ldapber.model.filters.parse_filter`; an :class:`UnknownAlternative`
(a filter choice from a later protocol version) is Undefined too.

Items on a supertype match the values of its subtypes (``(name=Smith)``
matches ``sn: Smith``), each with the subtype's own rule; a description
with options matches stored descriptions holding at least those options.
A stored value the rule cannot read (outside its syntax) never matches.

Choices where the RFCs leave room:

* approxMatch is the equality match, loosened for string rules: values also
  match when equal after dropping accents, case, spaces and punctuation
  (``Jöhn-Smith ~= john smith``).  Other rules use plain equality.
* greaterOrEqual is TRUE for a value not less than the assertion by the
  ORDERING rule; lessOrEqual for a value less than it or equal to it (equal
  by the ORDERING rule's keys, which for every rule here agree with the
  EQUALITY rule).
* objectClass equality also matches the superclasses of the stored classes
  (OpenLDAP's objectSubClassMatch), so ``(objectClass=person)`` finds an
  entry stored with only ``inetOrgPerson``; names and OIDs are equivalent
  (objectIdentifierMatch resolves names through the schema).
* An extensibleMatch rule applies to a type when the type's syntax is one
  the rule is defined for (every string rule to every string syntax).  An
  ordering rule there matches values *less than* the assertion; a substrings
  rule takes a Substring Assertion (``ab*cd``, RFC 4517 3.3.30).

Evaluation is iterative (an explicit stack), so a filter as deep as the
decoder allows cannot exhaust the Python stack, and it does not
short-circuit: each item is evaluated once.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ..model import (
    And,
    ApproxMatch,
    EqualityMatch,
    Final,
    GreaterOrEqual,
    Initial,
    LessOrEqual,
    MatchingRuleAssertion,
    Not,
    Or,
    Present,
    ResultCode,
    SubstringFilter,
    UnknownAlternative,
)
from ..model import Any as AnySubstring
from .rules import ORDERING, SUBSTR, MatchingRule, get_rule
from .schema import AttributeType, Schema, split_description
from .syntaxes import InvalidValue, decode_utf8

if TYPE_CHECKING:
    from .entry import Entry

__all__ = ["evaluate", "compare", "normalize", "approx_key", "Undefined"]

#: The third truth value of filter evaluation.
Undefined = None

_Selection = list[tuple[AttributeType, Sequence[bytes]]]


def normalize(rule_name: str, value: bytes, schema: Schema | None = None) -> Any:
    """The key of ``value`` under matching rule ``rule_name`` (name or OID).

    Two values are equal under an equality rule when their keys are equal;
    an ordering rule sorts by key; a substrings rule's key is the prepared
    text.  ``normalize("caseIgnoreMatch", b"  Foo   Bar ")`` is ``"foo bar"``,
    ``normalize("integerMatch", b"-12")`` is ``-12``,
    ``normalize("telephoneNumberMatch", b"+1 555-0100")`` is ``"+15550100"``.
    Raises KeyError for an unknown rule and InvalidValue (a ValueError) for a
    value outside the rule's syntax.
    """
    rule = get_rule(rule_name)
    if rule is None:
        raise KeyError(rule_name)
    return rule.value_key(value, schema)


def approx_key(text: str) -> str:
    """The loose form approxMatch compares for string rules: accents, case, spaces and punctuation dropped."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed.casefold() if ch.isalnum() and not unicodedata.combining(ch))


# -- selecting the attributes a filter item is about ---------------------------------------------------


_Plan = tuple[AttributeType, tuple[tuple[AttributeType, int], ...]] | None
_PLANS: dict[tuple[object, str, Schema], _Plan] = {}


def _plan(entry: Entry, schema: Schema, description: str) -> _Plan:
    """Where in entries of ``entry``'s layout the attributes a filter item
    on ``description`` covers are (the type, its subtypes, with at least the
    item's options); None if the type is unknown.  Cached per layout: the
    entries of one object class share it, and a search asks it once."""
    token = (entry.layout, description, schema)
    plan = _PLANS.get(token, _NO_PLAN)
    if plan is _NO_PLAN:
        type_, options = split_description(description)
        at = schema.attribute(type_)
        if not at.known:
            plan = None
        else:
            wanted = schema.subtypes(at.key)
            where = []
            for i, (key, _, _) in enumerate(entry.items()):
                base, stored_options = split_description(key)
                if base in wanted and options <= stored_options:
                    where.append((schema.attribute(base), i))
            plan = (at, tuple(where))
        if len(_PLANS) >= 8192:  # bounded: layouts and descriptions come from clients
            _PLANS.clear()
        _PLANS[token] = plan
    return plan  # type: ignore[return-value]


_NO_PLAN = object()


def _select(entry: Entry, schema: Schema, description: str) -> tuple[AttributeType, _Selection] | None:
    """The filter item's type and the entry's attributes it covers (the type, its subtypes, with at
    least the item's options), or None if the type is unknown."""
    plan = _plan(entry, schema, description)
    if plan is None:
        return None
    return plan[0], [(at, entry.values_at(i)) for at, i in plan[1]]


def _rule(name: str | None) -> MatchingRule | None:
    return get_rule(name) if name is not None else None


def rule_keys(rule: MatchingRule, values: Sequence[bytes], schema: Schema) -> Iterator[Any]:
    """The keys of the values the rule can read (others never match)."""
    for value in values:
        try:
            yield rule.value_key(value, schema)
        except InvalidValue:
            continue


class _Assertion:
    """An assertion value prepared lazily per rule (subtypes may use different rules)."""

    def __init__(self, value: bytes, schema: Schema) -> None:
        self.value = value
        self.schema = schema
        self._cache: dict[str, Any] = {}

    def key(self, rule: MatchingRule) -> Any:
        """The assertion's key under ``rule``; raises InvalidValue."""
        if rule.oid not in self._cache:
            try:
                self._cache[rule.oid] = (True, rule.assertion_key(self.value, self.schema))
            except InvalidValue:
                self._cache[rule.oid] = (False, None)
        ok, key = self._cache[rule.oid]
        if not ok:
            raise InvalidValue(f"assertion value invalid for {rule.name}")
        return key


# -- filter items ----------------------------------------------------------------------------------------


def _prepare(entry: Entry, schema: Schema, description: str, value: bytes,
             rule_of: Callable[[AttributeType], str | None]) -> tuple[_Selection, _Assertion, MatchingRule] | None:
    """The values a filter item looks at, its assertion and the rule to apply,
    or None when the item is Undefined (unknown type, no such rule for it,
    or an assertion value the rule rejects)."""
    selected = _select(entry, schema, description)
    if selected is None:
        return None
    at, found = selected
    rule = _rule(rule_of(at))
    if rule is None:
        return None
    assertion = _Assertion(value, schema)
    try:
        assertion.key(rule)
    except InvalidValue:
        return None
    return found, assertion, rule


def _candidates(found: _Selection, assertion: _Assertion, rule_of: Callable[[AttributeType], str | None],
                ) -> Iterator[tuple[AttributeType, MatchingRule, Sequence[bytes], Any]]:
    """For each selected type (a supertype's subtypes each have their own
    rule): (type, its rule, its values, the assertion's key under that rule),
    skipping types without the rule or whose rule rejects the assertion."""
    for stored_at, values in found:
        stored_rule = _rule(rule_of(stored_at))
        if stored_rule is None:
            continue
        try:
            wanted = assertion.key(stored_rule)
        except InvalidValue:
            continue
        yield stored_at, stored_rule, values, wanted


def _equality(entry: Entry, schema: Schema, description: str, value: bytes, approx: bool = False) -> bool | None:
    prepared = _prepare(entry, schema, description, value, lambda at: at.equality)
    if prepared is None:
        return Undefined
    found, assertion, rule = prepared
    loose = approx_key(decode_utf8(value)) if approx and rule.textual and _is_utf8(value) else ""
    for stored_at, stored_rule, values, wanted in _candidates(found, assertion, lambda at: at.equality):
        keys = class_keys(values, schema) if stored_at.key == "objectclass" else rule_keys(stored_rule, values, schema)
        if any(k == wanted for k in keys):
            return True
        if loose and stored_rule.textual and any(
                _is_utf8(v) and approx_key(v.decode("utf-8")) == loose for v in values):
            return True
    return False


def class_keys(values: Sequence[bytes], schema: Schema) -> Iterator[Any]:
    """objectClass values and their superclasses, as OIDs (OpenLDAP's objectSubClassMatch):
    ``(objectClass=person)`` matches an ``inetOrgPerson`` entry even if ``person`` was not stored."""
    names = []
    for value in values:
        try:
            name = value.decode("utf-8")
        except UnicodeDecodeError:
            continue
        names.append(name)
        if name[:1].isdigit():
            yield name
    for oc in schema.superclasses(names):
        yield oc.oid


def _is_utf8(value: bytes) -> bool:
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _ordering(entry: Entry, schema: Schema, description: str, value: bytes, greater: bool) -> bool | None:
    prepared = _prepare(entry, schema, description, value, lambda at: at.ordering)
    if prepared is None:
        return Undefined
    found, assertion, rule = prepared
    for _, stored_rule, values, wanted in _candidates(found, assertion, lambda at: at.ordering):
        for k in rule_keys(stored_rule, values, schema):
            if (k >= wanted) if greater else (k <= wanted):
                return True
    return False


def _present(entry: Entry, schema: Schema, description: str) -> bool | None:
    plan = _plan(entry, schema, description)
    if plan is None:
        return Undefined
    return bool(plan[1])


def _pieces(rule: MatchingRule, initial: bytes | None, anys: Sequence[bytes],
            final: bytes | None) -> tuple[str, tuple[str, ...], str]:
    """The prepared substrings of an assertion; raises InvalidValue.  Cached:
    a search prepares its assertion once, not once per entry it looks at."""
    return _prepared_pieces(rule, initial, tuple(anys), final)


@functools.lru_cache(maxsize=1024)
def _prepared_pieces(rule: MatchingRule, initial: bytes | None, anys: tuple[bytes, ...],
                     final: bytes | None) -> tuple[str, tuple[str, ...], str]:
    assert rule.piece is not None
    first = rule.piece(initial, "initial") if initial is not None else ""
    middle = tuple(p for p in (rule.piece(a, "any") for a in anys) if p)
    last = rule.piece(final, "final") if final is not None else ""
    return first, middle, last


def substrings_match(text: str, initial: str, anys: Sequence[str], final: str) -> bool:
    """True if ``initial``, ``anys`` (in order) and ``final`` match disjoint parts of ``text``,
    ``initial`` at its start and ``final`` at its end (RFC 4517 4.2.13).  Leftmost matching is exact."""
    if not text.startswith(initial):
        return False
    pos = len(initial)
    for piece in anys:
        found = text.find(piece, pos)
        if found < 0:
            return False
        pos = found + len(piece)
    return len(text) - len(final) >= pos and text.endswith(final)


def _substrings(entry: Entry, schema: Schema, f: SubstringFilter) -> bool | None:
    selected = _select(entry, schema, f.type)
    if selected is None:
        return Undefined
    at, found = selected
    rule = _rule(at.substr)
    if rule is None:
        return Undefined
    initial = final = None
    anys: list[bytes] = []
    for i, sub in enumerate(f.substrings):  # RFC 4511 4.5.1.7.2: initial first, final last, each once
        if isinstance(sub, Initial) and i == 0:
            initial = sub.value
        elif isinstance(sub, Final) and i == len(f.substrings) - 1 and final is None:
            final = sub.value
        elif isinstance(sub, AnySubstring):
            anys.append(sub.value)
        else:
            return Undefined
    return _match_substrings(found, schema, rule, initial, anys, final)


def _match_substrings(found: _Selection, schema: Schema, rule: MatchingRule, initial: bytes | None,
                      anys: Sequence[bytes], final: bytes | None) -> bool | None:
    """The substrings filter over the selected attributes, each with its own SUBSTR rule."""
    try:
        _pieces(rule, initial, anys, final)
    except InvalidValue:
        return Undefined
    for stored_at, values in found:
        stored_rule = _rule(stored_at.substr)
        if stored_rule is not None and _substrings_hold(stored_rule, values, schema, initial, anys, final):
            return True
    return False


def _substrings_hold(rule: MatchingRule, values: Sequence[bytes], schema: Schema, initial: bytes | None,
                     anys: Sequence[bytes], final: bytes | None) -> bool:
    try:
        pieces = _pieces(rule, initial, anys, final)
    except InvalidValue:
        return False
    return any(substrings_match(text, *pieces) for text in rule_keys(rule, values, schema))


def _parse_substring_assertion(value: bytes) -> tuple[bytes | None, list[bytes], bytes | None]:
    """RFC 4517 3.3.30 ``[initial] * [any *]... [final]``; ``\\2A`` and ``\\5C`` escape ``*`` and ``\\``."""
    raw = value.split(b"*")
    if len(raw) < 2:
        raise InvalidValue("a Substring Assertion has at least one '*'")
    parts = []
    for part in raw:
        out, i = bytearray(), 0
        while i < len(part):
            if part[i:i + 1] == b"\\":
                code = part[i + 1:i + 3].upper()
                if code not in (b"2A", b"5C"):
                    raise InvalidValue("a backslash must escape '*' or '\\'")
                out += b"*" if code == b"2A" else b"\\"
                i += 3
            else:
                out.append(part[i])
                i += 1
        parts.append(bytes(out))
    if any(not p for p in parts[1:-1]):
        raise InvalidValue("an empty substring")
    return parts[0] or None, parts[1:-1], parts[-1] or None


def _extensible(entry: Entry, schema: Schema, f: MatchingRuleAssertion) -> bool | None:
    explicit = None
    if f.matching_rule is not None:
        explicit = get_rule(f.matching_rule)
        if explicit is None:
            return Undefined
    covered: frozenset[str] | None = None
    if f.type is not None:
        selected = _select(entry, schema, f.type)
        if selected is None:
            return Undefined
        at, found = selected
        main_rule = explicit if explicit is not None else _rule(at.equality)
        if main_rule is None or not main_rule.applies_to(at.syntax):
            return Undefined
        pool = list(found)
        covered = schema.subtypes(at.key)
    elif explicit is not None:
        main_rule = explicit
        pool = [(schema.attribute(split_description(key)[0]), values) for key, _, values in entry.items()]
    else:
        return Undefined  # neither a type nor a rule: nothing to match
    assertion = _Assertion(f.match_value, schema)
    if not _assertion_fits(main_rule, assertion):
        return Undefined
    if f.dn_attributes:
        for rdn in entry.dn:
            for ava in rdn:
                ava_at = schema.attribute(ava.type)
                if ava_at.known and isinstance(ava.value, str) and (covered is None or ava_at.key in covered):
                    pool.append((ava_at, [ava.value.encode("utf-8")]))
    for stored_at, values in pool:
        rule = explicit if explicit is not None else _rule(stored_at.equality)
        if rule is not None and stored_at.known and rule.applies_to(stored_at.syntax) and _rule_matches(
                rule, values, assertion, schema):
            return True
    return False


def _assertion_fits(rule: MatchingRule, assertion: _Assertion) -> bool:
    try:
        if rule.kind == SUBSTR:
            _pieces(rule, *_parse_substring_assertion(assertion.value))
        else:
            assertion.key(rule)
    except InvalidValue:
        return False
    return True


def _rule_matches(rule: MatchingRule, values: Sequence[bytes], assertion: _Assertion, schema: Schema) -> bool:
    """An extensibleMatch rule applied to values: equality, ordering (value < assertion) or substrings."""
    try:
        if rule.kind == SUBSTR:
            return _substrings_hold(rule, values, schema, *_parse_substring_assertion(assertion.value))
        wanted = assertion.key(rule)
    except InvalidValue:
        return False
    if rule.kind == ORDERING:
        return any(k < wanted for k in rule_keys(rule, values, schema))
    return any(k == wanted for k in rule_keys(rule, values, schema))


# -- the filter ----------------------------------------------------------------------------------------------


def _item(entry: Entry, schema: Schema, f: object) -> bool | None:
    if isinstance(f, EqualityMatch):
        return _equality(entry, schema, f.attribute_desc, f.assertion_value)
    if isinstance(f, Present):
        return _present(entry, schema, f.value)
    if isinstance(f, SubstringFilter):
        return _substrings(entry, schema, f)
    if isinstance(f, GreaterOrEqual):
        return _ordering(entry, schema, f.attribute_desc, f.assertion_value, greater=True)
    if isinstance(f, LessOrEqual):
        return _ordering(entry, schema, f.attribute_desc, f.assertion_value, greater=False)
    if isinstance(f, ApproxMatch):
        return _equality(entry, schema, f.attribute_desc, f.assertion_value, approx=True)
    if isinstance(f, MatchingRuleAssertion):
        return _extensible(entry, schema, f)
    if isinstance(f, UnknownAlternative):
        return Undefined
    raise TypeError(f"not a filter: {type(f).__name__}")


def _combine(f: object, results: list[bool | None]) -> bool | None:
    if isinstance(f, And):  # empty And is TRUE (RFC 4526)
        return False if False in results else True if all(r is True for r in results) else Undefined
    if isinstance(f, Or):  # empty Or is FALSE
        return True if True in results else False if all(r is False for r in results) else Undefined
    value = results[0]  # Not
    return Undefined if value is None else not value


def evaluate(f: object, entry: Entry, schema: Schema | None = None) -> bool | None:
    """The three-valued result of filter ``f`` on ``entry``: True, False, or None (Undefined).

    ``schema`` defaults to the entry's.  Raises TypeError for an object that
    is not a filter.
    """
    schema = schema if schema is not None else entry.schema
    if not isinstance(f, (And, Or, Not)):  # one item, as most filters are: no stack needed
        return _item(entry, schema, f)
    results: list[bool | None] = []
    # (node, expanded): composite nodes are revisited once their children's results are on ``results``.
    stack: list[tuple[object, bool]] = [(f, False)]
    while stack:
        node, expanded = stack.pop()
        if isinstance(node, (And, Or, Not)):
            children = node.filters if isinstance(node, (And, Or)) else [node.value]
            if not expanded:
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(children))
                continue
            n = len(children)
            own = results[len(results) - n:] if n else []
            del results[len(results) - n:]
            results.append(_combine(node, own))
        else:
            results.append(_item(entry, schema, node))
    return results[0]


def compare(entry: Entry, attribute: str, value: bytes, schema: Schema | None = None) -> ResultCode:
    """The result code of a Compare of ``attribute=value`` on ``entry`` (RFC 4511 4.10).

    compareTrue (6) or compareFalse (5) by the attribute's EQUALITY rule over
    the attribute and its subtypes; undefinedAttributeType (17) for an unknown
    type, inappropriateMatching (18) for a type without an EQUALITY rule,
    invalidAttributeSyntax (21) for an assertion value outside the rule's
    syntax, noSuchAttribute (16) when the entry holds neither the attribute nor
    a subtype.  Checks run in that order.
    """
    schema = schema if schema is not None else entry.schema
    selected = _select(entry, schema, attribute)
    if selected is None:
        return ResultCode.UNDEFINED_ATTRIBUTE_TYPE
    at, found = selected
    rule = _rule(at.equality)
    if rule is None:
        return ResultCode.INAPPROPRIATE_MATCHING
    try:
        rule.assertion_key(value, schema)
    except InvalidValue:
        return ResultCode.INVALID_ATTRIBUTE_SYNTAX
    if not found:
        return ResultCode.NO_SUCH_ATTRIBUTE
    matched = _equality(entry, schema, attribute, value)
    return ResultCode.COMPARE_TRUE if matched else ResultCode.COMPARE_FALSE
