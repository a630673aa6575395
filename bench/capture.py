"""Capture real LDAP traffic for the benchmark corpus: ``python -m bench.capture``.

Starts a throwaway slapd (``bench.server.start_slapd``: mdb backend, a
temporary directory, the sample directory loaded) on a free loopback port,
puts a recording TCP relay (asyncio, 127.0.0.1 only) in front of it and runs
a scripted session of OpenLDAP's command-line clients through the relay:

========================  ====================================================
step                      command
========================  ====================================================
``ldapwhoami``            simple bind as uid=alice, Who am I? extended op
``ldapsearch``            anonymous bind, subtree search of ou=people with a
                          filter returning six entries, all user attributes
``ldapsearch-paged``      ``-E pr=2/noprompt``: paged results, two per page
``ldapadd``               add uid=frank (multi-valued attributes)
``ldapmodify``            add / replace / delete modifications of uid=frank
``ldapmodrdn``            rename uid=frank to uid=fred, deleting the old RDN
``ldapcompare``           compare mail of uid=fred
``ldappasswd``            Password Modify extended op (``-s``, fixed password)
``ldapsearch-filter``     compound filter (and / or / not / substrings /
                          approx / >= / <= / present / extensible match)
``ldapdelete``            delete uid=fred
========================  ====================================================

Each direction of each connection is split into PDUs with
:func:`ldapber.pdu_length` and named ``captured/<step>/<request|response>/
<operation>#<n>`` (``<operation>`` is RFC 4511's name of the protocolOp
alternative, ``<n>`` its ordinal within the step and direction).  To keep the
corpus modest, at most :data:`MAX_PER_KIND` PDUs of each name stem are kept
and a PDU byte-identical to one already kept (the same admin bind in every
step) is dropped.  The whole server->client byte stream of the ``ldapsearch``
step is kept as well, as the captured stream.  The result is written to
``bench/corpus/captured.ber`` in the format :mod:`bench.captured` documents.

Operational attributes are never requested, so the data is the same from run
to run.  Every process started here (slapd, each client) is stopped before
the script returns; each client and each relay connection has a time limit.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import ldapber

from .captured import PATH, STREAM_NAME, dump
from .server import ADMIN, ADMIN_PW, BASE, free_port, start_slapd, stop

PEOPLE = f"ou=people,{BASE}"
ALICE, ALICE_PW = f"uid=alice,{PEOPLE}", "password"
FRANK, FRED = f"uid=frank,{PEOPLE}", f"uid=fred,{PEOPLE}"
#: At most this many PDUs per (step, direction, operation).
MAX_PER_KIND = 3
#: Time limit of one client command, and of a relay connection's end.
COMMAND_TIMEOUT = 30.0
#: Upper bound on the bytes recorded per connection and direction.
MAX_RECORDED = 4 * 1024 * 1024

#: RFC 4511 names of the protocolOp alternatives, by APPLICATION tag number.
OPERATIONS = {
    0: "bindRequest", 1: "bindResponse", 2: "unbindRequest", 3: "searchRequest", 4: "searchResEntry",
    5: "searchResDone", 6: "modifyRequest", 7: "modifyResponse", 8: "addRequest", 9: "addResponse",
    10: "delRequest", 11: "delResponse", 12: "modDNRequest", 13: "modDNResponse", 14: "compareRequest",
    15: "compareResponse", 16: "abandonRequest", 19: "searchResRef", 23: "extendedReq", 24: "extendedResp",
    25: "intermediateResponse",
}

ADD_LDIF = f"""\
dn: {FRANK}
objectClass: top
objectClass: person
objectClass: organizationalPerson
objectClass: inetOrgPerson
cn: Frank Fischer
cn: Frank
sn: Fischer
givenName: Frank
uid: frank
mail: frank@example.com
mail: ff@example.com
telephoneNumber: +1 555 0107
description: Added by bench.capture
"""

MODIFY_LDIF = f"""\
dn: {FRANK}
changetype: modify
replace: telephoneNumber
telephoneNumber: +1 555 0199
telephoneNumber: +1 555 0198
-
add: title
title: Benchmark subject
-
delete: mail
mail: ff@example.com
-
delete: description
"""

#: Every filter choice but extensible match without a type; several entries match.
COMPOUND_FILTER = ("(&(objectClass=inetOrgPerson)(|(uid=a*)(mail=*@example.com)(cn~=Karol)(cn=J*n S*th))"
                   "(!(uid=bob))(telephoneNumber=*)(createTimestamp>=20000101000000Z)"
                   "(|(uidNumber<=60000)(cn:caseExactMatch:=Erin Evans)(ou:dn:=people)))")


def steps(url: str, folder: Path) -> list[tuple[str, list[str]]]:
    """The scripted session: (step name, argv), run in this order."""
    (folder / "add.ldif").write_text(ADD_LDIF)
    (folder / "modify.ldif").write_text(MODIFY_LDIF)
    admin = ["-x", "-H", url, "-D", ADMIN, "-w", ADMIN_PW]
    return [
        ("ldapwhoami", ["ldapwhoami", "-x", "-H", url, "-D", ALICE, "-w", ALICE_PW]),
        ("ldapsearch", ["ldapsearch", "-x", "-H", url, "-LLL", "-b", PEOPLE, "-s", "sub",
                        "(objectClass=inetOrgPerson)"]),
        ("ldapsearch-paged", ["ldapsearch", *admin, "-LLL", "-E", "pr=2/noprompt", "-b", PEOPLE, "-s", "one",
                              "(objectClass=person)", "cn", "uid"]),
        ("ldapadd", ["ldapadd", *admin, "-f", str(folder / "add.ldif")]),
        ("ldapmodify", ["ldapmodify", *admin, "-f", str(folder / "modify.ldif")]),
        ("ldapmodrdn", ["ldapmodrdn", *admin, "-r", FRANK, "uid=fred"]),
        ("ldapcompare", ["ldapcompare", *admin, FRED, "mail:frank@example.com"]),
        ("ldappasswd", ["ldappasswd", *admin, "-s", "n3w-Secret", FRED]),
        ("ldapsearch-filter", ["ldapsearch", *admin, "-LLL", "-z", "50", "-b", BASE, "-s", "sub",
                               COMPOUND_FILTER, "cn", "mail", "uid"]),
        ("ldapdelete", ["ldapdelete", *admin, FRED]),
    ]


@dataclass
class Connection:
    step: str
    request: bytearray = field(default_factory=bytearray)  # client -> server
    response: bytearray = field(default_factory=bytearray)  # server -> client


class Relay:
    """A recording TCP relay on 127.0.0.1 in front of ``upstream_port``.
    Connections are attributed to :attr:`step`, the step running when they
    were accepted."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.step = ""
        self.connections: list[Connection] = []
        self.tasks: list[asyncio.Task[None]] = []
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    async def settle(self) -> None:
        """Wait (bounded) until every connection accepted so far has ended."""
        pending = [t for t in self.tasks if not t.done()]
        if pending:
            await asyncio.wait_for(asyncio.gather(*pending), COMMAND_TIMEOUT)

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = Connection(self.step)
        self.connections.append(conn)
        self.tasks.append(asyncio.get_running_loop().create_task(self._relay(conn, reader, writer)))

    async def _relay(self, conn: Connection, c_reader: asyncio.StreamReader, c_writer: asyncio.StreamWriter) -> None:
        s_reader, s_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        try:
            await asyncio.gather(self._pump(c_reader, s_writer, conn.request),
                                 self._pump(s_reader, c_writer, conn.response))
        finally:
            for w in (c_writer, s_writer):
                w.close()

    @staticmethod
    async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, record: bytearray) -> None:
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                if len(record) + len(data) > MAX_RECORDED:
                    raise RuntimeError("connection recorded more than MAX_RECORDED bytes")
                record += data
                writer.write(data)
                await writer.drain()
            if writer.can_write_eof():
                writer.write_eof()
        except (ConnectionError, OSError):
            pass  # the other side went away: the record so far stands


