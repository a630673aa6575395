"""An entry of the directory: a DN and its attributes, kept the way the schema says to compare them.

Attributes are stored in a dict keyed by the schema's canonical key
(:meth:`Schema.canonical`: ``"cn"`` for ``commonName``, ``2.5.4.3`` or
``CN``; ``"cn;lang-de"`` for ``CN;Lang-DE``), each holding the spelling the
user gave and the values in insertion order.  Values are compared with the
attribute type's EQUALITY rule, so adding ``"ALICE"`` to a ``cn`` holding
``"alice"`` is attributeOrValueExists; a type without an EQUALITY rule (or
a value its rule rejects) falls back to comparing octets.

Changes raise :class:`~ldapber.directory.schema.SchemaViolation` with the
result code a server answers: attributeOrValueExists (20), noSuchAttribute
(16), namingViolation (64).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence

from ..model import DN, PartialAttribute, ResultCode
from .rules import get_rule
from .schema import Schema, SchemaViolation, split_description
from .standard import DEFAULT_SCHEMA
from .syntaxes import InvalidValue

__all__ = ["Entry"]

_SELECT_NONE, _ALL_USER, _ALL_OPERATIONAL = "1.1", "*", "+"
#: Transfer options (RFC 4522 ``;binary``) say how to transfer values, not which attribute: ignored in selection.
_TRANSFER_OPTIONS = frozenset({"binary"})


class Entry:
    """A directory entry.  ``schema`` (default :data:`DEFAULT_SCHEMA`) names and compares its attributes."""

    __slots__ = ("dn", "schema", "_attrs")

    def __init__(self, dn: DN | str, schema: Schema | None = None) -> None:
        self.dn: DN = DN.parse(dn) if isinstance(dn, str) else dn
        self.schema: Schema = schema if schema is not None else DEFAULT_SCHEMA
        self._attrs: dict[str, tuple[str, list[bytes]]] = {}

    @classmethod
    def from_record(cls, dn: DN | str, attributes: Iterable[tuple[str, Iterable[bytes]]],
                    schema: Schema | None = None) -> Entry:
        """An entry from ``(description, values)`` pairs (an LDIF record, an AddRequest).

        A description given twice has its values merged; a value given twice
        (by the EQUALITY rule) raises attributeOrValueExists.  The entry is not
        checked against the schema: call ``schema.check_entry(entry)`` and
        :meth:`check_rdn` for that.
        """
        entry = cls(dn, schema)
        for name, values in attributes:
            entry.add_values(name, values)
        return entry

    # -- reading ----------------------------------------------------------------------------------

    def get(self, name: str) -> list[bytes]:
        """The values of attribute description ``name`` (any alias or OID of its type, same options); [] if absent.
        Subtypes are not included: ``get("name")`` does not return ``cn`` values."""
        found = self._attrs.get(self.schema.canonical(name))
        return list(found[1]) if found else []

    def has(self, name: str) -> bool:
        """True if the entry holds attribute description ``name``."""
        return self.schema.canonical(name) in self._attrs

    __contains__ = has

    def names(self) -> list[str]:
        """The attribute descriptions held, as the user spelled them, in insertion order."""
        return [spelling for spelling, _ in self._attrs.values()]

    def items(self) -> Iterator[tuple[str, str, Sequence[bytes]]]:
        """``(canonical key, spelling, values)`` for each attribute.  The values are the entry's own: do not mutate."""
        for key, (spelling, values) in self._attrs.items():
            yield key, spelling, values

    @property
    def object_classes(self) -> list[str]:
        """The objectClass values, decoded."""
        return [v.decode("utf-8", "replace") for v in self.get("objectClass")]

    def copy(self) -> Entry:
        """An independent copy (same DN and schema, value lists copied)."""
        other = Entry(self.dn, self.schema)
        other._attrs = {key: (spelling, list(values)) for key, (spelling, values) in self._attrs.items()}
        return other

    # -- changing -----------------------------------------------------------------------------------

    def set(self, name: str, values: Iterable[bytes]) -> None:
        """Replace every value of ``name``; no values removes the attribute (Modify replace, RFC 4511 4.6).
        Two equal values raise attributeOrValueExists."""
        key, values = self.schema.canonical(name), list(values)
        if not values:
            self._attrs.pop(key, None)
            return
        if len(values) > 1:
            self._check_distinct(name, [], values)
        self._attrs[key] = (name, values)

    def add_values(self, name: str, values: Iterable[bytes]) -> None:
        """Add values to ``name``, creating the attribute if needed (Modify add).

        Raises attributeOrValueExists, changing nothing, if a value equals (by
        the EQUALITY rule) one already present or another one being added.
        """
        key, values = self.schema.canonical(name), list(values)
        if not values:
            return
        current = self._attrs.get(key)
        if current or len(values) > 1:  # one value alone cannot repeat
            self._check_distinct(name, current[1] if current else [], values)
        if current:
            current[1].extend(values)
        else:
            self._attrs[key] = (name, values)

    def delete_values(self, name: str, values: Iterable[bytes] = ()) -> None:
        """Delete values of ``name``, or the whole attribute if ``values`` is empty (Modify delete).

        Raises noSuchAttribute, changing nothing, if the attribute is absent or
        a value is not present (by the EQUALITY rule).  Deleting the last value
        deletes the attribute.
        """
        key, values = self.schema.canonical(name), list(values)
        current = self._attrs.get(key)
        if current is None:
            raise SchemaViolation(ResultCode.NO_SUCH_ATTRIBUTE, f"{name}: no such attribute")
        if not values:
            del self._attrs[key]
            return
        keyer = self._keyer(name)
        remaining = [(keyer(v), v) for v in current[1]]
        for value in values:
            k = keyer(value)
            for i, (existing, _) in enumerate(remaining):
                if existing == k:
                    del remaining[i]
                    break
            else:
                raise SchemaViolation(ResultCode.NO_SUCH_ATTRIBUTE, f"{name}: no such value {value!r}")
        if remaining:
            current[1][:] = [v for _, v in remaining]
        else:
            del self._attrs[key]

    def _keyer(self, name: str) -> Callable[[bytes], Hashable]:
        at = self.schema.attribute(name)
        rule = get_rule(at.equality) if at.equality else None
        schema = self.schema

        def key(value: bytes) -> Hashable:
            if rule is not None:
                try:
                    return ("key", rule.value_key(value, schema))
                except InvalidValue:
                    pass
            return ("octets", value)
        return key

    def _check_distinct(self, name: str, current: Sequence[bytes], new: Sequence[bytes]) -> None:
        keyer = self._keyer(name)
        seen = {keyer(v) for v in current}
        for value in new:
            k = keyer(value)
            if k in seen:
                raise SchemaViolation(ResultCode.ATTRIBUTE_OR_VALUE_EXISTS, f"{name}: value {value!r} already present")
            seen.add(k)

    # -- naming -----------------------------------------------------------------------------------------

    def check_rdn(self) -> None:
        """Check that each ``type=value`` of the entry's RDN is a value of the entry (RFC 4512 2.3).

        Raises namingViolation if one is missing, or if its type has no
        EQUALITY rule (RFC 4512 2.5.1: such a type cannot be used for naming).
        A ``#hex`` value is taken as a BER encoding whose contents are the value.
        The root (empty DN) has no RDN and always passes.
        """
        if self.dn.rdn is None:
            return
        for ava in self.dn.rdn:
            at = self.schema.attribute(ava.type)
            if at.equality is None:
                raise SchemaViolation(ResultCode.NAMING_VIOLATION,
                                      f"{ava.type}: an attribute without an equality rule cannot name an entry")
            value = _ber_contents(ava.value) if isinstance(ava.value, bytes) else ava.value.encode("utf-8")
            keyer = self._keyer(ava.type)
            wanted = keyer(value)
            if not any(keyer(v) == wanted for v in self.get(at.name)):
                raise SchemaViolation(ResultCode.NAMING_VIOLATION,
                                      f"the RDN value {ava} is not a value of the entry")

    # -- search results -----------------------------------------------------------------------------

    def to_partial_attributes(self, selection: Iterable[str] = (), types_only: bool = False,
                              schema: Schema | None = None) -> list[PartialAttribute]:
        """The attributes a SearchResultEntry returns for ``selection`` (RFC 4511 4.5.1.8, RFC 3673).

        An empty list or ``*`` selects every user attribute, ``+`` every
        operational one, ``1.1`` alone none (``1.1`` beside others is ignored).
        A named description selects that type and its subtypes (``name``
        returns ``cn``, ``sn``, ...), including stored descriptions with more
        options (``cn`` returns ``cn;lang-de``); its own options must all be
        present on a stored description (``cn;lang-de`` does not return
        ``cn``), except the ``binary`` transfer option, which is ignored.
        Names matching nothing (unknown ones included) select nothing.  Each
        attribute comes once, in the entry's order, spelled as stored;
        ``types_only`` leaves the value lists empty.
        """
        schema = schema if schema is not None else self.schema
        selectors = list(selection)
        if selectors and all(s == _SELECT_NONE for s in selectors):
            return []
        all_user = not selectors or _ALL_USER in selectors
        all_operational = _ALL_OPERATIONAL in selectors
        named: list[tuple[frozenset[str], frozenset[str]]] = []
        for selector in selectors:
            if selector in (_SELECT_NONE, _ALL_USER, _ALL_OPERATIONAL):
                continue
            type_, options = split_description(selector)
            named.append((schema.subtypes(type_), options - _TRANSFER_OPTIONS))
        out = []
        for key, spelling, values in self.items():
            base, options = split_description(key)
            at = schema.attribute(base)
            wanted = (all_operational if at.operational else all_user) or any(
                at.key in types and wanted_options <= options for types, wanted_options in named)
            if wanted:
                out.append(PartialAttribute(spelling, [] if types_only else list(values)))
        return out

    # -- Python protocol -------------------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Entry):
            return NotImplemented
        return self.dn == other.dn and {k: v for k, (_, v) in self._attrs.items()} == {
            k: v for k, (_, v) in other._attrs.items()}

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        attrs = ", ".join(f"{spelling}={values!r}" for spelling, values in self._attrs.values())
        return f"Entry({str(self.dn)!r}, {attrs})"


def _ber_contents(data: bytes) -> bytes:
    """The contents octets of a single primitive BER element, or ``data`` itself if it is not one."""
    if len(data) < 2 or data[0] & 0x20 or data[0] & 0x1F == 0x1F:
        return data
    first, offset = data[1], 2
    if first < 0x80:
        length = first
    else:
        n = first & 0x7F
        if n == 0 or n > 4 or len(data) < 2 + n:
            return data
        length, offset = int.from_bytes(data[2:2 + n], "big"), 2 + n
    return data[offset:] if len(data) == offset + length else data
