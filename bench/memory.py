"""Peak memory of a decode, per contender: ``python -m bench.memory``.

Two cases, as issue 6 asks: the entry carrying a 1 MB binary value, and the
stream of entries.  The figure is the peak of memory allocated through
Python's allocators (``tracemalloc``) while decoding and holding the result,
minus what was allocated before; the input itself is not counted.  Every
contender here (ldapber's compiled backend included: its objects and buffers
come from CPython's allocators) is seen by tracemalloc.  The C walk of
liblber allocates nothing per element (it reads values in place), so it has
no row.

Each contender is measured in a fresh interpreter so that one's caches and
freelists do not lower another's figure.  Slow contenders decode the same
slice of the stream as in the timing benchmarks; the per-input-byte figure
keeps them comparable.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CASES = ("binary-entry", "stream")


def _measure_here(contender: str, case: str) -> dict[str, Any]:
    import gc
    import tracemalloc

    from . import peers, workload

    reason = peers.capability(contender, "decode", "small-entry" if case == "stream" else case)
    if reason is not None:
        return {"contender": contender, "case": case, "unable": reason}
    if case == "stream":
        data = workload.stream()
        limit = peers.stream_slice(contender)
        if limit is not None:
            data = data.head(limit)
        decode, kind = peers.stream_decoder_for(contender)
        arg: Any = data.buffer if kind == "buffer" else data.pdus
        nbytes, pdus = len(data.buffer), len(data.pdus)
    else:
        sample = workload.corpus()[case]
        decode, arg = peers.decoder_for(contender), sample.data
        nbytes, pdus = len(sample.data), 1
    decode(arg)  # warm caches (interned names, compiled specs) outside the measure
    gc.collect()
    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    result = decode(arg)
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del result
    return {"contender": contender, "case": case, "input_bytes": nbytes, "pdus": pdus,
            "peak_bytes": peak - before, "held_bytes": held - before}


def measure(contenders: tuple[str, ...], cases: tuple[str, ...] = CASES, timeout: float = 600) -> list[dict[str, Any]]:
    """One row per (case, contender): peak and held bytes, or ``unable``."""
    rows = []
    for case in cases:
        for contender in contenders:
            run = subprocess.run([sys.executable, "-m", "bench.memory", "--one", contender, case],
                                 cwd=ROOT, capture_output=True, text=True, timeout=timeout)
            if run.returncode != 0:
                rows.append({"contender": contender, "case": case,
                             "unable": f"failed: {run.stderr.strip().splitlines()[-1:]}"})
            else:
                rows.append(json.loads(run.stdout.strip().splitlines()[-1]))
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__.split("\n\n")[0])
    ap.add_argument("--one", nargs=2, metavar=("CONTENDER", "CASE"), help="measure one pair in this process")
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(_measure_here(*args.one)))
        return 0
    from .peers import CONTENDERS

    for row in measure(CONTENDERS):
        print(json.dumps(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
