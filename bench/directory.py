"""The directory server at scale against slapd: ``python -m bench.directory [--quick | --smoke]``.

Both servers hold the same N inetOrgPerson entries (``bench.client``'s
people, N = 10,000; 200 in smoke mode) and the same equality indexes
(objectClass, uid, cn, mail, member): ``python -m ldapber serve --ldif`` and
OpenLDAP's slapd (mdb, loaded with ``slapadd``).  One load generator drives
both, in alternating rounds: two worker processes, each with its own
connections on loopback, every request encoded once beforehand and every
response only framed (BER headers walked, nothing decoded), so that the
generator takes as little CPU as it can from the server under test.

``base``      read one entry by DN (base scope), ops/s over all connections
``equality``  ``(uid=userNNNNN)`` under ou=people (subtree), ops/s
``bind``      a new connection, simple bind as the rootdn, unbind, close: ops/s
``subtree``   one search returning all N entries on one connection: entries/s
              (three per round; one untimed search on each server first)

Then the start: seconds from launching the server until it accepts
connections with the data loaded (slapd: ``slapadd`` plus its start), and the
server's resident memory then, for N and for 10 N entries (``--scale``; at 10 N
each server starts three times, alternating, and the median start is judged).
Writes ``bench/results/directory.md`` and ``directory.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .client import PEOPLE, person, write_ldif
from .framing import BIND_RESPONSE, ENTRY, SEARCH_DONE, ops_in
from .server import ADMIN, ADMIN_PW, ROOT, free_port, slapadd_available, start_slapd, stop, wait_for

RESULTS = ROOT / "bench" / "results"
OPS = ("base", "equality", "bind", "subtree")
INDEXED = ("objectClass", "uid", "cn", "mail", "member")
WORKERS = 2


@dataclass(frozen=True)
class Mode:
    entries: int
    rounds: int
    seconds: float  # per op and round
    connections: int  # per worker
    scale: int  # entries for the second start measurement (0: none)
    start_repeats: int = 3  # starts of each server at that scale (the median is judged)


MODES = {
    "full": Mode(10_000, 5, 3.0, 4, 100_000),
    "quick": Mode(10_000, 3, 2.0, 4, 100_000),
    "smoke": Mode(200, 1, 0.3, 2, 0),
}


def _requests(op: str, entries: int, count: int, seed: int) -> list[bytes]:
    from ldapber import LDAPMessage, Scope, SearchRequest, encode
    from ldapber.model.filters import parse_filter

    rng = random.Random(seed)
    anything = parse_filter("(objectClass=*)")
    out = []
    for _ in range(count):
        i = rng.randrange(entries)
        if op == "base":
            req = SearchRequest(person(i)[0], Scope.BASE_OBJECT, 0, 0, 0, False, anything, [])
        else:
            req = SearchRequest(PEOPLE, Scope.WHOLE_SUBTREE, 0, 0, 0, False,
                                parse_filter(f"(uid=user{i:05d})"), [])
        out.append(encode(LDAPMessage(1, req)))
    return out


def _bind_pdus() -> tuple[bytes, bytes]:
    from ldapber import BindRequest, LDAPMessage, Simple, UnbindRequest, encode

    return (encode(LDAPMessage(1, BindRequest(3, ADMIN, Simple(ADMIN_PW.encode())))),
            encode(LDAPMessage(2, UnbindRequest())))


async def _until(reader: asyncio.StreamReader, buf: bytearray, tag: int, deadline: float) -> int:
    """Read until a response with protocolOp ``tag`` is complete; the number of entries before it."""
    entries = 0
    while True:
        tags, used = ops_in(buf)
        del buf[:used]
        for t in tags:
            if t == tag:
                return entries
            if t == ENTRY:
                entries += 1
        data = await asyncio.wait_for(reader.read(262144), max(0.1, deadline - time.monotonic()))
        if not data:
            raise ConnectionError("the server closed the connection")
        buf += data


async def _search_loop(port: int, pdus: list[bytes], stop_at: float, offset: int) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    done, buf = 0, bytearray()
    try:
        while time.monotonic() < stop_at:
            writer.write(pdus[(offset + done) % len(pdus)])
            found = await _until(reader, buf, SEARCH_DONE, stop_at + 30)
            assert found == 1, f"a read returned {found} entries"
            done += 1
    finally:
        writer.close()
    return done


async def _bind_loop(port: int, stop_at: float) -> int:
    bind, unbind = _bind_pdus()
    done = 0
    while time.monotonic() < stop_at:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(bind)
            await _until(reader, bytearray(), BIND_RESPONSE, stop_at + 30)
            writer.write(unbind)
            await writer.drain()
        finally:
            writer.close()
        done += 1
    return done


def _worker(args: tuple[str, int, int, float, int, int]) -> int:
    """One load-generator process: ``connections`` loops until ``stop_at`` (time.monotonic)."""
    op, port, entries, stop_at, connections, seed = args

    async def run() -> int:
        if op == "bind":
            counts = await asyncio.gather(*(_bind_loop(port, stop_at) for _ in range(connections)))
        else:
            pdus = _requests(op, entries, 2000, seed)
            counts = await asyncio.gather(*(_search_loop(port, pdus, stop_at, 97 * c)
                                            for c in range(connections)))
        return sum(counts)

    return asyncio.run(run())


def measure_op(pool: multiprocessing.pool.Pool, op: str, port: int, mode: Mode, seed: int) -> float:
    """Operations per second (for ``subtree``: entries per second)."""
    if op == "subtree":  # three searches, one after the other: entries over their total time
        return 3 / sum(1 / asyncio.run(_subtree(port, mode.entries)) for _ in range(3))
    started = time.monotonic() + 0.5  # the workers start together, after their imports
    stop_at = started + mode.seconds
    counts = pool.map(_worker, [(op, port, mode.entries, stop_at, mode.connections, seed + w) for w in range(WORKERS)])
    return sum(counts) / (time.monotonic() - started)


async def _subtree(port: int, entries: int) -> float:
    from ldapber import LDAPMessage, Scope, SearchRequest, encode
    from ldapber.model.filters import parse_filter

    pdu = encode(LDAPMessage(1, SearchRequest(PEOPLE, Scope.WHOLE_SUBTREE, 0, 0, 0, False,
                                              parse_filter("(objectClass=*)"), [])))
    bind, _ = _bind_pdus()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        buf = bytearray()
        writer.write(bind)  # as the rootdn: no size limit applies
        await _until(reader, buf, BIND_RESPONSE, time.monotonic() + 30)
        t0 = time.perf_counter()
        writer.write(pdu)
        found = await _until(reader, buf, SEARCH_DONE, time.monotonic() + 120)
        took = time.perf_counter() - t0
    finally:
        writer.close()
    assert found == entries + 1, f"the subtree search returned {found} of {entries + 1} entries"  # ou=people too
    return found / took


# -- the servers ------------------------------------------------------------------------------------
def _rss(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def uvloop_available() -> bool:
    return importlib.util.find_spec("uvloop") is not None


def start_ldapber(ldif: Path, port: int, loop: str = "asyncio") -> tuple[subprocess.Popen[bytes], float]:
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "ldapber", "serve", "--loop", loop, "--host", "127.0.0.1", "--port", str(port),
                             "--no-cldap", "--ldif", str(ldif), "--size-limit", "0", "--root-dn", ADMIN,
                             "--root-password", ADMIN_PW, "--index", ",".join(INDEXED), "--max-per-address", "0", "--max-connections",
                             "10000"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    try:
        wait_for(port, proc, seconds=600)
    except BaseException:
        stop(proc)
        raise
    return proc, time.monotonic() - t0


def start_slapd_with(ldif: Path, port: int, folder: Path) -> tuple[subprocess.Popen[bytes], float]:
    t0 = time.monotonic()
    proc = start_slapd(port, folder, ldif, global_lines=("sizelimit unlimited",),
                       database_lines=tuple(f"index {t} eq" for t in INDEXED), maxsize=4 * 2**30)
    return proc, time.monotonic() - t0


def start_rows(n: int, folder: Path, repeats: int = 1) -> list[dict[str, object]]:
    """Start time and RSS of each server holding ``n`` entries: ``repeats``
    starts each, the servers alternating, reported as the median start (and
    every start, for the spread) and the largest RSS."""
    ldif = folder / f"people-{n}.ldif"
    write_ldif(ldif, n)
    starts: dict[str, list[float]] = {}
    rss: dict[str, int] = {}

    def record(server: str, proc: subprocess.Popen[bytes], took: float) -> None:
        starts.setdefault(server, []).append(took)
        rss[server] = max(rss.get(server, 0), _rss(proc.pid))
        stop(proc)

    for attempt in range(repeats):
        record("ldapber", *start_ldapber(ldif, free_port()))
        if slapadd_available():
            database = folder / f"slapd-{n}-{attempt}"
            database.mkdir()
            record("slapd", *start_slapd_with(ldif, free_port(), database))
    return [{"server": server, "entries": n, "start_s": statistics.median(took), "starts": took, "rss": rss[server]}
            for server, took in starts.items()]


def run(mode: Mode, log=print) -> dict[str, object]:  # type: ignore[no-untyped-def]
    if not slapadd_available():
        log("  slapd (with slapadd) is not installed: ldapber alone is measured, no ratios")
    samples: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="ldapber-directory-bench-") as tmp:
        folder = Path(tmp)
        ldif = folder / "people.ldif"
        write_ldif(ldif, mode.entries)
        servers: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
        try:
            port = free_port()
            servers["ldapber"] = (start_ldapber(ldif, port)[0], port)
            if uvloop_available():  # the same server on uvloop's event loop (the optional extra)
                port = free_port()
                servers["ldapber-uvloop"] = (start_ldapber(ldif, port, "uvloop")[0], port)
            if slapadd_available():
                (folder / "slapd").mkdir()
                port = free_port()
                servers["slapd"] = (start_slapd_with(ldif, port, folder / "slapd")[0], port)
            for _, port in servers.values():  # warm-up, untimed: caches filled, stored encodings built
                asyncio.run(_subtree(port, mode.entries))
            ctx = multiprocessing.get_context("fork")
            with ctx.Pool(WORKERS) as pool:
                for r in range(mode.rounds):
                    names = list(servers) if r % 2 == 0 else list(reversed(servers))
                    for op in OPS:
                        for name in names:
                            rate = measure_op(pool, op, servers[name][1], mode, seed=r * 10)
                            samples.setdefault((op, name), []).append(rate)
                    log(f"  round {r + 1} of {mode.rounds}")
        finally:
            for proc, _ in servers.values():
                stop(proc)
        starts = start_rows(mode.entries, folder)
        if mode.scale:
            log(f"  starting each server with {mode.scale:,} entries")
            starts += start_rows(mode.scale, folder, repeats=mode.start_repeats)
    return {"mode": mode.__dict__, "samples": {f"{op}|{name}": v for (op, name), v in samples.items()},
            "starts": starts, "load": list(os.getloadavg())}


GOALS = {"base": 0.5, "equality": 0.5, "bind": 1.0, "subtree": 1.0}
UNITS = {"base": "ops/s", "equality": "ops/s", "bind": "ops/s", "subtree": "entries/s"}


def report(data: dict[str, object]) -> str:
    mode = data["mode"]
    samples: dict[str, list[float]] = data["samples"]  # type: ignore[assignment]
    lines = [f"Both servers hold {mode['entries']:,} inetOrgPerson entries (equality indexes on "  # type: ignore[index]
             f"{', '.join(INDEXED)}); {mode['rounds']} alternating rounds of {mode['seconds']} s per operation, "  # type: ignore[index]
             f"{WORKERS} load-generator processes x {mode['connections']} connections, one request in flight "  # type: ignore[index]
             f"per connection (subtree: three searches per round, one at a time, after one untimed).  Load average after: {data['load'][0]:.2f}.", "",  # type: ignore[index]
             "| operation | server | ours (median) | slapd (median) | ours min – max | ratio | goal | verdict |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    for op in OPS:
        theirs = samples.get(f"{op}|slapd", [])
        for name in ("ldapber", "ldapber-uvloop"):  # the asyncio loop, and uvloop where installed
            ours = samples.get(f"{op}|{name}", [])
            if not ours:
                continue
            m = statistics.median(ours)
            ref = statistics.median(theirs) if theirs else None
            ratio = m / ref if ref else None
            verdict = "not judged" if ratio is None or mode["entries"] != 10_000 else (  # type: ignore[index]
                "met" if ratio >= GOALS[op] else "**MISSED**")
            lines.append(f"| {op} ({UNITS[op]}) | {name} | {m:,.0f} | {'' if ref is None else f'{ref:,.0f}'} | "
                         f"{min(ours):,.0f} – {max(ours):,.0f} | {'' if ratio is None else f'{ratio:.2f}x'} | "
                         f"{GOALS[op]}x | {verdict} |")
    lines += ["", "Start with the data loaded, and resident memory then:", "",
              "| server | entries | start (median) | starts, min – max | RSS (max) | goal (ldapber, 100k) |",
              "|---|---:|---:|---:|---:|---|"]
    for row in data["starts"]:  # type: ignore[attr-defined]
        goal = ""
        if row["server"] == "ldapber" and row["entries"] == 100_000:
            ok = row["start_s"] <= 10 and row["rss"] <= 300 * 2**20
            goal = ("met" if ok else "**MISSED**") + " (<= 10 s and <= 300 MiB)"
        took = row.get("starts") or [row["start_s"]]
        spread = f"{len(took)}: {min(took):.1f} – {max(took):.1f} s"
        lines.append(f"| {row['server']} | {row['entries']:,} | {row['start_s']:.1f} s | {spread} | "
                     f"{row['rss'] / 2**20:.0f} MiB | {goal} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.directory", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--quick", action="store_const", const="quick", dest="mode")
    group.add_argument("--smoke", action="store_const", const="smoke", dest="mode")
    ap.add_argument("--no-scale", action="store_true", help="skip the 10x start measurement")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    mode = MODES[args.mode or "full"]
    if args.no_scale:
        mode = Mode(mode.entries, mode.rounds, mode.seconds, mode.connections, 0)
    data = run(mode, log=lambda s: print(s, file=sys.stderr, flush=True))
    text = report(data)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "directory.md").write_text(text, encoding="utf-8")
    (args.out / "directory.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
