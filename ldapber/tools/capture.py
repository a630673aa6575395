"""LDAP byte streams out of packet captures (pcap and pcapng, read with dpkt).

TCP payloads to or from the chosen port are reassembled per direction (by
sequence number; retransmitted and overlapping bytes are used once), and each
direction's stream is returned for splitting into PDUs.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO, TextIO

__all__ = ["Stream", "read_capture"]

_PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"


@dataclass
class Stream:
    """One direction of one TCP connection."""

    src: str
    dst: str
    segments: dict[int, bytes] = field(default_factory=dict)  # seq -> payload

    def data(self) -> bytes:
        out = bytearray()
        if not self.segments:
            return b""
        start = min(self.segments)
        for seq in sorted(self.segments):
            payload = self.segments[seq]
            offset = (seq - start) & 0xFFFFFFFF
            if offset + len(payload) <= len(out):
                continue  # a retransmission
            out += payload[max(0, len(out) - offset):]
        return bytes(out)


def _addr(raw: bytes) -> str:
    import socket

    return socket.inet_ntop(socket.AF_INET6 if len(raw) == 16 else socket.AF_INET, raw)


#: Packets between two progress calls (a tell() each: cheap at this rate).
PROGRESS_EVERY = 4096


class Progress:
    """A one-line progress report on a terminal ("reading capture: 12.0 of
    120.0 MB (10%)"), redrawn at most every ``interval`` seconds and erased
    by :meth:`done`; silent when ``out`` is not a terminal."""

    def __init__(self, total: int, out: TextIO, *, interval: float = 0.25, force: bool = False) -> None:
        self.total, self.out, self.interval = total, out, interval
        self.active = force or out.isatty()
        self._last = 0.0
        self._shown = False

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if not self.active or now - self._last < self.interval:
            return
        self._last, self._shown = now, True
        share = f" ({100 * done // self.total}%)" if self.total else ""
        self.out.write(f"\rreading capture: {done / 1e6:.1f} of {self.total / 1e6:.1f} MB{share}")
        self.out.flush()

    def done(self) -> None:
        if self._shown:
            self.out.write("\r\033[K")
            self.out.flush()


def read_capture(f: BinaryIO, port: int = 389, others: Counter[int] | None = None,
                 progress: Callable[[int], None] | None = None) -> list[Stream]:
    """The LDAP streams in a pcap or pcapng capture, in order of first packet.
    ``others``, if given, counts the packets with a TCP payload by the lower
    port of each other connection (for a hint when ``port`` is not the one
    the capture used).  ``progress``, if given, is called with the bytes of
    the file read so far, every PROGRESS_EVERY packets."""
    try:
        import dpkt  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - depends on the install
        raise SystemExit("reading captures needs dpkt: pip install 'ldapber[pcap]'") from None
    head = f.read(4)
    f.seek(0)
    reader = dpkt.pcapng.Reader(f) if head == _PCAPNG_MAGIC else dpkt.pcap.Reader(f)
    linktype = reader.datalink()
    streams: dict[tuple[str, int, str, int], Stream] = {}
    for count, (_, frame) in enumerate(reader, 1):
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(f.tell())
        try:
            if linktype == dpkt.pcap.DLT_EN10MB:
                ip = dpkt.ethernet.Ethernet(frame).data
            elif linktype in (dpkt.pcap.DLT_RAW, 101):
                ip = dpkt.ip.IP(frame) if frame[:1] and frame[0] >> 4 == 4 else dpkt.ip6.IP6(frame)
            elif linktype == dpkt.pcap.DLT_LINUX_SLL:
                ip = dpkt.sll.SLL(frame).data
            else:
                continue
        except (dpkt.dpkt.UnpackError, IndexError):
            continue
        tcp = getattr(ip, "data", None)
        if not isinstance(tcp, dpkt.tcp.TCP) or not tcp.data:
            continue
        if port not in (tcp.sport, tcp.dport):
            if others is not None:  # the lower port of the two: the server's, usually (clients' are ephemeral)
                others[min(tcp.sport, tcp.dport)] += 1
            continue
        key = (_addr(ip.src), tcp.sport, _addr(ip.dst), tcp.dport)
        stream = streams.get(key)
        if stream is None:
            stream = streams[key] = Stream(f"{key[0]}:{key[1]}", f"{key[2]}:{key[3]}")
        stream.segments.setdefault(tcp.seq, bytes(tcp.data))
    return list(streams.values())
