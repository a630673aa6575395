"""The directory schema (RFC 4512 section 4): attribute types, object classes, entry checks.

:class:`Schema` holds :class:`AttributeType` and :class:`ObjectClass`
definitions, resolves any of their names or OIDs case-insensitively, fills
in what an attribute type inherits from its supertype (syntax and matching
rules), and checks an entry against the definitions
(:meth:`Schema.check_entry`), raising :class:`SchemaViolation` with the
result code a server returns.

``DEFAULT_SCHEMA`` (the RFC 4512, 4519, 2798 and 2307 definitions) lives in
:mod:`ldapber.directory.standard` and is importable from here too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from ..model import ResultCode
from .errors import SchemaViolation
from .rules import EQUALITY, ORDERING, SUBSTR, get_rule
from .syntaxes import SYNTAXES, is_valid, validator

if TYPE_CHECKING:
    from .entry import Entry

__all__ = [
    "AttributeType", "ObjectClass", "Schema", "SchemaViolation", "split_description", "USER_APPLICATIONS",
    "DIRECTORY_OPERATION", "DISTRIBUTED_OPERATION", "DSA_OPERATION",
]

USER_APPLICATIONS = "userApplications"
DIRECTORY_OPERATION = "directoryOperation"
DISTRIBUTED_OPERATION = "distributedOperation"
DSA_OPERATION = "dSAOperation"
_USAGES = frozenset({USER_APPLICATIONS, DIRECTORY_OPERATION, DISTRIBUTED_OPERATION, DSA_OPERATION})
_KINDS = frozenset({"abstract", "structural", "auxiliary"})


@dataclass(frozen=True)
class _ClassRules:
    must: list[tuple[ObjectClass, str, str]]  # (class, attribute as the class names it, its type key)
    allowed: frozenset[str] | None  # type keys the classes allow; None: extensibleObject allows all
    structural: ObjectClass | None  # the most subordinate structural class




@functools.lru_cache(maxsize=4096)  # the same few descriptions, on every entry of every search
def split_description(description: str) -> tuple[str, frozenset[str]]:
    """Split an attribute description (RFC 4512 2.5) into its type and its lower-cased options.

    ``"cn;lang-DE;x-foo"`` -> ``("cn", frozenset({"lang-de", "x-foo"}))``.
    """
    type_, *options = description.split(";")
    return type_, frozenset(o.lower() for o in options if o)


class _Named:
    """The naming of a schema definition: its OID and short names."""

    oid: str
    names: tuple[str, ...]

    @functools.cached_property
    def name(self) -> str:
        """The canonical name (the first short name, else the OID)."""
        return self.names[0] if self.names else self.oid

    @functools.cached_property
    def key(self) -> str:
        """The lower-cased canonical name: how entries key their attributes."""
        return self.name.lower()


@dataclass(frozen=True)
class AttributeType(_Named):
    """An attribute type definition (RFC 4512 4.1.2).

    ``names`` are the short names, the first one canonical (``("cn",
    "commonName")``).  ``syntax`` is a name from
    :data:`ldapber.directory.syntaxes.SYNTAXES`; ``""`` (and ``None`` for the
    rules) means "inherit from ``sup``", which :class:`Schema` resolves.
    ``operational`` is true for every usage but userApplications (and is
    implied by a usage other than userApplications; an ``operational=True``
    type without an explicit usage gets directoryOperation).  ``known`` is
    false only for the permissive type :meth:`Schema.attribute` makes up for
    a name the schema does not define.
    """

    oid: str
    names: tuple[str, ...] = ()
    syntax: str = ""
    equality: str | None = None
    ordering: str | None = None
    substr: str | None = None
    single_value: bool = False
    operational: bool = False
    sup: str | None = None
    no_user_modification: bool = False
    usage: str = USER_APPLICATIONS
    description: str = ""
    known: bool = field(default=True, compare=False)

    def __post_init__(self) -> None:
        if self.usage not in _USAGES:
            raise ValueError(f"{self.oid}: unknown usage {self.usage!r}")
        if self.usage != USER_APPLICATIONS:
            object.__setattr__(self, "operational", True)
        elif self.operational:
            object.__setattr__(self, "usage", DIRECTORY_OPERATION)
        if self.no_user_modification and not self.operational:
            raise ValueError(f"{self.oid}: NO-USER-MODIFICATION requires an operational usage")


@dataclass(frozen=True)
class ObjectClass(_Named):
    """An object class definition (RFC 4512 4.1.1); ``sup``, ``must`` and ``may`` hold names."""

    oid: str
    names: tuple[str, ...] = ()
    kind: str = "structural"
    sup: tuple[str, ...] = ()
    must: tuple[str, ...] = ()
    may: tuple[str, ...] = ()
    description: str = ""

    @functools.cached_property
    def name_octets(self) -> bytes:
        """The canonical name as a value (structuralObjectClass): one bytes object shared by every entry."""
        return self.name.encode("utf-8")

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"{self.oid}: kind must be one of {sorted(_KINDS)}")



#: (position in the layout, value predicate or None, single-valued, spelling, syntax): see Schema.check_entry
_ValueCheck = tuple[int, Callable[[bytes], bool] | None, bool, str, str]


def _check_values(syntax: str, single: bool, spelling: str, values: Sequence[bytes]) -> None:
    """One attribute's values against its type: each in the syntax, one at most if single-valued."""
    for i, value in enumerate(values):
        if not is_valid(syntax, value):
            raise SchemaViolation(ResultCode.INVALID_ATTRIBUTE_SYNTAX, f"{spelling}: value #{i} invalid per {syntax} syntax")
    if single and len(values) > 1:
        raise SchemaViolation(ResultCode.CONSTRAINT_VIOLATION, f"{spelling}: multiple values provided")

