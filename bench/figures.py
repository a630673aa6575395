"""The figures of one benchmark run, in one JSON file (``bench/results/run.json``).

Sources: pytest-benchmark's JSON for the Python contenders (decode, encode,
stream), :mod:`bench.native` for liblber, :mod:`bench.memory` for peak
memory, :mod:`bench.server` for the servers, and the peers' capability
table for what a contender cannot do.  :mod:`bench.report` renders a run as
markdown and :mod:`bench.charts` as PNG charts.

A timing is a median time per call, seconds.  A benchmark that times a batch
of ``calls`` calls per round (sub-microsecond calls are timed in batches,
so that pytest-benchmark's own per-call dispatch is not counted against the
fastest contender) is divided back to one call here.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

#: The contender every ratio is taken against.
REFERENCE = "ldapber-cython"


@dataclass(frozen=True)
class Timing:
    op: str  # "decode", "encode" or "stream"
    message: str
    contender: str
    seconds: float  # median per call
    nbytes: int  # input (decode, stream) or output (encode) size
    pdus: int = 1
    rounds: int = 0

    @property
    def mb_per_s(self) -> float:
        return self.nbytes / self.seconds / 1e6

    @property
    def per_byte(self) -> float:
        return self.seconds / self.nbytes


@dataclass(frozen=True)
class Unable:
    """A contender that cannot do ``op`` on ``message``, and why."""

    op: str
    message: str
    contender: str
    reason: str


@dataclass
class Run:
    machine: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    timings: list[Timing] = field(default_factory=list)
    unable: list[Unable] = field(default_factory=list)
    memory: list[dict[str, Any]] = field(default_factory=list)
    server: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=1, sort_keys=True), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Run:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return cls(machine=raw.get("machine", {}), versions=raw.get("versions", {}),
                   timings=[Timing(**t) for t in raw.get("timings", [])],
                   unable=[Unable(**u) for u in raw.get("unable", [])],
                   memory=raw.get("memory", []), server=raw.get("server", []), notes=raw.get("notes", []))

    def timing(self, op: str, message: str, contender: str) -> Timing | None:
        return next((t for t in self.timings if (t.op, t.message, t.contender) == (op, message, contender)), None)


def speedup(fast: Timing, slow: Timing) -> float:
    """How many times less time ``fast`` takes than ``slow`` (per byte when
    the two handled different amounts, as slow contenders do on the stream)."""
    if fast.nbytes == slow.nbytes:
        return slow.seconds / fast.seconds
    return slow.per_byte / fast.per_byte


def from_pytest_json(path: Path) -> tuple[list[Timing], dict[str, Any]]:
    """The suite's timings in a pytest-benchmark JSON file, and where they
    were taken (Python, CPU, date)."""
    text = path.read_text(encoding="utf-8")
    if not text.strip():
        raise SystemExit(f"{path} is empty: timings need a run without --benchmark-disable")
    data = json.loads(text)
    info = data.get("machine_info", {})
    cpu = info.get("cpu") or {}
    machine = {"python": f"{info.get('python_implementation', '')} {info.get('python_version', '')}".strip(),
               "cpu": cpu.get("brand_raw", ""), "cpus": cpu.get("count"), "system": info.get("system", ""),
               "release": info.get("release", ""), "when": data.get("datetime", "")[:19]}
    timings = []
    for bench in data.get("benchmarks", []):
        extra, stats = bench.get("extra_info", {}), bench.get("stats")
        if not stats or "contender" not in extra:
            continue
        calls = extra.get("calls", 1)
        timings.append(Timing(extra["op"], extra["message"], extra["contender"], stats["median"] / calls,
                              extra["bytes"], extra.get("pdus", 1), stats["rounds"]))
    return timings, machine
