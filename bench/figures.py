"""The figures of one benchmark run, in one JSON file (``bench/results/run.json``).

Sources: pytest-benchmark's JSON for the Python contenders (decode, encode,
stream), :mod:`bench.native` for liblber, :mod:`bench.memory` for peak
memory, :mod:`bench.server` for the servers, :mod:`bench.client` for the
LDAP clients against slapd, :mod:`bench.stream_gc` for the chunked stream
under a live heap, and the peers' capability table for what a contender
cannot do.  :mod:`bench.report` renders a run as
markdown and :mod:`bench.charts` as PNG charts.

A timing is a median time per call, seconds.  A benchmark that times a batch
of ``calls`` calls per round (sub-microsecond calls are timed in batches,
so that pytest-benchmark's own per-call dispatch is not counted against the
fastest contender) is divided back to one call here.
"""

from __future__ import annotations

import json
import statistics
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


@dataclass(frozen=True)
class Series:
    """Every round of one contender on one path of a :class:`Section`, in
    the order taken (rounds interleave the contenders).  ``samples`` are
    seconds per round (``unit`` "s") or bytes (``unit`` "B"); ``work`` is
    what one round does (entries, operations or bytes), so a rate is
    ``work / seconds``."""

    path: str
    contender: str
    samples: tuple[float, ...]
    work: int
    unit: str = "s"

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def low(self) -> float:
        return min(self.samples)

    @property
    def high(self) -> float:
        return max(self.samples)

    @property
    def quartiles(self) -> tuple[float, float]:
        """First and third quartiles (both the one sample when there is one)."""
        if len(self.samples) < 2:
            return self.samples[0], self.samples[0]
        q = statistics.quantiles(self.samples, n=4, method="inclusive")
        return q[0], q[2]

    @property
    def rate(self) -> float:
        """Work per second at the median round (time series only)."""
        return self.work / self.median


@dataclass(frozen=True)
class Skipped:
    """A contender a :class:`Section` did not measure on ``path`` ("*": on
    any), and why: not installed, or failed (the error)."""

    path: str
    contender: str
    reason: str


@dataclass
class Section:
    """A benchmark of repeated, interleaved rounds outside pytest-benchmark
    (:mod:`bench.client`, :mod:`bench.stream_gc`): what was run
    (``info``: sizes, rounds, backend, ...), every series, what was skipped."""

    info: dict[str, Any] = field(default_factory=dict)
    series: list[Series] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def get(self, path: str, contender: str) -> Series | None:
        return next((s for s in self.series if (s.path, s.contender) == (path, contender)), None)

    def paths(self) -> list[str]:
        return list(dict.fromkeys(s.path for s in self.series))

    @classmethod
    def from_json(cls, raw: dict[str, Any] | None) -> Section | None:
        if not raw:
            return None
        return cls(info=raw.get("info", {}),
                   series=[Series(**{**s, "samples": tuple(s["samples"])}) for s in raw.get("series", [])],
                   skipped=[Skipped(**k) for k in raw.get("skipped", [])])


@dataclass
class Run:
    machine: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    timings: list[Timing] = field(default_factory=list)
    unable: list[Unable] = field(default_factory=list)
    memory: list[dict[str, Any]] = field(default_factory=list)
    server: dict[str, Any] = field(default_factory=dict)  # bench.directory's measurements
    client: Section | None = None
    stream_gc: Section | None = None
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
                   memory=raw.get("memory", []),
                   server=raw.get("server") if isinstance(raw.get("server"), dict) else {},
                   client=Section.from_json(raw.get("client")), stream_gc=Section.from_json(raw.get("stream_gc")),
                   notes=raw.get("notes", []))

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
