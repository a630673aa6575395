"""Summarise a pytest-benchmark JSON file of this suite as markdown tables,
with the speed ratios and the performance targets (met / missed).

    python3 -m pytest bench/ --benchmark-only --benchmark-json=results.json
    python3 -m bench.report results.json            # from the repository root
    python3 -m bench.report results.json --fail-on-miss   # exit 1 if a target is missed

Ratios are "times faster than": for a peer's row, ``peer median / ldapber-cython
median`` (3.0x = ldapber-cython takes a third of the peer's time).  In the
stream group the contenders decode different numbers of PDUs, so the ratio
there is of time per byte (equivalently, of MB/s).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from .contenders import CONTENDERS, LDAP3_FAST, LDAPBER_CYTHON, LDAPBER_PYTHON, PYASN1
from .workload import MESSAGES

REFERENCE = LDAPBER_CYTHON
OPS = ("decode", "encode", "stream")
#: Minimum MB/s of the compiled backend on the stream.
STREAM_MB_S_TARGET = 100.0


@dataclass(frozen=True)
class Result:
    op: str
    message: str
    contender: str
    median: float  # seconds per call
    nbytes: int
    pdus: int
    rounds: int

    @property
    def per_byte(self) -> float:
        return self.median / self.nbytes

    @property
    def mb_per_s(self) -> float:
        return self.nbytes / self.median / 1e6


@dataclass(frozen=True)
class Target:
    """``fast`` must be at least ``factor`` times faster than ``slow`` at
    ``op`` on ``message`` (or, with ``slow`` None, reach ``factor`` MB/s)."""

    op: str
    message: str
    fast: str
    slow: str | None
    factor: float

    def describe(self) -> str:
        if self.slow is None:
            return f"{self.op} {self.message}: {self.fast} >= {self.factor:g} MB/s"
        return f"{self.op} {self.message}: {self.fast} >= {self.factor:g}x faster than {self.slow}"


def targets(stream_message: str) -> list[Target]:
    """The suite's performance targets (see bench/README.md)."""
    out = [Target("decode", m, LDAPBER_CYTHON, PYASN1, 300) for m in MESSAGES]
    out.append(Target("decode", "small-entry", LDAPBER_CYTHON, LDAP3_FAST, 20))
    out.append(Target("stream", stream_message, LDAPBER_CYTHON, None, STREAM_MB_S_TARGET))
    out += [Target("encode", m, LDAPBER_CYTHON, PYASN1, 300) for m in MESSAGES]
    out.append(Target("decode", "small-entry", LDAPBER_PYTHON, LDAP3_FAST, 2))
    out += [Target(op, m, LDAPBER_PYTHON, PYASN1, 20) for op in ("decode", "encode") for m in MESSAGES]
    return out


def load(path: Path) -> tuple[list[Result], str]:
    """The suite's results in a pytest-benchmark JSON file, and a one-line
    description of where they were taken."""
    text = path.read_text()
    if not text.strip():
        raise SystemExit(f"{path} is empty: was it written by a run with --benchmark-disable? "
                         "Timings need --benchmark-only (or no --benchmark-disable).")
    data = json.loads(text)
    machine = data.get("machine_info", {})
    where = ", ".join(x for x in (
        f"{machine.get('python_implementation', '')} {machine.get('python_version', '')}".strip(),
        (machine.get("cpu") or {}).get("brand_raw", ""),
        f"{(machine.get('cpu') or {}).get('count', '?')} CPUs" if machine.get("cpu") else "",
        data.get("datetime", "")[:19],
    ) if x)
    results = []
    for bench in data.get("benchmarks", []):
        info, stats = bench.get("extra_info", {}), bench.get("stats")
        if not stats or "contender" not in info:
            continue
        results.append(Result(info["op"], info["message"], info["contender"], stats["median"],
                              info["bytes"], info.get("pdus", 1), stats["rounds"]))
    return results, where


def fmt_time(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}" if seconds / scale < 100 else f"{seconds / scale:.0f} {unit}"
    return f"{seconds / 1e-9:.3g} ns" if seconds / 1e-9 < 100 else f"{seconds / 1e-9:.0f} ns"


def fmt_ratio(x: float) -> str:
    return f"{x:.1f}x" if x < 100 else f"{x:.0f}x"


def speedup(fast: Result, slow: Result) -> float:
    """How many times faster ``fast`` is than ``slow`` (per byte when the
    two decoded different amounts, as in the stream)."""
    if fast.nbytes == slow.nbytes:
        return slow.median / fast.median
    return slow.per_byte / fast.per_byte


def verdict(measured: float | None, required: float) -> str:
    if measured is None:
        return "NOT MEASURED"
    if measured >= required:
        return "MET"
    return f"MISSED ({measured / required:.2f} of the target)"


def evaluate(t: Target, index: dict[tuple[str, str, str], Result]) -> float | None:
    fast = index.get((t.op, t.message, t.fast))
    if fast is None:
        return None
    if t.slow is None:
        return fast.mb_per_s
    slow = index.get((t.op, t.message, t.slow))
    return None if slow is None else speedup(fast, slow)


