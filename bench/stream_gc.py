"""The stream under the garbage collector: ``python -m bench.stream_gc [--quick | --smoke]``.

Three search results of N entries each (N = 10,000; 200 in smoke mode; the
entries of :func:`bench.client.person`, as slapd returns them in the client
benchmark, each result closed by its SearchResultDone) are decoded as they
would arrive from a socket, in 16 KiB chunks, by a process that already
holds an application heap of 200,000 live dicts, with the cyclic garbage
collector on at its default thresholds.  All three passes' messages stay
alive in one list, so the collector's older generations keep growing as it
would in a client that keeps what it reads.  Contenders:

``stream-decoder``       ``d = ldapber.StreamDecoder(); for chunk: d.feed(chunk); out.extend(d)``
``stream-decoder-read``  the same with ``out.extend(d.read())`` (when StreamDecoder has ``read``)
``framer+decode``        ``f = Framer(); for chunk: f.feed(chunk); out.extend(ldapber.decode(p) for p in f)``
``decode_all``           ``out.extend(ldapber.decode_all(whole_result))``, not chunked (it pauses the
                         collector itself while it runs)

Each round runs every contender in a fresh interpreter (the order rotating);
the figure is MB/s (10^6 bytes of input per second) over the three passes.
The messages are checked against ``decode_all`` after the timing.  Goals:
StreamDecoder at least 150 MB/s and at least 0.9x decode_all's rate.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .figures import Section, Series, Skipped

ROOT = Path(__file__).resolve().parent.parent
PASSES = 3
CHUNK = 16 * 1024
HEAP_OBJECTS = 200_000
PATH = "stream-gc"
CONTENDERS = ("stream-decoder", "stream-decoder-read", "framer+decode", "decode_all")
#: Entries per pass and rounds, per mode.
MODES = {"full": (10_000, 7), "quick": (10_000, 3), "smoke": (200, 1)}


def result_bytes(n: int, message_id: int) -> bytes:
    """One search result on the wire: ``n`` SearchResultEntry PDUs and the SearchResultDone."""
    import ldapber
    from ldapber import LDAPMessage, PartialAttribute, SearchResultDone, SearchResultEntry

    from .client import person

    out = []
    for i in range(n):
        dn, attrs = person(i)
        entry = SearchResultEntry(dn, [PartialAttribute(t, [v.encode() for v in vals]) for t, vals in attrs])
        out.append(ldapber.encode(LDAPMessage(message_id, entry)))
    out.append(ldapber.encode(LDAPMessage(message_id, SearchResultDone(0, "", ""))))
    return b"".join(out)


def _where(obj: object) -> str | None:
    """Which implementation ``obj`` is (module and name), for the record."""
    return None if obj is None else f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', '?')}"


def unavailable() -> dict[str, str]:
    """Contenders this ldapber cannot run, and why."""
    import ldapber

    out = {}
    decoder = getattr(ldapber, "StreamDecoder", None)
    if decoder is None:
        out["stream-decoder"] = out["stream-decoder-read"] = "this ldapber has no StreamDecoder (not merged yet)"
    elif not hasattr(decoder, "read"):
        out["stream-decoder-read"] = "ldapber.StreamDecoder has no read() method"
    return out


# -- one contender in this (fresh) interpreter -----------------------------------------
def _runner(contender: str) -> Callable[[bytes, list[bytes], list[Any]], None]:
    import ldapber
    from ldapber.proto import Framer

    def stream_decoder(whole: bytes, chunks: list[bytes], out: list[Any]) -> None:
        d = ldapber.StreamDecoder()  # type: ignore[attr-defined]
        for chunk in chunks:
            d.feed(chunk)
            out.extend(d)

    def stream_decoder_read(whole: bytes, chunks: list[bytes], out: list[Any]) -> None:
        d = ldapber.StreamDecoder()  # type: ignore[attr-defined]
        for chunk in chunks:
            d.feed(chunk)
            out.extend(d.read())

    def framer_decode(whole: bytes, chunks: list[bytes], out: list[Any]) -> None:
        f, decode = Framer(), ldapber.decode
        for chunk in chunks:
            f.feed(chunk)
            out.extend(decode(p) for p in f)

    def decode_all(whole: bytes, chunks: list[bytes], out: list[Any]) -> None:
        out.extend(ldapber.decode_all(whole))

    return {"stream-decoder": stream_decoder, "stream-decoder-read": stream_decoder_read,
            "framer+decode": framer_decode, "decode_all": decode_all}[contender]


def child(contender: str, data_path: str, lengths: list[int]) -> dict[str, Any]:
    import ldapber

    data = Path(data_path).read_bytes()
    passes, at = [], 0
    for n in lengths:
        passes.append(data[at:at + n])
        at += n
    chunked = [[p[i:i + CHUNK] for i in range(0, len(p), CHUNK)] for p in passes]
    run = _runner(contender)
    warm = ldapber.encode(ldapber.LDAPMessage(1, ldapber.SearchResultDone(0, "", "")))
    run(warm, [warm], [])  # imports and caches, untimed
    heap = [{"id": i, "name": f"object {i}"} for i in range(HEAP_OBJECTS)]  # the application's live objects
    gc.enable()
    gc.collect()
    counts = [s["collections"] for s in gc.get_stats()]
    out: list[Any] = []
    started = time.perf_counter()
    for whole, chunks in zip(passes, chunked, strict=True):
        run(whole, chunks, out)
    seconds = time.perf_counter() - started
    collections = [s["collections"] - c for s, c in zip(gc.get_stats(), counts, strict=True)]
    expected = [m for p in passes for m in ldapber.decode_all(p)]
    assert len(out) == len(expected), f"{len(out)} messages, expected {len(expected)}"
    assert out == expected, "the messages differ from decode_all's"
    del heap
    return {"contender": contender, "seconds": seconds, "bytes": len(data), "messages": len(out),
            "gc_collections": collections, "gc_threshold": list(gc.get_threshold())}


# -- the rounds ---------------------------------------------------------------------------
def measure(mode_name: str = "full", *, log: Callable[[str], None] = print) -> Section:
    import ldapber

    entries, rounds = MODES[mode_name]
    skipped = unavailable()
    section = Section(info={"mode": mode_name, "passes": PASSES, "entries_per_pass": entries, "chunk_bytes": CHUNK,
                            "heap_objects": HEAP_OBJECTS, "rounds": rounds, "ldapber_backend": ldapber.BACKEND,
                            "gc_threshold": list(gc.get_threshold()), "gc_collections": {},
                            "stream_decoder": _where(getattr(ldapber, "StreamDecoder", None)),
                            "load_before": list(os.getloadavg())})
    section.skipped += [Skipped(PATH, c, reason) for c, reason in skipped.items()]
    for c, reason in skipped.items():
        log(f"  {c}: skipped, {reason}")
    alive = [c for c in CONTENDERS if c not in skipped]
    samples: dict[str, list[float]] = {c: [] for c in alive}
    with tempfile.TemporaryDirectory(prefix="ldapber-stream-gc-") as tmp:
        passes = [result_bytes(entries, 2 + k) for k in range(PASSES)]
        data_path = Path(tmp) / "passes.ber"
        data_path.write_bytes(b"".join(passes))
        total = sum(map(len, passes))
        section.info.update(bytes=total, messages=PASSES * (entries + 1))
        lengths = ",".join(str(len(p)) for p in passes)
        for r in range(rounds):
            k = r % len(alive) if alive else 0
            for contender in alive[k:] + alive[:k]:
                if contender not in samples:
                    continue
                done = subprocess.run([sys.executable, "-m", "bench.stream_gc", "--child", contender, str(data_path),
                                       lengths], cwd=ROOT, capture_output=True, text=True, timeout=600)
                if done.returncode != 0:
                    tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
                    section.skipped.append(Skipped(PATH, contender, f"failed: {tail[:300]}"))
                    log(f"  {contender}: failed: {tail[:300]}")
                    del samples[contender]
                    continue
                row = json.loads(done.stdout.strip().splitlines()[-1])
                samples[contender].append(row["seconds"])
                section.info["gc_collections"].setdefault(contender, []).append(row["gc_collections"])
            log(f"  round {r + 1} of {rounds}")
    section.info["load_after"] = list(os.getloadavg())
    for contender, xs in samples.items():
        if xs:
            section.series.append(Series(PATH, contender, tuple(xs), total))
    return section


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.stream_gc", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_const", const="quick", dest="mode", help="fewer rounds")
    mode.add_argument("--smoke", action="store_const", const="smoke", dest="mode", help="200 entries, one round")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results", help="folder for stream_gc.md/.png")
    ap.add_argument("--child", nargs=3, metavar=("CONTENDER", "DATA", "LENGTHS"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        contender, data, lengths = args.child
        print(json.dumps(child(contender, data, [int(n) for n in lengths.split(",")])))
        return 0
    from . import charts
    from .report import stream_gc_section

    section = measure(args.mode or "full")
    text = "\n".join(stream_gc_section(section)) + "\n"
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "stream_gc.md").write_text(text, encoding="utf-8")
    chart = charts.stream_gc_chart(section, args.out / "stream_gc.png")
    print("Written:", args.out / "stream_gc.md", chart or "(no chart)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