class Schema:
    """A set of attribute types and object classes, looked up by any name or OID.

    Construction resolves inheritance (a type without a syntax or a matching
    rule takes its supertype's) and checks the definitions: every supertype,
    superclass, MUST/MAY attribute and matching rule must exist, rules must
    be of the right kind, names must be unique, and there must be no cycles.
    A bad definition raises ValueError.  Schemas are immutable; use
    :meth:`extended` to add definitions.
    """

    def __init__(self, attribute_types: Iterable[AttributeType] = (),
                 object_classes: Iterable[ObjectClass] = ()) -> None:
        self._definitions = list(attribute_types)
        self._class_list = list(object_classes)
        self._types: dict[str, AttributeType] = {}
        self._classes: dict[str, ObjectClass] = {}
        self._canonical: dict[str, str] = {}  # name as written -> storage key (a cache)
        # objectClass values (lower-cased) -> what check_entry needs of those classes (a cache)
        self._class_rules: dict[frozenset[bytes], _ClassRules] = {}
        # (entry layout, objectClass values) that passed every check of the
        # layout itself -> (position, validator, single-valued, spelling, syntax) of each attribute that
        # needs a check (octet strings that may hold several values need none): the thousands of
        # entries of one class are then checked value by value only.
        self._layout_checks: dict[tuple[object, object], tuple[_ValueCheck, ...]] = {}
        self._superclasses: dict[tuple[str, ...], tuple[ObjectClass, ...]] = {}  # names -> superclasses (a cache)
        raw: dict[str, AttributeType] = {}
        for at in self._definitions:
            for alias in (at.oid, *at.names):
                if alias.lower() in raw:
                    raise ValueError(f"attribute type name or OID {alias!r} defined twice")
                raw[alias.lower()] = at
        for at in self._definitions:
            resolved = self._resolve(at, raw, ())
            for alias in (at.oid, *at.names):
                self._types[alias.lower()] = resolved
        self._subtypes: dict[str, frozenset[str]] = {}
        self._children: dict[str, list[str]] = {}
        for at in self.attribute_types:
            if at.sup is not None:
                self._children.setdefault(self._types[at.sup.lower()].key, []).append(at.key)
        for oc in self._class_list:
            for alias in (oc.oid, *oc.names):
                if alias.lower() in self._classes:
                    raise ValueError(f"object class name or OID {alias!r} defined twice")
                self._classes[alias.lower()] = oc
        for oc in self._class_list:
            self._check_class(oc)

    def _resolve(self, at: AttributeType, raw: dict[str, AttributeType], seen: tuple[str, ...]) -> AttributeType:
        if at.oid in seen:
            raise ValueError(f"attribute type {at.name!r} is its own supertype")
        sup = None
        if at.sup is not None:
            parent = raw.get(at.sup.lower())
            if parent is None:
                raise ValueError(f"attribute type {at.name!r}: unknown supertype {at.sup!r}")
            sup = self._resolve(parent, raw, (*seen, at.oid))
            if sup.usage != at.usage:
                raise ValueError(f"attribute type {at.name!r}: usage differs from its supertype's")
        elif not at.syntax:
            raise ValueError(f"attribute type {at.name!r} has neither SUP nor SYNTAX")
        resolved = at if sup is None else replace(
            at,
            syntax=at.syntax or sup.syntax,
            equality=at.equality or sup.equality,
            ordering=at.ordering or sup.ordering,
            substr=at.substr or sup.substr,
        )
        if resolved.syntax not in SYNTAXES:
            raise ValueError(f"attribute type {at.name!r}: unknown syntax {resolved.syntax!r}")
        for kind, rule_name in ((EQUALITY, resolved.equality), (ORDERING, resolved.ordering),
                                (SUBSTR, resolved.substr)):
            if rule_name is not None:
                rule = get_rule(rule_name)
                if rule is None or rule.kind != kind:
                    raise ValueError(f"attribute type {at.name!r}: {rule_name!r} is not an {kind} matching rule")
        return resolved

    def _check_class(self, oc: ObjectClass) -> None:
        for sup in oc.sup:
            if sup.lower() not in self._classes:
                raise ValueError(f"object class {oc.name!r}: unknown superclass {sup!r}")
        for attr in (*oc.must, *oc.may):
            if attr.lower() not in self._types:
                raise ValueError(f"object class {oc.name!r}: unknown attribute type {attr!r}")
        self.superclasses([oc.name])  # raises on a cycle

    # -- lookups ----------------------------------------------------------------------------

    @property
    def attribute_types(self) -> list[AttributeType]:
        """Every attribute type, resolved, in definition order."""
        return [self._types[at.oid.lower()] for at in self._definitions]

    @property
    def object_classes(self) -> list[ObjectClass]:
        """Every object class, in definition order."""
        return list(self._class_list)

    def extended(self, attribute_types: Iterable[AttributeType] = (),
                 object_classes: Iterable[ObjectClass] = ()) -> Schema:
        """A new schema with these definitions added."""
        return Schema([*self._definitions, *attribute_types], [*self._class_list, *object_classes])

    def is_known(self, name: str) -> bool:
        """True if the schema defines the attribute type of ``name`` (a type or description)."""
        return split_description(name)[0].lower() in self._types

    def attribute(self, name: str) -> AttributeType:
        """The attribute type named ``name`` (any name or OID, options ignored).

        A name the schema does not define gets a permissive type (Directory
        String, caseIgnore rules) with ``known=False``, so entries can still
        hold it; filters treat it as unrecognised.
        """
        type_ = split_description(name)[0]
        found = self._types.get(type_.lower())
        if found is not None:
            return found
        return AttributeType(oid=type_, names=(type_,), syntax="directoryString", equality="caseIgnoreMatch",
                             ordering="caseIgnoreOrderingMatch", substr="caseIgnoreSubstringsMatch", known=False)

    def object_class(self, name: str) -> ObjectClass | None:
        """The object class named ``name`` (any name or OID), or None."""
        return self._classes.get(name.lower())

    def canonical(self, name: str) -> str:
        """The key an entry stores attribute ``name`` under: the lower-cased canonical
        type name, then its options lower-cased and sorted (``"CommonName;Lang-DE"`` -> ``"cn;lang-de"``)."""
        key = self._canonical.get(name)
        if key is None:
            _, options = split_description(name)
            key = ";".join((self.attribute(name).key, *sorted(options)))
            if len(self._canonical) < 4096:  # bounded: names come from clients too
                self._canonical[name] = key
        return key

    def subtypes(self, name: str) -> frozenset[str]:
        """The keys of the type of ``name`` and of all its (transitive) subtypes:
        ``subtypes("name")`` holds ``"name"``, ``"cn"``, ``"sn"``, ...  An unknown type stands alone."""
        at = self.attribute(name)
        root = at.key
        if not at.known:  # not cached: clients may send any number of unknown names
            return frozenset({root})
        cached = self._subtypes.get(root)
        if cached is None:
            out, todo = {root}, [root]
            while todo:
                for child in self._children.get(todo.pop(), ()):
                    if child not in out:
                        out.add(child)
                        todo.append(child)
            cached = self._subtypes[root] = frozenset(out)
        return cached

    def superclasses(self, names: Iterable[str]) -> list[ObjectClass]:
        """The classes named and all their (transitive) superclasses, each once, named ones first.
        Unknown names are skipped.  Raises ValueError on a superclass cycle."""
        token = tuple(name.lower() for name in names)
        cached = self._superclasses.get(token)
        if cached is None:
            out: dict[str, ObjectClass] = {}
            for name in token:
                oc = self.object_class(name)
                if oc is not None:
                    self._collect(oc, out, ())
            cached = tuple(out.values())
            if len(self._superclasses) < 1024:  # bounded: the names come from clients too
                self._superclasses[token] = cached
        return list(cached)

    def _collect(self, oc: ObjectClass, out: dict[str, ObjectClass], path: tuple[str, ...]) -> None:
        if oc.oid in path:
            raise ValueError(f"object class {oc.name!r} is its own superclass")
        out.setdefault(oc.oid, oc)
        for sup in oc.sup:
            parent = self.object_class(sup)
            if parent is not None:
                self._collect(parent, out, (*path, oc.oid))

    def complete_object_classes(self, values: Iterable[bytes]) -> list[bytes]:
        """``values`` plus the canonical names of the superclasses they lack (RFC 4512 3.3: a server
        adds them implicitly when an entry is created or a class is added)."""
        values = list(values)
        have = set()
        for v in values:
            oc = self.object_class(v.decode("utf-8", "replace"))
            if oc is not None:
                have.add(oc.oid)
        named = [v.decode("utf-8", "replace") for v in values]
        for oc in self.superclasses(named):
            if oc.oid not in have:
                values.append(oc.name.encode())
                have.add(oc.oid)
        return values

    def resolve_oid(self, descriptor: str) -> str | None:
        """The OID a descriptor names: an object class first, then an attribute type; None if neither."""
        oc = self.object_class(descriptor)
        if oc is not None:
            return oc.oid
        at = self._types.get(descriptor.lower())
        return at.oid if at is not None else None

    # -- entry checks ---------------------------------------------------------------------------

    def check_entry(self, entry: Entry) -> None:
        """Check an entry against the schema; raise :class:`SchemaViolation` at the first problem.

        Attributes are checked first, in the entry's order: an unknown type
        gives undefinedAttributeType, a value outside the syntax
        invalidAttributeSyntax, several values of a single-valued type
        constraintViolation.  Then the object classes, each problem giving
        objectClassViolation: no objectClass, an unknown class, no structural
        class or structural classes from two chains, a missing MUST attribute
        (inherited ones included; per RFC 4512 2.5.3 a MUST is met only by the
        type itself, with or without options, not by a subtype), an attribute
        no class allows (operational attributes and objectClass are exempt,
        and extensibleObject allows every user attribute).  NO-USER-MODIFICATION
        is not enforced: the server itself stores those attributes.
        """
        token = (entry.layout, entry.values_of("objectclass"))
        checks = self._layout_checks.get(token)
        if checks is not None:
            values_at = entry.values_at
            for position, valid, single, spelling, syntax in checks:
                values = values_at(position)
                if single and len(values) > 1:
                    _check_values(syntax, single, spelling, values)  # raises the error _check_whole_entry would
                if valid is not None:
                    for value in values:
                        if not valid(value):
                            _check_values(syntax, single, spelling, values)  # raises, naming the value
            return
        self._check_whole_entry(entry)
        if len(self._layout_checks) < 4096:  # bounded: layouts and class sets come from clients too
            types = self._types
            needed: list[_ValueCheck] = []
            for position, (key, spelling, _) in enumerate(entry.items()):
                at = types.get(key) or self.attribute(key)
                valid = validator(at.syntax)
                if valid is not None or at.single_value:
                    needed.append((position, valid, at.single_value, spelling, at.syntax))
            self._layout_checks[token] = tuple(needed)

    def _check_whole_entry(self, entry: Entry) -> None:
        present: dict[str, str] = {}  # type key -> a spelling, for messages
        types = self._types
        for key, spelling, values in entry.items():
            at = types.get(key) or self.attribute(key)  # a stored key is the type's own, options aside
            if not at.known:
                raise SchemaViolation(ResultCode.UNDEFINED_ATTRIBUTE_TYPE, f"{spelling}: undefined attribute type")
            _check_values(at.syntax, at.single_value, spelling, values)
            present.setdefault(at.key, spelling)
        rules = self._rules_for(entry)
        for oc, attr, key in rules.must:
            if key not in present:
                raise SchemaViolation(ResultCode.OBJECT_CLASS_VIOLATION,
                                      f"object class {oc.name!r} requires attribute {attr!r}")
        if rules.allowed is None:  # extensibleObject
            return
        for key, spelling in present.items():
            if key not in rules.allowed and key != "objectclass" and not self.attribute(key).operational:
                raise SchemaViolation(ResultCode.OBJECT_CLASS_VIOLATION,
                                      f"attribute {spelling!r} not allowed by the entry's object classes")

    def _rules_for(self, entry: Entry) -> _ClassRules:
        """The MUST list and the allowed keys of the entry's classes, computed
        once per set of objectClass values (entries share a few such sets)."""
        values = entry.get("objectClass")
        token = frozenset(v.lower() for v in values) if values else None
        rules = self._class_rules.get(token) if token is not None else None
        if rules is None:
            classes = self._entry_classes(entry)  # raises for a bad set: never cached
            must = [(oc, attr, self.attribute(attr).key) for oc in classes for attr in oc.must]
            allowed = None if any(oc.key == "extensibleobject" for oc in classes) else \
                frozenset(self.attribute(a).key for oc in classes for a in (*oc.must, *oc.may))
            rules = _ClassRules(must, allowed, self._structural(classes))
            if token is not None and len(self._class_rules) < 1024:  # bounded: the sets come from clients too
                self._class_rules[token] = rules
        return rules

    def _entry_classes(self, entry: Entry) -> list[ObjectClass]:
        values = entry.get("objectClass")
        if not values:
            raise SchemaViolation(ResultCode.OBJECT_CLASS_VIOLATION, "no objectClass attribute")
        names = []
        for value in values:
            name = value.decode("utf-8", "replace")
            if self.object_class(name) is None:
                raise SchemaViolation(ResultCode.OBJECT_CLASS_VIOLATION, f"unknown object class {name!r}")
            names.append(name)
        classes = self.superclasses(names)
        structural = [oc for oc in classes if oc.kind == "structural"]
        if not structural:
            raise SchemaViolation(ResultCode.OBJECT_CLASS_VIOLATION, "no structural object class")
        chains = [{c.oid for c in self.superclasses([oc.name])} for oc in structural]
        if not any(all(oc.oid in chain for oc in structural) for chain in chains):
            names_ = ", ".join(oc.name for oc in structural)
            raise SchemaViolation(ResultCode.OBJECT_CLASS_VIOLATION,
                                  f"structural object classes {names_} are not in one superclass chain")
        return classes

    def structural_class(self, entry: Entry) -> ObjectClass | None:
        """The entry's structural object class (the most subordinate structural one), or None."""
        try:
            return self._rules_for(entry).structural
        except SchemaViolation:
            return None

    def _structural(self, classes: list[ObjectClass]) -> ObjectClass | None:
        structural = [oc for oc in classes if oc.kind == "structural"]
        for oc in structural:
            chain = {c.oid for c in self.superclasses([oc.name])}
            if all(s.oid in chain for s in structural):
                return oc
        return None

    def __repr__(self) -> str:
        return f"Schema({len(self._definitions)} attribute types, {len(self._class_list)} object classes)"


def __getattr__(name: str) -> Schema:
    # Deprecated: DEFAULT_SCHEMA lives in .standard (which builds on this module, not the reverse).
    if name == "DEFAULT_SCHEMA":
        import warnings

        warnings.warn("ldapber.directory.schema.DEFAULT_SCHEMA is deprecated: import it from "
                      "ldapber.directory (or ldapber.directory.standard)", DeprecationWarning, stacklevel=2)
        from .standard import DEFAULT_SCHEMA
        return DEFAULT_SCHEMA
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
