"""The compiled backend under AddressSanitizer and UndefinedBehaviorSanitizer.

    python -m fuzz.sanitize            # build into a temporary copy, then run
    python -m fuzz.sanitize --keep DIR # keep the sanitized build in DIR

Builds a copy of the package with ``-fsanitize=address,undefined`` (gcc or
clang), then, with the sanitizer runtime preloaded into an ordinary
CPython, replays through the compiled backend: every file of the fuzz
corpus (``fuzz/corpus/*``, through its target in :mod:`fuzz.targets`) and
the whole PROTOS-style corpus (:mod:`fuzz.protos`).  Any sanitizer report
aborts the run (``halt_on_error``), so the exit status is the verdict.
Leak detection is off: CPython's own allocations at exit are not ours.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLAGS = "-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -O1 -g"

REPLAY = r"""
import ctypes
import sys
from pathlib import Path
import ldapber
assert ldapber.BACKEND == "cython", ldapber.BACKEND
# The run proves nothing unless the sanitizers are really there:
assert hasattr(ctypes.CDLL(None), "__asan_init"), "the ASan runtime is not loaded"
import ldapber._generated.rfc4511_c as compiled
assert b"__asan_report_load" in Path(compiled.__file__).read_bytes(), "the extension is not instrumented"
assert b"__ubsan_handle" in Path(compiled.__file__).read_bytes(), "the extension is not UBSan-instrumented"
from fuzz.targets import TARGETS
from fuzz import protos
files = 0
for folder in sorted(Path("fuzz/corpus").iterdir()):
    for case in sorted(folder.iterdir()):
        TARGETS[folder.name](case.read_bytes())
        files += 1
cy = ldapber.codec_for("cython")
cases = 0
for case in protos.generate(seed=0):
    cases += 1
    try:
        msg = cy.decode(case.data)
    except ldapber.DecodeError:
        continue
    try:
        cy.decode(cy.encode(msg))
    except ldapber.EncodeError:
        pass
print(f"sanitized replay: {files} fuzz corpus files, {cases} PROTOS cases, no finding")
"""


def runtime_libraries(cc: str) -> list[str]:
    libs = []
    for name in ("libasan.so", "libubsan.so"):
        path = subprocess.run([cc, f"-print-file-name={name}"], capture_output=True, text=True).stdout.strip()
        if not os.path.isabs(path) or not os.path.exists(path):
            raise SystemExit(f"{cc} has no {name}: install the compiler's sanitizer runtime")
        libs.append(path)
    return libs


def build(dest: Path, cc: str) -> None:
    shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(".git", "build", "*.so", "*.c", "__pycache__",
                                                                 ".hypothesis", "work", "results"))
    env = {**os.environ, "LDAPBER_DEBUG": "1", "CC": cc, "CFLAGS": FLAGS, "LDSHARED": f"{cc} -shared {FLAGS}"}
    out = subprocess.run([sys.executable, "setup.py", "build_ext", "--inplace"], cwd=dest, env=env,
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"sanitized build failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")


def run(dest: Path, cc: str) -> int:
    env = {**os.environ, "LD_PRELOAD": " ".join(runtime_libraries(cc)), "PYTHONPATH": str(dest),
           "ASAN_OPTIONS": "detect_leaks=0:halt_on_error=1:abort_on_error=0:exitcode=86",
           "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1:exitcode=87",
           "PYTHONMALLOC": "malloc"}  # so ASan sees every allocation, not pymalloc's arenas
    env.pop("LDAPBER_PURE_PYTHON", None)
    return subprocess.run([sys.executable, "-c", REPLAY], cwd=dest, env=env).returncode


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m fuzz.sanitize", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keep", help="build into this directory and keep it")
    ap.add_argument("--cc", default=os.environ.get("CC") or sysconfig.get_config_var("CC").split()[0])
    args = ap.parse_args(argv)
    if args.keep:
        dest = Path(args.keep)
        if not (dest / "setup.py").exists():
            build(dest, args.cc)
        return run(dest, args.cc)
    with tempfile.TemporaryDirectory() as tmp:
        dest = Path(tmp) / "ldapber-sanitized"
        build(dest, args.cc)
        return run(dest, args.cc)


if __name__ == "__main__":
    raise SystemExit(main())
