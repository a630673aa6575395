"""PNG charts of a benchmark run (matplotlib, drawn off-screen).

* ``decode.png`` / ``encode.png``: for every message, how many times faster
  ldapber's compiled backend is than each other contender (log scale; a bar
  left of 1x is a contender faster than ldapber, as liblber's C walk may be),
  with the 300x-pyasn1 target marked.
* ``stream.png``: MB/s of every contender on the stream of entries (log
  scale), with the 100 MB/s target marked.
* ``client.png``: entries per second of each LDAP client on the 10k-entry
  search against slapd (:mod:`bench.client`; bars at the median round, the
  whiskers the slowest and fastest rounds), with ldapber's goal (twice
  python-ldap's rate) marked.
* ``stream_gc.png``: MB/s of each way of decoding the chunked stream under a
  live heap (:mod:`bench.stream_gc`), with the 150 MB/s goal marked.

Colours are fixed per contender, so the charts of two runs compare at a
glance.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from .figures import REFERENCE, Section, Series, Timing, speedup
from .report import BUILT

#: One colour per contender, the same in every chart.
COLOURS = {
    "ldapber-cython": "#1b7837", "ldapber-python": "#7fbf7b", "liblber": "#404040",
    "pyasn1": "#762a83", "ldap3-pyasn1": "#af8dc3", "ldap3-fast": "#2166ac", "asn1tools": "#e08214",
    "ldaptor": "#b2182b", "scapy": "#fdb863",
    # bench.client and bench.stream_gc
    "ldapber": "#1b7837", "python-ldap": "#2166ac", "ldap3": "#762a83", "ldap3-ldapber": "#c2a5cf", "bonsai": "#e08214",
    "stream-decoder": "#1b7837", "stream-decoder-read": "#7fbf7b", "framer+decode": "#b2182b", "decode_all": "#404040",
}


def _plt():  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def ratio_chart(timings: Sequence[Timing], op: str, path: Path, target: float | None = 300.0) -> Path | None:
    """Grouped horizontal bars: one group per message, one bar per
    contender other than the reference: reference speed-up over it."""
    by_message: dict[str, dict[str, Timing]] = defaultdict(dict)
    for t in timings:
        if t.op == op:
            by_message[t.message][t.contender] = t
    ratios = {m: {c: speedup(rows[REFERENCE], t) for c, t in rows.items() if c != REFERENCE}
              for m, rows in by_message.items() if REFERENCE in rows and len(rows) > 1}
    messages = [m for m in ratios if m in BUILT]
    captured = [m for m in ratios if m not in BUILT]
    if captured:  # dozens of small PDUs: one row, the geometric mean per contender
        row = f"captured traffic ({len(captured)} PDUs, geometric mean)"
        per: dict[str, list[float]] = defaultdict(list)
        for m in captured:
            for c, x in ratios[m].items():
                per[c].append(x)
        ratios[row] = {c: math.exp(sum(map(math.log, xs)) / len(xs)) for c, xs in per.items()}
        messages.append(row)
    if not messages:
        return None
    contenders = sorted({c for m in messages for c in ratios[m]},
                        key=lambda c: list(COLOURS).index(c) if c in COLOURS else 99)
    plt = _plt()
    height = 0.8 / max(1, len(contenders))
    fig, ax = plt.subplots(figsize=(12, 1.2 + 0.12 * len(messages) * max(3, len(contenders))))
    for j, contender in enumerate(contenders):
        ys, xs = [], []
        for i, message in enumerate(messages):
            x = ratios[message].get(contender)
            if x is not None:
                ys.append(i + (j - (len(contenders) - 1) / 2) * height)
                xs.append(x)
        ax.barh(ys, xs, height=height, color=COLOURS.get(contender, "#999999"), label=contender)
    ax.set_xscale("log")
    ax.axvline(1.0, color="black", linewidth=0.8)
    if target:
        ax.axvline(target, color="#d6604d", linestyle="--", linewidth=1, label=f"target {target:g}x (pyasn1)")
    ax.set_yticks(range(len(messages)), messages)
    ax.invert_yaxis()
    ax.set_xlabel(f"{REFERENCE} is N times faster (log scale; < 1: the contender is faster)")
    ax.set_title(f"{op}: speed-up of {REFERENCE} over each contender, per message")
    ax.grid(axis="x", which="both", alpha=0.25)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def stream_chart(timings: Sequence[Timing], path: Path, target: float = 100.0) -> Path | None:
    rows = [t for t in timings if t.op == "stream"]
    if not rows:
        return None
    rows.sort(key=lambda t: -t.mb_per_s)
    plt = _plt()
    fig, ax = plt.subplots(figsize=(9, 0.8 + 0.45 * len(rows)))
    ax.barh([t.contender for t in rows], [t.mb_per_s for t in rows],
            color=[COLOURS.get(t.contender, "#999999") for t in rows])
    for i, t in enumerate(rows):
        ax.text(t.mb_per_s * 1.05, i, f"{t.mb_per_s:,.1f} MB/s", va="center", fontsize=8)
    ax.axvline(target, color="#d6604d", linestyle="--", linewidth=1, label=f"target {target:g} MB/s")
    ax.set_xscale("log")
    ax.invert_yaxis()
    ax.set_xlabel("MB/s decoded into Python values (log scale)")
    ax.set_title(f"stream: {rows[0].message}")
    ax.grid(axis="x", which="both", alpha=0.25)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def series_chart(rows: Sequence[Series], path: Path, *, scale: float, unit: str, title: str,
                 goal: tuple[float, str] | None = None) -> Path | None:
    """Horizontal bars of ``work / seconds / scale`` at each series' median
    round, whiskers from its slowest to its fastest round."""
    if not rows:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(9, 1.2 + 0.5 * len(rows)))
    mids = [s.rate / scale for s in rows]
    lows = [m - s.work / s.high / scale for s, m in zip(rows, mids, strict=True)]
    highs = [s.work / s.low / scale - m for s, m in zip(rows, mids, strict=True)]
    ax.barh([s.contender for s in rows], mids, xerr=[lows, highs], capsize=3,
            color=[COLOURS.get(s.contender, "#999999") for s in rows])
    right = max(m + h for m, h in zip(mids, highs, strict=True))
    for i, (m, h) in enumerate(zip(mids, highs, strict=True)):
        ax.text(m + h + right * 0.01, i, f"{m:,.0f} {unit}" if m >= 100 else f"{m:,.1f} {unit}", va="center",
                fontsize=8)
    if goal:
        ax.axvline(goal[0], color="#d6604d", linestyle="--", linewidth=1, label=goal[1])
        ax.legend(loc="lower right", fontsize=8)
    ax.set_xlim(0, max(right, goal[0] if goal else 0) * 1.15)
    ax.xaxis.set_major_formatter(lambda x, _: f"{x:,.0f}")
    ax.invert_yaxis()
    ax.set_xlabel(f"{unit} at the median round (whiskers: slowest and fastest round)")
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.25)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def client_chart(section: Section | None, path: Path) -> Path | None:
    """Entries/s per client on the 10k-entry search (bench.client)."""
    if section is None:
        return None
    rows = [s for s in section.series if s.path == "search10k"]
    ref = section.get("search10k", section.info.get("reference", "python-ldap"))
    goal = (2 * ref.rate, f"ldapber's goal: 2x {ref.contender}") if ref else None
    n = section.info.get("entries", 0)
    return series_chart(rows, path, scale=1.0, unit="entries/s", goal=goal,
                        title=f"one subtree search returning {n:,} entries from slapd, into Python objects")


def stream_gc_chart(section: Section | None, path: Path) -> Path | None:
    """MB/s per decoder on the chunked stream under a live heap (bench.stream_gc)."""
    if section is None:
        return None
    rows = [s for s in section.series if s.path == "stream-gc"]
    info = section.info
    return series_chart(rows, path, scale=1e6, unit="MB/s", goal=(150.0, "StreamDecoder goal: 150 MB/s"),
                        title=f"{info.get('passes', 3)} x {info.get('entries_per_pass', 0):,} entries in "
                              f"{info.get('chunk_bytes', 0) // 1024} KiB chunks, {info.get('heap_objects', 0):,} "
                              "live objects, GC on")


def draw(timings: Sequence[Timing], folder: Path, client: Section | None = None,
         stream_gc: Section | None = None) -> list[Path]:
    """Every chart of the run into ``folder``; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    made = [ratio_chart(timings, "decode", folder / "decode.png"),
            ratio_chart(timings, "encode", folder / "encode.png"),
            stream_chart(timings, folder / "stream.png"),
            client_chart(client, folder / "client.png"),
            stream_gc_chart(stream_gc, folder / "stream_gc.png")]
    return [p for p in made if p is not None]
