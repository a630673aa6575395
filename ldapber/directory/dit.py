"""The directory information tree: entries by DN, the operations that change
them, search scopes, and persistence.

:class:`Directory` knows nothing of LDAP messages or of who asks (that is
:mod:`.service`); it keeps the tree consistent: every entry's parent exists
(except the naming contexts' roots), entries satisfy the schema and carry
their RDN values, and every change either applies whole or not at all.
Each failure is a :class:`DirectoryError` with the result code and
matchedDN RFC 4511 prescribes.

With a ``data_file``, every successful change is written to it (the whole
tree as LDIF, to a temporary file, fsynced, then renamed over the old one)
before the change is acknowledged, so nothing acknowledged is lost and a
restart serves the same data.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from .._gcpause import gc_paused
from ..ldif import LDIFChange, LDIFRecord, dump_ldif, iter_ldif
from ..model import DN, RDN, ResultCode, Scope
from .entry import Entry
from .errors import DirectoryError, SchemaViolation
from .index import DEFAULT_INDEXED, AttributeIndex
from .rules import dn_key
from .schema import Schema
from .standard import DEFAULT_SCHEMA

__all__ = ["Directory", "DirectoryError"]

#: DN strings kept parsed (see Directory.lookup).
_LOOKUP_CACHE = 65536
_T = TypeVar("_T")
#: Operational attributes the directory maintains (clients may not set them).
MAINTAINED = ("createTimestamp", "modifyTimestamp", "creatorsName", "modifiersName", "entryUUID",
              "structuralObjectClass")


_clock: list[Any] = [None, b""]  # (second, its GeneralizedTime): a load stamps thousands of entries in one second


_random = bytearray()  # randomness for entryUUIDs, read from the system 4,096 UUIDs at a time


def _new_uuid() -> bytes:
    """A version-4 UUID (RFC 4122) in its string form, as entryUUID (RFC 4530) holds it."""
    if not _random:
        _random.extend(os.urandom(16 * 4096))
    raw = _random[-16:]
    del _random[-16:]
    raw[6] = raw[6] & 0x0F | 0x40  # version 4
    raw[8] = raw[8] & 0x3F | 0x80  # the RFC 4122 variant
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}".encode("ascii")


def _now() -> bytes:
    second = int(time.time())
    if _clock[0] != second:
        stamp = datetime.datetime.fromtimestamp(second, datetime.timezone.utc).strftime("%Y%m%d%H%M%SZ")
        _clock[:] = [second, stamp.encode("ascii")]
    return _clock[1]  # type: ignore[no-any-return]


class Directory:
    """An in-memory tree of :class:`Entry` objects; see the module docstring."""

    def __init__(self, schema: Schema = DEFAULT_SCHEMA, *, data_file: str | os.PathLike[str] | None = None,
                 indexed: Iterable[str] = DEFAULT_INDEXED) -> None:
        self.schema = schema
        self.data_file = Path(data_file) if data_file is not None else None
        self._entries: dict[Any, Entry] = {}
        self._children: dict[Any, dict[Any, None]] = {}  # ordered sets of child keys
        self._parsed: dict[str, tuple[DN, Any]] = {}  # DN text -> (DN, key), see lookup()
        self._spelled: dict[str, str] = {}  # DN text -> the DN's own spelling, see dn_text()
        #: Equality and presence indexes on the ``indexed`` types (see :meth:`search`).
        self.index = AttributeIndex(schema, indexed)
        self._seq: dict[Any, int] = {}  # key -> insertion number: children are walked in this order
        self._next_seq = 0
        # (canonical key, spelling) of the operational stamps: on creation, on every change, the structural class
        self._stamp_pairs = tuple(tuple((schema.canonical(name), name) for name in names) for names in (
            ("createTimestamp", "creatorsName", "entryUUID", "modifyTimestamp", "modifiersName"),
            ("modifyTimestamp", "modifiersName"), ("structuralObjectClass",)))

    # -- loading and saving ------------------------------------------------------------------
    def load(self, records: Iterable[LDIFRecord | LDIFChange]) -> None:
        """Add content records (parents before children, in any file order).

        The cyclic garbage collector is paused for the load (and restored as
        it was): a load makes millions of objects that live on, and each
        collection pass would walk all of them for nothing to find.
        Each record becomes a checked entry as it comes (so that a record,
        streamed from :func:`~ldapber.ldif.iter_ldif`, is garbage before the
        next is read); the entries join the tree afterwards, parents first.
        """
        with gc_paused():
            ready = []
            for record in records:
                if not isinstance(record, LDIFRecord):
                    raise DirectoryError(ResultCode.OTHER, f"{record.dn}: change records cannot be loaded")
                entry = Entry.from_record(DN.parse(record.dn), record.attributes, self.schema)
                self._prepare(entry, by="", maintain=False)
                ready.append(entry)
            ready.sort(key=lambda entry: len(entry.dn))
            for entry in ready:
                self._attach(entry, maintain=False, save=False)

    def load_file(self, path: str | os.PathLike[str]) -> None:
        with open(path, "rb") as f:
            data = f.read()
        self.load(iter_ldif(data, path=os.fsdecode(path)))

    def save(self) -> None:
        """Write the tree to ``data_file`` atomically (no-op without one)."""
        if self.data_file is None:
            return
        records = [LDIFRecord(str(e.dn), [(name, list(values)) for _, name, values in e.items()])
                   for e in self.walk()]
        text = dump_ldif(records)
        folder = self.data_file.parent
        fd, tmp = tempfile.mkstemp(prefix=f".{self.data_file.name}.", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.data_file)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable
            dfd = os.open(folder, os.O_DIRECTORY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)

    # -- lookup ----------------------------------------------------------------------------------
    def key(self, dn: DN) -> Any:
        return dn_key(dn, self.schema)

    def lookup(self, text: str) -> tuple[DN, Any]:
        """A DN string parsed and keyed, cached: clients name the same
        entries again and again."""
        hit = self._parsed.get(text)
        if hit is None:
            dn = DN.parse(text)
            hit = _remember(self._parsed, text, (dn, self.key(dn)))
        return hit

    def dn_text(self, text: str) -> str:
        """``str(DN.parse(text))``, the DN as the server spells it (a bound
        identity, for one), cached like :meth:`lookup`."""
        spelled = self._spelled.get(text)
        if spelled is None:
            spelled = _remember(self._spelled, text, str(self.lookup(text)[0]))
        return spelled

    def get(self, dn: DN, key: Any = None) -> Entry | None:
        """The entry named ``dn`` (``key``: its :meth:`key`, when known already), or None."""
        return self._entries.get(self.key(dn) if key is None else key)

    def __len__(self) -> int:
        return len(self._entries)

    def matched(self, dn: DN) -> str:
        """The DN of the deepest existing ancestor of ``dn`` (RFC 4511 matchedDN)."""
        parent = dn.parent
        while parent:
            entry = self.get(parent)
            if entry is not None:
                return str(entry.dn)
            parent = parent.parent
        return ""

    def require_text(self, text: str) -> Entry:
        """The entry named by a DN string (through the :meth:`lookup` cache)."""
        dn, k = self.lookup(text)
        entry = self._entries.get(k)
        if entry is None:
            raise DirectoryError(ResultCode.NO_SUCH_OBJECT, f"no entry {dn}", self.matched(dn))
        return entry

    def require(self, dn: DN) -> Entry:
        entry = self.get(dn)
        if entry is None:
            raise DirectoryError(ResultCode.NO_SUCH_OBJECT, f"no entry {dn}", self.matched(dn))
        return entry

    def naming_contexts(self) -> list[DN]:
        """The roots: entries without a parent entry."""
        return [e.dn for e in self._entries.values() if e.dn.parent is None or self.get(e.dn.parent) is None]

    def has_children(self, dn: DN) -> bool:
        return bool(self._children.get(self.key(dn)))

    def walk(self, base: DN | None = None, scope: Scope = Scope.WHOLE_SUBTREE) -> Iterator[Entry]:
        """Entries in ``scope`` of ``base`` (all roots' subtrees when None),
        parents before children, without recursion."""
        if base is None:
            starts = [self.key(dn) for dn in self.naming_contexts()]
        else:
            start = self.key(base)
            if start not in self._entries:
                return
            if scope == Scope.BASE_OBJECT:
                yield self._entries[start]
                return
            if scope == Scope.SINGLE_LEVEL:
                for child in list(self._children.get(start, ())):
                    if child in self._entries:
                        yield self._entries[child]
                return
            starts = [start]
        stack = list(reversed(starts))
        entries, children_of = self._entries, self._children
        while stack:
            k = stack.pop()
            entry = entries.get(k)
            if entry is None:
                continue
            yield entry
            children = children_of.get(k)  # leaves have none
            if children:
                stack.extend(reversed(list(children)))

    def search(self, base: DN, scope: Scope, flt: object) -> Iterator[Entry]:
        """The entries of ``scope`` under ``base`` the filter may match, in
        :meth:`walk`'s order: the index's candidates when it can narrow the
        filter to a fraction of the tree, else the whole scope.  The caller
        evaluates the filter on each (the candidates are a superset)."""
        if scope == Scope.BASE_OBJECT:  # one entry at most: nothing to narrow
            yield from self.walk(base, scope)
            return
        candidates = self.index.candidates(flt)
        if candidates is None or len(candidates) * 2 > len(self._entries):
            yield from self.walk(base, scope)
            return
        base_key = self.key(base)
        if base_key not in self._entries:
            return
        n = len(base_key)
        if scope == Scope.SINGLE_LEVEL:
            chosen = [k for k in candidates if len(k) == n + 1 and k[1:] == base_key]
        else:
            chosen = [k for k in candidates if len(k) >= n and k[len(k) - n:] == base_key]
        chosen.sort(key=self._walk_order)
        for k in chosen:
            yield self._entries[k]

    def _walk_order(self, k: Any) -> tuple[int, ...]:
        """Where :meth:`walk` meets the entry ``k``: the insertion numbers of
        its ancestors and itself, root first (children are walked in
        insertion order)."""
        seq = self._seq
        return tuple(seq.get(k[i:], -1) for i in range(len(k) - 1, -1, -1))

    # -- changes ---------------------------------------------------------------------------------
    def _check(self, entry: Entry) -> None:
        self.schema.check_entry(entry)  # a SchemaViolation is a DirectoryError
        entry.check_rdn()

    def _stamp(self, entry: Entry, by: str, created: bool) -> None:
        now, who = _now(), by.encode("utf-8")
        values: tuple[bytes, ...] = (now, who, _new_uuid(), now, who) if created else (now, who)
        pairs = self._stamp_pairs[0 if created else 1]
        structural = self.schema.structural_class(entry)
        if structural is not None:
            pairs += self._stamp_pairs[2]
            values += (structural.name_octets,)
        if not entry.append_absent(pairs, values):  # a new entry (or a load) appends; a change replaces
            entry.update([(spelling, [value]) for (_, spelling), value in zip(pairs, values, strict=True)])

    def _commit(self, save: bool, undo: Callable[[], object]) -> None:
        """Make a change durable; if that fails, ``undo`` it and re-raise, so
        memory and disk never disagree about an acknowledged change."""
        if not save:
            return
        try:
            self.save()
        except BaseException:
            undo()
            raise

    def add(self, entry: Entry, *, by: str, maintain: bool = True, save: bool = True) -> None:
        """Add a new entry (RFC 4511 4.7)."""
        k = self._place(entry, maintain)  # where it goes is checked first: its answer comes before the schema's
        self._prepare(entry, by, maintain)
        self._attach(entry, maintain, save, k)

    def _place(self, entry: Entry, maintain: bool) -> Any:
        """The new entry's key; raises if it exists or may not be created there."""
        k = self.key(entry.dn)
        if k in self._entries:
            raise DirectoryError(ResultCode.ENTRY_ALREADY_EXISTS, f"{entry.dn} already exists")
        parent = entry.dn.parent
        if parent is not None and k[1:] not in self._entries:  # a DN's key is its RDNs' keys, leaf first
            # New naming contexts come from the data file only; over the
            # protocol the parent must exist.
            if maintain or self.matched(entry.dn):
                raise DirectoryError(ResultCode.NO_SUCH_OBJECT, f"the parent {parent} does not exist",
                                     self.matched(entry.dn))
        return k

    def _prepare(self, entry: Entry, by: str, maintain: bool) -> None:
        """Stamp (over the protocol, or loaded data from elsewhere: once, as slapadd does) and check."""
        if maintain or not entry.has("entryUUID"):
            self._stamp(entry, by, created=True)
        self._check(entry)

    def _attach(self, entry: Entry, maintain: bool, save: bool, k: Any = None) -> None:
        """Insert a prepared entry (``k``: its key, when :meth:`_place` already checked it)."""
        if k is None:
            k = self._place(entry, maintain)
        self._insert(k, entry)
        self._commit(save, lambda: self._remove(k, entry))

    def _insert(self, k: Any, entry: Entry) -> None:
        self._entries[k] = entry
        self._seq[k] = self._next_seq
        self._next_seq += 1
        self.index.add(k, entry)
        if entry.dn.parent is not None:
            self._children.setdefault(k[1:], {})[k] = None

    def _replace(self, k: Any, old: Entry, new: Entry) -> None:
        """An entry's new version, in the old one's place."""
        self.index.remove(k, old)
        self._entries[k] = new
        self.index.add(k, new)

    def _remove(self, k: Any, entry: Entry) -> None:
        del self._entries[k]
        del self._seq[k]
        self.index.remove(k, entry)
        if not self._children.get(k):
            self._children.pop(k, None)
        if entry.dn.parent is not None:
            self._children.get(k[1:], {}).pop(k, None)

    def delete(self, dn: DN, *, save: bool = True) -> None:
        """Delete a leaf entry (RFC 4511 4.8)."""
        entry = self.require(dn)
        k = self.key(dn)
        if self._children.get(k):
            raise DirectoryError(ResultCode.NOT_ALLOWED_ON_NON_LEAF, f"{dn} has subordinate entries")
        self._remove(k, entry)
        self._commit(save, lambda: self._insert(k, entry))

    def modify(self, dn: DN, changes: Iterable[tuple[str, str, list[bytes]]], *, by: str,
               save: bool = True) -> None:
        """Apply (operation, attribute, values) changes atomically (RFC 4511 4.6)."""
        entry = self.require(dn)
        new = entry.copy()
        rdn_types = {self.schema.canonical(ava.type) for ava in (dn.rdn or ())}
        for op, attr, values in changes:  # a SchemaViolation from a change is the operation's answer
            if op == "add":
                new.add_values(attr, values)
            elif op == "delete":
                new.delete_values(attr, values)
            elif op == "replace":
                new.set(attr, values)
            elif op == "increment":
                raise DirectoryError(ResultCode.UNWILLING_TO_PERFORM, "increment is not supported")
            else:
                raise DirectoryError(ResultCode.PROTOCOL_ERROR, f"unknown modify operation {op!r}")
        try:
            new.check_rdn()
        except SchemaViolation:
            what = ", ".join(sorted(rdn_types))
            raise DirectoryError(ResultCode.NOT_ALLOWED_ON_RDN, f"the RDN's values ({what}) must stay") from None
        self._stamp(new, by, created=False)
        self._check(new)
        k = self.key(dn)
        self._replace(k, entry, new)
        self._commit(save, lambda: self._replace(k, new, entry))

    def rename(self, dn: DN, new_rdn: RDN, delete_old_rdn: bool, new_superior: DN | None, *, by: str,
               save: bool = True) -> None:
        """Modify DN (RFC 4511 4.9): a new RDN and/or a new parent; a
        subtree moves with its root."""
        entry = self.require(dn)
        parent = new_superior if new_superior is not None else dn.parent
        if new_superior is not None and self.get(new_superior) is None:
            raise DirectoryError(ResultCode.NO_SUCH_OBJECT, f"the new superior {new_superior} does not exist",
                                 self.matched(new_superior))
        new_dn = DN((new_rdn, *(parent.rdns if parent is not None else ())))
        old_key, new_key = self.key(dn), self.key(new_dn)
        if new_key != old_key and new_key in self._entries:
            raise DirectoryError(ResultCode.ENTRY_ALREADY_EXISTS, f"{new_dn} already exists")
        if parent is not None and self.key(parent)[-len(dn):] == old_key and len(parent) >= len(dn):
            raise DirectoryError(ResultCode.UNWILLING_TO_PERFORM, "an entry cannot move below itself")
        new = entry.copy()
        new.dn = new_dn
        if delete_old_rdn and dn.rdn is not None:
            for ava in dn.rdn:
                if ava not in new_rdn:
                    new.delete_values(ava.type, [_value_bytes(ava.value)])
        for ava in new_rdn:
            try:
                new.add_values(ava.type, [_value_bytes(ava.value)])
            except SchemaViolation as err:
                if err.result_code != ResultCode.ATTRIBUTE_OR_VALUE_EXISTS:
                    raise
        self._stamp(new, by, created=False)
        self._check(new)
        moved = list(self.walk(dn))  # the entry and its subtree, parents first
        snapshot = {self.key(e.dn): e for e in moved}
        for e in reversed(moved):
            self._remove(self.key(e.dn), e)
        try:
            for e in moved:
                if e is entry:
                    self._insert(new_key, new)
                    continue
                relocated = e.copy()
                relocated.dn = DN((*e.dn.rdns[:len(e.dn) - len(dn)], *new_dn.rdns))
                self._insert(self.key(relocated.dn), relocated)
        except BaseException:
            self._undo_rename(moved, snapshot, new_dn)
            raise
        self._commit(save, lambda: self._undo_rename(moved, snapshot, new_dn))

    def _undo_rename(self, moved: list[Entry], snapshot: dict[Any, Entry], new_dn: DN) -> None:
        for e in list(self.walk(new_dn)):
            self._remove(self.key(e.dn), e)
        for e in moved:
            self._insert(self.key(e.dn), snapshot[self.key(e.dn)])


def _value_bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def _remember(cache: dict[str, _T], text: str, value: _T) -> _T:
    """Store ``value`` under ``text`` in a cache bounded to _LOOKUP_CACHE
    entries (the strings come from clients): the oldest goes first."""
    if len(cache) >= _LOOKUP_CACHE:
        del cache[next(iter(cache))]
    cache[text] = value
    return value
