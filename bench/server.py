"""Server throughput: ``python -m bench.server`` (a few seconds per server).

Starts ``python -m ldapber serve`` and OpenLDAP's ``slapd`` (mdb backend, a
temporary directory) on loopback ports with the same sample directory, and
drives both with the same load generator: ``--connections`` connections,
each sending base-scope searches for one user entry, one at a time, for
``--seconds``.  The generator is cheap on purpose (requests encoded once,
responses framed and decoded by ldapber's compiled codec), so that it takes as
little of the machine's CPU as possible from the server under test.

Prints and writes (``bench/results/server.md``) searches per second and the
latency percentiles, and the ratio to slapd.  The target (issue 4): at
least a third of slapd's throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import ldapber
from ldapber import LDAPMessage, Scope, SearchRequest
from ldapber.model.filters import parse_filter
from ldapber.proto import Framer

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "ldapber" / "samples" / "directory.ldif"
BASE = "dc=example,dc=com"
ADMIN, ADMIN_PW = "cn=admin,dc=example,dc=com", "secret"
USERS = ["alice", "bob", "carol", "dave", "erin", "jsmith"]


@dataclass
class Result:
    name: str
    searches: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.searches / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int, proc: subprocess.Popen[bytes], seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("server did not start")


def start_ldapber(port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "ldapber", "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--no-cldap"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)


def slapd_conf(folder: Path, *, global_lines: Sequence[str] = (), database_lines: Sequence[str] = (),
               maxsize: int = 100 * 2**20) -> Path:
    """Write ``folder/slapd.conf``: an mdb database for BASE in ``folder/db``
    (made here), ADMIN as its rootdn, everything readable.  ``global_lines``
    go before the database section, ``database_lines`` at its end."""
    (folder / "db").mkdir()
    conf = folder / "slapd.conf"
    conf.write_text("\n".join([
        *(f"include /etc/ldap/schema/{s}.schema" for s in ("core", "cosine", "inetorgperson", "nis")),
        f"pidfile {folder}/slapd.pid", "modulepath /usr/lib/ldap", "moduleload back_mdb", *global_lines,
        "database mdb", f'suffix "{BASE}"', f'rootdn "{ADMIN}"', f"rootpw {ADMIN_PW}",
        f"directory {folder}/db", f"maxsize {maxsize}", "access to * by * read", *database_lines, ""]))
    return conf


def slapadd(conf: Path, ldif_path: Path, timeout: float = 300) -> None:
    """Load an LDIF file into the database of ``conf`` offline (slapd not
    running), in slapadd's quick mode: far faster than ldapadd for thousands
    of entries."""
    tool = shutil.which("slapadd") or "/usr/sbin/slapadd"
    done = subprocess.run([tool, "-q", "-f", str(conf), "-l", str(ldif_path)], capture_output=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"slapadd failed: {done.stderr.decode(errors='replace')[-2000:]}")


def start_slapd(port: int, folder: Path, ldif_path: Path | None = None, *, global_lines: Sequence[str] = (),
                database_lines: Sequence[str] = (), maxsize: int = 100 * 2**20) -> subprocess.Popen[bytes]:
    """slapd on 127.0.0.1:``port``, its configuration and database in
    ``folder``.  With ``ldif_path``, that file is loaded with :func:`slapadd`
    before slapd starts; without, the sample directory is added with ldapadd
    once it runs.  The caller stops the process (:func:`stop`)."""
    slapd = shutil.which("slapd") or "/usr/sbin/slapd"
    conf = slapd_conf(folder, global_lines=global_lines, database_lines=database_lines, maxsize=maxsize)
    if ldif_path is not None:
        slapadd(conf, ldif_path)
    proc = subprocess.Popen([slapd, "-d", "0", "-f", str(conf), "-h", f"ldap://127.0.0.1:{port}/"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(port, proc)
        if ldif_path is None:
            added = subprocess.run(["ldapadd", "-x", "-H", f"ldap://127.0.0.1:{port}", "-D", ADMIN, "-w", ADMIN_PW,
                                    "-f", str(SAMPLE)], capture_output=True, timeout=60)
            if added.returncode != 0:
                raise RuntimeError(f"ldapadd into slapd failed: {added.stderr.decode()}")
    except BaseException:  # slapd did not start or take the data: stop it, the caller has no handle
        stop(proc)
        raise
    return proc


def requests() -> list[bytes]:
    """One encoded base-scope search per user (the message ID is patched per call)."""
    return [ldapber.encode(LDAPMessage(1, SearchRequest(f"uid={u},ou=people,{BASE}", Scope.BASE_OBJECT, 0, 0, 0,
                                                        False, parse_filter("(objectClass=*)"), ["cn", "mail"])))
            for u in USERS]


async def one_connection(port: int, stop_at: float, latencies: list[float], pdus: list[bytes]) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    framer, done, i = Framer(), 0, 0
    try:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            writer.write(pdus[i % len(pdus)])
            i += 1
            finished = False
            while not finished:
                data = await reader.read(65536)
                if not data:
                    raise ConnectionError("server closed the connection")
                framer.feed(data)
                for pdu in framer:
                    msg = ldapber.decode(pdu)
                    if isinstance(msg.protocol_op, ldapber.SearchResultDone):
                        assert msg.protocol_op.result_code == 0, msg
                        finished = True
            latencies.append(time.perf_counter() - started)
            done += 1
    finally:
        writer.close()
    return done


async def drive(name: str, port: int, seconds: float, connections: int) -> Result:
    pdus = requests()
    latencies: list[float] = []
    await one_connection(port, time.perf_counter() + 0.3, [], pdus)  # warm up
    started = time.perf_counter()
    counts = await asyncio.gather(*(one_connection(port, started + seconds, latencies, pdus)
                                    for _ in range(connections)))
    return Result(name, sum(counts), time.perf_counter() - started, latencies)


def table(results: list[Result], connections: int) -> str:
    ref = next((r for r in results if r.name == "slapd"), None)
    lines = [f"Base-scope searches for one entry, {connections} connections, one search in flight each.", "",
             "| server | searches/s | p50 | p99 | vs slapd |", "|---|---:|---:|---:|---:|"]
    for r in results:
        ratio = f"{r.rate / ref.rate:.2f}x" if ref and ref.searches else "n/a"
        lines.append(f"| {r.name} | {r.rate:,.0f} | {r.percentile(50) * 1e6:,.0f} µs | "
                     f"{r.percentile(99) * 1e6:,.0f} µs | {ratio} |")
    return "\n".join(lines) + "\n"


def measure(seconds: float, connections: int) -> list[Result]:
    """ldapber's server, then slapd when installed, under the same load;
    every process started here is stopped here."""
    results = []
    procs: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            port = free_port()
            procs.append(start_ldapber(port))
            wait_for(port, procs[-1])
            results.append(asyncio.run(drive("ldapber", port, seconds, connections)))
            if slapd_available():
                port = free_port()
                procs.append(start_slapd(port, Path(tmp)))
                results.append(asyncio.run(drive("slapd", port, seconds, connections)))
            else:
                print("slapd or ldap-utils not installed: slapd not measured", file=sys.stderr)
        finally:
            for proc in procs:
                stop(proc)
    return results


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate a process this module started, and reap it."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def slapd_available() -> bool:
    return bool(shutil.which("ldapadd") and (shutil.which("slapd") or os.path.exists("/usr/sbin/slapd")))


def slapadd_available() -> bool:
    """slapd and its offline loader (both in Debian's slapd package)."""
    return bool((shutil.which("slapd") or os.path.exists("/usr/sbin/slapd"))
                and (shutil.which("slapadd") or os.path.exists("/usr/sbin/slapadd")))


def as_json(results: list[Result], connections: int) -> list[dict[str, object]]:
    return [{"server": r.name, "connections": connections, "searches": r.searches, "seconds": r.seconds,
             "searches_per_s": r.rate, "p50_s": r.percentile(50), "p99_s": r.percentile(99)} for r in results]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.server", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "server.md"))
    args = ap.parse_args(argv)
    results = measure(args.seconds, args.connections)
    text = table(results, args.connections)
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
