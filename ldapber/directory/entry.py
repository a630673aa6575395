"""An entry of the directory: a DN and its attributes, kept the way the schema says to compare them.

Attributes are keyed by the schema's canonical key (:meth:`Schema.canonical`:
``"cn"`` for ``commonName``, ``2.5.4.3`` or ``CN``; ``"cn;lang-de"`` for
``CN;Lang-DE``), each with the spelling the user gave and the values in
insertion order (stored as a layout shared between entries and tuples of
values: a directory of 100,000 entries feels each byte per entry).  Values are compared with the
attribute type's EQUALITY rule, so adding ``"ALICE"`` to a ``cn`` holding
``"alice"`` is attributeOrValueExists; a type without an EQUALITY rule (or
a value its rule rejects) falls back to comparing octets.

Changes raise :class:`~ldapber.directory.schema.SchemaViolation` with the
result code a server answers: attributeOrValueExists (20), noSuchAttribute
(16), namingViolation (64).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence

from ..codec import encode_value
from ..model import DN, PartialAttribute, ResultCode, SearchResultEntry
from .errors import SchemaViolation
from .rules import get_rule
from .schema import Schema, split_description
from .standard import DEFAULT_SCHEMA
from .syntaxes import InvalidValue

__all__ = ["Entry"]

_SELECT_NONE, _ALL_USER, _ALL_OPERATIONAL = "1.1", "*", "+"
#: Transfer options (RFC 4522 ``;binary``) say how to transfer values, not which attribute: ignored in selection.
_TRANSFER_OPTIONS = frozenset({"binary"})


#: (schema, attribute spelling, values) found distinct by the attribute's EQUALITY rule.
_DISTINCT_SETS: set[tuple[object, str, tuple[bytes, ...]]] = set()


class _Shape:
    """The attribute layout entries share: canonical keys and spellings in
    order, and where each key is.  Interned (see :func:`_shape`), so the
    thousands of entries of one object class hold one layout between them
    and only their values (tuples, aligned with the layout) of their own."""

    __slots__ = ("pairs", "keys", "spellings", "positions", "_extended")

    def __init__(self, pairs: tuple[tuple[str, str], ...]) -> None:
        self.pairs = pairs
        self.keys = tuple(key for key, _ in pairs)
        self.spellings = tuple(spelling for _, spelling in pairs)
        self.positions = {key: i for i, key in enumerate(self.keys)}
        self._extended: dict[tuple[tuple[str, str], ...], _Shape] = {}  # appended pairs -> the longer shape

    def extended(self, more: tuple[tuple[str, str], ...]) -> _Shape:
        """This layout with ``more`` appended (remembered: every entry of a kind gets the same stamps)."""
        found = self._extended.get(more)
        if found is None:
            found = _shape(self.pairs + more)
            if len(self._extended) < 16:
                self._extended[more] = found
        return found


_SHAPES: dict[tuple[tuple[str, str], ...], _Shape] = {}
_MAX_SHAPES = 4096  # bounded: layouts come from clients too; beyond it shapes are not shared


def _shape(pairs: tuple[tuple[str, str], ...]) -> _Shape:
    found = _SHAPES.get(pairs)
    if found is None:
        found = _Shape(pairs)
        if len(_SHAPES) < _MAX_SHAPES:
            _SHAPES[pairs] = found
    return found


_EMPTY = _shape(())
Layout = dict[str, tuple[str, list[bytes]]]  # key -> (spelling, values): an entry's attributes while they change


class Entry:
    """A directory entry.  ``schema`` (default :data:`DEFAULT_SCHEMA`) names and compares its attributes.

    Stored compactly: a shared :class:`_Shape` and one tuple of values per
    attribute.  Reads never copy more than they return; each change builds
    the entry's tuples anew (changes are rare next to reads)."""

    __slots__ = ("dn", "schema", "_shape", "_values", "_encoded")

    def __init__(self, dn: DN | str, schema: Schema | None = None) -> None:
        self.dn: DN = DN.parse(dn) if isinstance(dn, str) else dn
        self.schema: Schema = schema if schema is not None else DEFAULT_SCHEMA
        self._shape = _EMPTY
        # aligned with the shape: one value as itself, several as a tuple (most attributes hold one)
        self._values: tuple[bytes | tuple[bytes, ...], ...] = ()
        self._encoded: bytes | None = None  # see encoded_search_entry(); dropped by every change

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
        listed = [(name, list(values)) for name, values in attributes]
        canonical = entry.schema.canonical
        keys = [canonical(name) for name, _ in listed]
        if len(set(keys)) == len(keys) and all(listed_values for _, listed_values in listed):
            # Each description once (an LDIF record merges them): stored as given, no merging layout.
            stored: list[bytes | tuple[bytes, ...]] = []
            for name, values in listed:
                if len(values) == 1 and type(values[0]) is bytes:  # most attributes: one value, distinct
                    stored.append(values[0])
                else:
                    entry._check_distinct(name, (), values)
                    stored.append(tuple(values))
            entry._shape = _shape(tuple(zip(keys, (name for name, _ in listed), strict=True)))
            entry._values = tuple(stored)
            return entry
        layout: Layout = {}
        for name, values in listed:
            entry._add_to(layout, name, values)
        entry._store(layout)
        return entry

    # -- storage ----------------------------------------------------------------------------------

    def _layout(self) -> Layout:
        """The attributes as a dict to change (the stored tuples stay as they are)."""
        return {key: (spelling, [values] if isinstance(values, bytes) else list(values))
                for key, spelling, values in zip(self._shape.keys, self._shape.spellings, self._values, strict=True)}

    def _store(self, layout: Layout) -> None:
        self._encoded = None
        self._shape = _shape(tuple((key, spelling) for key, (spelling, _) in layout.items()))
        self._values = tuple(values[0] if len(values) == 1 and type(values[0]) is bytes else tuple(values)
                             for _, values in layout.values())

    def _found(self, key: str) -> tuple[bytes, ...] | None:
        i = self._shape.positions.get(key)
        if i is None:
            return None
        values = self._values[i]
        return (values,) if isinstance(values, bytes) else values

    # -- reading ----------------------------------------------------------------------------------

    @property
    def layout(self) -> object:
        """An opaque token for the entry's attribute layout (which attributes, in which order): entries
        with equal tokens have their attributes at the same positions (see :meth:`values_at`)."""
        return self._shape

    def values_of(self, key: str) -> tuple[bytes, ...] | None:
        """The values of the attribute stored under canonical ``key`` (see
        :meth:`items`), or None if the entry has none."""
        return self._found(key)

    def values_at(self, position: int) -> tuple[bytes, ...]:
        """The values of the attribute at ``position`` of :meth:`items`."""
        values = self._values[position]
        return (values,) if isinstance(values, bytes) else values

    def get(self, name: str) -> list[bytes]:
        """The values of attribute description ``name`` (any alias or OID of its type, same options); [] if absent.
        Subtypes are not included: ``get("name")`` does not return ``cn`` values."""
        found = self._found(self.schema.canonical(name))
        return list(found) if found else []

    def has(self, name: str) -> bool:
        """True if the entry holds attribute description ``name``."""
        return self.schema.canonical(name) in self._shape.positions

    __contains__ = has

    def names(self) -> list[str]:
        """The attribute descriptions held, as the user spelled them, in insertion order."""
        return list(self._shape.spellings)

    def items(self) -> Iterator[tuple[str, str, Sequence[bytes]]]:
        """``(canonical key, spelling, values)`` for each attribute (the values as a tuple)."""
        for key, spelling, values in zip(self._shape.keys, self._shape.spellings, self._values, strict=True):
            yield key, spelling, (values,) if isinstance(values, bytes) else values

    @property
    def object_classes(self) -> list[str]:
        """The objectClass values, decoded."""
        return [v.decode("utf-8", "replace") for v in self.get("objectClass")]

    def copy(self) -> Entry:
        """An independent copy (same DN and schema; the stored tuples are immutable, so shared)."""
        other = Entry(self.dn, self.schema)
        other._shape, other._values = self._shape, self._values  # not the encoding: copies get renamed
        return other

    # -- changing -----------------------------------------------------------------------------------

    def set(self, name: str, values: Iterable[bytes]) -> None:
        """Replace every value of ``name``; no values removes the attribute (Modify replace, RFC 4511 4.6).
        Two equal values raise attributeOrValueExists."""
        self.update([(name, values)])

    def update(self, changes: Iterable[tuple[str, Iterable[bytes]]]) -> None:
        """:meth:`set` for several attributes at once (one rebuild); nothing changes if one raises."""
        listed = [(name, list(values)) for name, values in changes]
        canonical = self.schema.canonical
        keys = [canonical(name) for name, _ in listed]
        if self._only_new_single_values(keys, listed):  # a new entry's stamps: appended, nothing rebuilt
            self.append_absent(tuple(zip(keys, (name for name, _ in listed), strict=True)),
                               tuple(values[0] for _, values in listed))
            return
        layout = self._layout()
        for name, values in listed:
            key = self.schema.canonical(name)
            if not values:
                layout.pop(key, None)
                continue
            if len(values) > 1:
                self._check_distinct(name, [], values)
            layout[key] = (name, values)
        self._store(layout)

    def append_absent(self, pairs: tuple[tuple[str, str], ...], values: tuple[bytes, ...]) -> bool:
        """Append one value each of attributes the entry does not hold, named by
        ``(canonical key, spelling)`` pairs (the server's stamps on a new entry),
        without rebuilding anything.  False, changing nothing, if the entry already
        holds one of them (then use :meth:`update`)."""
        positions = self._shape.positions
        for key, _ in pairs:
            if key in positions:
                return False
        self._encoded = None
        self._shape = self._shape.extended(pairs)
        self._values = self._values + values
        return True

    def _only_new_single_values(self, keys: list[str], changes: list[tuple[str, list[bytes]]]) -> bool:
        positions = self._shape.positions
        return (len(set(keys)) == len(keys) and not any(key in positions for key in keys)
                and all(len(values) == 1 and isinstance(values[0], bytes) for _, values in changes))

    def add_values(self, name: str, values: Iterable[bytes]) -> None:
        """Add values to ``name``, creating the attribute if needed (Modify add).

        Raises attributeOrValueExists, changing nothing, if a value equals (by
        the EQUALITY rule) one already present or another one being added.
        """
        values = list(values)
        if values:
            layout = self._layout()
            self._add_to(layout, name, values)
            self._store(layout)

    def _add_to(self, layout: Layout, name: str, values: list[bytes]) -> None:
        if not values:
            return
        key = self.schema.canonical(name)
        current = layout.get(key)
        if current or len(values) > 1:  # one value alone cannot repeat
            self._check_distinct(name, current[1] if current else [], values)
        if current:
            current[1].extend(values)
        else:
            layout[key] = (name, values)

    def delete_values(self, name: str, values: Iterable[bytes] = ()) -> None:
        """Delete values of ``name``, or the whole attribute if ``values`` is empty (Modify delete).

        Raises noSuchAttribute, changing nothing, if the attribute is absent or
        a value is not present (by the EQUALITY rule).  Deleting the last value
        deletes the attribute.
        """
        key, values = self.schema.canonical(name), list(values)
        found = self._found(key)
        if found is None:
            raise SchemaViolation(ResultCode.NO_SUCH_ATTRIBUTE, f"{name}: no such attribute")
        layout = self._layout()
        if not values:
            del layout[key]
            self._store(layout)
            return
        keyer = self._keyer(name)
        remaining = [(keyer(v), v) for v in found]
        for value in values:
            k = keyer(value)
            for i, (existing, _) in enumerate(remaining):
                if existing == k:
                    del remaining[i]
                    break
            else:
                raise SchemaViolation(ResultCode.NO_SUCH_ATTRIBUTE, f"{name}: no such value {value!r}")
        if remaining:
            layout[key] = (layout[key][0], [v for _, v in remaining])
        else:
            del layout[key]
        self._store(layout)

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
        if not current and len(new) < 2:  # one value is distinct: no keys to compute (most attributes of a load)
            return
        # Only small sets are remembered: the cap is a count, and values come from clients.
        small = not current and len(new) <= 16 and sum(len(v) for v in new) <= 512
        token = (self.schema, name, tuple(new)) if small else None
        if token in _DISTINCT_SETS:  # the objectClass values every entry of a kind repeats
            return
        keyer = self._keyer(name)
        seen = {keyer(v) for v in current}
        for value in new:
            k = keyer(value)
            if k in seen:
                raise SchemaViolation(ResultCode.ATTRIBUTE_OR_VALUE_EXISTS, f"{name}: value {value!r} already present")
            seen.add(k)
        if token is not None and len(_DISTINCT_SETS) < 1024:  # bounded: values come from clients too
            _DISTINCT_SETS.add(token)

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
            values = self.get(at.name)
            if value in values:  # the same octets are equal by any rule: no keys to compute
                continue
            keyer = self._keyer(ava.type)
            wanted = keyer(value)
            if not any(keyer(v) == wanted for v in values):
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

    def encoded_search_entry(self) -> bytes:
        """The BER of ``SearchResultEntry`` with every user attribute (what
        :meth:`to_partial_attributes` gives for ``*``), built on first use
        and kept until the entry changes: a server answers the common search
        with stored bytes instead of building and encoding it per request."""
        encoded = self._encoded
        if encoded is None:
            encoded = self._encoded = encode_value(SearchResultEntry(str(self.dn), self.to_partial_attributes()))
        return encoded

    # -- Python protocol -------------------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Entry):
            return NotImplemented
        return self.dn == other.dn and {k: v for k, _, v in self.items()} == {k: v for k, _, v in other.items()}

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        attrs = ", ".join(f"{spelling}={list(values)!r}" for _, spelling, values in self.items())
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
