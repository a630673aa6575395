"""Reading a search result entry by attribute name.

:class:`EntryView` is a base of the generated ``SearchResultEntry`` (see
``mixins`` in :mod:`ldapber.compiler.modules`): the wire form stays what it
is, a DN and a list of ``PartialAttribute``, and these methods look values up
in it, so that ``entry["mail"]`` works without building anything per entry.

Names match as attribute descriptions do on the wire: case-insensitively,
options included (``cn;lang-de`` is not ``cn``).  Other names of the same
type (``commonName`` for ``cn``) need the server's schema and are not
resolved here: ask for attributes by the name you will read them by.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, overload

if TYPE_CHECKING:
    from .._generated.rfc4511_model import PartialAttribute

__all__ = ["EntryView"]


class EntryView:
    """Mapping-style access to a ``SearchResultEntry``'s attributes."""

    __slots__ = ()
    object_name: str
    attributes: list[PartialAttribute]

    @property
    def dn(self) -> str:
        """The entry's DN (``object_name``)."""
        return self.object_name

    def _values(self, description: str) -> list[bytes] | None:
        wanted = description.lower()
        found: list[bytes] | None = None
        for attribute in self.attributes:
            if attribute.type.lower() == wanted:
                found = list(attribute.vals) if found is None else found + list(attribute.vals)
        return found

    def __getitem__(self, description: str) -> list[bytes]:
        """The values of ``description``; KeyError if the entry has none."""
        if not isinstance(description, str):
            raise TypeError(f"attribute descriptions are str, not {type(description).__name__}")
        values = self._values(description)
        if values is None:
            raise KeyError(description)
        return values

    @overload
    def get(self, description: str) -> list[bytes] | None: ...
    @overload
    def get(self, description: str, default: list[bytes]) -> list[bytes]: ...

    def get(self, description: str, default: list[bytes] | None = None) -> list[bytes] | None:
        """The values of ``description``, or ``default`` if the entry has none."""
        values = self._values(description)
        return default if values is None else values

    def first(self, description: str) -> bytes | None:
        """The first value of ``description``, or None."""
        values = self._values(description)
        return values[0] if values else None

    def text(self, description: str) -> list[str]:
        """The values of ``description`` decoded as UTF-8 (LDAP's directory
        strings); [] if none.  A value that is not UTF-8 raises
        UnicodeDecodeError: binary attributes (jpegPhoto) are read as bytes."""
        return [value.decode("utf-8") for value in self._values(description) or ()]

    def __contains__(self, description: object) -> bool:
        return isinstance(description, str) and self._values(description) is not None

    def keys(self) -> list[str]:
        """The attribute descriptions, as the server spelled them, in order."""
        return [attribute.type for attribute in self.attributes]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def as_dict(self) -> dict[str, list[bytes]]:
        """``{description: values}``, keyed as the server spelled each description."""
        out: dict[str, list[bytes]] = {}
        for attribute in self.attributes:
            out.setdefault(attribute.type, []).extend(attribute.vals)
        return out
