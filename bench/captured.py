"""Real LDAP traffic captured from OpenLDAP's clients and slapd.

``bench/corpus/captured.ber`` is written by ``python -m bench.capture`` (see
that module for the scripted session) and checked in.  :func:`load` gives
the named PDUs, :func:`stream` the complete server->client byte stream of
one subtree search (bind response, six entries, search done).

File format
-----------
A header line, then records, each a header line followed by raw bytes::

    ldapber-captured 1\\n
    <kind> <name> <size>\\n<size octets>\\n
    <kind> <name> <size>\\n<size octets>\\n
    ...

* ``<kind>`` is ``pdu`` (one LDAPMessage, exactly as it crossed the wire) or
  ``stream`` (a whole byte stream of back-to-back PDUs);
* ``<name>`` is printable ASCII without spaces, e.g.
  ``captured/ldapsearch/response/searchResEntry#3``: the step of the
  capture session (the client tool, with a suffix where a tool runs more
  than once), the direction (``request``: client to server, ``response``:
  server to client), RFC 4511's name of the protocolOp and its ordinal
  within that step and direction;
* ``<size>`` is the decimal number of octets that follow the newline; one
  newline separates them from the next record.

So ``head -c 200 bench/corpus/captured.ber`` shows the first names, and a
reader needs no library.  Records appear in capture order; names are unique.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["PATH", "STREAM_NAME", "dump", "load", "parse", "stream"]

PATH = Path(__file__).resolve().parent / "corpus" / "captured.ber"
MAGIC = b"ldapber-captured 1\n"
#: The name of the captured subtree search's server->client stream.
STREAM_NAME = "captured/ldapsearch/response/stream"


def _check_name(name: str) -> None:
    if not name or not name.isascii() or not name.isprintable() or " " in name:
        raise ValueError(f"bad record name {name!r}")


def dump(pdus: dict[str, bytes], streams: dict[str, bytes] | None = None) -> bytes:
    """The file contents for ``pdus`` and ``streams`` (name -> bytes)."""
    out = [MAGIC]
    for kind, records in (("pdu", pdus), ("stream", streams or {})):
        for name, data in records.items():
            _check_name(name)
            out += [f"{kind} {name} {len(data)}\n".encode("ascii"), bytes(data), b"\n"]
    return b"".join(out)


def parse(data: bytes) -> dict[str, dict[str, bytes]]:
    """``{"pdu": {name: bytes}, "stream": {name: bytes}}`` from file contents."""
    if not data.startswith(MAGIC):
        raise ValueError("not an ldapber-captured file")
    records: dict[str, dict[str, bytes]] = {"pdu": {}, "stream": {}}
    off = len(MAGIC)
    while off < len(data):  # each pass consumes at least a header line
        end = data.find(b"\n", off)
        if end < 0:
            raise ValueError(f"truncated record header at offset {off}")
        try:
            kind, name, size_text = data[off:end].decode("ascii").split(" ")
            size = int(size_text)
        except ValueError:
            raise ValueError(f"bad record header at offset {off}") from None
        start, stop = end + 1, end + 1 + size
        if kind not in records or size < 0 or data[stop:stop + 1] != b"\n" or name in records[kind]:
            raise ValueError(f"bad record {name!r} at offset {off}")
        records[kind][name] = data[start:stop]
        off = stop + 1
    return records


def _read(path: Path | None) -> dict[str, dict[str, bytes]] | None:
    path = PATH if path is None else path
    try:
        return parse(path.read_bytes())
    except FileNotFoundError:
        return None


def load(path: Path | None = None) -> dict[str, bytes]:
    """The captured PDUs by name, in capture order; ``{}`` if the file is absent."""
    records = _read(path)
    return records["pdu"] if records else {}


def stream(path: Path | None = None) -> bytes | None:
    """The server->client byte stream of the captured subtree search, or None."""
    records = _read(path)
    return records["stream"].get(STREAM_NAME) if records else None