async def run_step(relay: Relay, name: str, argv: list[str], env: dict[str, str]) -> None:
    relay.step = name
    proc = await asyncio.create_subprocess_exec(*argv, stdin=asyncio.subprocess.DEVNULL,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                                                env=env)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), COMMAND_TIMEOUT)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()
        raise RuntimeError(f"{name}: {argv[0]} timed out") from None
    # ldapcompare exits 6 (compareTrue) or 5 (compareFalse) on success.
    ok = {0, 5, 6} if argv[0] == "ldapcompare" else {0}
    if proc.returncode not in ok:
        raise RuntimeError(f"{name}: {argv[0]} exited {proc.returncode}: {err.decode(errors='replace')}")
    await relay.settle()


def _header(buf: bytes, off: int) -> tuple[int, int, int]:
    """(first identifier octet, content offset, content length) of the TLV at
    ``off``; single-octet tags only, which is all LDAP uses at this level."""
    tag, first = buf[off], buf[off + 1]
    if first < 0x80:
        return tag, off + 2, first
    n = first & 0x7F
    return tag, off + 2 + n, int.from_bytes(buf[off + 2:off + 2 + n], "big")


def operation(pdu: bytes) -> str:
    """RFC 4511 name of the PDU's protocolOp, read from its tag alone."""
    _, off, _ = _header(pdu, 0)
    _, id_off, id_len = _header(pdu, off)  # messageID
    tag = pdu[id_off + id_len]
    return OPERATIONS.get(tag & 0x1F, f"application{tag & 0x1F}") if tag & 0xC0 == 0x40 else f"tag{tag:#04x}"


