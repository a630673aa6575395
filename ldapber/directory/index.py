"""Attribute indexes and the search planner.

An index proposes candidates; it never decides.  For a filter, the planner
computes a set of entries that holds every entry the filter can be TRUE for
(a superset), from equality and presence indexes on the configured types;
the search then evaluates the whole filter on those candidates only, with
the matching rules of :mod:`.matching`, so results are exactly those of a
scan.  A filter the indexes cannot narrow (a NOT, an ordering or substring
item, a type not indexed) is planned as None: scan the scope.

The equality index of a type keeps, per key of its equality rule (for
``objectClass``, per class OID, superclasses included, as objectSubClassMatch
compares), the entries holding such a value; the presence index, the entries
holding the type.  Both ignore attribute options, which only makes the
candidates more, never fewer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set
from typing import Any

from ..model import And, EqualityMatch, Or, Present
from .matching import class_keys, rule_keys
from .rules import MatchingRule, get_rule
from .schema import Schema, split_description
from .syntaxes import InvalidValue

__all__ = ["DEFAULT_INDEXED", "AttributeIndex"]

#: What the server indexes unless told otherwise (as a slapd configuration would).
DEFAULT_INDEXED = ("objectClass", "uid", "cn", "mail", "member")

Key = Any  # an entry's DN key (rules.dn_key)


class AttributeIndex:
    """Equality and presence indexes on ``types`` (names or OIDs) of one schema."""

    def __init__(self, schema: Schema, types: Iterable[str] = DEFAULT_INDEXED) -> None:
        self.schema = schema
        self.types = frozenset(schema.attribute(t).key for t in types)
        # type -> value key -> the entry key holding it, or a set of them when several do
        self._equality: dict[str, dict[Any, Key | set[Key]]] = {t: {} for t in self.types}
        self._presence: dict[str, set[Key]] = {t: set() for t in self.types}
        self._class_keys: dict[tuple[bytes, ...], frozenset[Any]] = {}  # objectClass values -> their keys
        self._usable = set(self.types)  # types whose rule keys all hashed (else they are scanned)
        # entry layout -> (position, indexed type) of each attribute indexed (entries share a few layouts)
        self._layouts: dict[object, tuple[tuple[int, str], ...]] = {}
        self._rules: dict[str, MatchingRule | None] = {}  # indexed type -> its EQUALITY rule (types are fixed)

    # -- maintenance ---------------------------------------------------------------------------
    def _equality_rule(self, type_key: str) -> MatchingRule | None:
        if type_key not in self._rules:
            name = self.schema.attribute(type_key).equality
            self._rules[type_key] = get_rule(name) if name else None
        return self._rules[type_key]

    def _value_keys(self, type_key: str, values: Sequence[bytes]) -> Set[Any]:
        """The keys the filter evaluation compares for these values (see
        :func:`.matching.rule_keys`, :func:`.matching.class_keys`)."""
        try:
            if type_key == "objectclass":  # the same few sets of classes on every entry: their keys are cached
                token = tuple(values)
                found = self._class_keys.get(token)
                if found is None:
                    found = frozenset(class_keys(values, self.schema))
                    if len(self._class_keys) < 1024:
                        self._class_keys[token] = found
                return found
            rule = self._equality_rule(type_key)
            return set(rule_keys(rule, values, self.schema)) if rule is not None else set()
        except TypeError:  # an unhashable key: this type cannot be indexed, scan it
            self._usable.discard(type_key)
            return set()

    def _postings(self, entry: Any) -> Iterable[tuple[str, Set[Any]]]:
        layout = entry.layout
        plan = self._layouts.get(layout)
        if plan is None:
            plan = tuple((i, base) for i, (stored, _, _) in enumerate(entry.items())
                         if (base := split_description(stored)[0]) in self.types)
            if len(self._layouts) < 4096:  # bounded: layouts come from clients too
                self._layouts[layout] = plan
        values_at = entry.values_at
        for position, base in plan:
            yield base, self._value_keys(base, values_at(position))

    def add(self, k: Key, entry: Any) -> None:
        for base, keys in self._postings(entry):
            self._presence[base].add(k)
            table = self._equality[base]
            for vk in keys:
                hits = table.get(vk)
                if hits is None:
                    table[vk] = k  # most values (uid, mail, cn) belong to one entry: a key, not a set
                elif type(hits) is set:
                    hits.add(k)
                elif hits != k:
                    table[vk] = {hits, k}

    def remove(self, k: Key, entry: Any) -> None:
        for base, keys in self._postings(entry):
            self._presence[base].discard(k)
            table = self._equality[base]
            for vk in keys:
                hits = table.get(vk)
                if type(hits) is set:
                    hits.discard(k)
                    if len(hits) == 1:
                        table[vk] = next(iter(hits))
                elif hits is not None and hits == k:
                    del table[vk]

    # -- planning ------------------------------------------------------------------------------
    #: How deep the planner looks into nested and/or: below, it answers "cannot
    #: tell" (the scan then decides), so that its recursion stays shallow
    #: however deep a client nests its filter.
    PLAN_DEPTH = 16

    def candidates(self, flt: object, depth: int = 0) -> set[Key] | None:
        """Entries the filter may be TRUE for (a superset), or None when the
        indexes cannot tell (scan).  The set may be the index's own: do not change it."""
        kind = type(flt)
        if kind is EqualityMatch:
            return self._equal(flt.attribute_desc, flt.assertion_value)  # type: ignore[attr-defined]
        if kind is Present:
            return self._present(flt.value)  # type: ignore[attr-defined]
        if depth >= self.PLAN_DEPTH:
            return None
        if kind is And:
            known = [c for c in (self.candidates(f, depth + 1) for f in flt.filters)  # type: ignore[attr-defined]
                     if c is not None]
            if not known:
                return None
            known.sort(key=len)
            common = set(known[0])
            for other in known[1:]:
                common &= other
            return common
        if kind is Or:
            out: set[Key] = set()
            for f in flt.filters:  # type: ignore[attr-defined]
                c = self.candidates(f, depth + 1)
                if c is None:
                    return None
                out |= c
            return out
        return None

    def _covered(self, description: str) -> frozenset[str] | None:
        """The stored types a filter item on ``description`` looks at, if all
        are indexed; an empty set for an unknown type (never TRUE)."""
        at = self.schema.attribute(split_description(description)[0])
        if not at.known:
            return frozenset()
        wanted = self.schema.subtypes(at.key)
        return wanted if wanted <= self._usable else None

    def _equal(self, description: str, value: bytes) -> set[Key] | None:
        types = self._covered(description)
        if types is None:
            return None
        out: set[Key] = set()
        for t in types:
            rule = self._equality_rule(t)
            if rule is None:
                continue  # no equality rule: the item is never TRUE for this type
            try:
                wanted = rule.assertion_key(value, self.schema)
            except InvalidValue:
                continue
            try:
                hits = self._equality[t].get(wanted)
            except TypeError:  # an unhashable assertion key: let the scan decide
                return None
            if type(hits) is set:
                out |= hits
            elif hits is not None:
                out.add(hits)
        return out

    def _present(self, description: str) -> set[Key] | None:
        types = self._covered(description)
        if types is None:
            return None
        if len(types) == 1:  # the index's own set, not a copy (10,000 keys for objectClass): read-only
            return self._presence[next(iter(types))]
        out: set[Key] = set()
        for t in types:
            out |= self._presence[t]
        return out
