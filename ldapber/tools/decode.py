"""``python -m ldapber decode``: LDAP PDUs from hex, base64, raw files or
packet captures, printed as trees with byte offsets and ASN.1 names, or as
JSON lines (``--json``).  A malformed PDU is shown up to the point of error
with the codec's error, and the tool goes on with the next PDU."""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import os
import sys
from collections import Counter
from collections.abc import Iterator
from typing import TextIO

from ..codec import decode
from ..errors import DecodeError
from ..extended import STARTTLS_OID
from ..model import ExtendedRequest, ExtendedResponse, LDAPMessage, ResultCode, to_dict
from ..proto.framer import Framer
from .tree import tree_lines

__all__ = ["add_arguments", "run", "split_pdus"]


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("hex", nargs="*", help="PDUs in hex, one or more per argument")
    ap.add_argument("--hex-file", metavar="FILE", help="a file of hex (white space ignored; - for stdin)")
    ap.add_argument("--base64", metavar="FILE", help="a file of base64 (- for stdin)")
    ap.add_argument("--raw", metavar="FILE", help="a file of raw BER bytes")
    ap.add_argument("--pcap", metavar="FILE", help="a pcap or pcapng capture")
    ap.add_argument("--port", type=int, default=389, help="the LDAP port in the capture (default 389)")
    ap.add_argument("--json", action="store_true", help="one JSON object per PDU instead of a tree")
    ap.add_argument("--lenient", action="store_true", help="decode as strict=False")


def _read_text(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    with open(path, encoding="ascii") as f:
        return f.read()


def _read_bytes(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    with open(path, "rb") as f:
        return f.read()


def sources(args: argparse.Namespace) -> Iterator[tuple[str, bytes]]:
    """(name, byte stream) for every input named on the command line."""
    for i, text in enumerate(args.hex):
        yield f"argument {i + 1}", bytes.fromhex("".join(text.split()))
    if args.hex_file:
        yield args.hex_file, bytes.fromhex("".join(_read_text(args.hex_file).split()))
    if args.base64:
        yield args.base64, base64.b64decode("".join(_read_text(args.base64).split()), validate=True)
    if args.raw:
        yield args.raw, _read_bytes(args.raw)
    if args.pcap:
        from .capture import Progress, read_capture

        others: Counter[int] = Counter()
        with open(args.pcap, "rb") as f:
            progress = Progress(os.fstat(f.fileno()).st_size, sys.stderr)
            try:
                streams = read_capture(f, args.port, others, progress)
            finally:
                progress.done()
        if not streams:
            busiest = ", ".join(f"{port} ({n} packets)" for port, n in others.most_common(3))
            hint = f"; TCP payloads are on ports {busiest}: try --port {others.most_common(1)[0][0]}" if others else ""
            raise NoTraffic(f"{args.pcap}: no TCP payload to or from port {args.port}{hint}")
        for stream in streams:
            yield f"{args.pcap} {stream.src} -> {stream.dst}", stream.data()


class NoTraffic(LookupError):
    """A capture with nothing on the LDAP port asked for."""


def split_pdus(data: bytes) -> Iterator[tuple[int, bytes | None, DecodeError | None]]:
    """(offset, PDU or None, framing error or None) for each PDU in a stream;
    stops where the framing itself is broken (nothing after it can be found).
    Framed by :class:`~ldapber.proto.Framer` (the stream decoder's header
    rules), in time linear in the data; each PDU is then decoded on its own,
    so one malformed PDU does not hide the ones after it."""
    framer = Framer()
    pos = 0
    try:
        framer.feed(data)
        for pdu in framer:
            yield pos, pdu, None
            pos += len(pdu)
    except DecodeError as err:
        yield pos, None, err
        return
    if framer.buffered:
        yield pos, None, DecodeError(f"the stream ends inside a PDU ({framer.buffered} bytes left)", offset=pos)


def _decode_one(pdu: bytes, offset: int, strict: bool) -> tuple[LDAPMessage | None, DecodeError | None]:
    try:
        return decode(pdu, strict=strict), None
    except DecodeError as err:
        if err.offset >= 0:
            err.offset += offset  # count from the start of the stream
        return None, err


def _starts_tls(msg: LDAPMessage) -> bool:
    """A StartTLS request, or a successful StartTLS (or unnamed extended) response."""
    op = msg.protocol_op
    if isinstance(op, ExtendedRequest):
        return op.request_name == STARTTLS_OID
    return (isinstance(op, ExtendedResponse) and op.result_code == ResultCode.SUCCESS
            and op.response_name in (None, STARTTLS_OID))


def _is_tls_record(data: bytes, offset: int) -> bool:
    """Whether a TLS record (handshake, alert, change cipher spec or data; version 3.x) starts at ``offset``."""
    return len(data) >= offset + 2 and data[offset] in (0x14, 0x15, 0x16, 0x17) and data[offset + 1] == 0x03


def run(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    """Decode and print every PDU; exit status 1 if any was malformed."""
    failures = total = 0
    try:
        inputs = list(sources(args))
    except NoTraffic as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except (ValueError, binascii.Error, OSError) as err:
        print(f"error: cannot read the input: {err}", file=sys.stderr)
        return 2
    for name, data in inputs:
        if not args.json:
            print(f"# {name} ({len(data)} bytes)", file=out)
        tls_started = False
        for index, (offset, pdu, frame_error) in enumerate(split_pdus(data), start=1):
            if frame_error is not None and tls_started and _is_tls_record(data, offset):
                # After StartTLS the stream is TLS: not LDAP, and not a failure.
                note = f"TLS from offset {offset} (after StartTLS): {len(data) - offset} bytes not decoded"
                print(json.dumps({"source": name, "offset": offset, "tls": len(data) - offset}) if args.json
                      else f"   {note}", file=out)
                break
            total += 1
            problem = frame_error
            msg = None
            if pdu is not None:
                msg, failure = _decode_one(pdu, offset, not args.lenient)
                problem = problem or failure
                tls_started = tls_started or (msg is not None and _starts_tls(msg))
            failures += problem is not None
            if args.json:
                record: dict[str, object] = {"source": name, "pdu": index, "offset": offset,
                                             "length": None if pdu is None else len(pdu)}
                if msg is not None:
                    record["message"] = to_dict(msg)
                if problem is not None:
                    record["error"] = {"message": str(problem), "rule": problem.rule.value if problem.rule else None,
                                       "offset": problem.offset, "path": problem.path}
                print(json.dumps(record), file=out)
                continue
            size = f"{len(pdu)} bytes" if pdu is not None else "unframed"
            print(f"== PDU {index} at offset {offset} ({size})", file=out)
            if pdu is not None:
                lines, _ = tree_lines(pdu, offset)
                for line in lines:
                    print(line, file=out)
            if problem is not None:
                print(f"   error: {problem}", file=out)
    if not args.json:
        print(f"{total - failures} of {total} PDUs decoded", file=out)
    return 1 if failures else 0