def render(results: list[Result], source: str = "", where: str = "") -> tuple[str, int, int]:
    """The markdown report, and the number of targets met and of targets."""
    index = {(r.op, r.message, r.contender): r for r in results}
    groups: dict[tuple[str, str], dict[str, Result]] = defaultdict(dict)
    for r in results:
        groups[(r.op, r.message)][r.contender] = r
    order = {m: i for i, m in enumerate(MESSAGES)}
    keys = sorted(groups, key=lambda k: (OPS.index(k[0]) if k[0] in OPS else 99, order.get(k[1], 99), k[1]))
    stream_message = next((m for op, m in keys if op == "stream"), "stream")
    all_targets = targets(stream_message)

    lines = ["# ldapber benchmark report", ""]
    if source:
        lines += [f"Source: `{source}`" + (f" ({where})" if where else "") + ". Times are medians per call; "
                  f"\"x faster\" is how many times less time {REFERENCE} takes than the contender of that row.",
                  ""]
    for op, message in keys:
        rows = groups[(op, message)]
        ref = rows.get(REFERENCE)
        any_row = next(iter(rows.values()))
        lines.append(f"## {op}: {message}" + ("" if op == "stream" else f" ({any_row.nbytes:,} bytes)"))
        lines.append("")
        if op == "stream":
            lines += ["| contender | PDUs | bytes | median | MB/s | µs per PDU | ldapber-cython is, per byte |",
                      "|---|---:|---:|---:|---:|---:|---:|"]
        else:
            lines += ["| contender | median | calls/s | ldapber-cython is |", "|---|---:|---:|---:|"]
        for name in sorted(rows, key=lambda c: CONTENDERS.index(c) if c in CONTENDERS else 99):
            r = rows[name]
            if ref is None:
                rel = "n/a (no ldapber-cython result)"
            elif name == REFERENCE:
                rel = "reference"
            else:
                x = speedup(ref, r)
                rel = f"{fmt_ratio(x)} faster" if x >= 1 else f"{fmt_ratio(1 / x)} slower"
            if op == "stream":
                lines.append(f"| {name} | {r.pdus:,} | {r.nbytes:,} | {fmt_time(r.median)} | {r.mb_per_s:,.1f} "
                             f"| {r.median / r.pdus * 1e6:.2f} | {rel} |")
            else:
                lines.append(f"| {name} | {fmt_time(r.median)} | {1 / r.median:,.0f} | {rel} |")
        missing = [c for c in CONTENDERS if c not in rows and not (c == LDAP3_FAST and op == "encode")]
        if missing:
            why = {LDAP3_FAST: "decodes server responses only"}
            lines.append("")
            lines.append("Not measured: " + "; ".join(f"{c} ({why.get(c, 'no result')})" for c in missing) + ".")
        mine = [t for t in all_targets if (t.op, t.message) == (op, message)]
        if mine:
            lines += ["", "| target | measured | required | measured / required | verdict |",
                      "|---|---:|---:|---:|---|"]
            for t in mine:
                got = evaluate(t, index)
                unit = " MB/s" if t.slow is None else "x"
                what = f"{t.fast} >= {t.factor:g} MB/s" if t.slow is None else f"{t.fast} vs {t.slow}"
                shown = "-" if got is None else (f"{got:,.1f}{unit}" if t.slow is None else fmt_ratio(got))
                ratio = "-" if got is None else f"{got / t.factor:.2f}"
                lines.append(f"| {what} | {shown} | {t.factor:g}{unit} | {ratio} | {verdict(got, t.factor)} |")
        lines.append("")

    met: list[tuple[Target, float]] = []
    missed: list[tuple[Target, float]] = []
    unmeasured: list[tuple[Target, None]] = []
    for t in all_targets:
        got = evaluate(t, index)
        if got is None:
            unmeasured.append((t, got))
        else:
            (met if got >= t.factor else missed).append((t, got))
    lines += ["## Targets", ""]
    lines.append(f"{len(met)} of {len(all_targets)} targets met, {len(missed)} missed"
                 + (f", {len(unmeasured)} not measured" if unmeasured else "") + ".")
    lines.append("")
    for t, got in missed:
        shown = f"{got:,.1f} MB/s" if t.slow is None else fmt_ratio(got)
        lines.append(f"- MISSED: {t.describe()}; measured {shown} ({got / t.factor:.2f} of the target).")
    for t, _ in unmeasured:
        lines.append(f"- NOT MEASURED: {t.describe()}.")
    for t, got in met:
        shown = f"{got:,.1f} MB/s" if t.slow is None else fmt_ratio(got)
        lines.append(f"- met: {t.describe()}; measured {shown}.")
    return "\n".join(lines) + "\n", len(met), len(all_targets)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("json", type=Path, help="output of pytest --benchmark-json")
    parser.add_argument("--fail-on-miss", action="store_true", help="exit 1 unless every target is met")
    args = parser.parse_args(argv)
    results, where = load(args.json)
    if not results:
        print(f"{args.json} holds no timings of this suite.", file=sys.stderr)
        return 2
    text, met, total = render(results, str(args.json), where)
    print(text, end="")
    return 1 if args.fail_on_miss and met < total else 0


if __name__ == "__main__":
    sys.exit(main())
