"""``python -m bench.native [--rounds N] [--json FILE]``: liblber next to ldapber.

Builds and cross-checks the native reference, measures it on the corpus and
the stream, times ldapber's default backend on the same messages with
``timeit`` (best of 7 repeats, each long enough to last about 20 ms) and
prints a markdown table: ns per message and ldapber / liblber ratios.
"""

from __future__ import annotations

import argparse
import json
import sys
import timeit
from collections.abc import Callable

import ldapber

from .. import workload
from . import Unavailable, build, check, measure


def _best_ns(fn: Callable[[], object], repeat: int = 7, target_s: float = 0.02) -> float:
    timer = timeit.Timer(fn)
    number, elapsed = timer.autorange()
    number = max(1, int(number * target_s / max(elapsed, 1e-9)))
    return min(timer.repeat(repeat=repeat, number=number)) / number * 1e9


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.native", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--json", help="also write the native results and ldapber's times here")
    args = parser.parse_args(argv)

    binary = build()
    if isinstance(binary, Unavailable):
        print(f"native reference {binary}")
        return 0
    corpus, stream = workload.corpus(), workload.stream()
    check(corpus, stream, binary=binary)
    native = measure(corpus, stream, args.rounds, binary=binary)

    lib = native["liblber"]
    print(f"liblber {lib['vendor_version']} ({lib['library']}), ldapber backend {ldapber.BACKEND}, "
          f"median of {args.rounds} rounds; ldapber: best of 7 (timeit)\n")
    print("| message | bytes | liblber walk ns | ldapber decode ns | ratio "
          "| ber_printf ns | ldapber encode ns | ratio |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|")
    ours: dict[str, dict[str, float]] = {}
    for name, sample in corpus.items():
        r = native["messages"][name]
        dec = _best_ns(lambda d=sample.data: ldapber.decode(d))
        enc = _best_ns(lambda m=sample.message: ldapber.encode(m))
        ours[name] = {"decode_ns": dec, "encode_ns": enc}
        walk = f"{r['decode_ns']:,.0f}" if r["decode_ns"] else f"error: {r['decode_error']}"
        printed = f"{r['encode_ns']:,.0f}" if r["encode_ns"] else f"cannot: {r['encode_error']}"
        dratio = f"{dec / r['decode_ns']:.1f}x" if r["decode_ns"] else ""
        eratio = f"{enc / r['encode_ns']:.1f}x" if r["encode_ns"] else ""
        print(f"| {name} | {r['bytes']:,} | {walk} | {dec:,.0f} | {dratio} | {printed} | {enc:,.0f} | {eratio} |")

    s = native["stream"]
    dec_all = _best_ns(lambda: ldapber.decode_all(stream.buffer), repeat=5, target_s=0.2)
    ours["<stream>"] = {"ns": dec_all}
    mb = len(stream.buffer) * 1e3 / dec_all
    print(f"\nstream ({s['pdus']:,} PDUs, {s['bytes'] / 1e6:.2f} MB): liblber walk {s['mb_per_s']:,.0f} MB/s, "
          f"{s['msgs_per_s'] / 1e6:.2f} M msgs/s; ldapber decode_all {mb:,.0f} MB/s, "
          f"{s['pdus'] * 1e3 / dec_all:.2f} M msgs/s ({dec_all / (s['ns'] or dec_all):.1f}x)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"native": native, "ldapber": ours, "backend": ldapber.BACKEND}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
