"""The whole benchmark suite in one command: ``python -m bench``.

1. the Python contenders (pytest-benchmark: decode, encode and the stream,
   every result checked for correctness outside the timing);
2. the native reference, liblber, built by the suite (skipped with the
   reason where a C compiler or libldap-dev is missing);
3. peak memory for the 1 MB value and the stream;
4. the servers: ``ldapber serve`` and slapd holding the same 10,000 entries
   under the same load (``bench.directory``: base reads, equality searches,
   bind+unbind, a 10k-entry subtree search; start time and RSS);
5. the clients: ldapber's asyncio client, python-ldap, ldap3 and bonsai
   against one slapd (``bench.client``: a 10k-entry search, pipelined and
   sequential reads, memory);
6. the stream under GC: chunked search results decoded with a live heap and
   the collector on (``bench.stream_gc``);

then writes ``bench/results/`` (``run.json``, ``report.md``, ``pytest.json``,
PNG charts) and prints the summary table.  About seven minutes on 2 cores;
``--quick`` takes about three, ``--smoke`` (one round of everything, for CI: it
proves the suite works and times nothing worth reading) well under one.
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from . import charts, memory
from .figures import Run, Timing, Unable, from_pytest_json
from .report import render, summary

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PEERS = ("ldapber", "pyasn1", "pyasn1-modules", "ldap3", "asn1tools", "ldaptor", "scapy")

#: pytest-benchmark options per mode.
MODES = {
    "full": ["--benchmark-min-rounds=5", "--benchmark-max-time=0.5"],
    "quick": ["--benchmark-min-rounds=3", "--benchmark-max-time=0.15"],
    "smoke": ["--benchmark-min-rounds=1", "--benchmark-max-time=0.000001", "--benchmark-warmup=off",
              "--benchmark-calibration-precision=1"],
}
NATIVE_ROUNDS = {"full": 15, "quick": 7, "smoke": 1}


def run_pytest(mode: str, out: Path) -> tuple[list[Timing], dict[str, object]]:
    """The timings of the Python contenders, and where they were taken."""
    cmd = [sys.executable, "-m", "pytest", "bench/", "-q", "-p", "no:cacheprovider", "--benchmark-only",
           f"--benchmark-json={out}", "--benchmark-columns=median,rounds", *MODES[mode]]
    print("$", " ".join(cmd[1:]), flush=True)
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    tail = done.stdout.strip().splitlines()[-1:] if done.stdout.strip() else []
    print("  " + (tail[0] if tail else "(no output)"), flush=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-5000:] + done.stderr[-3000:])
        raise SystemExit(f"the benchmarks failed (pytest exit {done.returncode})")
    return from_pytest_json(out)


def run_native(mode: str, run: Run) -> None:
    from . import native, workload

    samples = {name: s.data for name, s in workload.corpus().items() if name in workload.BUILT}
    stream = workload.stream().buffer
    built = native.build()
    if isinstance(built, native.Unavailable):
        run.notes.append(f"liblber not measured: {built.reason}")
        print(f"  liblber: unavailable ({built.reason})", flush=True)
        return
    native.check(samples, stream, binary=built)  # raises unless the walk and the encodings are right
    got = native.measure(samples, stream, rounds=NATIVE_ROUNDS[mode], binary=built)
    run.versions["liblber"] = str(got.get("liblber", {}).get("vendor_version", "?"))
    for name, r in got["messages"].items():
        n = r["bytes"]
        if r["decode_ns"] is not None:
            run.timings.append(Timing("decode", name, "liblber", r["decode_ns"] * 1e-9, n))
        else:
            run.unable.append(Unable("decode", name, "liblber", f"liblber rejects it: {r['decode_error']}"))
        if r["encode_ns"] is not None:
            run.timings.append(Timing("encode", name, "liblber", r["encode_ns"] * 1e-9, n))
        else:
            run.unable.append(Unable("encode", name, "liblber", r["encode_error"]))
    s = got.get("stream")
    if s and s.get("ns") is not None:
        message = workload.STREAM_NAME
        run.timings.append(Timing("stream", message, "liblber", s["ns"] * 1e-9, s["bytes"], s["pdus"]))
    print(f"  liblber: {len(got['messages'])} messages", flush=True)


def versions() -> dict[str, str]:
    out = {}
    for name in PEERS:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_const", const="quick", dest="mode", help="fewer rounds")
    mode.add_argument("--smoke", action="store_const", const="smoke", dest="mode",
                      help="one round of everything: proves the suite works, times nothing worth reading")
    ap.add_argument("--out", type=Path, default=RESULTS, help="results folder (default bench/results)")
    ap.add_argument("--no-native", action="store_true", help="skip liblber")
    ap.add_argument("--no-memory", action="store_true", help="skip peak memory")
    ap.add_argument("--no-server", action="store_true", help="skip the server comparison")
    ap.add_argument("--no-client", action="store_true", help="skip the clients against slapd")
    ap.add_argument("--no-stream-gc", action="store_true", help="skip the stream under GC")
    args = ap.parse_args(argv)
    mode_name = args.mode or "full"
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    from . import peers

    run = Run(versions=versions())
    if mode_name == "smoke":
        run.notes.append("smoke run: one round of everything; the figures prove the suite works, not speed")
    print(f"[1/6] Python contenders ({mode_name})", flush=True)
    pytest_json = out / "pytest.json"
    run.timings, run.machine = run_pytest(mode_name, pytest_json)
    run.machine["node"] = platform.node()
    run.unable = [Unable(op, message, contender, reason) for op, message, contender, reason in peers.capabilities()]
    print("[2/6] native reference (liblber)", flush=True)
    if args.no_native:
        run.notes.append("liblber not measured: --no-native")
    else:
        run_native(mode_name, run)
    print("[3/6] peak memory", flush=True)
    if not args.no_memory:
        run.memory = memory.measure(peers.CONTENDERS)
    print("[4/6] servers", flush=True)
    if not args.no_server:
        from . import directory
        from .server import slapadd_available

        run.server = directory.run(directory.MODES[mode_name], log=lambda line: print(line, flush=True))
        if not slapadd_available():
            run.notes.append("slapd not measured: slapd is not installed")
    print("[5/6] clients against slapd", flush=True)
    if args.no_client:
        run.notes.append("clients not measured: --no-client")
    else:
        from . import client

        run.client = client.measure(mode_name, log=lambda line: print(line, flush=True))
    print("[6/6] stream under GC", flush=True)
    if args.no_stream_gc:
        run.notes.append("stream under GC not measured: --no-stream-gc")
    else:
        from . import stream_gc

        run.stream_gc = stream_gc.measure(mode_name, log=lambda line: print(line, flush=True))

    run.save(out / "run.json")
    (out / "report.md").write_text(render(run), encoding="utf-8")
    made = charts.draw(run.timings, out, run.client, run.stream_gc)
    print()
    print(summary(run))
    print(f"Written: {out / 'report.md'}, {out / 'run.json'}, " + ", ".join(str(p) for p in made))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
