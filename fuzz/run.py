"""Coverage-guided fuzzing of :mod:`fuzz.targets` with atheris.

    python -m fuzz.run decode                      # until stopped; crashes saved as crash-*
    python -m fuzz.run decode -max_total_time=600  # libFuzzer options pass through
    python -m fuzz.run all -max_total_time=10      # each target in turn (what CI runs)

The committed seed corpus of each target is ``fuzz/corpus/<target>/``; new
inputs found are added to a scratch copy (``fuzz/work/<target>/``, not
committed), so a long campaign can be resumed.  A finding becomes a
regression case by copying its input into the committed corpus: CI replays
every corpus file through its target (``tests/test_fuzz.py``).

ldapber's Python code (the pure-Python backend, the framer, the parsers, the
connection machine) is instrumented for coverage; the compiled backend runs
uninstrumented next to it, checked by the differential assertion.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def fuzz_one(name: str, args: list[str]) -> int:
    import atheris

    with atheris.instrument_imports(include=["ldapber"]):
        from fuzz.targets import TARGETS
    target = TARGETS[name]
    work = HERE / "work" / name
    work.mkdir(parents=True, exist_ok=True)
    seeds = HERE / "corpus" / name
    for seed in seeds.glob("*") if seeds.is_dir() else ():
        shutil.copy(seed, work / seed.name)
    atheris.Setup([sys.argv[0], *args, str(work)], target)
    atheris.Fuzz()
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    if name == "all":  # one process per target: atheris.Fuzz() does not return
        from fuzz.targets import TARGETS
        status = 0
        for each in TARGETS:
            print(f"== {each}", flush=True)
            status |= subprocess.run([sys.executable, "-m", "fuzz.run", each, *rest],
                                     env={**os.environ, "PYTHONHASHSEED": "0"}).returncode
        return status
    return fuzz_one(name, rest)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
