"""BER, just enough to frame LDAP responses in the benchmarks' own
minimal clients (:mod:`bench.directory`'s load generator, :mod:`bench.floor`):
definite lengths, as the servers measured send; no decoding."""

from __future__ import annotations


def _length(buf: bytes | bytearray, at: int) -> tuple[int, int] | None:
    """(content length, header size) of the element at ``at``, or None if its header is incomplete."""
    if at + 2 > len(buf):
        return None
    first = buf[at + 1]
    if first < 0x80:
        return first, 2
    n = first & 0x7F
    if at + 2 + n > len(buf):
        return None
    return int.from_bytes(buf[at + 2:at + 2 + n], "big"), 2 + n


def ops_in(buf: bytearray) -> tuple[list[int], int]:
    """The protocolOp tags of the complete LDAPMessages at the start of ``buf``, and the bytes they take."""
    tags: list[int] = []
    at = 0
    while True:
        head = _length(buf, at)
        if head is None or at + head[1] + head[0] > len(buf):
            return tags, at
        inner = at + head[1]
        mid = _length(buf, inner)
        assert mid is not None
        tags.append(buf[inner + mid[1] + mid[0]])
        at = inner + head[0]


SEARCH_DONE, ENTRY, BIND_RESPONSE = 0x65, 0x64, 0x61