def split(stream: bytes) -> list[bytes]:
    """The PDUs of a recorded byte stream; it must end on a PDU boundary."""
    pdus, off = [], 0
    while off < len(stream):  # each pass consumes at least one octet
        n = ldapber.pdu_length(memoryview(stream)[off:])
        if n is None or off + n > len(stream):
            raise ValueError(f"stream ends inside a PDU at offset {off}")
        pdus.append(stream[off:off + n])
        off += n
    return pdus


def select(connections: list[Connection]) -> dict[str, bytes]:
    """Named PDUs: at most MAX_PER_KIND per name stem, no duplicate bytes."""
    chosen: dict[str, bytes] = {}
    seen: set[bytes] = set()
    for conn in connections:
        for direction, stream in (("request", conn.request), ("response", conn.response)):
            counts: Counter[str] = Counter()
            for pdu in split(bytes(stream)):
                op = operation(pdu)
                counts[op] += 1
                name = f"captured/{conn.step}/{direction}/{op}#{counts[op]}"
                if counts[op] > MAX_PER_KIND or pdu in seen:
                    continue
                while name in chosen:  # a second connection of the same step
                    counts[op] += 1
                    name = f"captured/{conn.step}/{direction}/{op}#{counts[op]}"
                seen.add(pdu)
                chosen[name] = pdu
    return chosen


async def session(slapd_port: int, folder: Path) -> list[Connection]:
    relay = Relay(slapd_port)
    port = await relay.start()
    env = {**os.environ, "LDAPNOINIT": "1"}  # no ldap.conf / ldaprc: the same requests everywhere
    try:
        for name, argv in steps(f"ldap://127.0.0.1:{port}", folder):
            await run_step(relay, name, argv, env)
    finally:
        await relay.close()
    return relay.connections


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.capture", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(PATH), help="the data file to write (default: %(default)s)")
    args = ap.parse_args(argv)
    missing = [t for t in ("slapd", "ldapsearch", "ldapadd", "ldapmodify", "ldapdelete", "ldapmodrdn",
                           "ldapcompare", "ldapwhoami", "ldappasswd")
               if not (shutil.which(t) or (t == "slapd" and os.path.exists("/usr/sbin/slapd")))]
    if missing:
        print(f"not installed: {', '.join(missing)}", file=sys.stderr)
        return 1
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        slapd = start_slapd(port, Path(tmp))
        try:
            connections = asyncio.run(session(port, Path(tmp)))
        finally:
            stop(slapd)
    pdus = select(connections)
    search = [c for c in connections if c.step == "ldapsearch"]
    stream = bytes(search[0].response) if search else None
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(dump(pdus, {STREAM_NAME: stream} if stream else {}))
    kinds = Counter(name.rsplit("/", 1)[1].split("#")[0] for name in pdus)
    print(f"{len(pdus)} PDUs ({sum(map(len, pdus.values()))} bytes) from {len(connections)} connections, "
          f"stream {len(stream or b'')} bytes -> {out} ({out.stat().st_size} bytes) "
          f"in {time.perf_counter() - started:.1f} s")
    print(", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
